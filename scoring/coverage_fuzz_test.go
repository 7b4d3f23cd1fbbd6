package scoring_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

// FuzzCover covers random text with the example rubric, plus one concept
// whose cue is random too: it must not panic, must give the same coverage
// for the same input, and must keep its invariants.
func FuzzCover(f *testing.F) {
	cal := loadCalibration(f)
	for i, tc := range cal.Cases {
		f.Add(strings.Join(tc.Say, "\n"), "chunking", []byte{byte(i), 200, 90, 0, 255})
	}
	f.Add("we must not skip evaluation", "not skip", []byte{})
	f.Add("b m 25 a/b 10,000 3.5 1st 007 — … ’ don't", "bm25", []byte{1, 2, 3})
	f.Add("re rank re ranking chunk in em bedding", "re-rank", []byte{0})
	f.Add(strings.Repeat("a ", 500), strings.Repeat("a ", 40), []byte{7})
	f.Add("\x00\xff\xfe é É ǅ ß ﬁ İ 𝔘", "ß", []byte{9, 9})
	rag := ragRubric(f)
	f.Fuzz(func(t *testing.T, text, cue string, noise []byte) {
		r := rag
		r.Concepts = append(append([]scoring.Concept(nil), rag.Concepts...), scoring.Concept{ID: "fuzz", Label: "fuzz", Weight: 1, Cues: []string{cue}, Probe: "?"})
		us := fuzzUtterances(text, noise)
		a := scoring.Cover(r, us)
		b := scoring.NewMatcher(r).Cover(us)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("not deterministic:\n%+v\n%+v", a, b)
		}
		candidates := map[uuid.UUID]bool{}
		for _, u := range us {
			if u.Speaker == viva.SpeakerCandidate {
				candidates[u.ID] = true
			}
		}
		if len(a.Concepts) != len(r.Concepts) || len(a.Tradeoffs) != len(r.Tradeoffs) || len(a.Challenges) != len(r.Challenges) ||
			len(a.RedFlags) != len(r.RedFlags) || len(a.Stages) != len(r.Structure) {
			t.Fatalf("coverage does not follow the rubric: %+v", a)
		}
		checkEvidence := func(id string, ev []scoring.Evidence) {
			if len(ev) > scoring.MaxEvidence {
				t.Fatalf("%s: %d pieces of evidence", id, len(ev))
			}
			for _, e := range ev {
				if !candidates[e.UtteranceID] || e.Cue == "" || e.Quote == "" || !(e.Confidence >= 0 && e.Confidence <= 1) {
					t.Fatalf("%s: bad evidence %+v", id, e)
				}
			}
		}
		for i, c := range a.Concepts {
			if c.ID != r.Concepts[i].ID || !(c.Score >= 0 && c.Score <= 1) {
				t.Fatalf("concept %d: %+v", i, c)
			}
			want := scoring.Missed
			switch {
			case c.Score >= scoring.HitScore:
				want = scoring.Hit
			case c.Score >= scoring.PartialScore:
				want = scoring.Partial
			}
			if c.State != want || (c.Dismissed && c.State != scoring.Missed) {
				t.Fatalf("concept %s: state %s with score %v, dismissed %v", c.ID, c.State, c.Score, c.Dismissed)
			}
			checkEvidence(c.ID, c.Evidence)
		}
		for _, list := range [][]scoring.ItemCoverage{a.Tradeoffs, a.Challenges, a.RedFlags, a.Stages} {
			for _, it := range list {
				if it.Dismissed && it.State != scoring.Missed {
					t.Fatalf("%s: %s yet dismissed", it.ID, it.State)
				}
				checkEvidence(it.ID, it.Evidence)
			}
		}
		if len(candidates) == 0 {
			for _, c := range a.Concepts {
				if c.State != scoring.Missed || len(c.Evidence) > 0 {
					t.Fatalf("credited with no candidate speech: %+v", c)
				}
			}
		}
	})
}

// fuzzUtterances splits text into utterances at newlines; noise decides
// speakers, which utterances have timed words, and word confidences
// (including out-of-range and NaN ones).
func fuzzUtterances(text string, noise []byte) []viva.Utterance {
	at := func(i int) byte {
		if len(noise) == 0 {
			return 0
		}
		return noise[i%len(noise)]
	}
	var us []viva.Utterance
	n := 0
	for i, line := range strings.Split(text, "\n") {
		u := viva.Utterance{ID: uuid.NewSHA1(uuid.Nil, []byte{byte(i), byte(i >> 8)}), Speaker: viva.SpeakerCandidate, Text: line, StartMS: int64(i) * 1000, EndMS: int64(i)*1000 + 900}
		if at(n)%5 == 4 {
			u.Speaker = viva.SpeakerInterviewer
		}
		n++
		if at(n)%2 == 0 {
			for j, w := range strings.Split(line, " ") { // empty words too
				c := float64(at(n+j)) / 200 // up to 1.275
				switch at(n + j) {
				case 13:
					c = math.NaN()
				case 17:
					c = -1
				}
				u.Words = append(u.Words, viva.Word{Text: w, StartMS: u.StartMS + int64(j), EndMS: u.StartMS + int64(j) + int64(at(j)), Confidence: c})
			}
		}
		n++
		us = append(us, u)
	}
	return us
}
