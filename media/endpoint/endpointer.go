// Package endpoint owns end-of-turn decisions. From the voice activity
// detector's verdict on each 20 ms frame (media/vad), the words recognised
// so far (the speech engine's partials) and whether the interviewer is
// speaking, an Endpointer decides when the candidate starts a turn, pauses,
// resumes, finishes, barges in over the interviewer or only backchannels.
//
// It is built for interviews: a turn ends after Config.Silence of silence,
// stretched up to Config.MaxThinking when the last word so far looks
// unfinished ("and", "because", "um"), and speech too short to be an answer
// (a cough) or to interrupt the interviewer (an "mm-hm") is not one. Each
// decision is an Event with its Reason, so it can be tested and tuned.
//
// The package is pure: no I/O, no goroutines, no clock. Time, on the
// interview's time base, comes in with each frame.
package endpoint

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// FrameDuration is the length of the frames Frame expects, as the
// detectors in media/vad deliver them.
const FrameDuration = 20 * time.Millisecond

// Config tunes an Endpointer. Zero values mean the documented defaults.
type Config struct {
	// Silence ends a turn after this much silence following words that look
	// finished. Zero: 800 ms.
	Silence time.Duration
	// MaxThinking is the silence allowed when the last word so far looks
	// unfinished. It must not be shorter than Silence. Zero: 2.5 s, or
	// Silence if that is longer.
	MaxThinking time.Duration
	// MinSpeech is the speech needed to start a turn; anything shorter (a
	// cough, "mm") never does. Zero: 250 ms.
	MinSpeech time.Duration
	// BargeIn is the speech needed, while the interviewer speaks, to count
	// as a barge-in; shorter speech is a Backchannel. Zero: 500 ms.
	BargeIn time.Duration
	// Unfinished lists the words after which a sentence looks unfinished,
	// fillers included. They are compared lower-cased with punctuation
	// trimmed. Nil: and, so, because, but, or, then, which, that, like, um,
	// uh, erm, if, when, with, the, a, to, of. An empty, non-nil slice
	// means no word is unfinished.
	Unfinished []string
}

// The defaults for a zero Config.
const (
	DefaultSilence     = 800 * time.Millisecond
	DefaultMaxThinking = 2500 * time.Millisecond
	DefaultMinSpeech   = 250 * time.Millisecond
	DefaultBargeIn     = 500 * time.Millisecond
)

func defaultUnfinished() []string {
	return []string{"and", "so", "because", "but", "or", "then", "which", "that", "like",
		"um", "uh", "erm", "if", "when", "with", "the", "a", "to", "of"}
}

// ErrConfig is wrapped by every error New returns for a bad Config.
var ErrConfig = errors.New("invalid endpoint config")

type state uint8

const (
	idle     state = iota // between turns
	speaking              // in a turn, speech
	paused                // in a turn, silence
)

// Endpointer turns per-frame voice activity into turn events. Feed it every
// frame of one candidate's audio with Frame, the words of the current turn
// with SetWords, and the interviewer's state with SetInterviewerSpeaking.
// After an EndOfTurn it waits for the next turn by itself; Reset abandons
// the current one. An Endpointer is not safe for concurrent use.
type Endpointer struct {
	cfg        Config
	unfinished map[string]struct{}

	state       state
	started     bool          // a frame has been seen
	last        time.Duration // end of the last frame
	interviewer bool
	lastWord    string // normalised last word of the turn so far
	awaiting    bool   // words for the current pause are on their way

	// Between turns: the current run of speech, not yet a turn.
	inRun    bool
	runOnset time.Duration
	overlap  bool // part of the run was over the interviewer

	// In a turn.
	speechOnset  time.Duration // onset of the current stretch of speech
	silenceOnset time.Duration // onset of the current pause
	extended     bool          // ThinkingExtended reported for this pause
}

