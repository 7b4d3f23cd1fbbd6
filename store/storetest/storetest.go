// Package storetest is the conformance suite every viva.Store passes. A
// driver's tests call Run with a way to get a fresh database and to open a
// store on it; the same tests then run against SQLite and PostgreSQL.
//
// The suite includes an unclean-stop test that SIGKILLs a child process in
// the middle of writing. The driver's TestMain must call ChildMain first so
// that the test binary can play that child.
package storetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// Harness tells the suite how to reach a driver.
type Harness struct {
	// NewDatabase returns the location (file path or URL) of a fresh, empty
	// database that lives until the test ends.
	NewDatabase func(tb testing.TB) string
	// Open opens a store on a database location, migrating it.
	Open func(ctx context.Context, location string) (viva.Store, error)
}

func (h Harness) open(t testing.TB, location string) viva.Store {
	t.Helper()
	s, err := h.Open(context.Background(), location)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (h Harness) fresh(t *testing.T) viva.Store {
	t.Helper()
	return h.open(t, h.NewDatabase(t))
}

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"SessionRoundTrip", testSessionRoundTrip},
		{"SessionValidation", testSessionValidation},
		{"UnknownIDs", testUnknownIDs},
		{"ListSessions", testListSessions},
		{"StateTransitions", testStateTransitions},
		{"Utterances", testUtterances},
		{"Probes", testProbes},
		{"Shares", testShares},
		{"RecordingsAndReports", testRecordingsAndReports},
		{"DeleteCascades", testDeleteCascades},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ReopenKeepsData", testReopenKeepsData},
		{"MigrateTwice", testMigrateTwice},
		{"UncleanStopLosesNothingAcknowledged", testUncleanStop},
		{"Close", testClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func newSession(t *testing.T, s viva.Store, track viva.Track) *viva.Session {
	t.Helper()
	sess := &viva.Session{Track: track, Mode: viva.ModeSystemDesign, Questions: []string{"rag-1", "rag-2"}}
	if err := s.CreateSession(ctx(t), sess); err != nil {
		t.Fatalf("create session: %v", err)
	}
	return sess
}

func testSessionRoundTrip(t *testing.T, h Harness) {
	s := h.fresh(t)
	created := newSession(t, s, viva.TrackRAG)
	if created.ID == uuid.Nil || created.Owner != viva.LocalAccount || created.State != viva.StateCreated ||
		created.Minutes != 45 || created.CreatedAt.IsZero() {
		t.Fatalf("created session not filled in: %+v", created)
	}
	got, err := s.Session(ctx(t), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffSession(created, got); diff != "" {
		t.Fatalf("round trip changed the session: %s", diff)
	}
	if err := s.CreateSession(ctx(t), &viva.Session{ID: created.ID, Track: viva.TrackRAG, Mode: viva.ModeScreen}); !errors.Is(err, viva.ErrConflict) {
		t.Fatalf("duplicate id: got %v, want ErrConflict", err)
	}
	if err := s.CreateSession(ctx(t), &viva.Session{Owner: uuid.New(), Track: viva.TrackRAG, Mode: viva.ModeScreen}); !errors.Is(err, viva.ErrNotFound) {
		t.Fatalf("unknown owner: got %v, want ErrNotFound", err)
	}
}

func diffSession(a, b *viva.Session) string {
	as, bs := fmt.Sprintf("%+v", *a), fmt.Sprintf("%+v", *b)
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	if a.ID != b.ID || a.Owner != b.Owner || a.Track != b.Track || a.Mode != b.Mode || a.Minutes != b.Minutes ||
		a.State != b.State || !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) ||
		!eqTime(a.StartedAt, b.StartedAt) || !eqTime(a.EndedAt, b.EndedAt) ||
		strings.Join(a.Questions, ",") != strings.Join(b.Questions, ",") {
		return as + " != " + bs
	}
	return ""
}

func testSessionValidation(t *testing.T, h Harness) {
	s := h.fresh(t)
	cases := []struct {
		sess  viva.Session
		field string
	}{
		{viva.Session{Mode: viva.ModeScreen}, "track"},
		{viva.Session{Track: "cooking", Mode: viva.ModeScreen}, "track"},
		{viva.Session{Track: viva.TrackLLM}, "mode"},
		{viva.Session{Track: viva.TrackLLM, Mode: viva.ModeScreen, Minutes: 500}, "minutes"},
		{viva.Session{Track: viva.TrackLLM, Mode: viva.ModeScreen, Questions: []string{"../etc/passwd"}}, "questions[0]"},
	}
	for _, c := range cases {
		err := s.CreateSession(ctx(t), &c.sess)
		var ve *viva.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("session %+v: got %v, want a validation error on %q", c.sess, err, c.field)
		}
	}
	list, err := s.Sessions(ctx(t), viva.SessionFilter{Owner: viva.LocalAccount})
	if err != nil || len(list) != 0 {
		t.Fatalf("invalid sessions were stored: %d, %v", len(list), err)
	}
}

