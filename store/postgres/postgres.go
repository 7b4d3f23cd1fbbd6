// Package postgres is Viva's PostgreSQL store (pgx/v5, pgxpool), used when
// DATABASE_URL is set. Several `viva serve` processes may share one
// database: migrations take an advisory lock, and River's job tables live
// beside Viva's.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var migrations = func() []store.Migration {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	ms, err := store.LoadMigrations(sub)
	if err != nil {
		panic(err) // embedded files are checked by the tests
	}
	return ms
}()

// migrationLock is the advisory lock key held while migrating ("viva").
const migrationLock = 0x76697661

// Store is the PostgreSQL implementation of viva.Store.
type Store struct {
	pool *pgxpool.Pool
	name string // URL with the password removed, for messages

	closeOnce sync.Once
}

var _ viva.Store = (*Store)(nil)

// Open connects to the database at url and applies pending migrations.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	name := fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", name, err)
	}
	s := &Store{pool: pool, name: name}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Pool is the connection pool, shared with River's PostgreSQL driver.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("connect %s: %w", s.name, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migrate %s: %w", s.name, err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS viva_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate %s: %w", s.name, err)
	}
	var have int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM viva_migrations").Scan(&have); err != nil {
		return fmt.Errorf("migrate %s: %w", s.name, err)
	}
	if have > len(migrations) {
		return &store.SchemaTooNewError{Database: s.name, Have: have, Known: len(migrations)}
	}
	for _, m := range migrations[have:] {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate %s to %04d_%s: %w", s.name, m.Version, m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO viva_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return fmt.Errorf("migrate %s: %w", s.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", s.name, err)
	}
	return nil
}

// Ready checks that the database answers and its schema is current.
func (s *Store) Ready(ctx context.Context) error {
	var have int
	if err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM viva_migrations").Scan(&have); err != nil {
		return fmt.Errorf("postgres %s: %w", s.name, err)
	}
	if have != len(migrations) {
		return fmt.Errorf("postgres %s: schema version %d, want %d", s.name, have, len(migrations))
	}
	return nil
}

// Close closes the pool; it is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

const sessionColumns = "id, owner_id, track, mode, questions, minutes, state, created_at, updated_at, started_at, ended_at"

