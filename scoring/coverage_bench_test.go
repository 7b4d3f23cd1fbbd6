package scoring_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

// benchRubric is a rubric at the size limit: the RAG rubric's eight
// concepts and 32 more from the other tracks, 40 in all.
func benchRubric(tb testing.TB) scoring.Rubric {
	r := ragRubric(tb)
	more := [][]string{
		{"tool calling", "function calling", "tool schema", "json schema"},
		{"planner", "plan and execute", "task decomposition", "break the task into steps"},
		{"memory", "conversation history", "long term memory", "summarise the history"},
		{"guardrails", "input validation", "output filter", "allow list"},
		{"prompt injection", "untrusted input", "jailbreak", "system prompt leak"},
		{"human in the loop", "approval step", "escalate to a human", "manual review"},
		{"retry", "exponential backoff", "idempotent", "timeout"},
		{"observability", "tracing", "spans", "structured logs", "open telemetry"},
		{"latency", "time to first token", "streaming", "p95", "p99"},
		{"throughput", "batching", "queries per second", "concurrency"},
		{"quantization", "int8", "four bit", "distillation"},
		{"kv cache", "context window", "prompt caching", "long context"},
		{"temperature", "sampling", "top p", "deterministic output"},
		{"hallucination", "grounding", "made up facts", "unsupported claims"},
		{"fine tuning", "lora", "adapter", "instruction tuning"},
		{"data pipeline", "ingestion", "deduplicate", "clean the data"},
		{"feature store", "training serving skew", "offline features", "online features"},
		{"model registry", "versioning", "rollback", "model card"},
		{"canary", "shadow deployment", "a/b test", "gradual rollout"},
		{"data drift", "concept drift", "distribution shift", "retrain"},
		{"gpu", "autoscaling", "cold start", "spot instances"},
		{"privacy", "personal data", "pii", "redact"},
		{"access control", "permissions", "tenant isolation", "row level security"},
		{"rate limit", "quota", "abuse", "throttle"},
		{"user experience", "show sources", "citations", "confidence score"},
		{"multilingual", "translation", "language detection", "locale"},
		{"metadata filter", "date filter", "product filter", "faceted search"},
		{"query rewriting", "query expansion", "hyde", "multi query"},
		{"agent loop", "stop condition", "max steps", "infinite loop"},
		{"structured output", "json mode", "constrained decoding", "grammar"},
		{"benchmark", "baseline", "ablation", "error analysis"},
		{"stakeholder", "product manager", "success metric", "business goal"},
	}
	for i, cues := range more {
		r.Concepts = append(r.Concepts, scoring.Concept{
			ID: fmt.Sprintf("extra-%d", i), Label: cues[0], Weight: float64(1 + i%3), Cues: cues, Probe: "Tell me about " + cues[0] + ".",
		})
	}
	if err := r.Validate(); err != nil {
		tb.Fatal(err)
	}
	return r
}

// benchTranscript is a 45-minute interview: 150 candidate turns of 40
// words (6000 words, timed, with confidences) between interviewer turns,
// drawn from the calibration answers, the model answer and a few more.
func benchTranscript(tb testing.TB) []viva.Utterance {
	rng := rand.New(rand.NewPCG(1, 2))
	cal := loadCalibration(tb)
	sentences := strings.SplitAfter(ragRubric(tb).ModelAnswer, ". ")
	for _, tc := range cal.Cases {
		for _, s := range tc.Say {
			if !strings.HasPrefix(s, "interviewer: ") {
				sentences = append(sentences, s)
			}
		}
	}
	sentences = append(sentences,
		"First I'd clarify the requirements, who are the users and how many queries a day.",
		"Then I'd split the tickets into overlapping passages and embed each chunk.",
		"Retrieval is hybrid search with BM25 and dense vectors, then a cross-encoder reranks the top hundred.",
		"I wouldn't bother with a knowledge graph at this stage.",
		"To evaluate it I'd build a labelled set and measure recall at ten and faithfulness.",
		"Once it's live we monitor user feedback and alert on drift.",
		"Cost per query matters, so we cache frequent answers and use a smaller model for easy ones.",
		"Um, so, basically, you know, it depends on the situation and the team.",
		"The agent calls tools through a JSON schema and we validate every argument.",
		"We trace every step with open telemetry so we can debug latency.",
		"Prompt injection from ticket text is a real risk, so retrieved text is untrusted input.",
		"For the rollout I'd do a canary with a small share of agents first.",
		"I think the hard part is the data pipeline: deduplicate and clean the tickets.",
		"Yeah, that's a good question, let me think about it for a second.",
		"We'd keep personal data out of the index, redact emails and phone numbers.",
		"If precision drops we look at the failures and do error analysis.",
	)
	var us []viva.Utterance
	t := int64(0)
	for turn := range 150 {
		us = append(us, viva.Utterance{ID: uuid.New(), Speaker: viva.SpeakerInterviewer, Text: "Can you say more about that?", StartMS: t, EndMS: t + 2000})
		t += 2500
		var words []string
		for len(words) < 40 {
			words = append(words, strings.Fields(sentences[rng.IntN(len(sentences))])...)
		}
		words = words[:40]
		u := viva.Utterance{ID: uuid.New(), Speaker: viva.SpeakerCandidate, Text: strings.Join(words, " "), StartMS: t}
		for _, w := range words {
			u.Words = append(u.Words, viva.Word{Text: w, StartMS: t, EndMS: t + 350, Confidence: 0.6 + 0.4*rng.Float64()})
			t += 400
		}
		u.EndMS = t
		us = append(us, u)
		t += 1000 + int64(turn%7)*100
	}
	return us
}

// BenchmarkCover covers a 45-minute interview (6000 candidate words)
// with a 40-concept rubric, compiling the rubric each time.
func BenchmarkCover(b *testing.B) {
	r, us := benchRubric(b), benchTranscript(b)
	b.ReportAllocs()
	for b.Loop() {
		scoring.Cover(r, us)
	}
}

// BenchmarkMatcherCover is BenchmarkCover with the rubric compiled once,
// as the interviewer does for each question.
func BenchmarkMatcherCover(b *testing.B) {
	m, us := scoring.NewMatcher(benchRubric(b)), benchTranscript(b)
	b.ReportAllocs()
	for b.Loop() {
		m.Cover(us)
	}
}

// BenchmarkMatcherCoverTurn is the live case: the same matcher after one
// more 40-word turn, covering the transcript so far (here its first turn).
func BenchmarkMatcherCoverTurn(b *testing.B) {
	m, us := scoring.NewMatcher(benchRubric(b)), benchTranscript(b)[:2]
	b.ReportAllocs()
	for b.Loop() {
		m.Cover(us)
	}
}

func BenchmarkNewMatcher(b *testing.B) {
	r := benchRubric(b)
	b.ReportAllocs()
	for b.Loop() {
		scoring.NewMatcher(r)
	}
}

func TestBenchTranscript(t *testing.T) {
	t.Parallel()
	us := benchTranscript(t)
	words := 0
	for _, u := range us {
		if u.Speaker == viva.SpeakerCandidate {
			words += len(u.Words)
		}
	}
	if words != 6000 || us[len(us)-1].EndMS < 40*60*1000 {
		t.Fatalf("bench transcript: %d candidate words over %d ms", words, us[len(us)-1].EndMS)
	}
	c := scoring.Cover(benchRubric(t), us)
	if len(c.Concepts) != 40 {
		t.Fatalf("%d concepts", len(c.Concepts))
	}
}
