package viva

import (
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// Speaker is who said an utterance; it also names a recording's direction.
type Speaker string

// Speakers.
const (
	SpeakerCandidate   Speaker = "candidate"
	SpeakerInterviewer Speaker = "interviewer"
)

// Valid reports whether s is a known speaker.
func (s Speaker) Valid() bool { return s == SpeakerCandidate || s == SpeakerInterviewer }

// Word is one recognised word. Times are milliseconds on the interview's
// time base: zero is the moment the peer connection started receiving, the
// same origin both recordings use, so a word's start seeks the recording.
type Word struct {
	Text       string  `json:"text"`
	StartMS    int64   `json:"start_ms"`
	EndMS      int64   `json:"end_ms"`
	Confidence float64 `json:"confidence"` // 0..1
}

// Utterance is one turn of speech with its words.
type Utterance struct {
	ID        uuid.UUID `json:"id"`
	SessionID uuid.UUID `json:"session_id"`
	Speaker   Speaker   `json:"speaker"`
	Text      string    `json:"text"`
	StartMS   int64     `json:"start_ms"`
	EndMS     int64     `json:"end_ms"`
	Words     []Word    `json:"words"`
	Engine    string    `json:"engine,omitempty"` // speech engine that produced it
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks an utterance before it is stored.
func (u *Utterance) Validate() error {
	if u.ID == uuid.Nil {
		return invalid("id", "is required")
	}
	if !u.Speaker.Valid() {
		return invalid("speaker", "unknown speaker %q", u.Speaker)
	}
	if u.StartMS < 0 || u.EndMS < u.StartMS {
		return invalid("end_ms", "times must satisfy 0 <= start_ms <= end_ms, got %d..%d", u.StartMS, u.EndMS)
	}
	if u.Words == nil {
		u.Words = []Word{}
	}
	return nil
}

// LogValue keeps what was said out of logs: transcripts are personal data.
func (u Utterance) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("utterance_id", u.ID.String()),
		slog.String("speaker", string(u.Speaker)),
		slog.Int64("start_ms", u.StartMS),
		slog.Int64("end_ms", u.EndMS),
		slog.Int("words", len(u.Words)),
	)
}

// Probe is a follow-up the interviewer asked, and why: which question and
// which part of its rubric it targets, and the reason the policy chose it.
type Probe struct {
	ID        uuid.UUID `json:"id"`
	SessionID uuid.UUID `json:"session_id"`
	Question  string    `json:"question"` // question id
	Target    string    `json:"target"`   // concept, tradeoff or challenge id; "silence" for a nudge
	Kind      string    `json:"kind"`     // missed, partial, challenge, tradeoff, nudge
	Reason    string    `json:"reason"`
	Text      string    `json:"text"`     // the words said
	AskedMS   int64     `json:"asked_ms"` // when it was said, on the interview's time base
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a probe before it is stored.
func (p *Probe) Validate() error {
	switch {
	case p.ID == uuid.Nil:
		return &ValidationError{Field: "id", Message: "is required"}
	case p.Question == "" || len(p.Question) > 200:
		return &ValidationError{Field: "question", Message: "is required, at most 200 bytes"}
	case p.Target == "" || len(p.Target) > 200:
		return &ValidationError{Field: "target", Message: "is required, at most 200 bytes"}
	case p.Kind == "" || len(p.Kind) > 40:
		return &ValidationError{Field: "kind", Message: "is required, at most 40 bytes"}
	case len(p.Reason) > 2000 || len(p.Text) > 8000:
		return &ValidationError{Field: "reason", Message: "reason or text too long"}
	case p.AskedMS < 0:
		return &ValidationError{Field: "asked_ms", Message: "must not be negative"}
	}
	return nil
}

// Share is a read-only link to one interview's report, for a coach: its
// token is shown once, and only its SHA-256 digest is stored.
type Share struct {
	ID        uuid.UUID  `json:"id"`
	SessionID uuid.UUID  `json:"session_id"`
	TokenHash []byte     `json:"-"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Active reports whether the link still opens the report at time now.
func (s *Share) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// Recording is one direction of an interview's audio on disk.
type Recording struct {
	SessionID  uuid.UUID `json:"session_id"`
	Direction  Speaker   `json:"direction"`
	Path       string    `json:"-"` // server-side only; never built from user input
	Codec      string    `json:"codec"`
	DurationMS int64     `json:"duration_ms"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Report is the scorer's verdict on a session, as versioned JSON.
type Report struct {
	SessionID uuid.UUID `json:"session_id"`
	Version   int       `json:"version"`
	Body      []byte    `json:"body"` // JSON document
	CreatedAt time.Time `json:"created_at"`
}
