package scoring_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

// interview makes a transcript: the question prompt, then the candidate's
// turns (timed words, 150 a minute), each after a prompt.
func interview(prompts []string, answers []string) []viva.Utterance {
	var us []viva.Utterance
	t := int64(0)
	for i, a := range answers {
		p := "prompt:rag.support-tickets"
		if i > 0 {
			p = "prompt:rag.support-tickets.x." + string(rune('0'+i))
		}
		text := "Next?"
		if i < len(prompts) {
			text = prompts[i]
		}
		us = append(us, viva.Utterance{ID: uuid.New(), Speaker: viva.SpeakerInterviewer, Text: text, StartMS: t, EndMS: t + 4000, Engine: p})
		t += 5000
		u := spoken(t, 0.9, a)
		us = append(us, u)
		t = u.EndMS + 1000
	}
	return us
}

func score(t *testing.T, r scoring.Rubric, answers ...string) scoring.Report {
	t.Helper()
	return scoring.Score(scoring.Input{
		Utterances: interview(nil, answers),
		Questions:  []scoring.Question{{ID: "rag.support-tickets", Title: "Support tickets", Rubric: r}},
	})
}

const reasoned = `First I would clarify the requirements: who are the users and what latency budget we have.
I would split the tickets into overlapping chunks because whole tickets are too long for the context,
embed them, and use hybrid search rather than dense only, since error codes need exact keyword matches.
A cross encoder reranker then orders the top fifty. I would use pgvector instead of a hosted vector store
because the data must stay on premise and fits in memory. To evaluate, I'd measure recall at ten on a
labelled set of past questions, and once live I would monitor user feedback and drift, and keep cost down
by caching answers. I would not use rag at all if the answers never changed; fine tuning would do.`

const buzzwords = `Requirements. Chunking. Embeddings. Hybrid search. Reranker. Evaluation, recall at ten, labelled set.
Monitoring, dashboard, user feedback. Cost, caching. Pgvector.`

// TestJudgeLikeAGrader is the report's calibration: a careful grader's
// orderings.
func TestJudgeLikeAGrader(t *testing.T) {
	t.Parallel()
	r := ragRubric(t)
	good := score(t, r, reasoned)
	list := score(t, r, buzzwords)
	dismissive := score(t, r, strings.Replace(reasoned, "To evaluate, I'd measure recall at ten on a\nlabelled set of past questions, and once", "I wouldn't bother evaluating it; once", 1))
	offTopic := score(t, r, `To train a convolutional network for images I would augment the data with flips and crops,
use batch normalisation, a learning rate schedule with warm up, and early stopping on the validation loss.`)
	filler := score(t, r, "Um, so, basically, yeah, I think it really depends on a lot of things, you know, it's complicated.")
	t.Logf("reasoned %d, buzzwords %d, dismissive %d, off-topic %d, filler %d", good.Overall, list.Overall, dismissive.Overall, offTopic.Overall, filler.Overall)
	for _, d := range good.Dimensions {
		t.Logf("reasoned %s: %d %v", d.Name, d.Score, d.Notes)
	}
	if good.Overall <= list.Overall {
		t.Errorf("a bare list of buzzwords (%d) scores at least as well as a reasoned answer (%d)", list.Overall, good.Overall)
	}
	if dim(t, dismissive, "content") >= dim(t, good, "content") {
		t.Errorf("dismissing evaluation did not cost content: %d vs %d", dim(t, dismissive, "content"), dim(t, good, "content"))
	}
	if c := conceptOf(t, dismissive, "evaluation"); c.State != scoring.Missed || !c.Dismissed {
		t.Errorf("dismissed evaluation: %+v", c)
	}
	if offTopic.Overall >= 30 || dim(t, offTopic, "content") > 10 {
		t.Errorf("an excellent answer to another question scores %d (content %d)", offTopic.Overall, dim(t, offTopic, "content"))
	}
	if dim(t, filler, "content") != 0 {
		t.Errorf("filler earned content %d", dim(t, filler, "content"))
	}
	if good.Overall < 70 {
		t.Errorf("the reasoned answer scores only %d", good.Overall)
	}
}

