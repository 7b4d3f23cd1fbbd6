// Package sqlite is Viva's embedded store: one SQLite file (pure Go,
// modernc.org/sqlite) in WAL mode under the data directory, so that
// `viva serve` needs nothing else installed.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ApplicationID marks a SQLite file as Viva's ("VIVA" in ASCII), so that a
// foreign database is refused instead of being migrated.
const ApplicationID = 0x56495641

// FileName is the database file's name inside the data directory.
const FileName = "viva.db"

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

// Store is the embedded implementation of viva.Store.
type Store struct {
	db   *sql.DB
	path string

	closeOnce sync.Once
	closeErr  error
}

var _ viva.Store = (*Store)(nil)

// OpenDB opens the SQLite file at path with Viva's settings: WAL journal,
// foreign keys, a busy timeout so writers queue instead of failing, and
// immediate transactions so a writer takes the lock before it reads.
// River's SQLite driver uses it too, with its own pool.
func OpenDB(path string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Open opens (creating if needed) the database at path, checks that it is a
// Viva database no newer than this binary, and applies pending migrations.
// Errors name the file.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory for %s: %w", path, err)
	}
	db, err := OpenDB(path)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("open embedded store %s: %w", s.path, describe(err))
	}
	defer tx.Rollback()

	var appID, tables int
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("open embedded store %s: %w", s.path, describe(err))
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
		return fmt.Errorf("open embedded store %s: %w", s.path, describe(err))
	}
	switch {
	case appID == 0 && tables == 0: // a new file
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return fmt.Errorf("initialise %s: %w", s.path, err)
		}
	case appID != ApplicationID:
		return fmt.Errorf("open embedded store %s: not a Viva database (application_id %#x, %d tables): move it away or choose another --data-dir", s.path, appID, tables)
	}
	var check string
	if err := tx.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("open embedded store %s: database is corrupt (quick_check: %q, %v): restore it from a backup", s.path, check, err)
	}

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS viva_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM viva_migrations").Scan(&have); err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	if have > len(migrations) {
		return &store.SchemaTooNewError{Database: s.path, Have: have, Known: len(migrations)}
	}
	for _, m := range migrations[have:] {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate %s to %04d_%s: %w", s.path, m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO viva_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("migrate %s: %w", s.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	return nil
}

// describe turns SQLite's terse "file is not a database" into advice.
func describe(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_NOTADB || se.Code() == sqlite3.SQLITE_CORRUPT) {
		return fmt.Errorf("not a SQLite database or corrupt (%w): move it away or restore it from a backup", err)
	}
	return err
}

// Ready checks that the file answers and its schema is the one this binary
// migrates to.
func (s *Store) Ready(ctx context.Context) error {
	var have int
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM viva_migrations").Scan(&have); err != nil {
		return fmt.Errorf("embedded store %s: %w", s.path, err)
	}
	if have != len(migrations) {
		return fmt.Errorf("embedded store %s: schema version %d, want %d", s.path, have, len(migrations))
	}
	return nil
}

// Close closes the database; later calls return the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.db.Close() })
	return s.closeErr
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func ms(t time.Time) int64 { return t.UnixMilli() }

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

const sessionColumns = "id, owner_id, track, mode, questions, minutes, state, created_at, updated_at, started_at, ended_at"

type scanner interface{ Scan(dest ...any) error }

func scanSession(row scanner) (*viva.Session, error) {
	var (
		s                viva.Session
		questions        string
		created, updated int64
		started, ended   sql.NullInt64
	)
	if err := row.Scan(&s.ID, &s.Owner, &s.Track, &s.Mode, &questions, &s.Minutes, &s.State,
		&created, &updated, &started, &ended); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(questions), &s.Questions); err != nil {
		return nil, fmt.Errorf("session %s questions: %w", s.ID, err)
	}
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	s.StartedAt, s.EndedAt = fromNullMS(started), fromNullMS(ended)
	return &s, nil
}

func isConstraint(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == code
}

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
	questions, err := json.Marshal(sess.Questions)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, "INSERT INTO sessions ("+sessionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		sess.ID.String(), sess.Owner.String(), sess.Track, sess.Mode, string(questions), sess.Minutes, sess.State,
		ms(sess.CreatedAt), ms(sess.UpdatedAt), msPtr(sess.StartedAt), msPtr(sess.EndedAt))
	switch {
	case isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return fmt.Errorf("session %s already exists: %w", sess.ID, viva.ErrConflict)
	case isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY):
		return fmt.Errorf("owner %s: %w", sess.Owner, viva.ErrNotFound)
	case err != nil:
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session implements viva.Store.
func (s *Store) Session(ctx context.Context, id uuid.UUID) (*viva.Session, error) {
	sess, err := scanSession(s.db.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = ?", id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session %s: %w", id, viva.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get session %s: %w", id, err)
	}
	return sess, nil
}

