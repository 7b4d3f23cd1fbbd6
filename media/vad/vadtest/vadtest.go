// Package vadtest holds what every vad.Detector is tested with: labelled
// audio made at test time with flite, espeak-ng and sox, the frame
// measurements MEASUREMENTS.md reports, and a conformance suite each
// implementation runs.
package vadtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/viva-interview/viva/media/vad"
)

// Condition is one labelled stream of 16 kHz mono PCM.
type Condition struct {
	Name string
	PCM  []int16
	// Speech labels each whole vad.FrameSamples frame of PCM: true when at
	// least half of it lies inside a sentence, whose leading and trailing
	// digital silence has been trimmed.
	Speech []bool
	// Bursts are the frame ranges [start, end) of injected noise bursts,
	// labelled non-speech.
	Bursts [][2]int
}

// Result is a Detector's score on one Condition.
type Result struct {
	Frames     int
	Accuracy   float64 // frames decided correctly
	Recall     float64 // speech frames detected as speech
	FalseAlarm float64 // non-speech frames detected as speech
	// BurstMS is the longest time, over the bursts, that non-speech frames
	// from a burst's start to 500 ms after its end were called speech.
	BurstMS int
}

func (r Result) String() string {
	return fmt.Sprintf("acc %.3f recall %.3f false-alarm %.3f burst %d ms", r.Accuracy, r.Recall, r.FalseAlarm, r.BurstMS)
}

// Measure runs d, after a Reset, over c frame by frame.
func Measure(d vad.Detector, c Condition) Result {
	d.Reset()
	got := make([]bool, len(c.Speech))
	for i := range got {
		got[i] = d.Speech(c.PCM[i*vad.FrameSamples : (i+1)*vad.FrameSamples])
	}
	var correct, speech, hit, silent, alarm int
	for i, want := range c.Speech {
		if got[i] == want {
			correct++
		}
		if want {
			speech++
			if got[i] {
				hit++
			}
		} else {
			silent++
			if got[i] {
				alarm++
			}
		}
	}
	r := Result{
		Frames:     len(got),
		Accuracy:   ratio(correct, len(got)),
		Recall:     ratio(hit, speech),
		FalseAlarm: ratio(alarm, silent),
	}
	const after = 500 / 20
	for _, b := range c.Bursts {
		n := 0
		for i := b[0]; i < min(b[1]+after, len(got)); i++ {
			if got[i] && !c.Speech[i] {
				n++
			}
		}
		r.BurstMS = max(r.BurstMS, n*20)
	}
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// sentences are spoken in turn by the voices below.
var sentences = []string{
	"Tell me about a project you are proud of.",
	"I built a scheduler that handled thousands of jobs every second.",
	"The hardest part was making retries safe.",
	"So we added idempotency keys to every request.",
	"Latency dropped by half after the change.",
	"What would you do differently next time?",
	"I would measure first, and only then optimise the slow path.",
	"Thank you, that is all for today.",
}

type voice struct {
	name string
	args func(text, out string) []string
}

var voices = []voice{
	{"flite", func(text, out string) []string { return []string{"-voice", "rms", "-t", text, "-o", out} }},
	{"espeak-ng", func(text, out string) []string { return []string{"-v", "en-us", "-w", out, text} }},
	{"flite", func(text, out string) []string { return []string{"-voice", "slt", "-t", text, "-o", out} }},
	{"espeak-ng", func(text, out string) []string { return []string{"-v", "en-gb", "-s", "190", "-w", out, text} }},
}

var (
	corpusOnce sync.Once
	corpus     []Condition
	corpusErr  error
)

// Corpus returns the labelled conditions, synthesising them on first use
// (about a second). It skips tb when flite, espeak-ng or sox is missing
// (scripts/deps.sh installs them).
//
// Conditions: "clean" (digital silence between sentences); "noise20" and
// "noise10" (white Gaussian noise throughout, at 20 and 10 dB below the
// speech's RMS, fixed seed); "level-12" (30 dB SNR, the second half 12 dB
// quieter, speech and noise alike); "burst" (30 dB SNR plus a 200 ms
// white-noise burst with a cough-like attack and decay, peaking at the
// speech's RMS, in the middle of every pause of 0.8 s or more).
func Corpus(tb testing.TB) []Condition {
	tb.Helper()
	for _, tool := range []string{"flite", "espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("labelled audio needs %s: %v", tool, err)
		}
	}
	corpusOnce.Do(func() { corpus, corpusErr = build() })
	if corpusErr != nil {
		tb.Fatal(corpusErr)
	}
	return corpus
}

