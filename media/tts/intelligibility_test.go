package tts_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/stt/accuracy"
	"github.com/viva-interview/viva/media/stt/lm"
	"github.com/viva-interview/viva/media/stt/sphinx"
	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/espeak"
	"github.com/viva-interview/viva/media/tts/flite"
)

var measureAll = flag.Bool("tts.all", false,
	"TestIntelligibility: measure every candidate voice on every prompt in testdata/prompts.txt, "+
		"with the domain and the generic speech model (a few minutes; see MEASUREMENTS.md)")

// voice is a candidate interviewer voice.
type voice struct {
	name string
	make func() (tts.Synthesizer, error)
}

func fliteVoice(name string) voice {
	return voice{"flite:" + name, func() (tts.Synthesizer, error) { return flite.New(flite.Config{Voice: name}) }}
}

func espeakVoice(name string, wpm int) voice {
	return voice{fmt.Sprintf("espeak-ng:%s:%d", name, wpm), func() (tts.Synthesizer, error) {
		return espeak.New(espeak.Config{Voice: name, WPM: wpm})
	}}
}

// row is one voice's figures.
type row struct {
	voice        string
	prompts      int
	refWords     int
	errors       int
	audioSeconds float64
	synth        []time.Duration // per prompt
	typical      time.Duration   // median time to synthesise the typical prompt
}

func (r row) wer() float64 { return float64(r.errors) / float64(r.refWords) }

func (r row) wordsPerMinute() float64 { return float64(r.refWords) / r.audioSeconds * 60 }

func percentile(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func loadPrompts(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/prompts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// to16k resamples speech to the speech engine's rate, with half a second of
// silence either side as a turn would have.
func to16k(sp tts.Speech) []int16 {
	pad := make([]int16, stt.SampleRate/2)
	pcm := sp.Resample(stt.SampleRate).PCM
	return slices.Concat(pad, pcm, pad)
}

// measure speaks every prompt in v and transcribes it back with engine.
func measure(t *testing.T, engine stt.Transcriber, v voice, prompts []string, typicalRuns int) row {
	t.Helper()
	ctx := context.Background()
	s, err := v.make()
	if err != nil {
		t.Skipf("%s: %v", v.name, err)
	}
	r := row{voice: v.name}
	for _, p := range prompts {
		began := time.Now()
		sp, err := s.Synthesize(ctx, p)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		r.synth = append(r.synth, time.Since(began))
		res, err := engine.Transcribe(ctx, stt.Audio{PCM: to16k(sp)})
		if err != nil {
			t.Fatalf("%s: transcribe: %v", v.name, err)
		}
		ref, hyp := lm.Normalize(p), lm.Normalize(res.Text)
		r.prompts++
		r.refWords += len(ref)
		r.errors += accuracy.Errors(ref, hyp)
		r.audioSeconds += float64(len(sp.PCM)) / float64(sp.Rate)
		if testing.Verbose() && *measureAll {
			t.Logf("%-22s %q → %q", v.name, p, res.Text)
		}
	}
	var typical []time.Duration
	for range typicalRuns {
		began := time.Now()
		if _, err := s.Synthesize(ctx, "How would you evaluate the retriever before you change the chunk size?"); err != nil {
			t.Fatal(err)
		}
		typical = append(typical, time.Since(began))
	}
	if len(typical) > 0 {
		r.typical = percentile(typical, 50)
	}
	return r
}

func newSphinx(t *testing.T, domainWeight float64) *sphinx.Engine {
	t.Helper()
	e, err := sphinx.New(sphinx.Config{Decoders: 1, DomainWeight: domainWeight, CacheDir: t.TempDir()})
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// TestIntelligibility picks the embedded voice by measurement: it speaks
// interviewer prompts with each candidate voice, transcribes them back with
// the embedded speech-to-text engine and compares word error rates.
//
// By default it checks the choice on a few prompts: the default flite voice
// transcribes back with a low error rate, lower than espeak-ng's. With
// -tts.all it measures every candidate on every prompt and logs the table
// that MEASUREMENTS.md records:
//
//	go test ./media/tts -run TestIntelligibility -v -timeout 20m -args -tts.all
func TestIntelligibility(t *testing.T) {
	prompts := loadPrompts(t)
	if len(prompts) < 20 {
		t.Fatalf("%d prompts, want at least 20", len(prompts))
	}
	if !*measureAll {
		chosen, other := fliteVoice(flite.DefaultVoice), espeakVoice(espeak.DefaultVoice, espeak.DefaultWPM)
		engine := newSphinx(t, 0)
		few := prompts[:4]
		a, b := measure(t, engine, chosen, few, 0), measure(t, engine, other, few, 0)
		t.Logf("WER on %d prompts: %s %.1f%%, %s %.1f%%", len(few), a.voice, 100*a.wer(), b.voice, 100*b.wer())
		if a.wer() > 0.35 {
			t.Errorf("%s: WER %.1f%%, want at most 35%%", a.voice, 100*a.wer())
		}
		if a.wer() > b.wer() {
			t.Errorf("%s (WER %.1f%%) is less intelligible than %s (%.1f%%): revisit the default voice", a.voice, 100*a.wer(), b.voice, 100*b.wer())
		}
		return
	}

	voices := []voice{
		fliteVoice("slt"), fliteVoice("rms"), fliteVoice("awb"), fliteVoice("kal16"), fliteVoice("kal"),
		espeakVoice("en-us", 140), espeakVoice("en-us", 175), espeakVoice("en-us", 210),
		espeakVoice("en-gb-x-rp", 160),
	}
	for _, model := range []struct {
		name   string
		weight float64
	}{{"domain", 0}, {"generic", -1}} {
		engine := newSphinx(t, model.weight)
		var rows []row
		for _, v := range voices {
			rows = append(rows, measure(t, engine, v, prompts, 9))
		}
		var b strings.Builder
		fmt.Fprintf(&b, "\nPocketSphinx with the %s language model, %d prompts:\n\n", model.name, len(prompts))
		b.WriteString("| voice | words | errors | WER | words/min | synthesis p50 / p95 per prompt | typical prompt (12 words) |\n")
		b.WriteString("|---|---|---|---|---|---|---|\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %d | %d | %.1f%% | %.0f | %s / %s | %s |\n", r.voice, r.refWords, r.errors, 100*r.wer(),
				r.wordsPerMinute(), ms(percentile(r.synth, 50)), ms(percentile(r.synth, 95)), ms(r.typical))
		}
		t.Log(b.String())
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }
