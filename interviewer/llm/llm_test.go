package llm

import (
	"context"
	"errors"
	"github.com/viva-interview/viva/internal/openaicompat/chattest"
	"strings"
	"testing"
	"time"
)

var request = Request{
	Question: "Design question answering over support tickets.",
	Answer:   "I would put the tickets in faiss and ask the model.",
	Candidates: []Candidate{
		{Kind: "challenge", Reason: `the candidate said "faiss"`, Text: "Why FAISS rather than a hosted store?"},
		{Kind: "missed", Reason: `missed "Evaluates retrieval" (weight 3)`, Text: "How would you know it gives good answers?"},
	},
}

func TestPhrase(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 1)
	srv, _ := chattest.Server(t, 0, `{"choice": 2, "text": "You'd put everything in FAISS, fine. How would you know the answers are any good before launch?"}`, got)
	p, err := New(Config{BaseURL: srv.URL + "/v1", Model: "test-model", APIKey: "sk-secret"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Phrase(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	if c.Index != 1 || !strings.Contains(c.Text, "before launch") {
		t.Errorf("choice %+v", c)
	}
	req := <-got
	if req["model"] != "test-model" {
		t.Errorf("model %v", req["model"])
	}
	rf, _ := req["response_format"].(map[string]any)
	if rf["type"] != "json_schema" {
		t.Errorf("response_format %v, want json_schema", rf)
	}
	msgs, _ := req["messages"].([]any)
	user, _ := msgs[len(msgs)-1].(map[string]any)
	if content, _ := user["content"].(string); !strings.Contains(content, "faiss and ask the model") || !strings.Contains(content, "2. [missed") {
		t.Errorf("the request is not grounded in the answer and candidates: %q", content)
	}
}

func TestPhraseFailures(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		delay   time.Duration
		content string
	}{
		"slow":             {delay: 3 * time.Second, content: `{"choice":1,"text":"Why?"}`},
		"not json":         {content: "Why FAISS?"},
		"choice too large": {content: `{"choice":3,"text":"Why?"}`},
		"choice zero":      {content: `{"choice":0,"text":"Why?"}`},
		"empty text":       {content: `{"choice":1,"text":"  "}`},
		"over-long text":   {content: `{"choice":1,"text":"` + strings.Repeat("why ", 200) + `"}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, _ := chattest.Server(t, tt.delay, tt.content, nil)
			p, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = p.Phrase(context.Background(), request)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v does not wrap ErrUnavailable", err)
			}
			if d := time.Since(start); d > DefaultTimeout+time.Second {
				t.Errorf("gave up after %v, want about %v", d, DefaultTimeout)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); err == nil {
		t.Error("no model accepted")
	}
	if _, err := New(Config{Model: "m", BaseURL: "ftp://x"}); err == nil {
		t.Error("ftp base URL accepted")
	}
}
