package scoring_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/interviewer"
	"github.com/viva-interview/viva/scoring"
)

var update = flag.Bool("update", false, "rewrite testdata/golden-report.json")

// tierSet is testdata/tiers.json: answers to bank questions at three
// quality tiers, each with the concepts a careful grader credits.
type tierSet struct {
	Questions []struct {
		ID      string       `json:"id"`
		Answers []tierAnswer `json:"answers"`
	} `json:"questions"`
}

type tierAnswer struct {
	Tier   string   `json:"tier"` // strong, partial, weak
	Say    string   `json:"say"`
	Credit []string `json:"credit"` // concept ids credited (hit or partial)
}

var tierRank = map[string]float64{"weak": 1, "partial": 2, "strong": 3}

// Measured on the labelled set (12 questions, 36 answers, 213 concept
// verdicts) after the cue revision of the bank (paraphrase cues added,
// prompt echoes and bare cues such as "retrain" or "went back to" removed);
// before it: Spearman 0.934, precision 0.958 (91 of 95), recall 0.850 (91
// of 107). The guards are the measured figures less about 0.02, rounded
// down (ordering stays at all questions), so a change to matching or cues
// that makes them worse fails here. The set is small and the cues were
// revised against its known misses, so treat 1.000 as an upper bound, not
// as the accuracy on unseen answers:
//
//	tier ordering  12/12 questions (100%)          guard: 1.00
//	Spearman       0.944 (Overall against tier)    guard: 0.92
//	precision      1.000 (107 of 107 credits)      guard: 0.98
//	recall         1.000 (107 of 107 labels)       guard: 0.98 (issue target 0.9: met)
const (
	minOrdering  = 1.00
	minSpearman  = 0.92
	minPrecision = 0.98
	minRecall    = 0.98
)

func loadTiers(t *testing.T) (tierSet, *interviewer.Bank) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tiers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var set tierSet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatalf("tiers.json: %v", err)
	}
	qs, errs := interviewer.Builtin()
	if len(errs) > 0 {
		t.Fatalf("bank: %v", errs)
	}
	return set, interviewer.NewBank(qs)
}

// scoreAnswer scores one candidate utterance as the answer to one question.
func scoreAnswer(q scoring.Question, say string) scoring.Report {
	return scoring.Score(scoring.Input{Utterances: []viva.Utterance{spoken(0, 0.95, say)}, Questions: []scoring.Question{q}})
}

