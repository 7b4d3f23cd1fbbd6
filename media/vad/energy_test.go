package vad_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/viva-interview/viva/media/vad"
	"github.com/viva-interview/viva/media/vad/vadtest"
)

func newEnergy(t *testing.T) vad.Detector {
	t.Helper()
	d, err := vad.New(vad.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEnergyConformance(t *testing.T) {
	vadtest.Run(t, newEnergy)
}

// TestEnergyAccuracy holds the default detector to what MEASUREMENTS.md
// measured, less a margin.
func TestEnergyAccuracy(t *testing.T) {
	bounds := map[string]struct{ accuracy, recall, falseAlarm float64 }{
		"clean":    {0.91, 0.95, 0.20},
		"noise20":  {0.91, 0.92, 0.12},
		"noise10":  {0.89, 0.87, 0.07},
		"level-12": {0.91, 0.93, 0.13},
		"burst":    {0.91, 0.93, 0.13},
	}
	for _, c := range vadtest.Corpus(t) {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			r := vadtest.Measure(newEnergy(t), c)
			t.Logf("%s: %v", c.Name, r)
			b := bounds[c.Name]
			if r.Accuracy < b.accuracy || r.Recall < b.recall || r.FalseAlarm > b.falseAlarm {
				t.Errorf("%s: %v; want accuracy ≥ %.2f, recall ≥ %.2f, false alarm ≤ %.2f", c.Name, r, b.accuracy, b.recall, b.falseAlarm)
			}
			if r.BurstMS > 100 {
				t.Errorf("%s: a 200 ms noise burst was speech for %d ms; want ≤ 100 ms", c.Name, r.BurstMS)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	for name, cfg := range map[string]vad.Config{
		"negative threshold": {Threshold: -1},
		"flatness above one": {Flatness: 1.5},
		"negative hangover":  {Hangover: -time.Millisecond},
		"positive min level": {MinLevel: 3},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := vad.New(cfg); !errors.Is(err, vad.ErrConfig) {
				t.Errorf("New(%+v) = %v; want ErrConfig", cfg, err)
			}
		})
	}
}

func FuzzEnergy(f *testing.F) {
	f.Add([]byte{}, uint8(1))
	f.Add(make([]byte, 2*vad.FrameSamples), uint8(3))
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80, 0x01}, uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, repeat uint8) {
		d, err := vad.New(vad.Config{})
		if err != nil {
			t.Fatal(err)
		}
		frame := make([]int16, len(b)/2)
		for i := range frame {
			frame[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
		}
		for range int(repeat%8) + 1 {
			d.Speech(frame)
		}
		d.Reset()
		d.Speech(frame)
	})
}

// benchFrames is 2 s of deterministic noisy PCM, so benchmarks need no
// synthesiser.
func benchFrames() [][]int16 {
	r := rand.New(rand.NewPCG(9, 9))
	frames := make([][]int16, 100)
	for i := range frames {
		frames[i] = make([]int16, vad.FrameSamples)
		for j := range frames[i] {
			frames[i][j] = int16(r.NormFloat64() * float64(100+i*50))
		}
	}
	return frames
}

func BenchmarkDetectorEnergy(b *testing.B) {
	d, err := vad.New(vad.Config{})
	if err != nil {
		b.Fatal(err)
	}
	frames := benchFrames()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Speech(frames[i%len(frames)])
		i++
	}
}