// New returns an Endpointer for cfg, or an error wrapping ErrConfig that
// names the field at fault.
func New(cfg Config) (*Endpointer, error) {
	switch {
	case cfg.Silence < 0:
		return nil, fmt.Errorf("%w: Silence %v is negative", ErrConfig, cfg.Silence)
	case cfg.MaxThinking < 0:
		return nil, fmt.Errorf("%w: MaxThinking %v is negative", ErrConfig, cfg.MaxThinking)
	case cfg.MinSpeech < 0:
		return nil, fmt.Errorf("%w: MinSpeech %v is negative", ErrConfig, cfg.MinSpeech)
	case cfg.BargeIn < 0:
		return nil, fmt.Errorf("%w: BargeIn %v is negative", ErrConfig, cfg.BargeIn)
	}
	if cfg.Silence == 0 {
		cfg.Silence = DefaultSilence
	}
	if cfg.MaxThinking == 0 {
		cfg.MaxThinking = max(DefaultMaxThinking, cfg.Silence)
	}
	if cfg.MaxThinking < cfg.Silence {
		return nil, fmt.Errorf("%w: MaxThinking %v is shorter than Silence %v", ErrConfig, cfg.MaxThinking, cfg.Silence)
	}
	if cfg.MinSpeech == 0 {
		cfg.MinSpeech = DefaultMinSpeech
	}
	if cfg.BargeIn == 0 {
		cfg.BargeIn = DefaultBargeIn
	}
	words := cfg.Unfinished
	if words == nil {
		words = defaultUnfinished()
	}
	e := &Endpointer{unfinished: make(map[string]struct{}, len(words))}
	norm := make([]string, len(words))
	for i, w := range words {
		n := normalise(w)
		if n == "" || strings.ContainsFunc(n, unicode.IsSpace) {
			return nil, fmt.Errorf("%w: Unfinished[%d] %q is not a single word", ErrConfig, i, w)
		}
		norm[i] = n
		e.unfinished[n] = struct{}{}
	}
	cfg.Unfinished = norm
	e.cfg = cfg
	return e, nil
}

// Config returns the configuration in effect, defaults filled in.
func (e *Endpointer) Config() Config {
	c := e.cfg
	c.Unfinished = append([]string(nil), c.Unfinished...)
	return c
}

// SetWords gives the words of the current turn so far, as the speech
// engine's latest partial or final hypothesis has them. Only the last word
// is kept; words may also hold phrases, whose last word counts.
func (e *Endpointer) SetWords(words []string) {
	e.lastWord = lastWord(words)
	e.awaiting = false
}

// ExpectWords says that the words spoken before the current pause are being
// recognised and will come with SetWords: until they do, silence alone does
// not end the turn (the words may show it unfinished), for at most
// Config.MaxThinking. Call it when a Pause is reported; it does nothing
// outside a pause.
func (e *Endpointer) ExpectWords() {
	if e.state == paused {
		e.awaiting = true
	}
}

// SetInterviewerSpeaking says whether the interviewer's audio is playing.
// Speech that begins between turns while it is counts as a barge-in only
// after Config.BargeIn.
func (e *Endpointer) SetInterviewerSpeaking(speaking bool) {
	e.interviewer = speaking
}

// Reset abandons the current turn, and any speech not yet a turn, and
// forgets the words: the next turn starts afresh. The interviewer's state
// and the time base are kept; time does not rewind.
func (e *Endpointer) Reset() {
	e.state = idle
	e.inRun = false
	e.overlap = false
	e.extended = false
	e.lastWord = ""
	e.awaiting = false
}