// Sessions implements viva.Store.
func (s *Store) Sessions(ctx context.Context, f viva.SessionFilter) ([]*viva.Session, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+sessionColumns+` FROM sessions
		WHERE owner_id = ? AND (? = '' OR track = ?) AND (? = '' OR state = ?)
		ORDER BY created_at DESC, id DESC LIMIT ?`,
		f.Owner.String(), f.Track, f.Track, f.State, f.State, f.EffectiveLimit())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	out := []*viva.Session{}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, sess)
	}
	return out, rows.Err()
}

// SetSessionState implements viva.Store.
func (s *Store) SetSessionState(ctx context.Context, id uuid.UUID, state viva.SessionState, at time.Time) (*viva.Session, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("set session state: %w", err)
	}
	defer tx.Rollback()
	sess, err := scanSession(tx.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE id = ?", id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session %s: %w", id, viva.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("set session state: %w", err)
	}
	if err := sess.Transition(state, at); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE sessions SET state = ?, updated_at = ?, started_at = ?, ended_at = ? WHERE id = ?",
		sess.State, ms(sess.UpdatedAt), msPtr(sess.StartedAt), msPtr(sess.EndedAt), id.String()); err != nil {
		return nil, fmt.Errorf("set session state: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("set session state: %w", err)
	}
	return sess, nil
}

// DeleteSession implements viva.Store.
func (s *Store) DeleteSession(ctx context.Context, id uuid.UUID) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", id.String())
	if err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("session %s: %w", id, viva.ErrNotFound)
	}
	return nil
}

