package viva

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Store persists sessions and everything that hangs off them. Both the
// embedded SQLite store and the PostgreSQL store implement it and pass the
// same conformance suite (store/storetest).
//
// Writes are idempotent where a retry could repeat them: utterances are keyed
// by a caller-chosen id, recordings by (session, direction), reports by
// session. A write that returned nil is durable.
type Store interface {
	// CreateSession validates s, sets its timestamps and stores it.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns one session or ErrNotFound.
	Session(ctx context.Context, id uuid.UUID) (*Session, error)
	// Sessions lists an owner's sessions, newest first.
	Sessions(ctx context.Context, f SessionFilter) ([]*Session, error)
	// SetSessionState moves a session to a new state at time at, recording
	// started_at when it goes live and ended_at when it ends. It returns
	// ErrConflict when the transition is not allowed and ErrNotFound for an
	// unknown session.
	SetSessionState(ctx context.Context, id uuid.UUID, state SessionState, at time.Time) (*Session, error)
	// DeleteSession removes a session with its utterances, recordings and
	// report rows; it returns ErrNotFound for an unknown session. Recording
	// files are the caller's to remove.
	DeleteSession(ctx context.Context, id uuid.UUID) error

	// AddUtterance stores an utterance; adding the same id again is a no-op.
	AddUtterance(ctx context.Context, u *Utterance) error
	// Utterances returns a session's utterances ordered by start time.
	Utterances(ctx context.Context, sessionID uuid.UUID) ([]Utterance, error)

	// AddProbe stores a probe the interviewer asked; adding the same id
	// again is a no-op.
	AddProbe(ctx context.Context, p *Probe) error
	// Probes returns a session's probes ordered by the time they were asked.
	Probes(ctx context.Context, sessionID uuid.UUID) ([]Probe, error)

	// AddShare stores a share link (its token's digest).
	AddShare(ctx context.Context, s *Share) error
	// ShareByToken finds a share link by its token's digest, or ErrNotFound.
	ShareByToken(ctx context.Context, tokenHash []byte) (*Share, error)
	// Shares lists a session's share links, newest first.
	Shares(ctx context.Context, sessionID uuid.UUID) ([]Share, error)
	// RevokeShare revokes a share link of a session at time at; ErrNotFound
	// when the session has no such link.
	RevokeShare(ctx context.Context, sessionID, shareID uuid.UUID, at time.Time) error

	// PutRecording creates or replaces the recording of one direction.
	PutRecording(ctx context.Context, r *Recording) error
	// Recordings returns a session's recordings.
	Recordings(ctx context.Context, sessionID uuid.UUID) ([]Recording, error)

	// PutReport creates or replaces a session's report.
	PutReport(ctx context.Context, r *Report) error
	// Report returns a session's report or ErrNotFound.
	Report(ctx context.Context, sessionID uuid.UUID) (*Report, error)

	// Ready reports whether the store is reachable and its schema current.
	Ready(ctx context.Context) error
	// Close releases the store; it is safe to call more than once.
	Close() error
}
