package scoring

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/viva-interview/viva"
)

// pair is one line of testdata/pairs.jsonl: an answer to score against a
// reference answer.
type pair struct {
	ID        string `json:"id"`
	Question  string `json:"question"`
	Reference string `json:"reference"`
	Answer    string `json:"answer"`
}

func readPairs(t *testing.T) map[string]pair {
	t.Helper()
	f, err := os.Open("testdata/pairs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]pair{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p pair
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		out[p.ID] = p
	}
	return out
}

func TestScoreAnswerRanksAnswers(t *testing.T) {
	t.Parallel()
	pairs := readPairs(t)
	score := map[string]int{}
	for id, p := range pairs {
		r := ScoreAnswer(p.Reference, p.Answer)
		score[id] = r.Overall
		t.Logf("%-14s %3d", id, r.Overall)
	}
	cases := []struct {
		name string
		ok   func() bool
	}{
		{"a copy of the reference scores near the top", func() bool { return score["copy"] >= 95 }},
		{"a paraphrase scores well", func() bool { return score["paraphrase"] >= 70 }},
		{"a paraphrase scores well above an unrelated answer", func() bool { return score["paraphrase"]-score["unrelated"] >= 50 }},
		{"an unrelated answer scores low", func() bool { return score["unrelated"] <= 15 }},
		{"filler scores near 0", func() bool { return score["filler"] <= 5 }},
		{"an empty answer scores 0", func() bool { return score["empty"] == 0 }},
		{"a bare list of key words scores below a reasoned answer with the same ideas", func() bool {
			return score["keyword-list"] < score["reasoned-short"]
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok() {
				t.Errorf("scores: %v", score)
			}
		})
	}
}

func TestDeriveRubric(t *testing.T) {
	t.Parallel()
	ref := readPairs(t)["copy"].Reference
	r := DeriveRubric(ref)
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.ModelAnswer != ref {
		t.Error("the model answer is not the reference")
	}
	if n := len(r.Concepts); n < 5 || n > MaxDerivedConcepts {
		t.Errorf("%d concepts", n)
	}
	var labels []string
	for _, c := range r.Concepts {
		labels = append(labels, c.Label)
		if c.Weight < 1 || c.Weight > 3 {
			t.Errorf("%s: weight %v", c.ID, c.Weight)
		}
		if !strings.HasPrefix(c.Probe, "Can you say more about ") {
			t.Errorf("%s: probe %q", c.ID, c.Probe)
		}
	}
	t.Logf("concepts: %q", labels)
	all := strings.ToLower(strings.Join(labels, " | "))
	for _, want := range []string{"overlapping chunks", "sentence transformer", "bm25", "cross-encoder", "golden"} {
		if !strings.Contains(all, want) {
			t.Errorf("no concept names %q: %s", want, all)
		}
	}
	if !reflect.DeepEqual(r, DeriveRubric(ref)) {
		t.Error("DeriveRubric is not deterministic")
	}

	for _, ref := range []string{"", "   ", "It is what it is, and so on.", "42", strings.Repeat("supercalifragilisticexpialidociousmegaword ", 3),
		strings.Repeat("Vector search with HNSW indexes and product quantisation. ", 2000)} {
		r := DeriveRubric(ref)
		if strings.TrimSpace(ref) == "" {
			if len(r.Concepts) != 0 {
				t.Errorf("%q: concepts from a blank reference", ref)
			}
			continue
		}
		if err := r.Validate(); err != nil {
			t.Errorf("%.40q: %v", ref, err)
		}
	}
}

// TestScoreAnswerOnTheBank derives a rubric from every built-in model answer:
// each validates, a model answer scores near the top against itself and
// low against the other questions' model answers.
func TestScoreAnswerOnTheBank(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../interviewer/questions/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no question files: %v", err)
	}
	var answers []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Questions []struct {
				Rubric struct {
					ModelAnswer string `yaml:"model_answer"`
				} `yaml:"rubric"`
			} `yaml:"questions"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, q := range doc.Questions {
			answers = append(answers, q.Rubric.ModelAnswer)
		}
	}
	var self, cross, crossN int
	minSelf := 100
	for i, ref := range answers {
		r := DeriveRubric(ref)
		if err := r.Validate(); err != nil {
			t.Errorf("model answer %d: %v", i, err)
		}
		s := ScoreAnswer(ref, ref).Overall
		self += s
		minSelf = min(minSelf, s)
		for j := i + 1; j < len(answers); j += 7 { // a sample of the other questions
			cross += ScoreAnswer(ref, answers[j]).Overall
			crossN++
		}
	}
	meanSelf, meanCross := float64(self)/float64(len(answers)), float64(cross)/float64(max(1, crossN))
	t.Logf("%d model answers: against themselves mean %.1f (lowest %d), against other questions' mean %.1f over %d pairs",
		len(answers), meanSelf, minSelf, meanCross, crossN)
	if meanSelf < 95 || minSelf < 85 {
		t.Errorf("model answers against themselves: mean %.1f, lowest %d", meanSelf, minSelf)
	}
	if meanCross > 20 {
		t.Errorf("model answers against other questions: mean %.1f", meanCross)
	}
}

func TestScoreQuestionKeepsARealRubric(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/rag.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Rubric
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	q := Question{ID: "rag.support-tickets", Title: "Support tickets", Rubric: r}
	answer := readPairs(t)["paraphrase"].Answer
	got := ScoreQuestion(q, answer)
	want := Score(Input{Questions: []Question{q}, Utterances: []viva.Utterance{{ID: answerID, Speaker: viva.SpeakerCandidate, Text: answer}}})
	if got.Overall != want.Overall || len(got.Questions[0].Concepts) != len(r.Concepts) {
		t.Errorf("ScoreQuestion with a rubric: overall %d, Score gives %d", got.Overall, want.Overall)
	}
}
