package scoring_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

// ragRubric is the rubric of the built-in question rag.support-tickets
// (interviewer/questions/rag.yaml), copied as JSON: scoring does not import
// the interviewer.
func ragRubric(t testing.TB) scoring.Rubric {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rag.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r scoring.Rubric
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("testdata/rag.json: %v", err)
	}
	if err := r.Validate(); err != nil {
		t.Fatalf("testdata/rag.json: %v", err)
	}
	return r
}

// say makes candidate utterances from text alone, ten seconds apart.
func say(texts ...string) []viva.Utterance {
	var us []viva.Utterance
	for i, s := range texts {
		start := int64(i) * 10000
		us = append(us, viva.Utterance{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: s, StartMS: start, EndMS: start + 9000})
	}
	return us
}

// spoken makes a candidate utterance with timed words, 400 ms apart, each
// with confidence conf.
func spoken(start int64, conf float64, text string) viva.Utterance {
	u := viva.Utterance{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: text, StartMS: start}
	t := start
	for _, w := range strings.Fields(text) {
		u.Words = append(u.Words, viva.Word{Text: w, StartMS: t, EndMS: t + 300, Confidence: conf})
		t += 400
	}
	u.EndMS = t
	return u
}

func concept(t *testing.T, c scoring.Coverage, id string) scoring.ConceptCoverage {
	t.Helper()
	for _, cc := range c.Concepts {
		if cc.ID == id {
			return cc
		}
	}
	t.Fatalf("no concept %q in coverage", id)
	return scoring.ConceptCoverage{}
}

func item(t *testing.T, c scoring.Coverage, id string) scoring.ItemCoverage {
	t.Helper()
	for _, list := range [][]scoring.ItemCoverage{c.Tradeoffs, c.Challenges, c.RedFlags, c.Stages} {
		for _, it := range list {
			if it.ID == id {
				return it
			}
		}
	}
	t.Fatalf("no item %q in coverage", id)
	return scoring.ItemCoverage{}
}

// oneConcept is a rubric with one concept, for testing one cue at a time.
func oneConcept(cues ...string) scoring.Rubric {
	return scoring.Rubric{Concepts: []scoring.Concept{{ID: "c", Label: "c", Weight: 1, Cues: cues, Probe: "?"}}}
}

