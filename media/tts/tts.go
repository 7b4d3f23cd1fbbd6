// Package tts is the text-to-speech seam: the interviewer's words in, mono
// 16-bit PCM out. Engines live beneath it: flite (media/tts/flite, the
// embedded default, chosen by measurement: see MEASUREMENTS.md), espeak-ng
// (media/tts/espeak) and any OpenAI-compatible /audio/speech server
// (media/tts/openai). Every engine passes the conformance suite in
// media/tts/ttstest.
//
// The package also holds what sits on top of any engine: Fallback (a remote
// engine backed by an embedded one) and Cache (prompts known in advance,
// synthesised ahead of time so a reply starts at once).
//
// The text an engine speaks is the interview's content: it is never logged
// and never put in an error.
package tts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/viva-interview/viva/media"
)

// Synthesizer turns text into speech. Implementations are safe for
// concurrent use and honour ctx.
type Synthesizer interface {
	Synthesize(ctx context.Context, text string) (Speech, error)
}

// Speech is synthesised audio: mono signed 16-bit PCM at the engine's own
// rate.
type Speech struct {
	PCM  []int16
	Rate int // samples per second
	// Engine names the engine and voice that spoke, such as "flite:slt".
	Engine string
	// Notice is something the candidate should see, such as a fallback
	// from the remote engine to the embedded one.
	Notice string
}

// OpusRate is the rate of the interviewer's Opus track.
const OpusRate = 48000

// DurationMS is the speech's length in milliseconds, rounded down.
func (s Speech) DurationMS() int64 {
	if s.Rate <= 0 {
		return 0
	}
	return int64(len(s.PCM)) * 1000 / int64(s.Rate)
}

// Resample returns the speech at rate Hz, converted with media.Resample (an
// exact copy when it is already at that rate), rounded and clipped to the
// int16 range. It panics if either rate is not positive.
func (s Speech) Resample(rate int) Speech {
	out := s
	if s.Rate == rate || len(s.PCM) == 0 {
		out.PCM = append([]int16(nil), s.PCM...)
		out.Rate = rate
		return out
	}
	in := make([]float32, len(s.PCM))
	for i, v := range s.PCM {
		in[i] = float32(v) / 32768
	}
	out.PCM = FromFloat(media.Resample(in, s.Rate, rate))
	out.Rate = rate
	return out
}

// To48k is the speech at 48 kHz, the rate the Opus track is encoded at.
func (s Speech) To48k() Speech { return s.Resample(OpusRate) }

// LogValue describes the speech without its audio.
func (s Speech) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("engine", s.Engine),
		slog.Int("rate", s.Rate),
		slog.Int64("duration_ms", s.DurationMS()),
	)
}

// FromClip converts a decoded WAV file into Speech from engine.
func FromClip(c media.Clip, engine string) Speech {
	return Speech{PCM: FromFloat(c.Samples), Rate: c.Rate, Engine: engine}
}

// FromFloat converts samples in [-1, 1] to int16 (see media.ToInt16).
func FromFloat(in []float32) []int16 { return media.ToInt16(in) }

// Errors callers branch on.
var (
	// ErrUnavailable means the engine could not be reached or failed; the
	// caller may fall back to another engine.
	ErrUnavailable = errors.New("speech synthesiser unavailable")
	// ErrEmptyText means the text has nothing to say: empty, or only
	// spaces and control characters.
	ErrEmptyText = errors.New("no text to speak")
	// ErrTooLong means the text is longer than MaxTextRunes.
	ErrTooLong = errors.New("text too long to speak")
)

// MaxTextRunes bounds the text of one synthesis: a long interviewer prompt
// is a few hundred characters, and OpenAI's own limit is 4,096.
const MaxTextRunes = 2000

// CleanText checks text and returns it as engines should get it: valid
// UTF-8 (invalid bytes dropped), control characters and runs of white space
// (newlines included) turned into single spaces, trimmed. Empty text wraps
// ErrEmptyText and text over MaxTextRunes wraps ErrTooLong; neither error
// quotes the text.
func CleanText(text string) (string, error) {
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrTooLong, n, MaxTextRunes)
	}
	text = strings.ToValidUTF8(text, "")
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, text)
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return "", ErrEmptyText
	}
	return text, nil
}
