package scoring_test

import (
	"context"
	"strings"
	"testing"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media/stt"
	"github.com/viva-interview/viva/media/stt/accuracy"
	"github.com/viva-interview/viva/media/stt/sphinx"
	"github.com/viva-interview/viva/scoring"
)

// BenchmarkConceptDetectionSpoken measures concept detection through
// speech: the calibration answers are spoken by flite and espeak-ng,
// transcribed by the embedded engine (PocketSphinx with the domain model),
// and covered; the grader's verdicts are compared with those on the clean
// text. It reports, per voice, the agreement with the grader and the recall
// and precision of credited concepts (hit or partial). It takes minutes:
//
//	go test -run '^$' -bench ConceptDetectionSpoken -benchtime 1x ./scoring/
func BenchmarkConceptDetectionSpoken(b *testing.B) {
	cal := loadCalibration(b)
	engine, err := sphinx.New(sphinx.Config{Decoders: 2, CacheDir: b.TempDir()})
	if err != nil {
		b.Skip("embedded engine:", err)
	}
	defer engine.Close()
	m := scoring.NewMatcher(ragRubric(b))
	for _, voice := range []string{"clean", "flite:rms", "flite:slt", "espeak-ng:en-us"} {
		b.Run(strings.ReplaceAll(voice, ":", "-"), func(b *testing.B) {
			var speak accuracy.Speak
			if voice != "clean" {
				if speak, err = accuracy.Voice(voice).Speaker(b.TempDir()); err != nil {
					b.Skip(err)
				}
			}
			for range b.N {
				var judged, agreed, grader, matcher, both int
				for _, tc := range cal.Cases {
					us := tc.utterances()
					for i, s := range tc.Say {
						start := int64(i) * 20000
						u := us[i]
						if u.Speaker == viva.SpeakerCandidate && speak != nil {
							pcm, err := speak(context.Background(), s)
							if err != nil {
								b.Fatal(err)
							}
							res, err := engine.Transcribe(context.Background(), stt.Audio{PCM: pcm, StartMS: start})
							if err != nil {
								b.Fatal(err)
							}
							us[i] = viva.Utterance{ID: u.ID, Speaker: viva.SpeakerCandidate, Text: res.Text, Words: res.Words, StartMS: start, EndMS: start + int64(len(pcm))/16}
						}
					}
					states := map[string]scoring.State{}
					c := m.Cover(us)
					for _, cc := range c.Concepts {
						states[cc.ID] = cc.State
					}
					for _, list := range [][]scoring.ItemCoverage{c.Tradeoffs, c.Challenges, c.RedFlags} {
						for _, it := range list {
							states[it.ID] = it.State
						}
					}
					for id, got := range states { // the grader's silence is "missed"
						want := tc.Expect[id]
						if want == "" {
							want = scoring.Missed
						}
						judged++
						if got == want {
							agreed++
						}
						g, mt := want != scoring.Missed, got != scoring.Missed
						if g {
							grader++
						}
						if mt {
							matcher++
						}
						if g && mt {
							both++
						}
					}
				}
				b.ReportMetric(pct(agreed, judged), "agree-%")
				b.ReportMetric(pct(both, grader), "recall-%")
				b.ReportMetric(pct(both, matcher), "precision-%")
				b.Logf("%s: %d/%d verdicts agree, recall %d/%d, precision %d/%d", voice, agreed, judged, both, grader, both, matcher)
			}
		})
	}
}