func TestCoverConcepts(t *testing.T) {
	t.Parallel()
	rag := ragRubric(t)
	for _, tc := range []struct {
		name      string
		rubric    *scoring.Rubric // nil: the RAG rubric
		say       string
		concept   string
		state     scoring.State
		score     float64 // checked when not 0
		dismissed bool
		cue       string // the cue the best evidence names, when set
	}{
		{name: "exact cue", say: "I would start with chunking the tickets.", concept: "chunking", state: scoring.Hit, score: 1, cue: "chunking"},
		{name: "stemmed variant", say: "Then we evaluating the answers offline.", concept: "evaluation", state: scoring.Hit, score: 0.95},
		{name: "stemmed variant evaluations", say: "We run evaluations every night.", concept: "evaluation", state: scoring.Hit, score: 0.95},
		{name: "paraphrase listed as cue", say: "I'd cut the files into overlapping passages.", concept: "chunking", state: scoring.Hit, cue: "overlapping passages"},
		{name: "case and punctuation ignored", say: "A CROSS-ENCODER!", concept: "reranking", state: scoring.Hit, score: 1, cue: "cross encoder"},
		{name: "two cue words said as one", say: "then a crossencoder picks the top five", concept: "reranking", state: scoring.Hit, score: 0.95},
		{name: "number as digits", rubric: ptr(oneConcept("top five")), say: "give the top 5 to the model", concept: "c", state: scoring.Hit, score: 1},
		{name: "number as words in cue", rubric: ptr(oneConcept("recall at 10")), say: "we measure recall at ten", concept: "c", state: scoring.Hit, score: 1},
		{name: "acronym spelt out", say: "and b m twenty five for the error codes", concept: "hybrid-search", state: scoring.Hit, score: 1},

		// Phrase windows.
		{name: "phrase exact", rubric: ptr(oneConcept("split the documents")), say: "first split the documents", concept: "c", state: scoring.Hit, score: 1},
		{name: "phrase with inserted words", rubric: ptr(oneConcept("split the documents")), say: "first split all of the documents", concept: "c", state: scoring.Hit},
		{name: "phrase with other function word", rubric: ptr(oneConcept("split the documents")), say: "split these documents by section", concept: "c", state: scoring.Hit},
		{name: "phrase too spread out", rubric: ptr(oneConcept("split the documents")), say: "split the tickets by team and later the documents", concept: "c", state: scoring.Missed},
		{name: "phrase out of order", rubric: ptr(oneConcept("split the documents")), say: "the documents we split", concept: "c", state: scoring.Missed},
		{name: "phrase across utterances", rubric: ptr(oneConcept("split the documents")), say: "we split\nthe documents", concept: "c", state: scoring.Missed},
		{name: "phrase of function words keeps them", say: "we want high recall at ten", concept: "evaluation", state: scoring.Hit, cue: "recall at"},
		{name: "phrase of function words needs them", say: "I recall that we had this", concept: "evaluation", state: scoring.Missed},

		// Speech-recognition errors.
		{name: "possessive from the recogniser", say: "store the embedding's in an index", concept: "embeddings", state: scoring.Hit, score: 0.95},
		{name: "split word re rank", say: "then we re rank the candidates", concept: "reranking", state: scoring.Hit, score: 0.95},
		{name: "split word with ending", say: "re ranking is where precision comes from", concept: "reranking", state: scoring.Hit, score: 0.9},
		{name: "split word chunk in", rubric: ptr(oneConcept("chunking")), say: "the chunk in step matters", concept: "c", state: scoring.Hit, score: 0.95}, // "chunk" shares the stem
		{name: "split word fuzzy", rubric: ptr(oneConcept("chunking")), say: "the chunkin step", concept: "c", state: scoring.Partial, score: 0.6},
		{name: "split word losing its last letter", rubric: ptr(oneConcept("chunking")), say: "the chun kin step", concept: "c", state: scoring.Partial, score: 0.55},
		{name: "split word by chance", rubric: ptr(oneConcept("simplest")), say: "keep it simple at first", concept: "c", state: scoring.Missed},
		{name: "split word em bedding", rubric: ptr(oneConcept("embedding")), say: "an em bedding model", concept: "c", state: scoring.Hit, score: 0.95},
		{name: "one letter wrong", say: "check the faithfullness of answers", concept: "evaluation", state: scoring.Partial, score: 0.6},
		{name: "one letter missing", say: "we add monitring", concept: "monitoring", state: scoring.Partial, score: 0.6},
		{name: "sounds alike", rubric: ptr(oneConcept("physical")), say: "the fysical servers", concept: "c", state: scoring.Partial, score: 0.6},
		{name: "short words are not fuzzy", say: "we add a cast", concept: "cost", state: scoring.Missed},
		{name: "different word two edits away", say: "the evolution of the system", concept: "evaluation", state: scoring.Partial}, // sounds alike: a recognition error is plausible

		// Negation and dismissal.
		{name: "dismissed", say: "I wouldn't bother evaluating it.", concept: "evaluation", state: scoring.Missed, dismissed: true},
		{name: "not worth", say: "It's not worth reranking here.", concept: "reranking", state: scoring.Missed, dismissed: true},
		{name: "no need to", say: "there's no need to monitor it", concept: "monitoring", state: scoring.Missed, dismissed: true},
		{name: "skip", say: "I'd skip the reranker", concept: "reranking", state: scoring.Missed, dismissed: true},
		{name: "neg-raising think", say: "I don't think we need a reranker", concept: "reranking", state: scoring.Missed, dismissed: true},
		{name: "dismissed after", say: "Honestly reranking is overkill here", concept: "reranking", state: scoring.Missed, dismissed: true},
		{name: "not needed after", say: "monitoring isn't really needed", concept: "monitoring", state: scoring.Missed, dismissed: true},
		{name: "instead of", say: "use BM25 instead of embeddings", concept: "embeddings", state: scoring.Missed, dismissed: true},
		{name: "rather than", say: "keyword matching rather than dense retrieval", concept: "embeddings", state: scoring.Missed, dismissed: true},
		{name: "without mid-clause", say: "we'd ship it without any evaluation", concept: "evaluation", state: scoring.Missed, dismissed: true},
		{name: "must not skip is credited", say: "we must not skip evaluation", concept: "evaluation", state: scoring.Hit},
		{name: "never skip is credited", say: "never skip the evaluation step", concept: "evaluation", state: scoring.Hit},
		{name: "can't afford to skip is credited", say: "we can't afford to skip evaluation", concept: "evaluation", state: scoring.Hit},
		{name: "not only", say: "not only chunking, but also reranking", concept: "chunking", state: scoring.Hit},
		{name: "not only, the other half", say: "not only chunking but also reranking", concept: "reranking", state: scoring.Hit},
		{name: "without at clause start", say: "Without evaluation we'd be flying blind.", concept: "evaluation", state: scoring.Hit},
		{name: "answer particle no", say: "no we would evaluate on a golden set", concept: "evaluation", state: scoring.Hit},
		{name: "negation in an earlier sentence", say: "I wouldn't use FAISS. We'd evaluate with recall at ten.", concept: "evaluation", state: scoring.Hit},
		{name: "negation in an earlier clause without punctuation", say: "i wouldnt use faiss we would evaluate recall at ten", concept: "evaluation", state: scoring.Hit},
		{name: "negation too far before", say: "I don't like the idea of shipping anything before we evaluate", concept: "evaluation", state: scoring.Hit},
		{name: "not optional", say: "evaluation is not optional", concept: "evaluation", state: scoring.Hit},
		{name: "limitation is not dismissal", say: "embeddings don't capture error codes, so add keyword search", concept: "embeddings", state: scoring.Hit},
		{name: "positive mention outweighs dismissal", say: "I'd skip reranking at first, but later add a cross encoder", concept: "reranking", state: scoring.Hit},

		// Generic talk earns nothing.
		{name: "filler", say: "Um, so basically, you know, I'd build a really robust, scalable system that works well and gives great answers. It depends on a lot of things.", concept: "evaluation", state: scoring.Missed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := rag
			if tc.rubric != nil {
				r = *tc.rubric
			}
			c := scoring.Cover(r, say(strings.Split(tc.say, "\n")...))
			got := concept(t, c, tc.concept)
			if got.State != tc.state || got.Dismissed != tc.dismissed || (tc.score != 0 && got.Score != tc.score) {
				t.Fatalf("%q: %s = %s (score %v, dismissed %v), want %s (score %v, dismissed %v); evidence %+v",
					tc.say, tc.concept, got.State, got.Score, got.Dismissed, tc.state, tc.score, tc.dismissed, got.Evidence)
			}
			if tc.cue != "" && (len(got.Evidence) == 0 || got.Evidence[0].Cue != tc.cue) {
				t.Fatalf("evidence %+v, want cue %q", got.Evidence, tc.cue)
			}
			if got.State != scoring.Missed || got.Dismissed {
				if len(got.Evidence) == 0 {
					t.Fatalf("%s without evidence", got.State)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestCoverFillerEarnsNothing(t *testing.T) {
	t.Parallel()
	c := scoring.Cover(ragRubric(t), say(
		"Um, so basically, you know, I'd build a really robust, scalable system that works well.",
		"It depends on a lot of things. There are many trade-offs and you have to think about it carefully.",
		"Yeah, I mean, it should be good for the business and give great answers, uh, to everyone.",
	))
	for _, cc := range c.Concepts {
		if cc.State != scoring.Missed || cc.Score != 0 || len(cc.Evidence) != 0 {
			t.Errorf("filler credited %s: %+v", cc.ID, cc)
		}
	}
	for _, list := range [][]scoring.ItemCoverage{c.Tradeoffs, c.Challenges, c.RedFlags} {
		for _, it := range list {
			if it.State != scoring.Missed {
				t.Errorf("filler credited %s: %+v", it.ID, it)
			}
		}
	}
}

func TestCoverItems(t *testing.T) {
	t.Parallel()
	rag := ragRubric(t)
	for _, tc := range []struct {
		name      string
		say       string
		item      string
		state     scoring.State
		dismissed bool
	}{
		{"challenge triggered by a claim", "We'd use FAISS for the vectors.", "why-faiss", scoring.Hit, false},
		{"the same claim names a store", "We'd use FAISS for the vectors.", "store-choice", scoring.Hit, false},
		{"claim negated", "We wouldn't use FAISS at all.", "why-faiss", scoring.Missed, true},
		{"challenge not triggered", "We'd use pgvector.", "why-faiss", scoring.Missed, false},
		{"tradeoff in other words", "the whole index fits in memory on one box", "store-choice", scoring.Hit, false},
		{"tradeoff with a negation in the cue", "honestly you don't need retrieval for the top hundred questions", "when-not-rag", scoring.Hit, false},
		{"red flag heard", "I'd fine-tune the model on the tickets so it knows them.", "finetune-knowledge", scoring.Hit, false},
		{"red flag with a word inserted", "we would train the model on all the tickets", "finetune-knowledge", scoring.Hit, false},
		{"red flag rejected", "I would not fine tune the model on the tickets.", "finetune-knowledge", scoring.Missed, true},
		{"red flag not heard", "I'd fine-tune the embedding model on click data.", "finetune-knowledge", scoring.Missed, false},
		{"stage", "what's the latency budget and who are the users", "clarify", scoring.Hit, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := item(t, scoring.Cover(rag, say(tc.say)), tc.item)
			if got.State != tc.state || got.Dismissed != tc.dismissed {
				t.Fatalf("%q: %s = %s, want %s; evidence %+v", tc.say, tc.item, got.State, tc.state, got.Evidence)
			}
		})
	}
}

func TestCoverStagesInOrder(t *testing.T) {
	t.Parallel()
	c := scoring.Cover(ragRubric(t), []viva.Utterance{
		spoken(1000, 0.9, "First I'd clarify the requirements: who uses it and how many queries a day."),
		spoken(20000, 0.9, "The architecture is a pipeline: an index and a retriever in front of the model."),
		spoken(40000, 0.9, "Going deeper, I'd chunk the tickets, embed them, and rerank the candidates."),
		spoken(60000, 0.9, "To evaluate it I'd measure recall on a labelled set."),
		spoken(80000, 0.9, "Then deploy it, monitor quality and watch the cost."),
	})
	if len(c.Stages) != 5 {
		t.Fatalf("stages: %+v", c.Stages)
	}
	var last int64 = -1
	for i, want := range []string{"clarify", "design", "deep-dive", "evaluation", "operations"} {
		s := c.Stages[i]
		if s.ID != want || s.State != scoring.Hit || len(s.Evidence) == 0 {
			t.Fatalf("stage %d: %+v, want %s hit", i, s, want)
		}
		if reached := s.Evidence[0].StartMS; reached <= last {
			t.Fatalf("stage %s reached at %d ms, not after the previous stage (%d ms)", s.ID, reached, last)
		} else {
			last = reached
		}
	}
	for _, cc := range c.Concepts {
		if cc.ID != "hybrid-search" && cc.State != scoring.Hit {
			t.Errorf("concept %s = %s, want hit", cc.ID, cc.State)
		}
	}
}

func TestCoverEvidence(t *testing.T) {
	t.Parallel()
	u := viva.Utterance{ID: uuid.New(), Speaker: viva.SpeakerCandidate, StartMS: 5000, EndMS: 12000, Text: "ignored when there are words"}
	words := []struct {
		text string
		conf float64
	}{
		{"So", 0.9}, {"after", 0.9}, {"retrieval", 0.95}, {"I'd", 0.9}, {"put", 0.9}, {"a", 0.8},
		{"Cross-Encoder,", 0.7}, {"reranker,", 0.9}, {"on", 0.9}, {"top,", 0.9}, {"and", 0.9}, {"then", 0.9},
		{"hand", 0.9}, {"the", 0.9}, {"best", 0.9}, {"five", 0.9}, {"chunks", 0.9}, {"to", 0.9}, {"the", 0.9}, {"model.", 0.9},
	}
	for i, w := range words {
		start := 5000 + int64(i)*350
		u.Words = append(u.Words, viva.Word{Text: w.text, StartMS: start, EndMS: start + 300, Confidence: w.conf})
	}
	c := scoring.Cover(ragRubric(t), []viva.Utterance{u})
	got := concept(t, c, "reranking")
	if got.State != scoring.Hit || len(got.Evidence) != 1 {
		t.Fatalf("reranking: %+v", got)
	}
	// "Cross-Encoder," (0.7) and "reranker," (0.9) are one moment, told by
	// its best match: the reranker, heard with more confidence.
	want := scoring.Evidence{
		UtteranceID: u.ID,
		StartMS:     u.Words[7].StartMS,
		EndMS:       u.Words[7].EndMS,
		Quote:       "retrieval I'd put a Cross-Encoder, reranker, on top, and then hand the",
		Cue:         "reranker",
		Confidence:  0.9,
	}
	if e := got.Evidence[0]; e != want {
		t.Fatalf("evidence\n got %+v\nwant %+v", e, want)
	}
	// A phrase's times run from its first word to its last.
	c = scoring.Cover(oneConcept("put a cross encoder"), []viva.Utterance{u})
	e := concept(t, c, "c").Evidence[0]
	if e.StartMS != u.Words[4].StartMS || e.EndMS != u.Words[6].EndMS || e.Confidence != 0.8 {
		t.Fatalf("phrase evidence: %+v", e)
	}
	// Without words, times are the utterance's and the quote comes from the text.
	c = scoring.Cover(ragRubric(t), say("Then a cross-encoder reranks them."))
	e = concept(t, c, "reranking").Evidence[0]
	if e.StartMS != 0 || e.EndMS != 9000 || e.Quote != "Then a cross-encoder reranks them." || e.Confidence != 1 {
		t.Fatalf("text-only evidence: %+v", e)
	}
}

func TestCoverEvidenceLimit(t *testing.T) {
	t.Parallel()
	r := oneConcept("evaluate")
	var us []viva.Utterance
	for i := range 5 {
		conf := 0.5
		if i == 4 {
			conf = 1
		}
		us = append(us, spoken(int64(i)*10000, conf, "then we evaluate it again"))
	}
	got := concept(t, scoring.Cover(r, us), "c")
	if got.State != scoring.Hit || got.Score != 1 || len(got.Evidence) != scoring.MaxEvidence {
		t.Fatalf("coverage: %+v", got)
	}
	for i, want := range []uuid.UUID{us[0].ID, us[1].ID, us[4].ID} {
		if got.Evidence[i].UtteranceID != want {
			t.Errorf("evidence %d from utterance %v, want %v (earliest two and the best)", i, got.Evidence[i].UtteranceID, want)
		}
	}
	// Mentions close together in one utterance are one piece of evidence.
	got = concept(t, scoring.Cover(r, say("evaluate, evaluate, and evaluate again, then evaluate")), "c")
	if len(got.Evidence) != 1 {
		t.Fatalf("evidence %+v, want one", got.Evidence)
	}
}

func TestCoverOnlyCandidate(t *testing.T) {
	t.Parallel()
	us := []viva.Utterance{
		{ID: uuid.New(), Speaker: viva.SpeakerInterviewer, Text: "How would you evaluate it, and would you rerank?"},
		{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: "I'd start with the requirements."},
	}
	c := scoring.Cover(ragRubric(t), us)
	if got := concept(t, c, "evaluation"); got.State != scoring.Missed || len(got.Evidence) != 0 {
		t.Fatalf("interviewer's words credited: %+v", got)
	}
	if got := concept(t, c, "requirements"); got.State != scoring.Hit || got.Evidence[0].UtteranceID != us[1].ID {
		t.Fatalf("requirements: %+v", got)
	}
}

func TestCoverConfidence(t *testing.T) {
	t.Parallel()
	r := oneConcept("evaluate", "cross encoder")
	for _, tc := range []struct {
		name  string
		conf  float64
		text  string
		state scoring.State
		score float64
	}{
		{"confident", 0.95, "we evaluate it", scoring.Hit, 1},
		{"full from 0.8", 0.8, "we evaluate it", scoring.Hit, 1},
		{"fairly sure", 0.7, "we evaluate it", scoring.Hit, 0.875},
		{"low confidence", 0.45, "we evaluate it", scoring.Partial, 0.563},
		{"very low confidence", 0.2, "we evaluate it", scoring.Missed, 0.25},
		{"no confidence from the engine", 0, "we evaluate it", scoring.Hit, 1},
		{"low confidence phrase", 0.5, "a cross encoder", scoring.Partial, 0.625},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := concept(t, scoring.Cover(r, []viva.Utterance{spoken(0, tc.conf, tc.text)}), "c")
			if got.State != tc.state || got.Score != tc.score {
				t.Fatalf("%s at confidence %v: %s %v, want %s %v", tc.text, tc.conf, got.State, got.Score, tc.state, tc.score)
			}
		})
	}
	// One doubtful word in a phrase lowers it less than a doubtful phrase.
	u := spoken(0, 0.9, "a cross encoder")
	u.Words[1].Confidence = 0.3
	got := concept(t, scoring.Cover(r, []viva.Utterance{u}), "c")
	if got.State != scoring.Partial || got.Score != 0.688 || got.Evidence[0].Confidence != 0.6 {
		t.Fatalf("one doubtful word: %+v", got)
	}
}

func TestMissed(t *testing.T) {
	t.Parallel()
	c := scoring.Cover(ragRubric(t), say("We'd chunk the tickets and monitor drift."))
	var got []string
	for _, cc := range c.Missed() {
		got = append(got, cc.ID)
	}
	// Weights: evaluation 3; requirements, embeddings 2; hybrid-search,
	// reranking 1.5; cost 1. chunking and monitoring were covered.
	want := []string{"evaluation", "requirements", "embeddings", "hybrid-search", "reranking", "cost"}
	if !slices.Equal(got, want) {
		t.Fatalf("Missed() = %v, want %v", got, want)
	}
	if m := (scoring.Coverage{}).Missed(); len(m) != 0 {
		t.Fatalf("empty coverage: %v", m)
	}
}

func TestCoverEmpty(t *testing.T) {
	t.Parallel()
	rag := ragRubric(t)
	c := scoring.Cover(rag, nil)
	if len(c.Concepts) != len(rag.Concepts) || len(c.Tradeoffs) != len(rag.Tradeoffs) || len(c.Challenges) != len(rag.Challenges) ||
		len(c.RedFlags) != len(rag.RedFlags) || len(c.Stages) != len(rag.Structure) {
		t.Fatalf("coverage lists do not follow the rubric: %+v", c)
	}
	for i, cc := range c.Concepts {
		if cc.ID != rag.Concepts[i].ID || cc.Weight != rag.Concepts[i].Weight || cc.State != scoring.Missed {
			t.Fatalf("concept %d: %+v", i, cc)
		}
	}
	b, err := json.Marshal(scoring.Cover(scoring.Rubric{}, nil))
	if err != nil || string(b) != `{"concepts":[],"tradeoffs":[],"challenges":[],"red_flags":[],"stages":[]}` {
		t.Fatalf("empty coverage as JSON: %s %v", b, err)
	}
}

func TestMatcherReuse(t *testing.T) {
	t.Parallel()
	rag := ragRubric(t)
	m := scoring.NewMatcher(rag)
	us := say("We chunk, embed and rerank, then evaluate with recall at ten and monitor cost.")
	a, b := m.Cover(us), scoring.Cover(rag, us)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("matcher and Cover disagree:\n%s\n%s", ja, jb)
	}
}
