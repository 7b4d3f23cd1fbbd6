package scoring_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

// calibration is testdata/calibration.json: candidate answers with a human
// grader's verdicts.
type calibration struct {
	Rubric string            `json:"rubric"`
	Cases  []calibrationCase `json:"cases"`
}

type calibrationCase struct {
	Name string `json:"name"`
	// Say is the candidate's utterances; one starting "interviewer: " is the
	// interviewer's.
	Say []string `json:"say"`
	// Confidence gives every word this recognition confidence (0: none).
	Confidence float64                  `json:"confidence"`
	Expect     map[string]scoring.State `json:"expect"`
	Dismissed  []string                 `json:"dismissed"`
	Known      map[string]string        `json:"known"`
}

// loadCalibration reads testdata/calibration.json.
func loadCalibration(tb testing.TB) calibration {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "calibration.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var cal calibration
	if err := json.Unmarshal(b, &cal); err != nil {
		tb.Fatalf("calibration.json: %v", err)
	}
	return cal
}

// utterances are the case's utterances, 20 s apart, with timed words.
func (tc calibrationCase) utterances() []viva.Utterance {
	var us []viva.Utterance
	for i, s := range tc.Say {
		start := int64(i) * 20000
		u := spoken(start, tc.Confidence, s)
		if rest, ok := strings.CutPrefix(s, "interviewer: "); ok {
			u = spoken(start, tc.Confidence, rest)
			u.Speaker = viva.SpeakerInterviewer
		}
		us = append(us, u)
	}
	return us
}

// TestCalibration checks the matcher against the grader's verdicts on every
// concept, tradeoff, challenge and red flag of every case, and reports the
// agreement (go test -run Calibration -v ./scoring).
func TestCalibration(t *testing.T) {
	t.Parallel()
	cal := loadCalibration(t)
	rag := ragRubric(t)
	m := scoring.NewMatcher(rag)
	// Beyond plain agreement: of the grader's credits (hit or partial), how
	// many the matcher gives (recall), and of the matcher's, how many the
	// grader gives (precision).
	var judged, agreed, graderCredits, matcherCredits, bothCredit int
	for _, tc := range cal.Cases {
		c := m.Cover(tc.utterances())
		type verdict struct {
			id        string
			state     scoring.State
			dismissed bool
		}
		var got []verdict
		for _, cc := range c.Concepts {
			got = append(got, verdict{cc.ID, cc.State, cc.Dismissed})
		}
		for _, list := range [][]scoring.ItemCoverage{c.Tradeoffs, c.Challenges, c.RedFlags} {
			for _, it := range list {
				got = append(got, verdict{id: it.ID, state: it.State})
			}
		}
		for id := range tc.Expect {
			if !slices.ContainsFunc(got, func(v verdict) bool { return v.id == id }) {
				t.Errorf("%s: expects unknown item %q", tc.Name, id)
			}
		}
		for _, v := range got {
			want, ok := tc.Expect[v.id]
			if !ok {
				want = scoring.Missed
			}
			wantDismissed := slices.Contains(tc.Dismissed, v.id)
			judged++
			agree := v.state == want && v.dismissed == wantDismissed
			if want != scoring.Missed {
				graderCredits++
			}
			if v.state != scoring.Missed {
				matcherCredits++
			}
			if want != scoring.Missed && v.state == want {
				bothCredit++
			}
			why, known := tc.Known[v.id]
			switch {
			case agree && known:
				t.Errorf("%s: %s now agrees with the grader (%s); drop it from known", tc.Name, v.id, v.state)
			case !agree && !known:
				t.Errorf("%s: %s = %s (dismissed %v), grader says %s (dismissed %v)", tc.Name, v.id, v.state, v.dismissed, want, wantDismissed)
			case !agree:
				t.Logf("%s: %s = %s, grader says %s: %s", tc.Name, v.id, v.state, want, why)
			default:
				agreed++
			}
		}
	}
	t.Logf("calibration: %d cases, %d of %d verdicts agree with the grader (%.1f%%); credits: recall %d/%d (%.1f%%), precision %d/%d (%.1f%%)",
		len(cal.Cases), agreed, judged, pct(agreed, judged),
		bothCredit, graderCredits, pct(bothCredit, graderCredits), bothCredit, matcherCredits, pct(bothCredit, matcherCredits))
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
