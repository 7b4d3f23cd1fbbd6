// Package llm lets an OpenAI-compatible chat model (OpenAI, a local Ollama or
// vLLM, …) phrase the interviewer's follow-ups: given the question, what the
// candidate said and the probes the deterministic policy would ask, it picks
// one and says it naturally, grounded in the answer. It is optional and
// bounded: a model that has not answered within Config.Timeout (1.5 s) is
// not waited for, and the caller says the deterministic probe instead.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/viva-interview/viva/internal/openaicompat"
)

// ErrUnavailable: the model did not answer usefully in time.
var ErrUnavailable = errors.New("follow-up model unavailable")

// DefaultTimeout bounds one phrasing: past it the deterministic probe is
// said.
const DefaultTimeout = 1500 * time.Millisecond

// MaxTextRunes bounds a phrased follow-up.
const MaxTextRunes = 400

// Config configures a Phraser.
type Config struct {
	// BaseURL is the API root (default https://api.openai.com/v1; for
	// Ollama http://127.0.0.1:11434/v1).
	BaseURL string
	APIKey  string
	// Model is the chat model (required).
	Model string
	// Timeout bounds a phrasing (default DefaultTimeout).
	Timeout    time.Duration
	HTTPClient *http.Client
	Logger     *slog.Logger // never receives what the candidate said
}

// Phraser asks a chat model to choose and phrase a follow-up.
type Phraser struct {
	c     *openaicompat.Client
	model string
	to    time.Duration
}

// New checks cfg and returns a Phraser. It makes no request.
func New(cfg Config) (*Phraser, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.openai.com/v1"
	}
	if cfg.Model == "" {
		return nil, errors.New("llm: config: Model is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	host, err := openaicompat.ParseBaseURL("llm", cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	return &Phraser{
		c: &openaicompat.Client{
			Engine: "follow-up model", Host: host, BaseURL: cfg.BaseURL, APIKey: cfg.APIKey,
			Policy: openaicompat.Policy{Timeout: cfg.Timeout, Retries: -1},
			HTTP:   cfg.HTTPClient, Log: cfg.Logger, Unavailable: ErrUnavailable, MaxReplyBytes: 64 << 10,
		},
		model: cfg.Model, to: cfg.Timeout,
	}, nil
}

// Candidate is one follow-up the policy would ask, with why.
type Candidate struct {
	Kind   string // missed, partial, challenge, tradeoff
	Reason string
	Text   string
}

// Request is what the model is grounded in.
type Request struct {
	Question   string
	Answer     string // what the candidate said since the question
	Candidates []Candidate
}

// Choice is the model's pick: an index into Request.Candidates and the
// words to say.
type Choice struct {
	Index int
	Text  string
}

const system = `You are a calm, senior interviewer running a spoken mock interview for an AI engineering role.
You get the question, the candidate's answer so far (a speech-recognition transcript, so expect errors), and
numbered follow-up candidates chosen by a rubric, best first. Pick the one follow-up that best probes a gap in
this answer and say it as a short, natural spoken question (one or two sentences, under 40 words), referring to
what the candidate actually said where it helps. Never reveal the rubric, never praise or grade, never answer
the question yourself, no lists or markdown. Reply with JSON only: {"choice": <candidate number>, "text": "<what to say>"}.`

// schema constrains the reply where the server supports JSON schema output.
var schema = json.RawMessage(`{"type":"object","properties":{"choice":{"type":"integer"},"text":{"type":"string"}},"required":["choice","text"],"additionalProperties":false}`)

// Phrase asks the model; it fails with an error wrapping ErrUnavailable
// (or ctx's) when the model is slow, down or says something unusable.
func (p *Phraser) Phrase(ctx context.Context, r Request) (Choice, error) {
	if len(r.Candidates) == 0 {
		return Choice{}, errors.New("llm: no candidates")
	}
	ctx, cancel := context.WithTimeout(ctx, p.to)
	defer cancel()
	var user strings.Builder
	fmt.Fprintf(&user, "Question: %s\n\nCandidate's answer so far: %s\n\nFollow-up candidates:\n", r.Question, clip(r.Answer, 6000))
	for i, c := range r.Candidates {
		fmt.Fprintf(&user, "%d. [%s: %s] %s\n", i+1, c.Kind, c.Reason, c.Text)
	}
	req := openai.ChatCompletionRequest{
		Model: p.model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user.String()},
		},
		Temperature: 0.3,
		MaxTokens:   200,
		ResponseFormat: &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "follow_up", Schema: schema, Strict: true},
		},
	}
	resp, _, err := openaicompat.Call(ctx, p.c, func(ctx context.Context, api *openai.Client) (openai.ChatCompletionResponse, error) {
		return api.CreateChatCompletion(ctx, req)
	})
	if err != nil {
		return Choice{}, err
	}
	if len(resp.Choices) == 0 {
		return Choice{}, fmt.Errorf("%w: no choices in the reply", ErrUnavailable)
	}
	var out struct {
		Choice int    `json:"choice"`
		Text   string `json:"text"`
	}
	content := strings.TrimSpace(resp.Choices[0].Message.Content)
	content = strings.TrimSuffix(strings.TrimPrefix(content, "```json"), "```")
	if err := json.Unmarshal([]byte(strings.TrimSpace(content)), &out); err != nil {
		return Choice{}, fmt.Errorf("%w: reply is not the JSON asked for", ErrUnavailable)
	}
	text := strings.Join(strings.Fields(out.Text), " ")
	switch {
	case out.Choice < 1 || out.Choice > len(r.Candidates):
		return Choice{}, fmt.Errorf("%w: choice %d is not a candidate", ErrUnavailable, out.Choice)
	case text == "" || utf8.RuneCountInString(text) > MaxTextRunes:
		return Choice{}, fmt.Errorf("%w: empty or over-long text", ErrUnavailable)
	}
	return Choice{Index: out.Choice - 1, Text: text}, nil
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return "…" + string(r[len(r)-n:])
	}
	return s
}
