package judge

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/internal/openaicompat/chattest"
	"github.com/viva-interview/viva/scoring"
)

var (
	chunkID = uuid.MustParse("00000000-0000-0000-0000-000000000001")
	evalID  = uuid.MustParse("00000000-0000-0000-0000-000000000002")
)

// timed makes the Words of text, one every 400 ms from start.
func timed(text string, start int64) []viva.Word {
	var ws []viva.Word
	for i, w := range strings.Fields(text) {
		at := start + int64(i)*400
		ws = append(ws, viva.Word{Text: w, StartMS: at, EndMS: at + 350, Confidence: 0.9})
	}
	return ws
}

func input() scoring.Input {
	chunk := "First I'd chunk the tickets with some overlap, because long threads lose their context."
	return scoring.Input{
		Questions: []scoring.Question{{
			ID:    "rag",
			Title: "Design question answering over support tickets.",
			Rubric: scoring.Rubric{
				Concepts: []scoring.Concept{
					{ID: "chunking", Label: "Chunks documents with overlap", Weight: 2},
					{ID: "retrieval-eval", Label: "Evaluates retrieval", Weight: 3},
				},
				RedFlags:    []scoring.RedFlag{{ID: "fine-tune-facts", Label: "Fine-tunes to add facts", Why: "Facts change weekly."}},
				ModelAnswer: "Chunk with overlap, embed, retrieve hybrid, rerank, and evaluate recall on a labelled set.",
			},
		}},
		Utterances: []viva.Utterance{
			{ID: uuid.New(), Speaker: viva.SpeakerInterviewer, Engine: "prompt:rag", StartMS: 0, EndMS: 4000,
				Text: "How would you design question answering over support tickets?"},
			{ID: chunkID, Speaker: viva.SpeakerCandidate, StartMS: 5000, EndMS: 11000, Text: chunk, Words: timed(chunk, 5000)},
			{ID: evalID, Speaker: viva.SpeakerCandidate, StartMS: 12000, EndMS: 16000,
				Text: "Then I'd evaluate retrieval with recall at ten on a labelled set."},
		},
	}
}

const goodReply = `{"overall": 74, "summary": "A reasoned design that names chunking and measures retrieval.",
 "claims": [
  {"concept": "chunking", "kind": "strength", "text": "Chunks with overlap and says why.", "quote": "chunk the tickets with some overlap"},
  {"concept": "retrieval-eval", "kind": "strength", "text": "Measures retrieval on labelled data.", "quote": "evaluate retrieval with recall at ten"},
  {"concept": "", "kind": "error", "text": "Would fine-tune to add facts.", "quote": "I would fine-tune the model every week"}
 ]}`