// TestPromptedConcepts: a concept said only after the interviewer probed
// it is marked prompted and earns less than one offered unprompted.
func TestPromptedConcepts(t *testing.T) {
	t.Parallel()
	r := ragRubric(t)
	answers := []string{"We split the tickets into overlapping chunks and embed them.", "We would measure recall at ten on a labelled set."}
	us := interview(nil, answers)
	probe := viva.Probe{ID: uuid.New(), Question: "rag.support-tickets", Target: "evaluation", Kind: "missed", AskedMS: us[2].StartMS}
	q := []scoring.Question{{ID: "rag.support-tickets", Title: "Support tickets", Rubric: r}}
	prompted := scoring.Score(scoring.Input{Utterances: us, Questions: q, Probes: []viva.Probe{probe}})
	free := scoring.Score(scoring.Input{Utterances: us, Questions: q})
	c := conceptOf(t, prompted, "evaluation")
	if c.State != scoring.Hit || !c.Prompted || c.ProbedMS != probe.AskedMS {
		t.Errorf("evaluation after its probe: %+v", c)
	}
	if conceptOf(t, free, "evaluation").Prompted {
		t.Error("evaluation marked prompted without a probe")
	}
	if prompted.Questions[0].Coverage >= free.Questions[0].Coverage {
		t.Errorf("coverage %d with the probe, %d without: prompting should cost", prompted.Questions[0].Coverage, free.Questions[0].Coverage)
	}
	chunk := conceptOf(t, prompted, "chunking")
	if len(chunk.Evidence) == 0 || chunk.Evidence[0].StartMS < us[1].StartMS || chunk.Evidence[0].StartMS > us[1].EndMS || !strings.Contains(chunk.Evidence[0].Quote, "chunks") {
		t.Errorf("chunking evidence %+v, want the quote and its time in the first answer", chunk.Evidence)
	}
}

// TestImprovements: three improvements, the heaviest missed concept first,
// each tied to a concept or a habit.
func TestImprovements(t *testing.T) {
	t.Parallel()
	rep := score(t, ragRubric(t), "I would put the tickets in a vector database, um, and, um, ask the model, uh, I guess.")
	if len(rep.Improvements) != 3 {
		t.Fatalf("improvements %+v, want 3", rep.Improvements)
	}
	if rep.Improvements[0].Concept != "evaluation" {
		t.Errorf("first improvement %+v, want the heaviest missed concept (evaluation)", rep.Improvements[0])
	}
	for _, im := range rep.Improvements {
		if im.Title == "" || im.Detail == "" {
			t.Errorf("empty improvement %+v", im)
		}
	}
}

// TestReportDeterministic: the same input gives the same JSON.
func TestReportDeterministic(t *testing.T) {
	t.Parallel()
	r := ragRubric(t)
	us := interview(nil, []string{reasoned, "We would monitor drift."})
	in := scoring.Input{Utterances: us, Questions: []scoring.Question{{ID: "rag.support-tickets", Rubric: r}}}
	a, _ := json.Marshal(scoring.Score(in))
	b, _ := json.Marshal(scoring.Score(in))
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs differ")
	}
	var back scoring.Report
	if err := json.Unmarshal(a, &back); err != nil || back.Version != scoring.Version {
		t.Errorf("report JSON does not read back: %v", err)
	}
}

// TestLatencies: response time after each prompt.
func TestLatencies(t *testing.T) {
	t.Parallel()
	rep := score(t, ragRubric(t), "one answer here", "another answer", "a third")
	if len(rep.Delivery.Latencies) != 3 || rep.Delivery.Latencies[0].MS != 1000 || rep.Delivery.MedianLatencyMS != 1000 {
		t.Errorf("latencies %+v median %d, want three of 1000 ms", rep.Delivery.Latencies, rep.Delivery.MedianLatencyMS)
	}
}

func dim(t *testing.T, r scoring.Report, name string) int {
	t.Helper()
	for _, d := range r.Dimensions {
		if d.Name == name {
			return d.Score
		}
	}
	t.Fatalf("no dimension %s", name)
	return 0
}

func conceptOf(t *testing.T, r scoring.Report, id string) scoring.ConceptResult {
	t.Helper()
	for _, q := range r.Questions {
		for _, c := range q.Concepts {
			if c.ID == id {
				return c
			}
		}
	}
	t.Fatalf("no concept %s", id)
	return scoring.ConceptResult{}
}

