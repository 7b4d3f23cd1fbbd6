package live

import (
	"fmt"
	"time"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/interviewer"
)

// Interviewer decides what the interviewer says, from the interview's
// events: interviewer.Session (the question bank and its state machine)
// implements it, and Script stands in for it in tests and demos. The
// interview calls Step from its own goroutine, one event at a time.
type Interviewer interface {
	Step(e interviewer.Event) []interviewer.Action
}

// Texter is an Interviewer that knows in advance some of what it will say;
// the interview has those texts synthesised while the candidate connects,
// so that its replies start at once.
type Texter interface {
	Texts() []string
}

// Script is an Interviewer that says its prompts in order, one per
// answer, then its closing words. It ignores the clock except for a hard
// stop at Budget (if set).
type Script struct {
	Prompts []interviewer.Prompt
	Closing interviewer.Prompt
	Budget  time.Duration

	next    int
	current string
	closing bool
	done    bool
}

// Step implements Interviewer.
func (s *Script) Step(e interviewer.Event) []interviewer.Action {
	if s.done {
		return nil
	}
	switch e := e.(type) {
	case interviewer.Start:
		if s.next == 0 && len(s.Prompts) > 0 {
			return s.say(s.Prompts[0], false)
		}
	case interviewer.Answer:
		if s.closing || len(e.Utterances) == 0 {
			return nil
		}
		if s.next >= len(s.Prompts) {
			return s.say(s.closingPrompt(), true)
		}
		return s.say(s.Prompts[s.next], false)
	case interviewer.Said:
		if s.closing && e.ID == s.current {
			s.done = true
			return []interviewer.Action{interviewer.Finish{Reason: "completed"}}
		}
	case interviewer.Tick:
		if s.Budget > 0 && e.Elapsed >= s.Budget && !s.closing {
			acts := s.say(interviewer.Prompt{ID: "time-up", Kind: interviewer.KindWrapup, Text: "We are out of time. Thank you."}, true)
			acts[0] = interviewer.Say{Prompt: acts[0].(interviewer.Say).Prompt, Last: true, Interrupt: true}
			return acts
		}
	}
	return nil
}

func (s *Script) say(p interviewer.Prompt, last bool) []interviewer.Action {
	s.next++
	s.current, s.closing = p.ID, last
	return []interviewer.Action{interviewer.Say{Prompt: p, Last: last}}
}

func (s *Script) closingPrompt() interviewer.Prompt {
	if s.Closing.Text != "" {
		return s.Closing
	}
	return interviewer.Prompt{ID: "closing", Kind: interviewer.KindWrapup,
		Text: "That's all my questions. Thank you; your report will be ready in a moment."}
}

// Texts lists every text the script may say, for warming the voice cache.
func (s *Script) Texts() []string {
	var out []string
	for _, p := range s.Prompts {
		out = append(out, p.Text)
	}
	return append(out, s.closingPrompt().Text)
}

// NewInterviewer returns the interviewer of a session from a question
// bank: the deterministic state machine.
func NewInterviewer(b *interviewer.Bank, cfg interviewer.Config) func(*viva.Session) (Interviewer, error) {
	return func(s *viva.Session) (Interviewer, error) {
		is, err := interviewer.NewSession(b, s, cfg)
		if err != nil {
			return nil, fmt.Errorf("plan interview: %w", err)
		}
		return is, nil
	}
}
