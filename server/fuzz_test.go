package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva/server"
	"github.com/viva-interview/viva/store/sqlite"
)

type noScorer struct{}

func (noScorer) EnqueueScore(context.Context, uuid.UUID) error { return nil }

// FuzzCreateSession throws arbitrary bodies at POST /api/v1/sessions: every
// answer is a 201 with a session or a 4xx with a JSON error, never a 500.
func FuzzCreateSession(f *testing.F) {
	for _, seed := range []string{
		`{"track":"rag","mode":"system-design"}`,
		`{"track":"rag","mode":"screen","minutes":12,"questions":["rag-1"]}`,
		`{"track":"rag","mode":"screen","minutes":"ten"}`,
		`{"track":1}`, `[]`, `null`, `{"questions":[null]}`, `{"minutes":1e999}`, `{"track":"rag",`, "\xff\xfe",
	} {
		f.Add(seed)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), sqlite.FileName))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	srv, err := server.New(server.Config{Store: st, Scorer: noScorer{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/api/v1/sessions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("status %d with a body that is not JSON: %q", rec.Code, rec.Body)
		}
		switch {
		case rec.Code == http.StatusCreated:
			if _, err := uuid.Parse(out["id"].(string)); err != nil {
				t.Fatalf("created session without an id: %v", out)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if msg, _ := out["error"].(string); msg == "" {
				t.Fatalf("status %d without an error message: %v", rec.Code, out)
			}
		default:
			t.Fatalf("status %d for %q: %v", rec.Code, body, out)
		}
	})
}
