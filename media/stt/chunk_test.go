package stt_test

import (
	"testing"

	"github.com/viva-interview/viva/media/stt"
)

func TestChunksCutAtSilence(t *testing.T) {
	t.Parallel()
	// 50 s of "speech" (a loud square wave) with a quiet gap at 27.0–27.3 s.
	pcm := make([]int16, 50*stt.SampleRate)
	for i := range pcm {
		pcm[i] = 8000
		if i%20 < 10 {
			pcm[i] = -8000
		}
	}
	for i := 27 * stt.SampleRate; i < 27*stt.SampleRate+stt.SampleRate*3/10; i++ {
		pcm[i] = 0
	}
	chunks := stt.Chunks(stt.Audio{PCM: pcm, StartMS: 1000}, 30_000)
	if len(chunks) != 2 {
		t.Fatalf("%d chunks, want 2", len(chunks))
	}
	cutMS := chunks[1].StartMS - 1000
	if cutMS < 27_000 || cutMS > 27_300 {
		t.Fatalf("cut at %d ms, want inside the quiet gap 27000..27300", cutMS)
	}
	total := 0
	for _, c := range chunks {
		if c.DurationMS() > 30_000 {
			t.Fatalf("chunk of %d ms", c.DurationMS())
		}
		total += len(c.PCM)
	}
	if total != len(pcm) {
		t.Fatalf("chunks hold %d samples, want %d", total, len(pcm))
	}
	if one := stt.Chunks(stt.Audio{PCM: pcm[:stt.SampleRate]}, 30_000); len(one) != 1 {
		t.Fatal("short audio was cut")
	}
}
