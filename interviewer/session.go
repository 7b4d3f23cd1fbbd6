package interviewer

import (
	"fmt"

	"github.com/viva-interview/viva"
)

// Session is one interview's interviewer: a Machine with its current
// State, for callers that keep no state of their own. It is not safe for
// concurrent use.
type Session struct {
	m *Machine
	s State
}

// NewSession plans the session's questions from the bank and returns its
// interviewer.
func NewSession(b *Bank, sess *viva.Session, cfg Config) (*Session, error) {
	plan, err := NewPlan(b, sess)
	if err != nil {
		return nil, err
	}
	m, err := NewMachine(plan, cfg)
	if err != nil {
		return nil, fmt.Errorf("interviewer: %w", err)
	}
	return &Session{m: m, s: m.Initial()}, nil
}

// Step feeds one event to the machine and returns its actions.
func (s *Session) Step(e Event) []Action {
	var acts []Action
	s.s, acts = s.m.Step(s.s, e)
	return acts
}

// State is the interviewer's current state.
func (s *Session) State() State { return s.s }

// Plan is the interview's plan.
func (s *Session) Plan() Plan { return s.m.Plan() }

// Texts lists what the interviewer may say, for warming a voice cache.
func (s *Session) Texts() []string { return s.m.Texts() }
