package call

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/viva-interview/viva/media/opus"
)

// samples48 is d at 48 kHz.
func samples48(d time.Duration) int { return int(d * opus.Rate / time.Second) }

// voiced is d of a speech-like sound at 48 kHz: five harmonics of f0 under
// a 4 Hz syllable envelope that never falls silent, peaking near 30% of
// full scale, with 10 ms fades at both ends.
func voiced(d time.Duration, f0 float64) []int16 {
	n := samples48(d)
	out := make([]int16, n)
	fade := samples48(10 * time.Millisecond)
	for i := range out {
		t := float64(i) / opus.Rate
		var v float64
		for k := 1; k <= 5; k++ {
			v += math.Sin(2*math.Pi*f0*float64(k)*t) / float64(k)
		}
		env := 0.55 + 0.45*math.Sin(2*math.Pi*4*t)
		if i < fade {
			env *= float64(i) / float64(fade)
		}
		if n-1-i < fade {
			env *= float64(n-1-i) / float64(fade)
		}
		out[i] = int16(v / 2.3 * env * 0.3 * 32767)
	}
	return out
}

// answer is lead silence, d of voiced sound and trail silence: a WAV with
// padding at both ends.
func answer(name string, lead, d, trail time.Duration) Answer {
	pcm := make([]int16, samples48(lead))
	pcm = append(pcm, voiced(d, 140)...)
	pcm = append(pcm, make([]int16, samples48(trail))...)
	return Answer{Name: name, PCM: pcm}
}

// tone is d of a sine at f Hz, amplitude a (0–1), at 48 kHz.
func tone(d time.Duration, f, a float64) []int16 {
	out := make([]int16, samples48(d))
	for i := range out {
		out[i] = int16(a * 32767 * math.Sin(2*math.Pi*f*float64(i)/opus.Rate))
	}
	return out
}

// writeWAV writes 16-bit mono PCM at rate to a WAV file.
func writeWAV(t *testing.T, path string, pcm []int16, rate int) {
	t.Helper()
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*len(pcm)))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1)) // PCM
	le(uint16(1)) // mono
	le(uint32(rate))
	le(uint32(2 * rate))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(2 * len(pcm)))
	le(pcm)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// flite speaks text into a WAV file with flite, or skips the test.
func flite(t *testing.T, text string) string {
	t.Helper()
	bin, err := exec.LookPath("flite")
	if err != nil {
		t.Skip("flite is not installed (apt-get install flite): this test speaks a real synthesised answer")
	}
	path := filepath.Join(t.TempDir(), "answer.wav")
	if out, err := exec.Command(bin, "-t", text, "-o", path).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v: %s", err, out)
	}
	return path
}
