package media

import (
	"fmt"
	"math"
	"testing"
)

// sine is seconds of a tone at amplitude amp.
func sine(freq float64, rate int, seconds, amp float64) []float32 {
	out := make([]float32, int(seconds*float64(rate)))
	for i := range out {
		out[i] = float32(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// toneAmplitude is the amplitude of the freq component of x, by the Goertzel
// algorithm; x should hold a whole number of its cycles.
func toneAmplitude(x []float32, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	return 2 * math.Hypot(re, im) / float64(len(x))
}

// zeroCrossingHz estimates a tone's frequency from its sign changes.
func zeroCrossingHz(x []float32, rate int) float64 {
	n := 0
	for i := 1; i < len(x); i++ {
		if (x[i-1] < 0) != (x[i] < 0) {
			n++
		}
	}
	return float64(n) / 2 / (float64(len(x)) / float64(rate))
}

func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

func dB(ratio float64) float64 { return 20 * math.Log10(ratio) }

// middle is the central half second of a 16 kHz signal (500 cycles of 1 kHz),
// away from the edges where the filter sees the zero padding.
func middle(x []float32) []float32 { return x[len(x)/2-4000 : len(x)/2+4000] }

func TestResampleKeepsTone(t *testing.T) {
	t.Parallel()
	for _, from := range []int{8000, 11025, 22050, 32000, 44100, 48000, 96000, 192000, 44101, 12345} {
		t.Run(fmt.Sprint(from), func(t *testing.T) {
			t.Parallel()
			const seconds, amp = 2.0, 0.5
			in := sine(1000, from, seconds, amp)
			out := Resample(in, from, 16000)

			want := float64(len(in)) * 16000 / float64(from)
			if d := math.Abs(float64(len(out)) - want); d > seconds {
				t.Errorf("got %d samples, want %.1f ±%v", len(out), want, seconds)
			}
			mid := middle(out)
			if hz := zeroCrossingHz(mid, 16000); math.Abs(hz-1000) > 4 {
				t.Errorf("tone is at %.1f Hz after resampling, want 1000", hz)
			}
			if g := dB(toneAmplitude(mid, 1000, 16000) / amp); math.Abs(g) > 0.5 {
				t.Errorf("1 kHz gain is %.3f dB, want within ±0.5 dB", g)
			}
		})
	}
}

// TestResampleResponse pins the filter design documented in resample.go:
// flat passband, and no aliasing from above the output's Nyquist frequency.
func TestResampleResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from     int
		freq     float64
		minDB    float64 // lowest acceptable gain
		maxDB    float64 // highest acceptable gain
		measured float64 // where to look in the output (the alias, for stopband tones)
	}{
		{"48k 12kHz is removed", 48000, 12000, -999, -40, 4000},
		{"48k 9kHz is removed", 48000, 9000, -999, -80, 7000},
		{"44.1k 8.2kHz is removed", 44100, 8200, -999, -70, 7800},
		{"44.1k 15kHz is removed", 44100, 15000, -999, -80, 1000},
		{"96k 40kHz is removed", 96000, 40000, -999, -80, 8000},
		{"48k 6kHz passes", 48000, 6000, -0.01, 0.01, 6000},
		// Rates with no small common factor use interpolated phases.
		{"44.101k 8.2kHz is removed", 44101, 8200, -999, -70, 7801},
		{"44.101k 12kHz is removed", 44101, 12000, -999, -80, 4000},
		{"44.101k 6kHz passes", 44101, 6000, -0.01, 0.01, 6000},
		{"8.001k 3kHz passes upsampled", 8001, 3000, -0.01, 0.01, 3000},
		{"44.1k 3kHz passes", 44100, 3000, -0.01, 0.01, 3000},
		{"8k 3kHz passes upsampled", 8000, 3000, -0.01, 0.01, 3000},
		{"8k 3.2kHz passes upsampled", 8000, 3200, -0.05, 0.05, 3200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const amp = 0.9
			out := Resample(sine(tt.freq, tt.from, 2, amp), tt.from, 16000)
			mid := middle(out)
			var g float64
			if tt.maxDB < -1 {
				// Everything left is leakage or alias: measure it all.
				g = dB(rms(mid) * math.Sqrt2 / amp)
			} else {
				g = dB(toneAmplitude(mid, tt.measured, 16000) / amp)
			}
			t.Logf("%.0f Hz at %d Hz → 16 kHz: %.4f dB", tt.freq, tt.from, g)
			if g < tt.minDB || g > tt.maxDB {
				t.Errorf("gain %.4f dB, want between %v and %v", g, tt.minDB, tt.maxDB)
			}
		})
	}
}

