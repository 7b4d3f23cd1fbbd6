package opus

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/viva-interview/viva/media"
)

// sentence is the test speech: about 4 s from flite's rms voice.
const sentence = "Tell me about a time you had to debug a production outage, and what you changed afterwards."

// decoders lists every Decoder implementation; each test runs against all.
var decoders = []struct {
	name string
	new  func(DecoderConfig) (Decoder, error)
}{
	{"libopus", func(c DecoderConfig) (Decoder, error) { return NewLibopusDecoder(c) }},
	{"pion", func(c DecoderConfig) (Decoder, error) { return NewPionDecoder(c) }},
}

// speech synthesises text with flite and returns it as float samples at rate.
func speech(tb testing.TB, text string, rate int) []float32 {
	tb.Helper()
	if _, err := exec.LookPath("flite"); err != nil {
		tb.Skip("flite is not installed (apt-get install flite)")
	}
	path := filepath.Join(tb.TempDir(), "speech.wav")
	if out, err := exec.Command("flite", "-voice", "rms", "-t", text, "-o", path).CombinedOutput(); err != nil {
		tb.Fatalf("flite: %v: %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	clip, err := media.ReadWAV(f, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return media.Resample(clip.Samples, clip.Rate, rate)
}

// encodeAll encodes 48 kHz audio into 20 ms packets, padding the last frame
// with silence.
func encodeAll(tb testing.TB, in []float32) [][]byte {
	tb.Helper()
	enc, err := NewEncoder(EncoderConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	pcm := media.ToInt16(in)
	if r := len(pcm) % FrameSamples; r != 0 {
		pcm = append(pcm, make([]int16, FrameSamples-r)...)
	}
	var packets [][]byte
	buf := make([]byte, MaxPacketBytes)
	for i := 0; i < len(pcm); i += FrameSamples {
		n, err := enc.Encode(pcm[i:i+FrameSamples], buf)
		if err != nil {
			tb.Fatalf("encode frame %d: %v", i/FrameSamples, err)
		}
		packets = append(packets, append([]byte(nil), buf[:n]...))
	}
	return packets
}

// decodeAll decodes packets in order, concealing those for which lost is
// true, and returns the audio.
func decodeAll(tb testing.TB, d Decoder, packets [][]byte, lost func(i int) bool) []int16 {
	tb.Helper()
	var out []int16
	buf := make([]int16, MaxPacketSamples)
	for i, p := range packets {
		var n int
		var err error
		if lost != nil && lost(i) {
			n, err = d.Conceal(buf)
		} else {
			n, err = d.Decode(p, buf)
		}
		if err != nil {
			tb.Fatalf("packet %d: %v", i, err)
		}
		out = append(out, buf[:n]...)
	}
	return out
}

// quality aligns got against ref (got lags ref by the codec delay, searched
// up to maxLag samples) and returns the SNR in dB and the normalised
// cross-correlation at the best lag.
//
// Both signals are first high-passed at 300 Hz: libopus's VOIP mode
// high-passes its input on purpose, and the phase shift of that filter in the
// low band would otherwise cap the figures whatever the bitrate (at 128 kb/s
// the correlation is 0.96 this way, 0.86 without).
func quality(ref []float32, got []int16, rate, maxLag int) (snr, corr float64, lag int) {
	x := make([]float64, len(got))
	for i, v := range got {
		x[i] = float64(v) / 32768
	}
	r64 := make([]float64, len(ref))
	for i, v := range ref {
		r64[i] = float64(v)
	}
	highPass(x, rate)
	highPass(r64, rate)
	best := math.Inf(-1)
	for l := 0; l <= maxLag; l++ {
		var xy, xx, yy float64
		for i := range ref {
			if i+l >= len(x) {
				break
			}
			r, g := r64[i], x[i+l]
			xy += r * g
			xx += r * r
			yy += g * g
		}
		if c := xy / math.Sqrt(xx*yy+1e-20); c > best {
			best, lag = c, l
		}
	}
	var sig, noise float64
	for i := range ref {
		if i+lag >= len(x) {
			break
		}
		r := r64[i]
		e := x[i+lag] - r
		sig += r * r
		noise += e * e
	}
	return 10 * math.Log10(sig/(noise+1e-20)), best, lag
}

// toFrames converts to int16 and pads to whole 20 ms frames.
func toFrames(in []float32) []int16 {
	pcm := media.ToInt16(in)
	if r := len(pcm) % FrameSamples; r != 0 {
		pcm = append(pcm, make([]int16, FrameSamples-r)...)
	}
	return pcm
}

// speechAt resamples 48 kHz reference audio to rate.
func speechAt(tb testing.TB, ref48 []float32, rate int) []float32 {
	tb.Helper()
	return media.Resample(ref48, Rate, rate)
}

func itoa(rate int) string { return strconv.Itoa(rate/1000) + "k" }

// highPass filters x in place with a second-order Butterworth high-pass at
// 300 Hz.
func highPass(x []float64, rate int) {
	w := math.Tan(math.Pi * 300 / float64(rate))
	k := 1 / (1 + math.Sqrt2*w + w*w)
	b0, b1, b2 := k, -2*k, k
	a1, a2 := 2*(w*w-1)*k, (1-math.Sqrt2*w+w*w)*k
	var x1, x2, y1, y2 float64
	for i, v := range x {
		y := b0*v + b1*x1 + b2*x2 - a1*y1 - a2*y2
		x2, x1, y2, y1 = x1, v, y1, y
		x[i] = y
	}
}

// speechPackets is the test sentence encoded at the default bitrate.
func speechPackets(tb testing.TB) [][]byte {
	tb.Helper()
	return encodeAll(tb, speech(tb, sentence, Rate))
}
