// Package ttstest is the conformance suite every text-to-speech engine
// passes.
package ttstest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/viva-interview/viva/media/tts"
)

// Sentence is what the suite speaks: a typical interviewer prompt of
// SentenceWords words.
const (
	Sentence      = "How would you evaluate the retriever before you change the chunk size?"
	SentenceWords = 12
)

// Per-word duration bounds: brisk speech is about 0.25 s a word, slow
// speech 0.6 s; the bounds leave room for pauses either side.
const (
	MinSecondsPerWord = 0.15
	MaxSecondsPerWord = 1.0
)

// Run checks the behaviour every engine shares: audio of a plausible length
// for the words, a named engine and a rate, empty and over-long text refused
// with the seam's errors, cancellation honoured, concurrent use.
func Run(t *testing.T, s tts.Synthesizer) {
	ctx := context.Background()
	t.Run("Sentence", func(t *testing.T) {
		sp, err := s.Synthesize(ctx, Sentence)
		if err != nil {
			t.Fatal(err)
		}
		Check(t, sp, SentenceWords)
	})
	t.Run("LeadingDash", func(t *testing.T) {
		// Text that looks like an option is spoken, not obeyed.
		sp, err := s.Synthesize(ctx, "-o -v --help and then the answer")
		if err != nil {
			t.Fatal(err)
		}
		Check(t, sp, 7)
	})
	t.Run("EmptyText", func(t *testing.T) {
		for _, text := range []string{"", "   ", "\n\t \r\n"} {
			if _, err := s.Synthesize(ctx, text); !errors.Is(err, tts.ErrEmptyText) {
				t.Errorf("Synthesize(%q) error %v, want ErrEmptyText", text, err)
			}
		}
	})
	t.Run("TooLong", func(t *testing.T) {
		long := strings.Repeat("word ", tts.MaxTextRunes/5+1)
		_, err := s.Synthesize(ctx, long)
		if !errors.Is(err, tts.ErrTooLong) {
			t.Fatalf("over-long text: error %v, want ErrTooLong", err)
		}
		if strings.Contains(err.Error(), "word word") {
			t.Errorf("error quotes the text: %v", err)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.Synthesize(cctx, Sentence)
		if err == nil {
			t.Fatal("a cancelled context still synthesised")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v does not wrap context.Canceled", err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		texts := []string{Sentence, "What breaks at a hundred times the corpus?", "When would you not use an agent?", Sentence}
		var wg sync.WaitGroup
		speech := make([]tts.Speech, len(texts))
		errs := make([]error, len(texts))
		for i, text := range texts {
			wg.Go(func() { speech[i], errs[i] = s.Synthesize(ctx, text) })
		}
		wg.Wait()
		for i := range texts {
			if errs[i] != nil {
				t.Errorf("text %d: %v", i, errs[i])
				continue
			}
			Check(t, speech[i], len(strings.Fields(texts[i])))
		}
	})
}

// Check checks that sp is audio of a plausible length for words words.
func Check(t testing.TB, sp tts.Speech, words int) {
	t.Helper()
	if sp.Engine == "" {
		t.Error("speech does not name its engine")
	}
	if sp.Rate < 8000 || sp.Rate > 48000 {
		t.Fatalf("rate %d Hz, want 8–48 kHz", sp.Rate)
	}
	if len(sp.PCM) == 0 {
		t.Fatal("no audio")
	}
	secs := float64(len(sp.PCM)) / float64(sp.Rate)
	if lo, hi := MinSecondsPerWord*float64(words), MaxSecondsPerWord*float64(words); secs < lo || secs > hi {
		t.Errorf("%.2f s of audio for %d words, want %.2f–%.2f s", secs, words, lo, hi)
	}
	var peak int
	for _, v := range sp.PCM {
		peak = max(peak, abs(int(v)))
	}
	if peak < 1000 {
		t.Errorf("peak amplitude %d: the audio is (nearly) silent", peak)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