// TestTiers scores every answer of the labelled tier set and reports how
// well Overall orders the tiers and how well the concept verdicts agree
// with the labels (go test -run TestTiers -v ./scoring).
func TestTiers(t *testing.T) {
	t.Parallel()
	set, bank := loadTiers(t)
	if len(set.Questions) < 12 {
		t.Errorf("tiers.json has %d questions, want at least 12", len(set.Questions))
	}
	tracks := map[string]bool{}
	var overall, tiers []float64
	var ordered, tp, fp, fn int
	type miss struct{ fp, fn int }
	byConcept := map[string]*miss{}
	byQuestion := map[string]int{}
	for _, sq := range set.Questions {
		q, ok := bank.Scoring(sq.ID)
		if !ok {
			t.Errorf("%s: not in the bank", sq.ID)
			continue
		}
		track, _, _ := strings.Cut(sq.ID, ".")
		tracks[track] = true
		ids := map[string]bool{}
		for _, c := range q.Rubric.Concepts {
			ids[c.ID] = true
		}
		byTier := map[string]int{}
		var line []string
		for _, a := range sq.Answers {
			rank, ok := tierRank[a.Tier]
			if !ok {
				t.Errorf("%s: unknown tier %q", sq.ID, a.Tier)
				continue
			}
			if _, dup := byTier[a.Tier]; dup {
				t.Errorf("%s: two %s answers", sq.ID, a.Tier)
			}
			if n := len(strings.Fields(a.Say)); n < 60 || n > 200 {
				t.Errorf("%s %s: %d words, want 60–200", sq.ID, a.Tier, n)
			}
			for _, id := range a.Credit {
				if !ids[id] {
					t.Errorf("%s %s: credits unknown concept %q", sq.ID, a.Tier, id)
				}
			}
			r := scoreAnswer(q, a.Say)
			byTier[a.Tier] = r.Overall
			overall = append(overall, float64(r.Overall))
			tiers = append(tiers, rank)
			var credited []string
			for _, c := range r.Questions[0].Concepts {
				got := c.State != scoring.Missed
				want := slices.Contains(a.Credit, c.ID)
				key := sq.ID + "/" + c.ID
				switch {
				case got && want:
					tp++
				case got:
					fp++
					byQuestion[sq.ID]++
					if byConcept[key] == nil {
						byConcept[key] = &miss{}
					}
					byConcept[key].fp++
					var quote string
					if len(c.Evidence) > 0 {
						quote = c.Evidence[0].Quote
					}
					t.Logf("  %s %s: %s credited (%s) on %q, not labelled", sq.ID, a.Tier, c.ID, c.State, quote)
				case want:
					fn++
					byQuestion[sq.ID]++
					if byConcept[key] == nil {
						byConcept[key] = &miss{}
					}
					byConcept[key].fn++
					t.Logf("  %s %s: %s labelled, missed", sq.ID, a.Tier, c.ID)
				}
				if got {
					credited = append(credited, c.ID)
				}
			}
			line = append(line, fmt.Sprintf("%s %d (%d/%d concepts)", a.Tier, r.Overall, len(credited), len(q.Rubric.Concepts)))
		}
		if len(byTier) != 3 {
			t.Errorf("%s: %d tiers, want strong, partial and weak", sq.ID, len(byTier))
		}
		ok = byTier["strong"] > byTier["partial"] && byTier["partial"] > byTier["weak"]
		if ok {
			ordered++
		}
		t.Logf("%-34s %s ordered=%v", sq.ID, strings.Join(line, ", "), ok)
	}
	for _, tr := range viva.Tracks {
		if !tracks[string(tr)] {
			t.Errorf("no question of track %s", tr)
		}
	}

	ordering := float64(ordered) / float64(max(len(set.Questions), 1))
	rho := spearman(overall, tiers)
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(tp+fn, 1))
	t.Logf("tier ordering %d/%d (%.0f%%); Spearman(overall, tier) %.3f over %d answers", ordered, len(set.Questions), 100*ordering, rho, len(overall))
	t.Logf("concept credits: precision %.3f (%d/%d), recall %.3f (%d/%d)", precision, tp, tp+fp, recall, tp, tp+fn)
	var keys []string
	for k := range byConcept {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("  disagreement %-50s extra credits %d, missed labels %d", k, byConcept[k].fp, byConcept[k].fn)
	}
	for _, id := range sortedKeys(byQuestion) {
		t.Logf("  disagreements in %s: %d", id, byQuestion[id])
	}

	if ordering < minOrdering {
		t.Errorf("tier ordering %.2f, want ≥ %.2f", ordering, minOrdering)
	}
	if rho < minSpearman {
		t.Errorf("Spearman %.3f, want ≥ %.2f", rho, minSpearman)
	}
	if precision < minPrecision {
		t.Errorf("concept precision %.3f, want ≥ %.2f", precision, minPrecision)
	}
	if recall < minRecall {
		t.Errorf("concept recall %.3f, want ≥ %.2f", recall, minRecall)
	}
}

func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// spearman is the rank correlation of xs and ys, ties given their mean
// rank.
func spearman(xs, ys []float64) float64 {
	return pearson(ranks(xs), ranks(ys))
}

func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

func pearson(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n == 0 {
		return 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
		syy += (ys[i] - my) * (ys[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// TestGoldenReport checks that the report is deterministic: one fixed
// strong answer scored twice gives the same bytes, and the bytes of
// testdata/golden-report.json (go test ./scoring -run TestGoldenReport
// -update rewrites it after an intended change).
func TestGoldenReport(t *testing.T) {
	set, bank := loadTiers(t)
	const id = "rag.hybrid-reranking"
	q, ok := bank.Scoring(id)
	if !ok {
		t.Fatalf("%s: not in the bank", id)
	}
	var say string
	for _, sq := range set.Questions {
		for _, a := range sq.Answers {
			if sq.ID == id && a.Tier == "strong" {
				say = a.Say
			}
		}
	}
	if say == "" {
		t.Fatalf("tiers.json has no strong answer to %s", id)
	}
	render := func() []byte {
		u := spoken(0, 0.95, say)
		u.ID = uuid.MustParse("00000000-0000-4000-8000-000000000001")
		r := scoring.Score(scoring.Input{Utterances: []viva.Utterance{u}, Questions: []scoring.Question{q}})
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return append(b, '\n')
	}
	first, second := render(), render()
	if !bytes.Equal(first, second) {
		t.Fatalf("the same input gave different reports:\n%s\n---\n%s", first, second)
	}
	path := filepath.Join("testdata", "golden-report.json")
	if *update {
		if err := os.WriteFile(path, first, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scoring -run TestGoldenReport -update to write it)", err)
	}
	if !bytes.Equal(first, want) {
		t.Errorf("report differs from %s; if the change is intended, rerun go test ./scoring -run TestGoldenReport -update and review the diff\ngot:\n%s", path, first)
	}
}
