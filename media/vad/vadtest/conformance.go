package vadtest

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/viva-interview/viva/media/vad"
)

// Run is the conformance suite every vad.Detector passes. newDetector
// returns a fresh detector; Run closes nothing, so register cleanups with
// t.Cleanup in newDetector.
func Run(t *testing.T, newDetector func(t *testing.T) vad.Detector) {
	t.Helper()

	t.Run("DigitalSilenceIsNotSpeech", func(t *testing.T) {
		t.Parallel()
		d := newDetector(t)
		frame := make([]int16, vad.FrameSamples)
		for i := range 250 {
			if d.Speech(frame) {
				t.Fatalf("frame %d of digital silence called speech", i)
			}
		}
	})

	t.Run("SteadyNoiseIsNotSpeech", func(t *testing.T) {
		t.Parallel()
		d := newDetector(t)
		r := rand.New(rand.NewPCG(1, 1))
		frame := make([]int16, vad.FrameSamples)
		var alarms int
		for i := range 250 { // 5 s; the first second lets the floor settle
			for j := range frame {
				frame[j] = int16(r.NormFloat64() * 300) // about -41 dBFS
			}
			if d.Speech(frame) && i >= 50 {
				alarms++
			}
		}
		if alarms > 0 {
			t.Errorf("%d of 200 settled frames of steady noise called speech", alarms)
		}
	})

	t.Run("ResetRestoresInitialBehaviour", func(t *testing.T) {
		t.Parallel()
		c := Corpus(t)[1] // noise20
		d := newDetector(t)
		first := decide(d, c.PCM)
		d.Reset()
		again := decide(d, c.PCM)
		fresh := decide(newDetector(t), c.PCM)
		if !slices.Equal(first, again) {
			t.Error("decisions after Reset differ from the first run")
		}
		if !slices.Equal(first, fresh) {
			t.Error("decisions of a fresh detector differ from the first run")
		}
	})

	t.Run("OddFrameSizes", func(t *testing.T) {
		t.Parallel()
		d := newDetector(t)
		r := rand.New(rand.NewPCG(2, 2))
		for _, n := range []int{0, 1, 7, 160, 319, 321, 480, 512, 1000, 4096, 0, vad.FrameSamples} {
			frame := make([]int16, n)
			for j := range frame {
				frame[j] = int16(r.IntN(65536) - 32768)
			}
			d.Speech(frame) // must not panic
		}
		d.Speech(nil)
	})
}

func decide(d vad.Detector, pcm []int16) []bool {
	out := make([]bool, len(pcm)/vad.FrameSamples)
	for i := range out {
		out[i] = d.Speech(pcm[i*vad.FrameSamples : (i+1)*vad.FrameSamples])
	}
	return out
}
