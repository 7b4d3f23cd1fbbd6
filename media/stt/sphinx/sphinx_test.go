package sphinx_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/stt/accuracy"
	"github.com/viva-interview/viva/media/stt/corpus"
	"github.com/viva-interview/viva/media/stt/sphinx"
	"github.com/viva-interview/viva/media/stt/stttest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newEngine(t testing.TB, cfg sphinx.Config) *sphinx.Engine {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = t.TempDir()
	}
	e, err := sphinx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestConformance(t *testing.T) {
	e := newEngine(t, sphinx.Config{Decoders: 2})
	stttest.Run(t, e, stttest.Say(t, "slt", "we chunk the documents and embed each passage"))
}

func TestStreamGivesPartials(t *testing.T) {
	e := newEngine(t, sphinx.Config{Decoders: 1})
	pcm := stttest.Say(t, "kal", "first we measure the results then we fix the index")
	s, err := e.Stream(context.Background(), 3000)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var partials []string
	for off := 0; off < len(pcm); off += 3200 { // 200 ms at a time, as the media path delivers it
		p, err := s.Write(pcm[off:min(off+3200, len(pcm))])
		if err != nil {
			t.Fatal(err)
		}
		if p != "" && (len(partials) == 0 || partials[len(partials)-1] != p) {
			partials = append(partials, p)
		}
	}
	final, err := s.Finish()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("partials: %q final %q", partials, final.Text)
	if len(partials) < 2 {
		t.Fatalf("want partial hypotheses growing with the audio, got %q", partials)
	}
	if len(final.Words) == 0 || final.Words[0].StartMS < 3000 {
		t.Fatalf("final words not on the time base: %+v", final.Words)
	}
	whole, err := e.Transcribe(context.Background(), stt.Audio{PCM: pcm, StartMS: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Text != final.Text {
		t.Errorf("streamed %q, whole %q: the same audio should decode the same", final.Text, whole.Text)
	}
	// The decoder went back to the pool: another stream can start.
	s2, err := e.Stream(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestMissingModel(t *testing.T) {
	_, err := sphinx.New(sphinx.Config{ModelDir: t.TempDir(), CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "pocketsphinx-en-us") || !strings.Contains(err.Error(), "mdef") {
		t.Fatalf("missing model: %v, want an error naming the file and the package", err)
	}
}

func TestClosedEngine(t *testing.T) {
	e, err := sphinx.New(sphinx.Config{Decoders: 1, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	e.Close()
	if _, err := e.Transcribe(context.Background(), stt.Audio{PCM: []int16{1000, -1000, 1000}}); err == nil {
		t.Fatal("a closed engine transcribed")
	}
}

// A decoder's result depends only on the audio, not on what it heard before
// (another speaker, an abandoned stream): pooled decoders serve every
// interview, and tests must be repeatable.
func TestDecodingIsIndependentOfHistory(t *testing.T) {
	e := newEngine(t, sphinx.Config{Decoders: 1})
	a := stttest.Say(t, "kal", "first we measure the results then we fix the index")
	b := stttest.Say(t, "slt", "a different sentence from another voice about cooking pasta")
	first, err := e.Transcribe(context.Background(), stt.Audio{PCM: a})
	if err != nil || first.Text == "" {
		t.Fatal(first, err)
	}
	for _, other := range [][]int16{b, b, a} {
		if _, err := e.Transcribe(context.Background(), stt.Audio{PCM: other}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := e.Stream(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(b)
	s.Close() // abandoned mid-utterance
	again, err := e.Transcribe(context.Background(), stt.Audio{PCM: a})
	if err != nil {
		t.Fatal(err)
	}
	if again.Text != first.Text {
		t.Fatalf("same audio, different history: %q then %q", first.Text, again.Text)
	}
}

// TestKnowsTheDomain is the accuracy harness in miniature (the full run is
// `viva stt-eval`; figures in BENCHMARKS.md): held-out answers, which never
// fed the domain model, spoken by two flite voices. The bounds sit below
// the measured figures so that only a real regression trips them.
func TestKnowsTheDomain(t *testing.T) {
	samples, err := accuracy.Load(corpus.Heldout())
	if err != nil {
		t.Fatal(err)
	}
	samples = samples[:8]
	e := newEngine(t, sphinx.Config{Decoders: 1})
	generic := newEngine(t, sphinx.Config{Decoders: 1, DomainWeight: -1})
	for _, voice := range []accuracy.Voice{"flite:rms", "flite:slt"} {
		speak, err := voice.Speaker(t.TempDir())
		if err != nil {
			t.Skip(err)
		}
		row, err := accuracy.Measure(context.Background(), e, string(voice), speak, samples, nil)
		if err != nil {
			t.Fatal(err)
		}
		base, err := accuracy.Measure(context.Background(), generic, string(voice), speak, samples, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: domain WER %.1f%% recall %.1f%%; generic WER %.1f%% recall %.1f%%; missed %v", voice,
			100*row.WER(), 100*row.TermRecall(), 100*base.WER(), 100*base.TermRecall(), row.Missed)
		if row.TermRecall() < 0.85 || row.WER() > 0.35 {
			t.Errorf("%s: term recall %.1f%% (want >= 85%%), WER %.1f%% (want <= 35%%)", voice, 100*row.TermRecall(), 100*row.WER())
		}
		if row.TermRecall() <= base.TermRecall() || row.WER() >= base.WER() {
			t.Errorf("%s: the domain model does not beat the generic one", voice)
		}
	}
}

// BenchmarkTranscribe decodes one held-out answer per op on one decoder;
// rtf is decode seconds per audio second (target <= 0.3 per core).
func BenchmarkTranscribe(b *testing.B) {
	samples, err := accuracy.Load(corpus.Heldout())
	if err != nil {
		b.Fatal(err)
	}
	pcm := stttest.Say(b, "slt", samples[1].Text)
	e := newEngine(b, sphinx.Config{Decoders: 1})
	for b.Loop() {
		if _, err := e.Transcribe(context.Background(), stt.Audio{PCM: pcm}); err != nil {
			b.Fatal(err)
		}
	}
	audio := float64(len(pcm)) / stt.SampleRate
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/audio, "rtf")
	b.ReportMetric(audio, "audio-s")
}