// Frame takes the detector's verdict on the next frame, which ends at at on
// the interview's time base, and returns the decisions it brings, in time
// order (usually none). A frame covers the FrameDuration before at, or the
// time since the previous frame if that is shorter; a frame that does not
// end after the previous one is ignored.
func (e *Endpointer) Frame(at time.Duration, speech bool) []Event {
	start := at - FrameDuration
	if start > at { // overflow
		start = at
	}
	if e.started {
		if at <= e.last {
			return nil
		}
		start = max(start, e.last)
	}
	e.started, e.last = true, at

	switch e.state {
	case speaking:
		if speech {
			return nil
		}
		e.state, e.silenceOnset, e.extended = paused, start, false
		ev := []Event{{Pause, start, "silence after " + dur(start-e.speechOnset) + " of speech"}}
		return append(ev, e.silent(at)...)
	case paused:
		if !speech {
			return e.silent(at)
		}
		e.state, e.speechOnset, e.awaiting = speaking, start, false
		return []Event{{Resumed, start, "speech after " + dur(start-e.silenceOnset) + " of silence"}}
	}

	// Between turns.
	if !speech {
		if !e.inRun {
			return nil
		}
		e.inRun = false
		if !e.overlap {
			return nil // too short to be a turn: a cough, a click
		}
		return []Event{{Backchannel, e.runOnset, dur(start-e.runOnset) +
			" of speech over the interviewer, under the " + dur(e.cfg.BargeIn) + " barge-in threshold"}}
	}
	if !e.inRun {
		e.inRun, e.runOnset, e.overlap = true, start, false
	}
	if e.interviewer {
		e.overlap = true
	}
	n := at - e.runOnset
	if e.interviewer {
		if n < e.cfg.BargeIn {
			return nil
		}
		e.startTurn()
		return []Event{
			{BargeIn, e.runOnset, dur(n) + " of speech over the interviewer reached the " + dur(e.cfg.BargeIn) + " barge-in threshold"},
			{SpeechStarted, e.runOnset, "turn started by a barge-in"},
		}
	}
	if n < e.cfg.MinSpeech {
		return nil
	}
	e.startTurn()
	return []Event{{SpeechStarted, e.runOnset, dur(n) + " of speech reached the " + dur(e.cfg.MinSpeech) + " minimum"}}
}

func (e *Endpointer) startTurn() {
	e.state, e.speechOnset, e.inRun = speaking, e.runOnset, false
}

// silent decides what the pause so far means, at the end of a silent frame.
func (e *Endpointer) silent(at time.Duration) []Event {
	if at-e.silenceOnset < e.cfg.Silence {
		return nil
	}
	if e.awaiting {
		if at-e.silenceOnset >= e.cfg.MaxThinking {
			return e.end(at, dur(e.cfg.MaxThinking)+" silence; the words before it were not recognised in time")
		}
		return nil
	}
	if _, ok := e.unfinished[e.lastWord]; ok {
		if at-e.silenceOnset >= e.cfg.MaxThinking {
			return e.end(at, dur(e.cfg.MaxThinking)+" silence after unfinished '"+e.lastWord+"'")
		}
		if e.extended {
			return nil
		}
		e.extended = true
		return []Event{{ThinkingExtended, at, dur(e.cfg.Silence) + " silence after unfinished '" + e.lastWord +
			"', waiting up to " + dur(e.cfg.MaxThinking)}}
	}
	if e.lastWord == "" {
		return e.end(at, dur(e.cfg.Silence)+" silence, no words recognised")
	}
	return e.end(at, dur(e.cfg.Silence)+" silence after a finished sentence")
}

func (e *Endpointer) end(at time.Duration, reason string) []Event {
	e.state, e.extended, e.lastWord, e.awaiting = idle, false, "", false
	return []Event{{EndOfTurn, at, reason}}
}

// lastWord returns the last word of words, lower-cased with surrounding
// punctuation trimmed, skipping tokens that are only punctuation.
func lastWord(words []string) string {
	for i := len(words) - 1; i >= 0; i-- {
		f := strings.Fields(words[i])
		for j := len(f) - 1; j >= 0; j-- {
			if w := normalise(f[j]); w != "" {
				return w
			}
		}
	}
	return ""
}

func normalise(w string) string {
	return strings.ToLower(strings.TrimFunc(w, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}))
}

// dur formats d for reasons: "800 ms", "2.5 s".
func dur(d time.Duration) string {
	d = d.Round(time.Millisecond)
	if d > -time.Second && d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return strconv.FormatFloat(float64(d.Milliseconds())/1000, 'f', -1, 64) + " s"
}
