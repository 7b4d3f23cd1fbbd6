// Package stttest is the conformance suite every speech-to-text engine
// passes, and the helpers that make test speech with flite and sox.
package stttest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/stt/accuracy"
	"github.com/viva-interview/viva/media/stt/lm"
)

// Say synthesises text with a flite voice (kal16, slt, rms, awb, ...) into 16
// kHz mono PCM, with half a second of silence either side. It skips the test
// when flite or sox is missing.
func Say(t testing.TB, voice, text string) []int16 {
	t.Helper()
	speak, err := accuracy.Voice("flite:" + voice).Speaker(t.TempDir())
	if err != nil {
		t.Skip(err)
	}
	pcm, err := speak(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

// Run checks the behaviour every engine shares: times on the interview's
// time base, confidences in range, empty and silent audio answered with a
// reason, over-long audio refused, cancellation honoured, concurrent use.
// speech is a few seconds of someone speaking.
func Run(t *testing.T, engine stt.Transcriber, speech []int16) {
	ctx := context.Background()
	t.Run("Speech", func(t *testing.T) {
		const start = 7000
		r, err := engine.Transcribe(ctx, stt.Audio{PCM: speech, StartMS: start})
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, r, start, start+int64(len(speech))*1000/stt.SampleRate)
		if len(r.Words) == 0 {
			t.Fatal("no words recognised in speech")
		}
	})
	t.Run("Clipped", func(t *testing.T) {
		loud := make([]int16, len(speech))
		for i, v := range speech {
			loud[i] = int16(max(-32768, min(32767, int32(v)*16)))
		}
		r, err := engine.Transcribe(ctx, stt.Audio{PCM: loud, StartMS: 500})
		if err != nil {
			t.Fatalf("clipped speech: %v", err)
		}
		checkResult(t, r, 500, 500+int64(len(loud))*1000/stt.SampleRate)
	})
	t.Run("Empty", func(t *testing.T) {
		r, err := engine.Transcribe(ctx, stt.Audio{})
		if err != nil || r.Text != "" || r.Reason == "" {
			t.Fatalf("empty audio: %+v, %v; want no text and a reason", r, err)
		}
	})
	t.Run("Silent", func(t *testing.T) {
		r, err := engine.Transcribe(ctx, stt.Audio{PCM: make([]int16, 2*stt.SampleRate)})
		if err != nil || r.Text != "" || r.Reason == "" {
			t.Fatalf("silent audio: %+v, %v; want no text and a reason", r, err)
		}
	})
	t.Run("TooLong", func(t *testing.T) {
		long := make([]int16, (stt.MaxUtteranceMS/1000+1)*stt.SampleRate)
		copy(long, speech)
		if _, err := engine.Transcribe(ctx, stt.Audio{PCM: long}); !errors.Is(err, stt.ErrBadAudio) {
			t.Fatalf("over-long audio: %v, want ErrBadAudio", err)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := engine.Transcribe(cctx, stt.Audio{PCM: speech}); err == nil {
			t.Fatal("a cancelled context still transcribed")
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for i := range 4 {
			wg.Go(func() {
				r, err := engine.Transcribe(ctx, stt.Audio{PCM: speech, StartMS: int64(i) * 1000})
				if err == nil && len(r.Words) == 0 {
					err = errors.New("no words")
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

func checkResult(t *testing.T, r stt.Result, from, to int64) {
	t.Helper()
	if r.Engine == "" {
		t.Error("result does not name its engine")
	}
	texts := make([]string, len(r.Words))
	var last int64
	for i, w := range r.Words {
		texts[i] = w.Text
		if w.Text == "" || strings.ContainsAny(w.Text, " \t\n") {
			t.Errorf("word %d %q is not one word", i, w.Text)
		}
		if w.StartMS < from || w.EndMS > to+200 || w.EndMS < w.StartMS || w.StartMS < last {
			t.Errorf("word %d %q at %d..%d is outside %d..%d or out of order", i, w.Text, w.StartMS, w.EndMS, from, to)
		}
		if w.Confidence < 0 || w.Confidence > 1 {
			t.Errorf("word %d %q confidence %v outside [0,1]", i, w.Text, w.Confidence)
		}
		last = w.StartMS
	}
	// The text may carry punctuation and case the words do not.
	if got := strings.Join(texts, " "); !slices.Equal(lm.Normalize(r.Text), lm.Normalize(got)) {
		t.Errorf("text %q is not its words %q", r.Text, got)
	}
}