// AddUtterance implements viva.Store.
func (s *Store) AddUtterance(ctx context.Context, u *viva.Utterance) error {
	if err := u.Validate(); err != nil {
		return err
	}
	words, err := json.Marshal(u.Words)
	if err != nil {
		return err
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now()
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO utterances (id, session_id, speaker, text, start_ms, end_ms, words, engine, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		u.ID.String(), u.SessionID.String(), u.Speaker, u.Text, u.StartMS, u.EndMS, string(words), u.Engine, ms(u.CreatedAt))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("session %s: %w", u.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add utterance: %w", err)
	}
	return nil
}

// Utterances implements viva.Store.
func (s *Store) Utterances(ctx context.Context, sessionID uuid.UUID) ([]viva.Utterance, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, session_id, speaker, text, start_ms, end_ms, words, engine, created_at
		FROM utterances WHERE session_id = ? ORDER BY start_ms, id`, sessionID.String())
	if err != nil {
		return nil, fmt.Errorf("list utterances: %w", err)
	}
	defer rows.Close()
	out := []viva.Utterance{}
	for rows.Next() {
		var (
			u       viva.Utterance
			words   string
			created int64
		)
		if err := rows.Scan(&u.ID, &u.SessionID, &u.Speaker, &u.Text, &u.StartMS, &u.EndMS, &words, &u.Engine, &created); err != nil {
			return nil, fmt.Errorf("list utterances: %w", err)
		}
		if err := json.Unmarshal([]byte(words), &u.Words); err != nil {
			return nil, fmt.Errorf("utterance %s words: %w", u.ID, err)
		}
		u.CreatedAt = fromMS(created)
		out = append(out, u)
	}
	return out, rows.Err()
}

// AddProbe implements viva.Store.
func (s *Store) AddProbe(ctx context.Context, p *viva.Probe) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO probes (id, session_id, question, target, kind, reason, text, asked_ms, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		p.ID.String(), p.SessionID.String(), p.Question, p.Target, p.Kind, p.Reason, p.Text, p.AskedMS, ms(p.CreatedAt))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("session %s: %w", p.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add probe: %w", err)
	}
	return nil
}

// Probes implements viva.Store.
func (s *Store) Probes(ctx context.Context, sessionID uuid.UUID) ([]viva.Probe, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, session_id, question, target, kind, reason, text, asked_ms, created_at
		FROM probes WHERE session_id = ? ORDER BY asked_ms, id`, sessionID.String())
	if err != nil {
		return nil, fmt.Errorf("list probes: %w", err)
	}
	defer rows.Close()
	out := []viva.Probe{}
	for rows.Next() {
		var (
			p       viva.Probe
			created int64
		)
		if err := rows.Scan(&p.ID, &p.SessionID, &p.Question, &p.Target, &p.Kind, &p.Reason, &p.Text, &p.AskedMS, &created); err != nil {
			return nil, fmt.Errorf("list probes: %w", err)
		}
		p.CreatedAt = fromMS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddShare implements viva.Store.
func (s *Store) AddShare(ctx context.Context, sh *viva.Share) error {
	if sh.ID == uuid.Nil || len(sh.TokenHash) == 0 {
		return &viva.ValidationError{Field: "id", Message: "a share needs an id and a token digest"}
	}
	if sh.CreatedAt.IsZero() {
		sh.CreatedAt = now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO shares (id, session_id, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`,
		sh.ID.String(), sh.SessionID.String(), sh.TokenHash, ms(sh.ExpiresAt), ms(sh.CreatedAt))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("session %s: %w", sh.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("add share: %w", err)
	}
	return nil
}

const shareColumns = `id, session_id, token_hash, expires_at, revoked_at, created_at`

func scanShare(sc interface{ Scan(...any) error }) (viva.Share, error) {
	var (
		sh               viva.Share
		expires, created int64
		revoked          sql.NullInt64
	)
	if err := sc.Scan(&sh.ID, &sh.SessionID, &sh.TokenHash, &expires, &revoked, &created); err != nil {
		return sh, err
	}
	sh.ExpiresAt, sh.CreatedAt = fromMS(expires), fromMS(created)
	if revoked.Valid {
		t := fromMS(revoked.Int64)
		sh.RevokedAt = &t
	}
	return sh, nil
}

// ShareByToken implements viva.Store.
func (s *Store) ShareByToken(ctx context.Context, tokenHash []byte) (*viva.Share, error) {
	sh, err := scanShare(s.db.QueryRowContext(ctx, `SELECT `+shareColumns+` FROM shares WHERE token_hash = ?`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("share link: %w", viva.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("share link: %w", err)
	}
	return &sh, nil
}

// Shares implements viva.Store.
func (s *Store) Shares(ctx context.Context, sessionID uuid.UUID) ([]viva.Share, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+shareColumns+` FROM shares WHERE session_id = ? ORDER BY created_at DESC, id`, sessionID.String())
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	defer rows.Close()
	out := []viva.Share{}
	for rows.Next() {
		sh, err := scanShare(rows)
		if err != nil {
			return nil, fmt.Errorf("list shares: %w", err)
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// RevokeShare implements viva.Store.
func (s *Store) RevokeShare(ctx context.Context, sessionID, shareID uuid.UUID, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE shares SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND session_id = ?`,
		ms(at), shareID.String(), sessionID.String())
	if err != nil {
		return fmt.Errorf("revoke share: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
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
	_, err := s.db.ExecContext(ctx, `INSERT INTO recordings (session_id, direction, path, codec, duration_ms, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, direction) DO UPDATE
		SET path = excluded.path, codec = excluded.codec, duration_ms = excluded.duration_ms, updated_at = excluded.updated_at`,
		r.SessionID.String(), r.Direction, r.Path, r.Codec, r.DurationMS, ms(r.UpdatedAt))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("session %s: %w", r.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("put recording: %w", err)
	}
	return nil
}

// Recordings implements viva.Store.
func (s *Store) Recordings(ctx context.Context, sessionID uuid.UUID) ([]viva.Recording, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT session_id, direction, path, codec, duration_ms, updated_at
		FROM recordings WHERE session_id = ? ORDER BY direction`, sessionID.String())
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	defer rows.Close()
	out := []viva.Recording{}
	for rows.Next() {
		var (
			r       viva.Recording
			updated int64
		)
		if err := rows.Scan(&r.SessionID, &r.Direction, &r.Path, &r.Codec, &r.DurationMS, &updated); err != nil {
			return nil, fmt.Errorf("list recordings: %w", err)
		}
		r.UpdatedAt = fromMS(updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutReport implements viva.Store.
func (s *Store) PutReport(ctx context.Context, r *viva.Report) error {
	if !json.Valid(r.Body) {
		return &viva.ValidationError{Field: "body", Message: "is not valid JSON"}
	}
	r.CreatedAt = now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO reports (session_id, version, body, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET version = excluded.version, body = excluded.body, created_at = excluded.created_at`,
		r.SessionID.String(), r.Version, string(r.Body), ms(r.CreatedAt))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("session %s: %w", r.SessionID, viva.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("put report: %w", err)
	}
	return nil
}

// Report implements viva.Store.
func (s *Store) Report(ctx context.Context, sessionID uuid.UUID) (*viva.Report, error) {
	var (
		r       viva.Report
		body    string
		created int64
	)
	err := s.db.QueryRowContext(ctx, "SELECT session_id, version, body, created_at FROM reports WHERE session_id = ?",
		sessionID.String()).Scan(&r.SessionID, &r.Version, &body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("report for session %s: %w", sessionID, viva.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get report: %w", err)
	}
	r.Body, r.CreatedAt = []byte(body), fromMS(created)
	return &r, nil
}