func scanSession(row pgx.Row) (*viva.Session, error) {
	var s viva.Session
	if err := row.Scan(&s.ID, &s.Owner, &s.Track, &s.Mode, &s.Questions, &s.Minutes, &s.State,
		&s.CreatedAt, &s.UpdatedAt, &s.StartedAt, &s.EndedAt); err != nil {
		return nil, err
	}
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	s.StartedAt, s.EndedAt = utc(s.StartedAt), utc(s.EndedAt)
	return &s, nil
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// CreateSession implements viva.Store.
func (s *Store) CreateSession(ctx context.Context, sess *viva.Session) error {
	if err := sess.Validate(); err != nil {
		return err
	}
	if sess.ID == uuid.Nil {
		sess.ID = uuid.New()
	}
	if sess.Owner == uuid.Nil {
		sess.Owner = viva.LocalAccount
	}
	sess.CreatedAt = now()
	sess.UpdatedAt = sess.CreatedAt
	_, err := s.pool.Exec(ctx, "INSERT INTO sessions ("+sessionColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
		sess.ID, sess.Owner, sess.Track, sess.Mode, sess.Questions, sess.Minutes, sess.State,
		sess.CreatedAt, sess.UpdatedAt, sess.StartedAt, sess.EndedAt)
	switch pgCode(err) {
	case "":
	case uniqueViolation:
		return fmt.Errorf("session %s already exists: %w", sess.ID, viva.ErrConflict)
	case foreignKeyViolation:
		return fmt.Errorf("owner %s: %w", sess.Owner, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session implements viva.Store.
func (s *Store) Session(ctx context.Context, id uuid.UUID) (*viva.Session, error) {
	sess, err := scanSession(s.pool.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("session %s: %w", id, viva.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get session %s: %w", id, err)
	}
	return sess, nil
}

// Sessions implements viva.Store.
func (s *Store) Sessions(ctx context.Context, f viva.SessionFilter) ([]*viva.Session, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+sessionColumns+` FROM sessions
		WHERE owner_id = $1 AND ($2 = '' OR track = $2) AND ($3 = '' OR state = $3)
		ORDER BY created_at DESC, id DESC LIMIT $4`,
		f.Owner, string(f.Track), string(f.State), f.EffectiveLimit())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*viva.Session, error) { return scanSession(row) })
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// SetSessionState implements viva.Store.
func (s *Store) SetSessionState(ctx context.Context, id uuid.UUID, state viva.SessionState, at time.Time) (*viva.Session, error) {
	var sess *viva.Session
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		sess, err = scanSession(tx.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = $1 FOR UPDATE", id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("session %s: %w", id, viva.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("set session state: %w", err)
		}
		if err := sess.Transition(state, at); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE sessions SET state = $1, updated_at = $2, started_at = $3, ended_at = $4 WHERE id = $5",
			sess.State, sess.UpdatedAt, sess.StartedAt, sess.EndedAt, id); err != nil {
			return fmt.Errorf("set session state: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// DeleteSession implements viva.Store.
func (s *Store) DeleteSession(ctx context.Context, id uuid.UUID) error {
	tag, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("session %s: %w", id, viva.ErrNotFound)
	}
	return nil
}

// AddUtterance implements viva.Store.
func (s *Store) AddUtterance(ctx context.Context, u *viva.Utterance) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO utterances (id, session_id, speaker, text, start_ms, end_ms, words, engine, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		u.ID, u.SessionID, u.Speaker, u.Text, u.StartMS, u.EndMS, u.Words, u.Engine, u.CreatedAt)
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("session %s: %w", u.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add utterance: %w", err)
	}
	return nil
}

// Utterances implements viva.Store.
func (s *Store) Utterances(ctx context.Context, sessionID uuid.UUID) ([]viva.Utterance, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, session_id, speaker, text, start_ms, end_ms, words, engine, created_at
		FROM utterances WHERE session_id = $1 ORDER BY start_ms, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("list utterances: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (viva.Utterance, error) {
		var u viva.Utterance
		err := row.Scan(&u.ID, &u.SessionID, &u.Speaker, &u.Text, &u.StartMS, &u.EndMS, &u.Words, &u.Engine, &u.CreatedAt)
		u.CreatedAt = u.CreatedAt.UTC()
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list utterances: %w", err)
	}
	return out, nil
}

// AddProbe implements viva.Store.
func (s *Store) AddProbe(ctx context.Context, p *viva.Probe) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO probes (id, session_id, question, target, kind, reason, text, asked_ms, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		p.ID, p.SessionID, p.Question, p.Target, p.Kind, p.Reason, p.Text, p.AskedMS, p.CreatedAt)
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("session %s: %w", p.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add probe: %w", err)
	}
	return nil
}

// Probes implements viva.Store.
func (s *Store) Probes(ctx context.Context, sessionID uuid.UUID) ([]viva.Probe, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, session_id, question, target, kind, reason, text, asked_ms, created_at
		FROM probes WHERE session_id = $1 ORDER BY asked_ms, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("list probes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (viva.Probe, error) {
		var p viva.Probe
		err := row.Scan(&p.ID, &p.SessionID, &p.Question, &p.Target, &p.Kind, &p.Reason, &p.Text, &p.AskedMS, &p.CreatedAt)
		p.CreatedAt = p.CreatedAt.UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("list probes: %w", err)
	}
	return out, nil
}

// AddShare implements viva.Store.
func (s *Store) AddShare(ctx context.Context, sh *viva.Share) error {
	if sh.ID == uuid.Nil || len(sh.TokenHash) == 0 {
		return &viva.ValidationError{Field: "id", Message: "a share needs an id and a token digest"}
	}
	if sh.CreatedAt.IsZero() {
		sh.CreatedAt = now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO shares (id, session_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		sh.ID, sh.SessionID, sh.TokenHash, sh.ExpiresAt, sh.CreatedAt)
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("session %s: %w", sh.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add share: %w", err)
	}
	return nil
}

const shareColumns = `id, session_id, token_hash, expires_at, revoked_at, created_at`

func scanShare(row pgx.Row) (viva.Share, error) {
	var sh viva.Share
	err := row.Scan(&sh.ID, &sh.SessionID, &sh.TokenHash, &sh.ExpiresAt, &sh.RevokedAt, &sh.CreatedAt)
	sh.ExpiresAt, sh.CreatedAt = sh.ExpiresAt.UTC(), sh.CreatedAt.UTC()
	if sh.RevokedAt != nil {
		t := sh.RevokedAt.UTC()
		sh.RevokedAt = &t
	}
	return sh, err
}

// ShareByToken implements viva.Store.
func (s *Store) ShareByToken(ctx context.Context, tokenHash []byte) (*viva.Share, error) {
	sh, err := scanShare(s.pool.QueryRow(ctx, `SELECT `+shareColumns+` FROM shares WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("share link: %w", viva.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("share link: %w", err)
	}
	return &sh, nil
}

// Shares implements viva.Store.
func (s *Store) Shares(ctx context.Context, sessionID uuid.UUID) ([]viva.Share, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+shareColumns+` FROM shares WHERE session_id = $1 ORDER BY created_at DESC, id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (viva.Share, error) { return scanShare(row) })
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	return out, nil
}

// RevokeShare implements viva.Store.
func (s *Store) RevokeShare(ctx context.Context, sessionID, shareID uuid.UUID, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE shares SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND session_id = $3`,
		at, shareID, sessionID)
	if err != nil {
		return fmt.Errorf("revoke share: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("share link %s: %w", shareID, viva.ErrNotFound)
	}
	return nil
}

// PutRecording implements viva.Store.
func (s *Store) PutRecording(ctx context.Context, r *viva.Recording) error {
	if !r.Direction.Valid() {
		return &viva.ValidationError{Field: "direction", Message: fmt.Sprintf("unknown direction %q", r.Direction)}
	}
	r.UpdatedAt = now()
	_, err := s.pool.Exec(ctx, `INSERT INTO recordings (session_id, direction, path, codec, duration_ms, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (session_id, direction) DO UPDATE
		SET path = excluded.path, codec = excluded.codec, duration_ms = excluded.duration_ms, updated_at = excluded.updated_at`,
		r.SessionID, r.Direction, r.Path, r.Codec, r.DurationMS, r.UpdatedAt)
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("session %s: %w", r.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("put recording: %w", err)
	}
	return nil
}

// Recordings implements viva.Store.
func (s *Store) Recordings(ctx context.Context, sessionID uuid.UUID) ([]viva.Recording, error) {
	rows, err := s.pool.Query(ctx, `SELECT session_id, direction, path, codec, duration_ms, updated_at
		FROM recordings WHERE session_id = $1 ORDER BY direction`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (viva.Recording, error) {
		var r viva.Recording
		err := row.Scan(&r.SessionID, &r.Direction, &r.Path, &r.Codec, &r.DurationMS, &r.UpdatedAt)
		r.UpdatedAt = r.UpdatedAt.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	return out, nil
}

// PutReport implements viva.Store.
func (s *Store) PutReport(ctx context.Context, r *viva.Report) error {
	if !json.Valid(r.Body) {
		return &viva.ValidationError{Field: "body", Message: "is not valid JSON"}
	}
	r.CreatedAt = now()
	_, err := s.pool.Exec(ctx, `INSERT INTO reports (session_id, version, body, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (session_id) DO UPDATE SET version = excluded.version, body = excluded.body, created_at = excluded.created_at`,
		r.SessionID, r.Version, json.RawMessage(r.Body), r.CreatedAt)
	if pgCode(err) == foreignKeyViolation {
		return fmt.Errorf("session %s: %w", r.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("put report: %w", err)
	}
	return nil
}

// Report implements viva.Store.
func (s *Store) Report(ctx context.Context, sessionID uuid.UUID) (*viva.Report, error) {
	var r viva.Report
	err := s.pool.QueryRow(ctx, "SELECT session_id, version, body::text, created_at FROM reports WHERE session_id = $1", sessionID).
		Scan(&r.SessionID, &r.Version, &r.Body, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("report for session %s: %w", sessionID, viva.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get report: %w", err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}