func build() ([]Condition, error) {
	dir, err := os.MkdirTemp("", "vadtest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	clips := make([][]int16, len(sentences))
	errs := make([]error, len(sentences))
	var wg sync.WaitGroup
	for i, text := range sentences {
		wg.Go(func() { clips[i], errs[i] = synth(dir, i, text) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	rng := rand.New(rand.NewPCG(4, 20))
	silence := func(lo, hi float64) int {
		return int((lo + rng.Float64()*(hi-lo)) * vad.SampleRate)
	}
	var pcm []int16
	var spans, pauses [][2]int
	pcm = append(pcm, make([]int16, vad.SampleRate)...)
	for i, c := range clips {
		spans = append(spans, [2]int{len(pcm), len(pcm) + len(c)})
		pcm = append(pcm, c...)
		n := silence(0.3, 2.0)
		if i == len(clips)-1 {
			n = vad.SampleRate
		}
		pauses = append(pauses, [2]int{len(pcm), len(pcm) + n})
		pcm = append(pcm, make([]int16, n)...)
	}
	frames := len(pcm) / vad.FrameSamples
	labels := make([]bool, frames)
	for _, s := range spans {
		for f := s[0] / vad.FrameSamples; f <= s[1]/vad.FrameSamples && f < frames; f++ {
			lo, hi := max(s[0], f*vad.FrameSamples), min(s[1], (f+1)*vad.FrameSamples)
			if 2*(hi-lo) >= vad.FrameSamples {
				labels[f] = true
			}
		}
	}
	var sum float64
	var n int
	for _, s := range spans {
		for _, v := range pcm[s[0]:s[1]] {
			sum += float64(v) * float64(v)
		}
		n += s[1] - s[0]
	}
	rms := math.Sqrt(sum / float64(n))

	clean := make([]float64, len(pcm))
	for i, v := range pcm {
		clean[i] = float64(v)
	}
	noisy := func(snr float64, seed uint64) []float64 {
		r := rand.New(rand.NewPCG(seed, 7))
		sigma := rms / math.Pow(10, snr/20)
		out := make([]float64, len(clean))
		for i, v := range clean {
			out[i] = v + r.NormFloat64()*sigma
		}
		return out
	}

	level := noisy(30, 3)
	mid := pauses[len(pauses)/2-1][0]
	for i := mid; i < len(level); i++ {
		level[i] *= math.Pow(10, -12.0/20)
	}

	burst := noisy(30, 4)
	br := rand.New(rand.NewPCG(5, 7))
	var bursts [][2]int
	const burstLen = vad.SampleRate / 5
	for _, p := range pauses {
		if p[1]-p[0] < vad.SampleRate*8/10 {
			continue
		}
		start := (p[0] + p[1] - burstLen) / 2
		for j := range burstLen {
			t := float64(j) / burstLen
			env := math.Min(t/0.1, 1) * math.Exp(-3*t) // 20 ms attack, then decay
			burst[start+j] += br.NormFloat64() * rms * 1.5 * env
		}
		bursts = append(bursts, [2]int{start / vad.FrameSamples, (start + burstLen + vad.FrameSamples - 1) / vad.FrameSamples})
	}

	cond := func(name string, x []float64, b [][2]int) Condition {
		out := make([]int16, len(x))
		for i, v := range x {
			out[i] = int16(math.Max(-32768, math.Min(32767, math.Round(v))))
		}
		return Condition{Name: name, PCM: out, Speech: labels, Bursts: b}
	}
	return []Condition{
		cond("clean", clean, nil),
		cond("noise20", noisy(20, 1), nil),
		cond("noise10", noisy(10, 2), nil),
		cond("level-12", level, nil),
		cond("burst", burst, bursts),
	}, nil
}

// synth speaks text with the i-th voice and returns it as 16 kHz mono PCM
// with leading and trailing digital silence trimmed.
func synth(dir string, i int, text string) ([]int16, error) {
	v := voices[i%len(voices)]
	wav := filepath.Join(dir, fmt.Sprintf("%d.wav", i))
	raw := filepath.Join(dir, fmt.Sprintf("%d.raw", i))
	if out, err := exec.Command(v.name, v.args(text, wav)...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s %q: %w: %s", v.name, text, err, out)
	}
	if out, err := exec.Command("sox", wav, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("sox %s: %w: %s", wav, err, out)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		return nil, err
	}
	pcm := make([]int16, len(b)/2)
	for j := range pcm {
		pcm[j] = int16(binary.LittleEndian.Uint16(b[2*j:]))
	}
	const quiet = 64 // about -54 dBFS
	lo, hi := 0, len(pcm)
	for lo < hi && abs(pcm[lo]) < quiet {
		lo++
	}
	for hi > lo && abs(pcm[hi-1]) < quiet {
		hi--
	}
	if hi-lo < vad.SampleRate/2 {
		return nil, fmt.Errorf("%s %q: only %d samples of speech", v.name, text, hi-lo)
	}
	return pcm[lo:hi], nil
}

func abs(v int16) int {
	if v < 0 {
		return -int(v)
	}
	return int(v)
}
