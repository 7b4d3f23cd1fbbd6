package vad

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"sync"
	"time"
)

// ErrConfig is wrapped by the errors New returns for an invalid Config.
var ErrConfig = errors.New("invalid vad config")

// Config tunes Energy. The zero value gives the defaults that
// MEASUREMENTS.md measured.
type Config struct {
	// Threshold is how far, in dB, a frame's energy must rise above the
	// tracked noise floor to count as speech. Zero means 5 dB.
	Threshold float64
	// Flatness is the spectral flatness (0 for a pure tone, about 0.56
	// for white noise) at or above which a frame is too noise-like to
	// start or sustain speech. Zero means 0.4; 1 disables the gate.
	Flatness float64
	// Hangover is how long speech is still reported after the last frame
	// that looked like speech, bridging the pauses between words. Zero
	// means 160 ms.
	Hangover time.Duration
	// MinLevel is the energy, in dB relative to full scale, below which a
	// frame is never speech however quiet the floor. Zero means -60 dBFS.
	MinLevel float64
}

// Energy is the default Detector: frame energy against an adaptive noise
// floor, gated by spectral flatness, with a hangover.
//
// The floor follows quieter frames quickly and rises slowly (3 dB/s, a
// tenth of that while speech is active), so it settles after a level
// change and is not dragged up by long speech. Frames of any length work:
// hangover is counted in samples, and the flatness is measured on the
// last 512 samples (zero-padded when shorter). An empty frame returns
// the current state (speech while in hangover) and changes nothing.
type Energy struct {
	threshold, flatness, minLevel float64
	hangover                      int // samples

	started bool
	floor   float64 // dBFS
	hold    int     // samples of hangover left
	active  bool

	buf    []complex128
	window []float64 // Hann window for frames of len(window) samples
}

const (
	fftSize      = 512
	floorMin     = -100.0 // dBFS
	riseDBPerSec = 3.0
)

// New returns an Energy detector configured by cfg.
func New(cfg Config) (*Energy, error) {
	if cfg.Threshold == 0 {
		cfg.Threshold = 5
	}
	if cfg.Flatness == 0 {
		cfg.Flatness = 0.4
	}
	if cfg.Hangover == 0 {
		cfg.Hangover = 160 * time.Millisecond
	}
	if cfg.MinLevel == 0 {
		cfg.MinLevel = -60
	}
	switch {
	case cfg.Threshold < 0 || math.IsNaN(cfg.Threshold) || math.IsInf(cfg.Threshold, 0):
		return nil, fmt.Errorf("%w: threshold %v dB is not a finite positive number", ErrConfig, cfg.Threshold)
	case cfg.Flatness < 0 || cfg.Flatness > 1 || math.IsNaN(cfg.Flatness):
		return nil, fmt.Errorf("%w: flatness %v is outside (0, 1]", ErrConfig, cfg.Flatness)
	case cfg.Hangover < 0 || cfg.Hangover > 10*time.Second:
		return nil, fmt.Errorf("%w: hangover %v is outside (0, 10s]", ErrConfig, cfg.Hangover)
	case cfg.MinLevel > 0 || cfg.MinLevel < floorMin || math.IsNaN(cfg.MinLevel):
		return nil, fmt.Errorf("%w: min level %v dBFS is outside [%v, 0)", ErrConfig, cfg.MinLevel, floorMin)
	}
	return &Energy{
		threshold: cfg.Threshold,
		flatness:  cfg.Flatness,
		minLevel:  cfg.MinLevel,
		hangover:  int(cfg.Hangover.Seconds() * SampleRate),
		buf:       make([]complex128, fftSize),
	}, nil
}

// Reset forgets the noise floor and any hangover.
func (d *Energy) Reset() {
	d.started, d.floor, d.hold, d.active = false, 0, 0, false
}

// Speech reports whether frame is speech; see Energy for frame lengths.
func (d *Energy) Speech(frame []int16) bool {
	n := len(frame)
	if n == 0 {
		return d.active
	}
	var sum float64
	for _, s := range frame {
		v := float64(s)
		sum += v * v
	}
	e := 10 * math.Log10(sum/float64(n)/(32768*32768)+1e-10)
	if !d.started {
		d.started, d.floor = true, e
	}

	candidate := e >= d.minLevel && e > d.floor+d.threshold && d.flat(frame) < d.flatness

	// Track the floor: fall fast towards quieter frames, rise slowly.
	if e < d.floor {
		d.floor += 0.5 * (e - d.floor)
	} else {
		rise := riseDBPerSec * float64(n) / SampleRate
		if d.active {
			rise /= 10
		}
		d.floor += math.Min(e-d.floor, rise)
	}
	d.floor = math.Max(d.floor, floorMin)

	if candidate {
		d.hold = d.hangover
		d.active = true
	} else {
		d.hold -= n
		d.active = d.hold > 0
	}
	return d.active
}

// flat returns the spectral flatness of frame's last fftSize samples
// between 125 Hz and 4 kHz: the geometric over the arithmetic mean of the
// Hann-windowed power spectrum.
func (d *Energy) flat(frame []int16) float64 {
	if len(frame) > fftSize {
		frame = frame[len(frame)-fftSize:]
	}
	t := tables()
	n := len(frame)
	if len(d.window) != n {
		d.window = d.window[:0]
		for i := range n {
			d.window = append(d.window, 0.5-0.5*math.Cos(2*math.Pi*float64(i)/float64(n)))
		}
	}
	clear(d.buf)
	for i, s := range frame {
		d.buf[i] = complex(float64(s)*d.window[i], 0)
	}
	fft(d.buf, t)
	const lo, hi = 4, 128
	var logSum, sum float64
	for k := lo; k < hi; k++ {
		p := real(d.buf[k])*real(d.buf[k]) + imag(d.buf[k])*imag(d.buf[k]) + 1e-3
		logSum += math.Log(p)
		sum += p
	}
	m := float64(hi - lo)
	return math.Exp(logSum/m) / (sum / m)
}

type fftTables struct {
	rev     []int
	twiddle []complex128
}

var tables = sync.OnceValue(func() fftTables {
	t := fftTables{rev: make([]int, fftSize), twiddle: make([]complex128, fftSize/2)}
	bits := 0
	for 1<<bits < fftSize {
		bits++
	}
	for i := range t.rev {
		r := 0
		for b := 0; b < bits; b++ {
			r |= (i >> b & 1) << (bits - 1 - b)
		}
		t.rev[i] = r
	}
	for k := range t.twiddle {
		t.twiddle[k] = cmplx.Exp(complex(0, -2*math.Pi*float64(k)/fftSize))
	}
	return t
})

// fft is an in-place iterative radix-2 transform of len(x) == fftSize.
func fft(x []complex128, t fftTables) {
	for i, r := range t.rev {
		if i < r {
			x[i], x[r] = x[r], x[i]
		}
	}
	for size := 2; size <= len(x); size <<= 1 {
		half, step := size/2, len(x)/size
		for start := 0; start < len(x); start += size {
			for k := 0; k < half; k++ {
				w := t.twiddle[k*step] * x[start+k+half]
				x[start+k+half] = x[start+k] - w
				x[start+k] += w
			}
		}
	}
}
