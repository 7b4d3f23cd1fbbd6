// Package accuracy measures a speech-to-text engine on interview answers:
// it synthesises the held-out answers with flite and espeak-ng voices
// (clean, and with added noise), transcribes them, and reports word error
// rate, rubric-term recall (the share of key terms that reach the
// transcript), real-time factor and latency. `viva stt-eval` runs it.
//
// The held-out answers (media/stt/corpus/heldout) never feed the domain
// language model.
package accuracy

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/stt/lm"
)

// Sample is one spoken answer and the key terms a scorer would look for in
// it.
type Sample struct {
	Text  string
	Terms []string
}

// Load reads answers.txt (one sentence a line) and terms.txt (`N<TAB>term|term`,
// N counting answers from 1) from dir.
func Load(dir fs.FS) ([]Sample, error) {
	answers, err := lines(dir, "answers.txt")
	if err != nil {
		return nil, err
	}
	samples := make([]Sample, len(answers))
	for i, a := range answers {
		samples[i].Text = a
	}
	terms, err := lines(dir, "terms.txt")
	if err != nil {
		return nil, err
	}
	for _, l := range terms {
		num, list, ok := strings.Cut(l, "\t")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 || n > len(samples) {
			return nil, fmt.Errorf("terms.txt: line %q: want N<TAB>term|term with 1 <= N <= %d", l, len(samples))
		}
		samples[n-1].Terms = strings.Split(list, "|")
	}
	return samples, nil
}

func lines(dir fs.FS, name string) ([]string, error) {
	f, err := dir.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

// Errors counts the word edits (substitutions, insertions, deletions) that
// turn hyp into ref; WER is Errors / len(ref).
func Errors(ref, hyp []string) int {
	prev := make([]int, len(hyp)+1)
	cur := make([]int, len(hyp)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ref); i++ {
		cur[0] = i
		for j := 1; j <= len(hyp); j++ {
			sub := prev[j-1]
			if ref[i-1] != hyp[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(hyp)]
}

// Found reports whether term (normalised like the transcript) occurs in hyp
// as a run of consecutive words.
func Found(term string, hyp []string) bool {
	want := lm.Normalize(term)
	if len(want) == 0 {
		return false
	}
	for i := 0; i+len(want) <= len(hyp); i++ {
		if slices.Equal(hyp[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// AddNoise mixes deterministic white noise into pcm at the given
// signal-to-noise ratio (dB), measured against the signal's RMS. The same
// seed gives the same noise.
func AddNoise(pcm []int16, snrDB float64, seed uint64) []int16 {
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	if len(pcm) == 0 || sum == 0 {
		return slices.Clone(pcm)
	}
	rms := math.Sqrt(sum / float64(len(pcm)))
	sigma := rms / math.Pow(10, snrDB/20)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]int16, len(pcm))
	for i, s := range pcm {
		v := float64(s) + rng.NormFloat64()*sigma
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

// Row is the figures for one voice.
type Row struct {
	Voice         string
	Sentences     int
	RefWords      int
	WordErrors    int
	Terms         int
	TermsFound    int
	AudioSeconds  float64
	DecodeSeconds float64
	LatencyP50    time.Duration
	LatencyP95    time.Duration
	Missed        []string // terms not found, for tuning
}

// WER is the word error rate.
func (r Row) WER() float64 { return ratio(r.WordErrors, r.RefWords) }

// TermRecall is the share of key terms found in the transcripts.
func (r Row) TermRecall() float64 { return ratio(r.TermsFound, r.Terms) }

// RTF is the real-time factor: seconds of decoding per second of audio.
func (r Row) RTF() float64 {
	if r.AudioSeconds == 0 {
		return 0
	}
	return r.DecodeSeconds / r.AudioSeconds
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Speak turns text into 16 kHz PCM in one voice.
type Speak func(ctx context.Context, text string) ([]int16, error)

// Measure transcribes every sample spoken by speak, one at a time, and
// returns the voice's figures. progress, if not nil, hears of each sample.
func Measure(ctx context.Context, engine stt.Transcriber, voice string, speak Speak, samples []Sample, progress func(i int)) (Row, error) {
	row := Row{Voice: voice}
	var latencies []time.Duration
	for i, s := range samples {
		pcm, err := speak(ctx, s.Text)
		if err != nil {
			return row, fmt.Errorf("synthesise sample %d in %s: %w", i+1, voice, err)
		}
		start := time.Now()
		r, err := engine.Transcribe(ctx, stt.Audio{PCM: pcm})
		took := time.Since(start)
		if err != nil {
			return row, fmt.Errorf("transcribe sample %d in %s: %w", i+1, voice, err)
		}
		latencies = append(latencies, took)
		ref, hyp := lm.Normalize(s.Text), lm.Normalize(r.Text)
		row.Sentences++
		row.RefWords += len(ref)
		row.WordErrors += Errors(ref, hyp)
		for _, term := range s.Terms {
			row.Terms++
			if Found(term, hyp) {
				row.TermsFound++
			} else {
				row.Missed = append(row.Missed, term)
			}
		}
		row.AudioSeconds += float64(len(pcm)) / stt.SampleRate
		row.DecodeSeconds += took.Seconds()
		if progress != nil {
			progress(i)
		}
	}
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		row.LatencyP50 = latencies[n/2]
		row.LatencyP95 = latencies[min(n-1, n*95/100)]
	}
	return row, nil
}
