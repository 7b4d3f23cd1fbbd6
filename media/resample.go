package media

import (
	"fmt"
	"math"
)

// The resampling filter. It is a windowed sinc whose length and cutoff are
// set by the lower of the two rates, so one design serves every ratio:
//
//   - cutoff: the -6 dB point is at 0.9 of the lower rate's Nyquist
//     frequency (7.2 kHz for anything to or from 16 kHz);
//   - window: Kaiser, β = 9, about 90 dB of stopband attenuation and
//     passband ripple of ±0.0003 dB;
//   - length: 32 periods of the lower rate on each side of the output
//     sample, so 64 taps when upsampling and 64·from/to when downsampling
//     (178 for 44.1 kHz → 16 kHz, 192 for 48 kHz → 16 kHz); the Kaiser
//     transition band is then about 0.18 of the lower Nyquist wide, so it
//     runs from about 0.81 to 0.99 of it (6.5 to 7.9 kHz at 16 kHz): the
//     passband is flat to 6.5 kHz and nothing above 8 kHz folds back.
//
// Measured for 44.1 and 48 kHz → 16 kHz (TestResampleResponse pins it):
// -0.001 dB at 6.5 kHz, -0.4 dB at 6.8 kHz, -6 dB at 7.2 kHz, -79 dB at
// 7.9 kHz, and below -90 dB from 8.1 kHz up (a 12 kHz tone at 48 kHz leaves
// -104 dB).
//
// The filter is zero-phase: output sample n sits at input time n·from/to.
// For a ratio to/from = L/M in lowest terms with L ≤ resampleMaxPhases (every
// common rate: 44.1 kHz → 16 kHz is 160/441) the filter is tabulated at the L
// exact phases; for other ratios it is tabulated at resampleMaxPhases phases
// and interpolated linearly between the two nearest. A clip with fewer
// output samples than the table would have rows skips the table and gets
// each output's taps computed exactly. Each set of taps is scaled to unit DC
// gain.
const (
	resampleCutoff    = 0.9
	resampleBeta      = 9.0
	resampleZeros     = 32
	resampleMaxPhases = 256
)

// Resample converts mono audio from one sample rate to another with the
// band-limited windowed-sinc filter described above, for any pair of rates.
// When from == to it returns an exact copy. The output has
// ceil(len(in)·to/from) samples. It is not clipped: a full-scale input may
// overshoot [-1, 1] slightly near sharp transients.
//
// Resample panics if either rate is not positive.
func Resample(in []float32, from, to int) []float32 {
	if from <= 0 || to <= 0 {
		panic(fmt.Sprintf("media.Resample: rates must be positive, got %d and %d", from, to))
	}
	if from == to {
		return append([]float32(nil), in...)
	}
	if len(in) == 0 {
		return []float32{}
	}
	g := gcd(from, to)
	up, down := to/g, from/g // output n sits at input position n·down/up
	f := newSincFilter(from, to)
	nOut := int((int64(len(in))*int64(up) + int64(down) - 1) / int64(down))

	// Tabulate the phases when there are fewer of them than outputs;
	// otherwise (a short clip at an odd rate) work each output's taps out
	// exactly, which is cheaper than the table.
	var (
		table  []float32
		phases int
		interp = up > resampleMaxPhases
	)
	switch {
	case !interp && up < nOut:
		phases = up
		table = f.table(phases, phases)
	case interp && resampleMaxPhases+1 < nOut:
		phases = resampleMaxPhases
		table = f.table(phases, phases+1) // with the row for a fraction of 1
	}
	row := func(k int) []float32 { return table[k*f.taps : (k+1)*f.taps] }
	direct := make([]float32, f.taps)

	// Pad with zeros so every output sees a full window: taps for base
	// index i (input position floor(n·down/up)) are padded[i : i+taps].
	padded := make([]float32, len(in)+f.taps)
	copy(padded[f.half-1:], in)

	out := make([]float32, nOut)
	step, carry := down/up, down%up
	i, p := 0, 0 // integer part and numerator (over up) of the input position
	for n := range out {
		x := padded[i : i+f.taps]
		switch {
		case table == nil:
			f.fill(direct, float64(p)/float64(up))
			out[n] = dot(direct, x)
		case !interp:
			out[n] = dot(row(p), x)
		default:
			pos := float64(p) * float64(phases) / float64(up)
			k := int(pos)
			w := float32(pos - float64(k))
			out[n] = (1-w)*dot(row(k), x) + w*dot(row(k+1), x)
		}
		i += step
		p += carry
		if p >= up {
			p -= up
			i++
		}
	}
	return out
}

// sincFilter is the resampling kernel for one pair of rates. Its taps for
// an output that falls a fraction frac of the way from input sample i to
// i+1 apply to inputs i-half+1 … i+half.
type sincFilter struct {
	half, taps  int
	fc          float64 // cutoff, in cycles per input sample
	halfLen     float64 // window half-width, in input samples
	windowScale float64 // 1 / I0(β)
}

func newSincFilter(from, to int) *sincFilter {
	ratio := 1.0 // the lower rate over the input rate
	if to < from {
		ratio = float64(to) / float64(from)
	}
	halfLen := resampleZeros / ratio
	half := int(math.Ceil(halfLen))
	return &sincFilter{
		half:        half,
		taps:        2 * half,
		fc:          0.5 * resampleCutoff * ratio,
		halfLen:     halfLen,
		windowScale: 1 / besselI0(resampleBeta),
	}
}

// fill writes the taps for fraction frac into dst, scaled to unit DC gain.
func (f *sincFilter) fill(dst []float32, frac float64) {
	var sum float64
	for t := range dst {
		x := float64(t-f.half+1) - frac // distance from the output, in input samples
		if u := x / f.halfLen; u > -1 && u < 1 {
			h := 2 * f.fc * sinc(2*f.fc*x) * besselI0(resampleBeta*math.Sqrt(1-u*u)) * f.windowScale
			dst[t] = float32(h)
			sum += h
		} else {
			dst[t] = 0
		}
	}
	g := float32(1 / sum)
	for t := range dst {
		dst[t] *= g
	}
}

// table tabulates rows sets of taps, row k for the fraction k/phases.
func (f *sincFilter) table(phases, rows int) []float32 {
	coef := make([]float32, rows*f.taps)
	for k := range rows {
		f.fill(coef[k*f.taps:(k+1)*f.taps], float64(k)/float64(phases))
	}
	return coef
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind
// for x >= 0, by the polynomial approximations of Abramowitz and Stegun 9.8.1
// and 9.8.2 (relative error below 2e-7, far under the float32 taps' own).
func besselI0(x float64) float64 {
	if x < 3.75 {
		y := (x / 3.75) * (x / 3.75)
		return 1 + y*(3.5156229+y*(3.0899424+y*(1.2067492+y*(0.2659732+y*(0.0360768+y*0.0045813)))))
	}
	y := 3.75 / x
	return math.Exp(x) / math.Sqrt(x) * (0.39894228 + y*(0.01328592+y*(0.00225319+y*(-0.00157565+y*(0.00916281+
		y*(-0.02057706+y*(0.02635537+y*(-0.01647633+y*0.00392377))))))))
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// dot is the inner product of a and b[:len(a)], four lanes at a time.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
