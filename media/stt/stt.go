// Package stt is the speech-to-text seam: one utterance of 16 kHz mono PCM
// in, text and timed words out. Engines live beneath it: the embedded
// PocketSphinx engine (media/stt/sphinx, the default, nothing leaves the
// machine) and any OpenAI-compatible /audio/transcriptions server
// (media/stt/whisper). Every engine passes the conformance suite in
// media/stt/stttest.
package stt

import (
	"context"
	"errors"

	"github.com/viva-interview/viva"
)

// SampleRate is the rate of Audio.PCM, in Hz.
const SampleRate = 16000

// Audio is one utterance: 16 kHz mono signed 16-bit PCM, and where it starts
// on the interview's time base.
type Audio struct {
	PCM     []int16
	StartMS int64
}

// DurationMS is the audio's length in milliseconds.
func (a Audio) DurationMS() int64 { return int64(len(a.PCM)) * 1000 / SampleRate }

// SilenceThreshold is the largest sample magnitude (about -60 dBFS) of audio
// that engines treat as silent.
const SilenceThreshold = 32

// Silent reports whether every sample is within ±SilenceThreshold: engines
// answer such audio with an empty result and a reason, without decoding it.
func (a Audio) Silent() bool {
	for _, s := range a.PCM {
		if s > SilenceThreshold || s < -SilenceThreshold {
			return false
		}
	}
	return true
}

// Result is the transcript of one utterance.
type Result struct {
	Text string
	// Words carry times on the interview's time base (Audio.StartMS plus the
	// offset in the utterance) and a confidence in [0, 1].
	Words []viva.Word
	// Engine names the engine that produced the result.
	Engine string
	// Reason says why Text is empty ("no speech recognised", "audio is
	// silent"), when it is.
	Reason string
	// Notice is something the candidate should see, such as a fallback from
	// the remote engine to the embedded one.
	Notice string
}

// Transcriber turns one utterance into text. Implementations are safe for
// concurrent use.
type Transcriber interface {
	Transcribe(ctx context.Context, a Audio) (Result, error)
}

// Streamer is a Transcriber that also gives partial hypotheses while the
// candidate is still speaking, for the live transcript.
type Streamer interface {
	Transcriber
	// Stream starts an utterance at startMS on the interview's time base.
	Stream(ctx context.Context, startMS int64) (Stream, error)
}

// Stream is one utterance being transcribed as it arrives.
type Stream interface {
	// Write adds audio and returns the current partial hypothesis.
	Write(pcm []int16) (partial string, err error)
	// Finish ends the utterance and returns its final result.
	Finish() (Result, error)
	// Close abandons the utterance if Finish was not called; it is safe to
	// call after Finish.
	Close() error
}

// Errors callers branch on.
var (
	// ErrUnavailable means the engine could not be reached or failed; the
	// caller may fall back to another engine.
	ErrUnavailable = errors.New("speech engine unavailable")
	// ErrBadAudio means the audio cannot be transcribed (wrong format,
	// too long).
	ErrBadAudio = errors.New("bad audio")
	// ErrBusy means the transcription queue is full.
	ErrBusy = errors.New("speech engine busy")
)

// MaxUtteranceMS bounds one utterance. Longer audio is refused with
// ErrBadAudio; the endpointer cuts turns well before this.
const MaxUtteranceMS = 120_000
