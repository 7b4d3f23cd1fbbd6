package viva

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"
)

// LocalAccount owns every session while Viva runs in single-user local mode
// (no login configured). It exists in every store from the first migration.
var LocalAccount = uuid.MustParse("00000000-0000-4000-8000-000000000001")

// Track is the interview's subject area.
type Track string

// Tracks of the question bank.
const (
	TrackRAG        Track = "rag"        // RAG and retrieval systems
	TrackAgents     Track = "agents"     // agents and orchestration
	TrackMLOps      Track = "mlops"      // MLOps and production AI
	TrackLLM        Track = "llm"        // LLM fundamentals
	TrackBehavioral Track = "behavioral" // AI-specific behavioral questions
	TrackMLScreen   Track = "ml-screen"  // classical-ML screen
)

// Tracks lists every known track in display order.
var Tracks = []Track{TrackRAG, TrackAgents, TrackMLOps, TrackLLM, TrackBehavioral, TrackMLScreen}

// Mode is the shape of the interview.
type Mode string

// Interview modes.
const (
	ModeSystemDesign Mode = "system-design" // one question, 20–45 min
	ModeBehavioral   Mode = "behavioral"    // 3–5 questions
	ModeScreen       Mode = "screen"        // short questions, 1–2 min each
)

// Modes lists every known mode.
var Modes = []Mode{ModeSystemDesign, ModeBehavioral, ModeScreen}

// DefaultMinutes is the interview length a mode gets when none is asked for.
func (m Mode) DefaultMinutes() int {
	switch m {
	case ModeSystemDesign:
		return 45
	case ModeBehavioral:
		return 20
	default:
		return 15
	}
}

// Interview length bounds, in minutes.
const (
	MinMinutes = 5
	MaxMinutes = 180
)

// SessionState is where a session is in its life.
type SessionState string

// Session states. A session is created, goes live when media flows, ends
// (or is interrupted by a crash or a lost connection), and is scored by a
// background job. Failed means scoring gave up.
const (
	StateCreated     SessionState = "created"
	StateLive        SessionState = "live"
	StateEnded       SessionState = "ended"
	StateInterrupted SessionState = "interrupted"
	StateScored      SessionState = "scored"
	StateFailed      SessionState = "failed"
)

var transitions = map[SessionState][]SessionState{
	StateCreated:     {StateLive, StateEnded, StateInterrupted},
	StateLive:        {StateEnded, StateInterrupted},
	StateEnded:       {StateScored, StateFailed},
	StateInterrupted: {StateLive, StateEnded, StateScored, StateFailed},
	StateScored:      {StateScored}, // re-scoring replaces the report
	StateFailed:      {StateScored, StateFailed},
}

// CanBecome reports whether a session in state s may move to next.
func (s SessionState) CanBecome(next SessionState) bool {
	return slices.Contains(transitions[s], next)
}

// Valid reports whether s is a known state.
func (s SessionState) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Session is one mock interview.
type Session struct {
	ID        uuid.UUID    `json:"id"`
	Owner     uuid.UUID    `json:"owner"`
	Track     Track        `json:"track"`
	Mode      Mode         `json:"mode"`
	Questions []string     `json:"questions"` // question ids, in the order asked
	Minutes   int          `json:"minutes"`   // time budget
	State     SessionState `json:"state"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	StartedAt *time.Time   `json:"started_at,omitempty"`
	EndedAt   *time.Time   `json:"ended_at,omitempty"`
}

// MaxQuestions bounds the questions one session may ask.
const MaxQuestions = 20

var questionID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)

// Validate checks the fields a caller chooses and fills documented defaults
// (the mode's length, an empty question list, the created state).
func (s *Session) Validate() error {
	if s.Track == "" {
		return invalid("track", "is required (one of %v)", Tracks)
	}
	if !slices.Contains(Tracks, s.Track) {
		return invalid("track", "unknown track %q (one of %v)", s.Track, Tracks)
	}
	if s.Mode == "" {
		return invalid("mode", "is required (one of %v)", Modes)
	}
	if !slices.Contains(Modes, s.Mode) {
		return invalid("mode", "unknown mode %q (one of %v)", s.Mode, Modes)
	}
	if s.Minutes == 0 {
		s.Minutes = s.Mode.DefaultMinutes()
	}
	if s.Minutes < MinMinutes || s.Minutes > MaxMinutes {
		return invalid("minutes", "must be between %d and %d, got %d", MinMinutes, MaxMinutes, s.Minutes)
	}
	if len(s.Questions) > MaxQuestions {
		return invalid("questions", "at most %d questions, got %d", MaxQuestions, len(s.Questions))
	}
	for i, q := range s.Questions {
		if !questionID.MatchString(q) {
			return invalid(fmt.Sprintf("questions[%d]", i), "%q is not a question id (lower-case letters, digits, '.', '_' and '-')", q)
		}
	}
	if s.Questions == nil {
		s.Questions = []string{}
	}
	if s.State == "" {
		s.State = StateCreated
	}
	if !s.State.Valid() {
		return invalid("state", "unknown state %q", s.State)
	}
	return nil
}

// SessionFilter selects sessions for a listing, newest first.
type SessionFilter struct {
	Owner uuid.UUID // required
	Track Track     // empty: any
	State SessionState
	Limit int // 0: DefaultLimit; capped at MaxLimit
}

// Listing bounds.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// EffectiveLimit is the number of rows a listing returns at most.
func (f SessionFilter) EffectiveLimit() int {
	switch {
	case f.Limit <= 0:
		return DefaultLimit
	case f.Limit > MaxLimit:
		return MaxLimit
	}
	return f.Limit
}

// Transition moves s to next at time at, stamping StartedAt when it first
// goes live and EndedAt when it ends or is interrupted. It returns an error
// wrapping ErrConflict when the move is not allowed; s is then unchanged.
func (s *Session) Transition(next SessionState, at time.Time) error {
	if !s.State.CanBecome(next) {
		return fmt.Errorf("session %s is %s and cannot become %s: %w", s.ID, s.State, next, ErrConflict)
	}
	at = at.UTC().Truncate(time.Millisecond)
	switch next {
	case StateLive:
		if s.StartedAt == nil {
			s.StartedAt = &at
		}
		s.EndedAt = nil
	case StateEnded, StateInterrupted:
		s.EndedAt = &at
	}
	s.State = next
	s.UpdatedAt = at
	return nil
}
