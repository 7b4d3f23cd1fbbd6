package record

import (
	"math"
	"testing"

	"github.com/viva-interview/viva/media/opus"
)

// voice is a speech-like test signal at 48 kHz: a 140 Hz buzz with its first
// harmonics, a slow vibrato, and a 4 Hz syllable rhythm between 40% and 100%
// of its amplitude, so that no 20 ms of it is quiet.
func voice(d float64) []int16 {
	n := int(d * opus.Rate)
	pcm := make([]int16, n)
	phase := 0.0
	for i := range pcm {
		t := float64(i) / opus.Rate
		phase += 2 * math.Pi * (140 + 10*math.Sin(2*math.Pi*1.3*t)) / opus.Rate
		env := 0.7 + 0.3*math.Sin(2*math.Pi*4*t)
		var v float64
		for h := 1; h <= 6; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		pcm[i] = int16(6000 * env * v)
	}
	return pcm
}

// encode encodes 48 kHz audio into 20 ms packets with libopus, padding the
// last frame with silence, and returns them with the encoder's lookahead.
func encode(tb testing.TB, pcm []int16) (packets [][]byte, lookahead int) {
	tb.Helper()
	enc, err := opus.NewEncoder(opus.EncoderConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	if r := len(pcm) % opus.FrameSamples; r != 0 {
		pcm = append(pcm, make([]int16, opus.FrameSamples-r)...)
	}
	buf := make([]byte, opus.MaxPacketBytes)
	for i := 0; i < len(pcm); i += opus.FrameSamples {
		n, err := enc.Encode(pcm[i:i+opus.FrameSamples], buf)
		if err != nil {
			tb.Fatalf("encode frame %d: %v", i/opus.FrameSamples, err)
		}
		packets = append(packets, append([]byte(nil), buf[:n]...))
	}
	return packets, enc.Lookahead()
}

// rms is the root mean square of pcm over full scale.
func rms(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var s float64
	for _, v := range pcm {
		x := float64(v) / 32768
		s += x * x
	}
	return math.Sqrt(s / float64(len(pcm)))
}

// peak is the largest absolute sample over full scale.
func peak(pcm []int16) float64 {
	var m int
	for _, v := range pcm {
		m = max(m, absInt(int(v)))
	}
	return float64(m) / 32768
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// ms converts milliseconds to 48 kHz samples.
func ms(x float64) int { return int(x * opus.Rate / 1000) }