func testUnknownIDs(t *testing.T, h Harness) {
	s := h.fresh(t)
	id := uuid.New()
	c := ctx(t)
	checks := map[string]error{}
	_, checks["Session"] = s.Session(c, id)
	_, checks["SetSessionState"] = s.SetSessionState(c, id, viva.StateLive, time.Now())
	checks["DeleteSession"] = s.DeleteSession(c, id)
	checks["AddUtterance"] = s.AddUtterance(c, &viva.Utterance{ID: uuid.New(), SessionID: id, Speaker: viva.SpeakerCandidate})
	checks["PutRecording"] = s.PutRecording(c, &viva.Recording{SessionID: id, Direction: viva.SpeakerCandidate, Path: "x.ogg", Codec: "opus"})
	checks["PutReport"] = s.PutReport(c, &viva.Report{SessionID: id, Version: 1, Body: []byte(`{}`)})
	_, checks["Report"] = s.Report(c, id)
	for op, err := range checks {
		if !errors.Is(err, viva.ErrNotFound) {
			t.Errorf("%s on an unknown session: got %v, want ErrNotFound", op, err)
		}
	}
	if us, err := s.Utterances(c, id); err != nil || len(us) != 0 {
		t.Errorf("Utterances of an unknown session: %v, %v", us, err)
	}
}

func testListSessions(t *testing.T, h Harness) {
	s := h.fresh(t)
	var ids []uuid.UUID
	for i := range 5 {
		track := viva.TrackRAG
		if i%2 == 1 {
			track = viva.TrackAgents
		}
		ids = append(ids, newSession(t, s, track).ID)
		time.Sleep(2 * time.Millisecond) // distinct created_at, so the order is defined
	}
	all, err := s.Sessions(ctx(t), viva.SessionFilter{Owner: viva.LocalAccount})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 || all[0].ID != ids[4] || all[4].ID != ids[0] {
		t.Fatalf("want 5 sessions newest first, got %d", len(all))
	}
	agents, err := s.Sessions(ctx(t), viva.SessionFilter{Owner: viva.LocalAccount, Track: viva.TrackAgents})
	if err != nil || len(agents) != 2 {
		t.Fatalf("track filter: %d sessions, %v", len(agents), err)
	}
	limited, err := s.Sessions(ctx(t), viva.SessionFilter{Owner: viva.LocalAccount, Limit: 2})
	if err != nil || len(limited) != 2 || limited[0].ID != ids[4] {
		t.Fatalf("limit: %d sessions, %v", len(limited), err)
	}
	if _, err := s.SetSessionState(ctx(t), ids[0], viva.StateEnded, time.Now()); err != nil {
		t.Fatal(err)
	}
	ended, err := s.Sessions(ctx(t), viva.SessionFilter{Owner: viva.LocalAccount, State: viva.StateEnded})
	if err != nil || len(ended) != 1 || ended[0].ID != ids[0] {
		t.Fatalf("state filter: %v, %v", ended, err)
	}
	other, err := s.Sessions(ctx(t), viva.SessionFilter{Owner: uuid.New()})
	if err != nil || len(other) != 0 {
		t.Fatalf("another owner sees %d sessions, %v", len(other), err)
	}
}