func TestJudge(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 1)
	srv, _ := chattest.Server(t, 0, goodReply, got)
	var logs bytes.Buffer
	j, err := New(Config{BaseURL: srv.URL + "/v1", Model: "test-model", APIKey: "sk-secret",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	v, err := j.Judge(context.Background(), input())
	if err != nil {
		t.Fatal(err)
	}
	if v.Model != "test-model" || v.Overall != 74 || !strings.Contains(v.Summary, "reasoned design") {
		t.Errorf("verdict %+v", v)
	}
	if len(v.Claims) != 2 || v.Discarded != 1 {
		t.Fatalf("kept %d claims, discarded %d; want 2, 1: %+v", len(v.Claims), v.Discarded, v.Claims)
	}
	want := []Claim{
		{Concept: "chunking", Kind: KindStrength, Text: "Chunks with overlap and says why.", Quote: "chunk the tickets with some overlap",
			UtteranceID: chunkID, StartMS: 5000 + 2*400}, // "chunk" is the third word
		{Concept: "retrieval-eval", Kind: KindStrength, Text: "Measures retrieval on labelled data.", Quote: "evaluate retrieval with recall at ten",
			UtteranceID: evalID, StartMS: 12000}, // no words: the utterance's start
	}
	for i := range want {
		if v.Claims[i] != want[i] {
			t.Errorf("claim %d = %+v, want %+v", i, v.Claims[i], want[i])
		}
	}

	req := <-got
	if req["model"] != "test-model" {
		t.Errorf("model %v", req["model"])
	}
	rf, _ := req["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["strict"] != true || js["schema"] == nil {
		t.Errorf("response_format %v, want a strict json_schema", rf)
	}
	msgs, _ := req["messages"].([]any)
	user, _ := msgs[len(msgs)-1].(map[string]any)
	content, _ := user["content"].(string)
	for _, s := range []string{
		"[1] candidate: First I'd chunk the tickets with some overlap",
		"[2] candidate: Then I'd evaluate retrieval",
		"interviewer: How would you design",
		"Design question answering over support tickets.",
		"retrieval-eval: Evaluates retrieval",
		"Model answer: Chunk with overlap",
	} {
		if !strings.Contains(content, s) {
			t.Errorf("the request lacks %q:\n%s", s, content)
		}
	}

	// Transcripts are personal data: nothing the candidate said, nor the
	// model's words about it, is logged.
	for _, s := range []string{"tickets", "overlap", "recall", "reasoned", "fine-tune", "sk-secret"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds %q:\n%s", s, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "verdict.discarded=1") {
		t.Errorf("the log lacks the verdict's counts:\n%s", logs.String())
	}
}

func TestJudgeFailures(t *testing.T) {
	t.Parallel()
	claim := `{"concept":"chunking","kind":"strength","text":"Good.","quote":"chunk the tickets with some overlap"}`
	tests := map[string]struct {
		delay   time.Duration
		content string
	}{
		"slow":             {delay: 3 * time.Second, content: goodReply},
		"not json":         {content: "The candidate did well. 80/100."},
		"truncated json":   {content: goodReply[:120]},
		"overall over 100": {content: `{"overall":101,"summary":"Fine.","claims":[]}`},
		"overall negative": {content: `{"overall":-1,"summary":"Fine.","claims":[]}`},
		"overall missing":  {content: `{"summary":"Fine.","claims":[]}`},
		"overall a string": {content: `{"overall":"80","summary":"Fine.","claims":[]}`},
		"empty summary":    {content: `{"overall":80,"summary":" ","claims":[]}`},
		"long summary":     {content: `{"overall":80,"summary":"` + strings.Repeat("fine ", MaxSummaryRunes) + `","claims":[]}`},
		"unknown kind":     {content: `{"overall":80,"summary":"Fine.","claims":[{"concept":"","kind":"praise","text":"Good.","quote":"chunk the tickets with"}]}`},
		"empty text":       {content: `{"overall":80,"summary":"Fine.","claims":[{"concept":"","kind":"gap","text":"","quote":"chunk the tickets with"}]}`},
		"long quote":       {content: `{"overall":80,"summary":"Fine.","claims":[{"concept":"","kind":"gap","text":"Hm.","quote":"` + strings.Repeat("chunk ", MaxQuoteRunes) + `"}]}`},
		"too many claims":  {content: `{"overall":80,"summary":"Fine.","claims":[` + strings.Repeat(claim+",", MaxClaims) + claim + `]}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, _ := chattest.Server(t, tt.delay, tt.content, nil)
			const timeout = 500 * time.Millisecond
			j, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m", Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			v, err := j.Judge(context.Background(), input())
			if err == nil {
				t.Fatalf("no error; verdict %+v", v)
			}
			t.Log(err)
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("error %v does not wrap ErrUnavailable", err)
			}
			if d := time.Since(start); d > timeout+time.Second {
				t.Errorf("gave up after %v, want about %v", d, timeout)
			}
		})
	}
}

func TestJudgeUnknownConcept(t *testing.T) {
	t.Parallel()
	srv, _ := chattest.Server(t, 0, `{"overall":60,"summary":"Fine.","claims":[
		{"concept":"vector-db","kind":"strength","text":"Good.","quote":"chunk the tickets with some overlap"}]}`, nil)
	j, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := j.Judge(context.Background(), input())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Claims) != 1 || v.Claims[0].Concept != "" {
		t.Errorf("claims %+v, want one without the unknown concept", v.Claims)
	}
}

func TestJudgeNothingSaid(t *testing.T) {
	t.Parallel()
	srv, n := chattest.Server(t, 0, goodReply, nil)
	j, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	in := input()
	in.Utterances = in.Utterances[:1] // the question only
	if _, err := j.Judge(context.Background(), in); !errors.Is(err, ErrNothingToJudge) {
		t.Errorf("error %v, want ErrNothingToJudge", err)
	}
	if n.Load() != 0 {
		t.Errorf("%d requests made, want none", n.Load())
	}
}

func TestJudgeCancelled(t *testing.T) {
	t.Parallel()
	srv, _ := chattest.Server(t, 3*time.Second, goodReply, nil)
	j, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := j.Judge(ctx, input()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the caller's deadline", err)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]Config{
		"no model":         {},
		"ftp base URL":     {Model: "m", BaseURL: "ftp://x"},
		"negative timeout": {Model: "m", Timeout: -time.Second},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := New(cfg); err == nil || !strings.HasPrefix(err.Error(), "judge: config: ") {
				t.Errorf("New = %v, want a config error", err)
			}
		})
	}
}
