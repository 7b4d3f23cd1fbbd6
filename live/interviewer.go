package live

import (
	"context"
	"fmt"
	"strings"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/signaling"
)

// Prompt is something the interviewer says.
type Prompt struct {
	// ID is the question id for a question, else unique in the interview.
	ID   string
	Kind signaling.PromptKind
	Text string
}

// Answer is what the candidate said since the last prompt: one or more
// turns, joined.
type Answer struct {
	// Prompt is the prompt it answers.
	Prompt Prompt
	Text   string
	Words  []viva.Word
	// StartMS and EndMS bound it on the interview's time base.
	StartMS, EndMS int64
}

// Interviewer decides what to say. The interview calls it from its own
// goroutine, one call at a time; a call should return quickly (an LLM call
// is bounded by ctx).
type Interviewer interface {
	// Open returns the first prompt.
	Open(ctx context.Context) (Prompt, error)
	// Next takes the candidate's answer and returns what to say next. When
	// last is true the prompt closes the interview, which ends (completed)
	// once it has been said.
	Next(ctx context.Context, a Answer) (p Prompt, last bool, err error)
	// TimeUp returns the closing words for when the time budget is spent.
	TimeUp() Prompt
}

// Texter is an Interviewer that knows in advance some of what it will say;
// the interview has those texts synthesised while the candidate connects,
// so that its replies start at once.
type Texter interface {
	Texts() []string
}

// Script is an Interviewer that asks its prompts in order, one per answer,
// then says Closing. It stands in for the interviewer's state machine in
// tests and demos.
type Script struct {
	Prompts []Prompt
	Closing Prompt
	next    int
}

// Open implements Interviewer.
func (s *Script) Open(context.Context) (Prompt, error) {
	if len(s.Prompts) == 0 {
		return Prompt{}, fmt.Errorf("script has no prompts")
	}
	s.next = 1
	return s.Prompts[0], nil
}

// Next implements Interviewer: an empty answer gets no new prompt but the
// same one again is not repeated either; the script simply moves on.
func (s *Script) Next(context.Context, Answer) (Prompt, bool, error) {
	if s.next >= len(s.Prompts) {
		return s.closing(), true, nil
	}
	p := s.Prompts[s.next]
	s.next++
	return p, false, nil
}

// TimeUp implements Interviewer.
func (s *Script) TimeUp() Prompt {
	return Prompt{ID: "time-up", Kind: signaling.PromptWrapup,
		Text: "We are out of time, so let's stop here. Thank you; your report will be ready in a moment."}
}

func (s *Script) closing() Prompt {
	if s.Closing.Text != "" {
		return s.Closing
	}
	return Prompt{ID: "closing", Kind: signaling.PromptWrapup,
		Text: "That's all my questions. Thank you; your report will be ready in a moment."}
}

// Texts lists every text a Script may say, for warming the voice cache.
func (s *Script) Texts() []string {
	var out []string
	for _, p := range s.Prompts {
		out = append(out, p.Text)
	}
	return append(out, s.closing().Text, s.TimeUp().Text)
}

// openers are the stand-in questions of DefaultScript, one per track, until
// the question bank lands.
var openers = map[viva.Track]string{
	viva.TrackRAG:        "Design a retrieval augmented question answering system over ten million support tickets. Start with the requirements you would clarify.",
	viva.TrackAgents:     "Design an agent that triages on-call alerts and opens incidents. When would you not use an agent at all?",
	viva.TrackMLOps:      "How would you deploy and monitor a large language model feature in production? Walk me through evaluation, rollout and cost.",
	viva.TrackLLM:        "Explain how attention works in a transformer, and what limits the context window.",
	viva.TrackBehavioral: "Tell me about a time a model behaved unexpectedly in production. What did you do?",
	viva.TrackMLScreen:   "What is overfitting, and how do you detect and prevent it?",
}

// DefaultScript is a short scripted interview for a session's track: its
// opening question and one follow-up.
func DefaultScript(s *viva.Session) *Script {
	q, ok := openers[s.Track]
	if !ok {
		q = openers[viva.TrackRAG]
	}
	return &Script{Prompts: []Prompt{
		{ID: string(s.Track) + ".opener", Kind: signaling.PromptQuestion, Text: "Hello, and welcome. " + q},
		{ID: "probe-1", Kind: signaling.PromptProbe, Text: "How would you evaluate that, and what would you monitor once it is live?"},
	}}
}

// joinText joins the texts of turns, skipping empty ones.
func joinText(texts ...string) string {
	var parts []string
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}