// TestUnjudged: with nothing to judge the report says why and gives no
// score, never a made-up one.
func TestUnjudged(t *testing.T) {
	t.Parallel()
	r := ragRubric(t)
	q := []scoring.Question{{ID: "rag.support-tickets", Rubric: r}}
	onlyInterviewer := []viva.Utterance{{ID: uuid.New(), Speaker: viva.SpeakerInterviewer, Text: "Design it.", EndMS: 3000, Engine: "prompt:rag.support-tickets"}}
	for name, in := range map[string]scoring.Input{
		"only the interviewer": {Utterances: onlyInterviewer, Questions: q},
		"no rubric":            {Utterances: interview(nil, []string{reasoned})},
		"rubric without concepts": {Utterances: interview(nil, []string{reasoned}),
			Questions: []scoring.Question{{ID: "x.y", Rubric: scoring.Rubric{ModelAnswer: "Something."}}}},
	} {
		rep := scoring.Score(in)
		if rep.Judged || rep.Reason == "" || rep.Overall != 0 || len(rep.Improvements) != 0 {
			t.Errorf("%s: judged %v, reason %q, overall %d", name, rep.Judged, rep.Reason, rep.Overall)
		}
	}
	if rep := score(t, r, reasoned); !rep.Judged || rep.Reason != "" {
		t.Errorf("a real answer: judged %v, reason %q", rep.Judged, rep.Reason)
	}
}

// BenchmarkScore scores a 60-minute interview, ~9 000 candidate words in
// 60 turns over three questions (target: under 50 ms on one core).
func BenchmarkScore(b *testing.B) {
	r := ragRubric(b)
	var answers []string
	for len(strings.Fields(strings.Join(answers, " "))) < 9000 {
		answers = append(answers, reasoned)
	}
	us := interview(nil, answers)
	in := scoring.Input{Utterances: us, Questions: []scoring.Question{
		{ID: "rag.support-tickets", Rubric: r}, {ID: "rag.two", Rubric: r}, {ID: "rag.three", Rubric: r}}}
	b.ReportAllocs()
	for b.Loop() {
		scoring.Score(in)
	}
}

// TestBehavioralSTAR: a behavioral answer with its own actions, a number
// and a lesson scores higher on STAR than a vague "we" story.
func TestBehavioralSTAR(t *testing.T) {
	t.Parallel()
	r := scoring.Rubric{
		Concepts: []scoring.Concept{{ID: "action", Label: "What you did", Weight: 2, Cues: []string{"i rolled back", "i added"}, Probe: "What did you do?"}},
		Structure: []scoring.Stage{
			{ID: "situation", Cues: []string{"last year", "at my last job"}}, {ID: "task", Cues: []string{"i had to", "my job was"}},
			{ID: "action", Cues: []string{"i rolled back", "i added"}}, {ID: "result", Cues: []string{"dropped", "went from"}},
			{ID: "reflection", Cues: []string{"i learned"}},
		},
	}
	q := []scoring.Question{{ID: "behavioral.x", Title: "Surprise", Behavioral: true, Rubric: r}}
	strong := scoring.Score(scoring.Input{Questions: q, Utterances: interview(nil, []string{
		"At my last job our classifier started flagging half of all refunds. I had to stop the damage, so I rolled back to the previous model and I added a drift alert. Complaints dropped from two hundred a day to ten, and I learned to gate every release on a shadow test."})})
	vague := scoring.Score(scoring.Input{Questions: q, Utterances: interview(nil, []string{
		"We had some issues with a model once and we fixed it as a team and things got better after that."})})
	s, v := dim(t, strong, "star"), dim(t, vague, "star")
	t.Logf("STAR strong %d, vague %d", s, v)
	if s < 80 || v > 30 {
		t.Errorf("STAR strong %d (want ≥ 80), vague %d (want ≤ 30)", s, v)
	}
	for _, d := range strong.Dimensions {
		if d.Name == "structure" && d.Weight != 0 {
			t.Errorf("structure weighs %g in an all-behavioral interview; STAR takes its share", d.Weight)
		}
	}
}

// TestRecovery: a probed concept covered in the next answer counts as
// recovered; one still missing does not.
func TestRecovery(t *testing.T) {
	t.Parallel()
	r := ragRubric(t)
	us := interview(nil, []string{"We chunk the tickets and embed them.", "We would measure recall at ten on a labelled set.", "Not sure."})
	probes := []viva.Probe{
		{ID: uuid.New(), Question: "rag.support-tickets", Target: "evaluation", Kind: "missed", AskedMS: us[2].StartMS},
		{ID: uuid.New(), Question: "rag.support-tickets", Target: "monitoring", Kind: "missed", AskedMS: us[4].StartMS},
	}
	rep := scoring.Score(scoring.Input{Utterances: us, Probes: probes, Questions: []scoring.Question{{ID: "rag.support-tickets", Rubric: r}}})
	if rep.Delivery.Probes != 2 || rep.Delivery.Recovered != 1 {
		t.Errorf("probes %d recovered %d, want 2 and 1", rep.Delivery.Probes, rep.Delivery.Recovered)
	}
}