func TestBesselI0(t *testing.T) {
	t.Parallel()
	for x := 0.0; x <= 12; x += 0.01 {
		sum, term := 1.0, 1.0
		for k := 1; term > 1e-15*sum; k++ {
			term *= x * x / 4 / float64(k*k)
			sum += term
		}
		if got := besselI0(x); math.Abs(got-sum)/sum > 2e-7 {
			t.Fatalf("besselI0(%v) = %v, want %v", x, got, sum)
		}
	}
}

// TestResampleShortClipsMatchTable checks the untabulated path for short
// clips against the tables: trailing silence makes the same clip long
// enough to be tabulated without changing its first outputs.
func TestResampleShortClipsMatchTable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		from int
		tol  float64
	}{{44100, 1e-6}, {8001, 1e-4}, {44101, 1e-4}, {12345, 1e-4}} {
		short := sine(1000, tt.from, 0.005, 0.8)
		direct := Resample(short, tt.from, 16000)
		tabled := Resample(append(short, make([]float32, tt.from)...), tt.from, 16000)
		for i, v := range direct {
			if math.Abs(float64(v-tabled[i])) > tt.tol {
				t.Errorf("%d Hz, sample %d: %v untabulated, %v from the table", tt.from, i, v, tabled[i])
			}
		}
	}
}

func TestResamplePassthrough(t *testing.T) {
	t.Parallel()
	in := sine(440, 16000, 0.1, 0.7)
	out := Resample(in, 16000, 16000)
	if len(out) != len(in) {
		t.Fatalf("got %d samples, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i] != in[i] {
			t.Fatalf("sample %d: got %v, want %v", i, out[i], in[i])
		}
	}
	out[0] = 42
	if in[0] == 42 {
		t.Error("passthrough shares memory with its input")
	}
}

func TestResampleEdges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		n        int
		from, to int
		want     int
	}{
		{"empty", 0, 44100, 16000, 0},
		{"one sample", 1, 44100, 16000, 1},
		{"one sample up", 1, 8000, 16000, 2},
		{"odd ratio", 3, 44101, 16000, 2},
		{"second at 44.1k", 44100, 44100, 16000, 16000},
		{"second at 8k", 8000, 8000, 16000, 16000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := make([]float32, tt.n)
			for i := range in {
				in[i] = 0.25
			}
			out := Resample(in, tt.from, tt.to)
			if len(out) != tt.want {
				t.Fatalf("got %d samples, want %d", len(out), tt.want)
			}
			for i, v := range out {
				if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 1 {
					t.Errorf("sample %d is %v", i, v)
				}
			}
		})
	}
}

func TestResampleDC(t *testing.T) {
	t.Parallel()
	// Each phase has unit DC gain, so a constant stays constant away from
	// the edges, whatever the ratio.
	for _, from := range []int{8000, 44100, 48000, 44101} {
		in := make([]float32, from)
		for i := range in {
			in[i] = 0.5
		}
		for i, v := range middle(Resample(in, from, 16000)) {
			if math.Abs(float64(v)-0.5) > 1e-5 {
				t.Fatalf("%d Hz: sample %d is %v, want 0.5", from, i, v)
			}
		}
	}
}

func TestResamplePanicsOnBadRate(t *testing.T) {
	t.Parallel()
	for _, rates := range [][2]int{{0, 16000}, {16000, 0}, {-1, 16000}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Resample(_, %d, %d) did not panic", rates[0], rates[1])
				}
			}()
			Resample([]float32{0}, rates[0], rates[1])
		}()
	}
}

func BenchmarkResample48kTo16k(b *testing.B) {
	in := sine(1000, 48000, 10, 0.5)
	b.SetBytes(int64(len(in)) * 4) // float32 input
	b.ReportAllocs()
	for b.Loop() {
		Resample(in, 48000, 16000)
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

func BenchmarkResample44k1To16k(b *testing.B) {
	in := sine(1000, 44100, 10, 0.5)
	b.SetBytes(int64(len(in)) * 4)
	b.ReportAllocs()
	for b.Loop() {
		Resample(in, 44100, 16000)
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}