func testStateTransitions(t *testing.T, h Harness) {
	s := h.fresh(t)
	sess := newSession(t, s, viva.TrackMLOps)
	start := time.Now().Add(-time.Minute)
	live, err := s.SetSessionState(ctx(t), sess.ID, viva.StateLive, start)
	if err != nil || live.StartedAt == nil || !live.StartedAt.Equal(start.UTC().Truncate(time.Millisecond)) {
		t.Fatalf("go live: %+v, %v", live, err)
	}
	end := time.Now()
	if _, err := s.SetSessionState(ctx(t), sess.ID, viva.StateEnded, end); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSessionState(ctx(t), sess.ID, viva.StateLive, time.Now()); !errors.Is(err, viva.ErrConflict) {
		t.Fatalf("ended -> live: got %v, want ErrConflict", err)
	}
	got, err := s.Session(ctx(t), sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != viva.StateEnded || got.EndedAt == nil || !got.EndedAt.Equal(end.UTC().Truncate(time.Millisecond)) ||
		!got.StartedAt.Equal(*live.StartedAt) {
		t.Fatalf("after a refused transition the session changed: %+v", got)
	}
}

func testUtterances(t *testing.T, h Harness) {
	s := h.fresh(t)
	sess := newSession(t, s, viva.TrackRAG)
	later := &viva.Utterance{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerCandidate,
		Text: "I'd rerank with a cross-encoder", StartMS: 5000, EndMS: 7200, Engine: "pocketsphinx",
		Words: []viva.Word{{Text: "rerank", StartMS: 5400, EndMS: 5900, Confidence: 0.82}, {Text: "cross-encoder", StartMS: 6300, EndMS: 7100, Confidence: 0.5}}}
	earlier := &viva.Utterance{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerInterviewer,
		Text: "How would you rank results?", StartMS: 1000, EndMS: 3000}
	for _, u := range []*viva.Utterance{later, earlier, later} { // the repeat is a retried write
		if err := s.AddUtterance(ctx(t), u); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Utterances(ctx(t), sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != earlier.ID || got[1].ID != later.ID {
		t.Fatalf("want 2 utterances in start order, got %+v", got)
	}
	u := got[1]
	if u.Text != later.Text || u.Speaker != viva.SpeakerCandidate || u.StartMS != 5000 || u.EndMS != 7200 ||
		u.Engine != "pocketsphinx" || len(u.Words) != 2 || u.Words[1] != later.Words[1] {
		t.Fatalf("utterance changed in the store: %+v", u)
	}
	if got[0].Words == nil {
		t.Fatal("utterance without words should read back an empty list, not nil")
	}
	bad := []*viva.Utterance{
		{SessionID: sess.ID, Speaker: viva.SpeakerCandidate},
		{ID: uuid.New(), SessionID: sess.ID, Speaker: "narrator"},
		{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerCandidate, StartMS: 10, EndMS: 5},
	}
	for _, b := range bad {
		var ve *viva.ValidationError
		if err := s.AddUtterance(ctx(t), b); !errors.As(err, &ve) {
			t.Errorf("bad utterance %+v: got %v, want a validation error", b, err)
		}
	}
}

func testProbes(t *testing.T, h Harness) {
	s := h.fresh(t)
	sess := newSession(t, s, viva.TrackRAG)
	later := &viva.Probe{ID: uuid.New(), SessionID: sess.ID, Question: "rag.support-tickets", Target: "evaluation",
		Kind: "missed", Reason: `missed "Evaluates retrieval" (weight 3)`, Text: "How would you know it works?", AskedMS: 90000}
	earlier := &viva.Probe{ID: uuid.New(), SessionID: sess.ID, Question: "rag.support-tickets", Target: "why-faiss",
		Kind: "challenge", Reason: `the candidate said "faiss"`, Text: "Why FAISS?", AskedMS: 30000}
	for _, p := range []*viva.Probe{later, earlier, later} { // the repeat is a retried write
		if err := s.AddProbe(ctx(t), p); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Probes(ctx(t), sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != earlier.ID || got[1].ID != later.ID {
		t.Fatalf("want 2 probes in order asked, got %+v", got)
	}
	if p := got[1]; p.Question != later.Question || p.Target != later.Target || p.Kind != later.Kind ||
		p.Reason != later.Reason || p.Text != later.Text || p.AskedMS != later.AskedMS || p.CreatedAt.IsZero() {
		t.Fatalf("probe changed in the store: %+v", p)
	}
	if err := s.AddProbe(ctx(t), &viva.Probe{ID: uuid.New(), SessionID: uuid.New(), Question: "q", Target: "t", Kind: "missed"}); !errors.Is(err, viva.ErrNotFound) {
		t.Errorf("probe for an unknown session: %v, want ErrNotFound", err)
	}
	var ve *viva.ValidationError
	if err := s.AddProbe(ctx(t), &viva.Probe{ID: uuid.New(), SessionID: sess.ID}); !errors.As(err, &ve) {
		t.Errorf("empty probe: %v, want a validation error", err)
	}
	if err := s.DeleteSession(ctx(t), sess.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Probes(ctx(t), sess.ID); err != nil || len(got) != 0 {
		t.Errorf("probes after delete: %v, %v", got, err)
	}
}

func testShares(t *testing.T, h Harness) {
	s := h.fresh(t)
	sess := newSession(t, s, viva.TrackRAG)
	now := time.Now().UTC().Truncate(time.Millisecond)
	first := &viva.Share{ID: uuid.New(), SessionID: sess.ID, TokenHash: []byte("digest-one-32-bytes-long-enough!"), ExpiresAt: now.Add(time.Hour)}
	second := &viva.Share{ID: uuid.New(), SessionID: sess.ID, TokenHash: []byte("digest-two-32-bytes-long-enough!"), ExpiresAt: now.Add(48 * time.Hour)}
	for _, sh := range []*viva.Share{first, second} {
		if err := s.AddShare(ctx(t), sh); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddShare(ctx(t), &viva.Share{ID: uuid.New(), SessionID: sess.ID, TokenHash: first.TokenHash, ExpiresAt: now}); err == nil {
		t.Error("a second share with the same token digest was accepted")
	}
	got, err := s.ShareByToken(ctx(t), first.TokenHash)
	if err != nil || got.ID != first.ID || got.SessionID != sess.ID || !got.ExpiresAt.Equal(first.ExpiresAt) || got.RevokedAt != nil || !got.Active(now) {
		t.Fatalf("share by token: %+v, %v", got, err)
	}
	if _, err := s.ShareByToken(ctx(t), []byte("unknown")); !errors.Is(err, viva.ErrNotFound) {
		t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
	if err := s.RevokeShare(ctx(t), sess.ID, first.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeShare(ctx(t), uuid.New(), second.ID, now); !errors.Is(err, viva.ErrNotFound) {
		t.Errorf("revoking through another session: %v, want ErrNotFound", err)
	}
	got, _ = s.ShareByToken(ctx(t), first.TokenHash)
	if got.RevokedAt == nil || got.Active(now) {
		t.Errorf("revoked share still active: %+v", got)
	}
	list, err := s.Shares(ctx(t), sess.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("shares: %v, %v", list, err)
	}
	if err := s.DeleteSession(ctx(t), sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ShareByToken(ctx(t), second.TokenHash); !errors.Is(err, viva.ErrNotFound) {
		t.Errorf("share after the session was deleted: %v", err)
	}
}

func testRecordingsAndReports(t *testing.T, h Harness) {
	s := h.fresh(t)
	sess := newSession(t, s, viva.TrackAgents)
	rec := &viva.Recording{SessionID: sess.ID, Direction: viva.SpeakerCandidate, Path: "rec/a.ogg", Codec: "opus", DurationMS: 1000}
	if err := s.PutRecording(ctx(t), rec); err != nil {
		t.Fatal(err)
	}
	rec.DurationMS = 61000 // finalisation updates the duration
	if err := s.PutRecording(ctx(t), rec); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRecording(ctx(t), &viva.Recording{SessionID: sess.ID, Direction: viva.SpeakerInterviewer, Path: "rec/b.ogg", Codec: "opus"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRecording(ctx(t), &viva.Recording{SessionID: sess.ID, Direction: "both", Path: "x"}); err == nil {
		t.Fatal("a recording with an unknown direction was accepted")
	}
	recs, err := s.Recordings(ctx(t), sess.ID)
	if err != nil || len(recs) != 2 || recs[0].Direction != viva.SpeakerCandidate || recs[0].DurationMS != 61000 || recs[0].Path != "rec/a.ogg" {
		t.Fatalf("recordings: %+v, %v", recs, err)
	}

	if _, err := s.Report(ctx(t), sess.ID); !errors.Is(err, viva.ErrNotFound) {
		t.Fatalf("report before scoring: %v", err)
	}
	if err := s.PutReport(ctx(t), &viva.Report{SessionID: sess.ID, Version: 1, Body: []byte(`{"overall": 40}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutReport(ctx(t), &viva.Report{SessionID: sess.ID, Version: 2, Body: []byte(`{"overall": 72, "concepts": ["rerank"]}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutReport(ctx(t), &viva.Report{SessionID: sess.ID, Version: 3, Body: []byte(`{"overall": `)}); err == nil {
		t.Fatal("a report that is not JSON was accepted")
	}
	rep, err := s.Report(ctx(t), sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Version != 2 || !strings.Contains(string(rep.Body), `"rerank"`) || !strings.Contains(string(rep.Body), "72") {
		t.Fatalf("report: version %d body %s", rep.Version, rep.Body)
	}
}

func testDeleteCascades(t *testing.T, h Harness) {
	s := h.fresh(t)
	keep := newSession(t, s, viva.TrackRAG)
	gone := newSession(t, s, viva.TrackRAG)
	for _, sess := range []*viva.Session{keep, gone} {
		if err := s.AddUtterance(ctx(t), &viva.Utterance{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerCandidate, Text: "hello"}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRecording(ctx(t), &viva.Recording{SessionID: sess.ID, Direction: viva.SpeakerCandidate, Path: "p", Codec: "opus"}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutReport(ctx(t), &viva.Report{SessionID: sess.ID, Version: 1, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteSession(ctx(t), gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx(t), gone.ID); !errors.Is(err, viva.ErrNotFound) {
		t.Fatalf("second delete: got %v, want ErrNotFound", err)
	}
	if us, _ := s.Utterances(ctx(t), gone.ID); len(us) != 0 {
		t.Error("utterances survived their session")
	}
	if rs, _ := s.Recordings(ctx(t), gone.ID); len(rs) != 0 {
		t.Error("recordings survived their session")
	}
	if _, err := s.Report(ctx(t), gone.ID); !errors.Is(err, viva.ErrNotFound) {
		t.Error("report survived its session")
	}
	if us, _ := s.Utterances(ctx(t), keep.ID); len(us) != 1 {
		t.Error("deleting one session touched another")
	}
}

func testConcurrentWriters(t *testing.T, h Harness) {
	loc := h.NewDatabase(t)
	// Two handles on one database, as two processes would have.
	stores := []viva.Store{h.open(t, loc), h.open(t, loc)}
	const writers, each = 8, 25
	sessions := make([]*viva.Session, writers)
	for i := range sessions {
		sessions[i] = newSession(t, stores[i%2], viva.TrackRAG)
	}
	shared := sessions[0]
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Go(func() {
			s := stores[w%2]
			for i := range each {
				for _, sid := range []uuid.UUID{shared.ID, sessions[w].ID} {
					u := &viva.Utterance{ID: uuid.New(), SessionID: sid, Speaker: viva.SpeakerCandidate,
						Text: fmt.Sprintf("writer %d line %d", w, i), StartMS: int64(i * 100), EndMS: int64(i*100 + 50)}
					if err := s.AddUtterance(context.Background(), u); err != nil {
						errs <- err
					}
				}
			}
			if _, err := s.SetSessionState(context.Background(), sessions[w].ID, viva.StateLive, time.Now()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write failed: %v", err)
	}
	check := h.open(t, loc)
	us, err := check.Utterances(ctx(t), shared.ID)
	if err != nil || len(us) != writers*each+each {
		t.Fatalf("shared session has %d utterances, want %d (%v)", len(us), writers*each+each, err)
	}
	for _, sess := range sessions[1:] {
		us, err := check.Utterances(ctx(t), sess.ID)
		if err != nil || len(us) != each {
			t.Fatalf("session %s has %d utterances, want %d (%v)", sess.ID, len(us), each, err)
		}
	}
}

func testReopenKeepsData(t *testing.T, h Harness) {
	loc := h.NewDatabase(t)
	s := h.open(t, loc)
	sess := newSession(t, s, viva.TrackLLM)
	if err := s.AddUtterance(ctx(t), &viva.Utterance{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerCandidate, Text: "attention is quadratic"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again := h.open(t, loc)
	got, err := again.Session(ctx(t), sess.ID)
	if err != nil || diffSession(sess, got) != "" {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	if us, err := again.Utterances(ctx(t), sess.ID); err != nil || len(us) != 1 || us[0].Text != "attention is quadratic" {
		t.Fatalf("after reopen: %+v, %v", us, err)
	}
}

func testMigrateTwice(t *testing.T, h Harness) {
	loc := h.NewDatabase(t)
	a := h.open(t, loc)
	b := h.open(t, loc) // a second process starting against a migrated database
	if err := a.Ready(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := b.Ready(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func testClose(t *testing.T, h Harness) {
	s := h.fresh(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Ready(ctx(t)); err == nil {
		t.Fatal("Ready after Close should fail")
	}
}

const (
	childEnv = "VIVA_STORETEST_CHILD_LOCATION"
	childID  = "VIVA_STORETEST_CHILD_SESSION"
)

// ChildMain plays the writer of the unclean-stop test when the test binary is
// started as that child; otherwise it returns at once. Call it first in
// TestMain.
func ChildMain(open func(ctx context.Context, location string) (viva.Store, error)) {
	loc := os.Getenv(childEnv)
	if loc == "" {
		return
	}
	ctx := context.Background()
	s, err := open(ctx, loc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	sid := uuid.MustParse(os.Getenv(childID))
	for i := 0; ; i++ {
		u := &viva.Utterance{ID: uuid.New(), SessionID: sid, Speaker: viva.SpeakerCandidate,
			Text: fmt.Sprintf("acknowledged line %d", i), StartMS: int64(i), EndMS: int64(i)}
		if err := s.AddUtterance(ctx, u); err != nil {
			fmt.Fprintln(os.Stderr, "child write:", err)
			os.Exit(3)
		}
		fmt.Printf("ack %s\n", u.ID) // acknowledged: durable from here on
	}
}

func testUncleanStop(t *testing.T, h Harness) {
	loc := h.NewDatabase(t)
	setup := h.open(t, loc)
	sess := newSession(t, setup, viva.TrackMLOps)
	setup.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+loc, childID+"="+sess.ID.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[uuid.UUID]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 200 {
		if id, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked[uuid.MustParse(id)] = true
		}
	}
	// SIGKILL: no deferred close, no flush, no checkpoint.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("child acknowledged only %d writes before stopping: %s", len(acked), stderr.String())
	}
	s := h.open(t, loc)
	us, err := s.Utterances(ctx(t), sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[uuid.UUID]bool{}
	for _, u := range us {
		stored[u.ID] = true
	}
	for id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged utterance %s lost after SIGKILL", id)
		}
	}
	t.Logf("%d acknowledged before SIGKILL, %d stored after reopen", len(acked), len(stored))
}

// Bench measures the writes and reads an interview makes: one session, a
// stream of utterances (one per turn, with word timings), and reading the
// transcript back for scoring.
func Bench(b *testing.B, h Harness) {
	words := make([]viva.Word, 60) // a 20-second answer
	for i := range words {
		words[i] = viva.Word{Text: "retrieval", StartMS: int64(i * 330), EndMS: int64(i*330 + 300), Confidence: 0.8}
	}
	utterance := func(sid uuid.UUID, i int) *viva.Utterance {
		return &viva.Utterance{ID: uuid.New(), SessionID: sid, Speaker: viva.SpeakerCandidate, Text: "an answer",
			StartMS: int64(i) * 20000, EndMS: int64(i)*20000 + 19800, Words: words}
	}
	b.Run("CreateSession", func(b *testing.B) {
		s := h.open(b, h.NewDatabase(b))
		for b.Loop() {
			if err := s.CreateSession(context.Background(), &viva.Session{Track: viva.TrackRAG, Mode: viva.ModeScreen}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AddUtterance", func(b *testing.B) {
		s := h.open(b, h.NewDatabase(b))
		sess := &viva.Session{Track: viva.TrackRAG, Mode: viva.ModeScreen}
		if err := s.CreateSession(context.Background(), sess); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			if err := s.AddUtterance(context.Background(), utterance(sess.ID, i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("AddUtteranceParallel", func(b *testing.B) {
		s := h.open(b, h.NewDatabase(b))
		b.RunParallel(func(pb *testing.PB) {
			sess := &viva.Session{Track: viva.TrackRAG, Mode: viva.ModeScreen}
			if err := s.CreateSession(context.Background(), sess); err != nil {
				b.Error(err)
				return
			}
			for i := 0; pb.Next(); i++ {
				if err := s.AddUtterance(context.Background(), utterance(sess.ID, i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("Transcript100", func(b *testing.B) {
		s := h.open(b, h.NewDatabase(b))
		sess := &viva.Session{Track: viva.TrackRAG, Mode: viva.ModeScreen}
		if err := s.CreateSession(context.Background(), sess); err != nil {
			b.Fatal(err)
		}
		for i := range 100 {
			if err := s.AddUtterance(context.Background(), utterance(sess.ID, i)); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			us, err := s.Utterances(context.Background(), sess.ID)
			if err != nil || len(us) != 100 {
				b.Fatal(len(us), err)
			}
		}
	})
}
