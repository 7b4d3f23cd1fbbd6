package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/internal/openaicompat/chattest"
	"github.com/viva-interview/viva/internal/pgtest"
	"github.com/viva-interview/viva/jobs"
	"github.com/viva-interview/viva/scoring"
	"github.com/viva-interview/viva/scoring/judge"
	"github.com/viva-interview/viva/store/postgres"
	"github.com/viva-interview/viva/store/sqlite"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// backend opens a store on a fresh database and makes queues on it.
type backend struct {
	store    viva.Store
	newQueue func(t *testing.T, cfg jobs.Config) *jobs.Queue
	pg       *postgres.Store
}

func sqliteBackend(t *testing.T) backend {
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return backend{store: st, newQueue: func(t *testing.T, cfg jobs.Config) *jobs.Queue {
		db, err := sqlite.OpenDB(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cfg.Store = st
		q, err := jobs.NewSQLite(context.Background(), db, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}}
}

func postgresBackend(t *testing.T) backend {
	st, err := postgres.Open(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return backend{store: st, pg: st, newQueue: func(t *testing.T, cfg jobs.Config) *jobs.Queue {
		cfg.Store = st
		q, err := jobs.NewPostgres(context.Background(), st.Pool(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}}
}

var backends = map[string]func(*testing.T) backend{"sqlite": sqliteBackend, "postgres": postgresBackend}

func endedSession(t *testing.T, s viva.Store) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	sess := &viva.Session{Track: viva.TrackRAG, Mode: viva.ModeScreen}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	u := &viva.Utterance{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerCandidate, StartMS: 1000, EndMS: 4000,
		Words: []viva.Word{{Text: "um", StartMS: 1000, EndMS: 1200}, {Text: "hybrid", StartMS: 1300, EndMS: 1700}, {Text: "search", StartMS: 1800, EndMS: 2200}}}
	if err := s.AddUtterance(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetSessionState(ctx, sess.ID, viva.StateEnded, time.Now()); err != nil {
		t.Fatal(err)
	}
	return sess.ID
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop queue: %v", err)
		}
	})
}

func waitScored(t *testing.T, s viva.Store, ids ...uuid.UUID) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, id := range ids {
		for {
			sess, err := s.Session(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if sess.State == viva.StateScored {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("session %s still %s after 30s", id, sess.State)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestScoring(t *testing.T) {
	for name, newBackend := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			q := b.newQueue(t, jobs.Config{Workers: 2, PollInterval: 50 * time.Millisecond})
			start(t, q)
			id := endedSession(t, b.store)
			for range 3 { // repeats are deduplicated
				if err := q.EnqueueScore(context.Background(), id); err != nil {
					t.Fatal(err)
				}
			}
			waitScored(t, b.store, id)
			rep, err := b.store.Report(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			var body scoring.Report
			if err := json.Unmarshal(rep.Body, &body); err != nil {
				t.Fatal(err)
			}
			if rep.Version != scoring.Version || body.Delivery.Words != 3 || body.Delivery.Fillers != 1 {
				t.Fatalf("report: version %d, %+v", rep.Version, body.Delivery)
			}
		})
	}
}

// A job enqueued by a node that then disappears is worked by the next one.
func TestJobOutlivesItsNode(t *testing.T) {
	for name, newBackend := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			id := endedSession(t, b.store)
			inserter := b.newQueue(t, jobs.Config{Workers: 0})
			if err := inserter.EnqueueScore(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			if sess, _ := b.store.Session(context.Background(), id); sess.State != viva.StateEnded {
				t.Fatalf("an insert-only queue worked the job: %s", sess.State)
			}
			worker := b.newQueue(t, jobs.Config{Workers: 1, PollInterval: 50 * time.Millisecond})
			start(t, worker)
			waitScored(t, b.store, id)
		})
	}
}

func TestDeletedSessionIsNotRetried(t *testing.T) {
	t.Parallel()
	b := postgresBackend(t)
	q := b.newQueue(t, jobs.Config{Workers: 1, PollInterval: 50 * time.Millisecond})
	start(t, q)
	ghost := uuid.New()
	if err := q.EnqueueScore(context.Background(), ghost); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var state string
		err := b.pg.Pool().QueryRow(context.Background(), "SELECT state FROM river_job WHERE args->>'session_id' = $1", ghost.String()).Scan(&state)
		if err == nil && state == "cancelled" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job for a deleted session is %q (%v), want cancelled", state, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two nodes on one PostgreSQL share the work.
func TestNodesShareWork(t *testing.T) {
	t.Parallel()
	b := postgresBackend(t)
	const n = 30
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = endedSession(t, b.store)
	}
	a := b.newQueue(t, jobs.Config{Workers: 1, NodeID: "node-a", PollInterval: 50 * time.Millisecond})
	c := b.newQueue(t, jobs.Config{Workers: 1, NodeID: "node-b", PollInterval: 50 * time.Millisecond})
	start(t, a)
	start(t, c)
	for _, id := range ids {
		if err := a.EnqueueScore(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	waitScored(t, b.store, ids...)
	// River records completion asynchronously, just after the work is done.
	per := map[string]int{}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		per = completedPerNode(t, b.pg)
		if per["node-a"]+per["node-b"] == n {
			break
		}
	}
	if per["node-a"] == 0 || per["node-b"] == 0 || per["node-a"]+per["node-b"] != n {
		t.Fatalf("jobs per node: %v, want both nodes to work and %d in all", per, n)
	}
	t.Logf("jobs per node: %v", per)
}

func completedPerNode(t *testing.T, pg *postgres.Store) map[string]int {
	t.Helper()
	rows, err := pg.Pool().Query(context.Background(),
		"SELECT attempted_by[array_length(attempted_by, 1)], count(*) FROM river_job WHERE state = 'completed' GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	per := map[string]int{}
	for rows.Next() {
		var node string
		var count int
		if err := rows.Scan(&node, &count); err != nil {
			t.Fatal(err)
		}
		per[node] = count
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return per
}

// TestScoringWithRubricAndJudge: the job scores against the questions'
// rubrics and stores a judge model's verdict (an httptest server speaking
// the chat completions wire format) beside the report, keeping only the
// claims whose quotes are in the transcript.
func TestScoringWithRubricAndJudge(t *testing.T) {
	t.Parallel()
	b := backends["sqlite"](t)
	chat, _ := chattest.Server(t, 0, chattest.JSON(t, map[string]any{"overall": 64, "summary": "Named hybrid search with a reason.", "claims": []any{
		map[string]any{"concept": "hybrid", "kind": "strength", "text": "Explains why keyword search is needed.", "quote": "hybrid search because error codes"},
		map[string]any{"concept": "eval", "kind": "gap", "text": "Claims to evaluate.", "quote": "we measured recall on a golden set"},
	}}), nil)
	jd, err := judge.New(judge.Config{BaseURL: chat.URL + "/v1", Model: "judge-m"})
	if err != nil {
		t.Fatal(err)
	}
	rubric := scoring.Rubric{Concepts: []scoring.Concept{
		{ID: "hybrid", Label: "Hybrid search", Weight: 2, Cues: []string{"hybrid search"}, Probe: "Keyword search too?"},
		{ID: "eval", Label: "Evaluation", Weight: 3, Cues: []string{"evaluate"}, Probe: "How would you evaluate it?"},
	}}
	q := b.newQueue(t, jobs.Config{Workers: 1, PollInterval: 50 * time.Millisecond, Judge: jd,
		Questions: func(id string) (scoring.Question, bool) {
			return scoring.Question{ID: id, Title: "Search", Rubric: rubric}, id == "rag.search"
		}})
	start(t, q)
	ctx := context.Background()
	sess := &viva.Session{Track: viva.TrackRAG, Mode: viva.ModeScreen, Questions: []string{"rag.search"}}
	if err := b.store.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	text := "we would use hybrid search because error codes need exact matches"
	u := &viva.Utterance{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerCandidate, Text: text, StartMS: 1000, EndMS: 6000}
	if err := b.store.AddUtterance(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.SetSessionState(ctx, sess.ID, viva.StateEnded, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := q.EnqueueScore(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	waitScored(t, b.store, sess.ID)
	var body struct {
		scoring.Report
		Judge *judge.Verdict `json:"judge"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for body.Judge == nil && time.Now().Before(deadline) {
		rep, err := b.store.Report(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(rep.Body, &body); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !body.Judged || len(body.Questions) != 1 || body.Questions[0].Concepts[0].State != scoring.Hit || body.Questions[0].Concepts[1].State != scoring.Missed {
		t.Fatalf("report %+v", body.Report)
	}
	if body.Judge == nil || body.Judge.Overall != 64 || len(body.Judge.Claims) != 1 || body.Judge.Discarded != 1 {
		t.Fatalf("judge verdict %+v, want one verified claim and one discarded", body.Judge)
	}
}
