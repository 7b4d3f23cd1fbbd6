package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/jobs"
	"github.com/viva-interview/viva/server"
	"github.com/viva-interview/viva/store/sqlite"
)

type env struct {
	url   string
	store *sqlite.Store
}

func newEnv(t *testing.T) env {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := sqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := jobs.NewSQLite(ctx, db, jobs.Config{Store: st, Workers: 1, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
	srv, err := server.New(server.Config{Store: st, Scorer: q,
		Static: fstest.MapFS{"index.html": {Data: []byte("<h1>Viva</h1>")}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return env{url: ts.URL, store: st}
}

func (e env) do(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, created := e.do(t, "POST", "/api/v1/sessions", `{"track":"rag","mode":"system-design","questions":["rag-hybrid-search"]}`)
	if code != http.StatusCreated || created["state"] != "created" || created["minutes"] != float64(45) {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["id"].(string)

	code, got := e.do(t, "GET", "/api/v1/sessions/"+id, "")
	if code != http.StatusOK || got["id"] != id || got["track"] != "rag" {
		t.Fatalf("get: %d %v", code, got)
	}
	code, list := e.do(t, "GET", "/api/v1/sessions?track=rag", "")
	if code != http.StatusOK || len(list["sessions"].([]any)) != 1 {
		t.Fatalf("list: %d %v", code, list)
	}
	if code, list := e.do(t, "GET", "/api/v1/sessions?track=agents", ""); code != http.StatusOK || len(list["sessions"].([]any)) != 0 {
		t.Fatalf("filtered list: %d %v", code, list)
	}

	// A spoken answer arrives through the media path; here straight into the store.
	sid := uuid.MustParse(id)
	if err := e.store.AddUtterance(context.Background(), &viva.Utterance{ID: uuid.New(), SessionID: sid, Speaker: viva.SpeakerCandidate,
		Text: "um I would chunk then embed", StartMS: 0, EndMS: 3000,
		Words: []viva.Word{{Text: "um", EndMS: 200}, {Text: "chunk", StartMS: 400, EndMS: 800}, {Text: "embed", StartMS: 1200, EndMS: 1600}}}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.do(t, "GET", "/api/v1/sessions/"+id+"/report", ""); code != http.StatusNotFound || body["code"] != "report_not_ready" {
		t.Fatalf("report before end: %d %v", code, body)
	}
	if code, body := e.do(t, "POST", "/api/v1/sessions/"+id+"/end", ""); code != http.StatusAccepted || body["state"] != "ended" {
		t.Fatalf("end: %d %v", code, body)
	}
	var report map[string]any
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		code, report = e.do(t, "GET", "/api/v1/sessions/"+id+"/report", "")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no report 20 s after the end: %d %v", code, report)
		}
	}
	if d := report["delivery"].(map[string]any); d["words"] != float64(3) || d["fillers"] != float64(1) {
		t.Fatalf("report: %v", report)
	}
	if code, body := e.do(t, "POST", "/api/v1/sessions/"+id+"/end", ""); code != http.StatusConflict {
		t.Fatalf("ending a scored session: %d %v", code, body)
	}
	if code, body := e.do(t, "GET", "/api/v1/sessions/"+id+"/transcript", ""); code != http.StatusOK || len(body["utterances"].([]any)) != 1 {
		t.Fatalf("transcript: %d %v", code, body)
	}

	if code, _ := e.do(t, "DELETE", "/api/v1/sessions/"+id, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, body := e.do(t, "GET", "/api/v1/sessions/"+id, ""); code != http.StatusNotFound || body["code"] != "not_found" {
		t.Fatalf("get after delete: %d %v", code, body)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	unknown := uuid.NewString()
	cases := []struct {
		name, method, path, body string
		code                     int
		field                    string
	}{
		{"unknown id", "GET", "/api/v1/sessions/" + unknown, "", 404, ""},
		{"malformed id", "GET", "/api/v1/sessions/not-a-uuid", "", 404, ""},
		{"delete unknown", "DELETE", "/api/v1/sessions/" + unknown, "", 404, ""},
		{"end unknown", "POST", "/api/v1/sessions/" + unknown + "/end", "", 404, ""},
		{"report unknown", "GET", "/api/v1/sessions/" + unknown + "/report", "", 404, ""},
		{"unknown endpoint", "GET", "/api/v1/nothing", "", 404, ""},
		{"empty body", "POST", "/api/v1/sessions", "", 400, ""},
		{"malformed json", "POST", "/api/v1/sessions", `{"track": "rag",`, 400, ""},
		{"syntax error", "POST", "/api/v1/sessions", `{"track": rag}`, 400, ""},
		{"wrong type", "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen","minutes":"ten"}`, 400, "minutes"},
		{"unknown field", "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen","colour":"red"}`, 400, "colour"},
		{"missing track", "POST", "/api/v1/sessions", `{"mode":"screen"}`, 400, "track"},
		{"unknown mode", "POST", "/api/v1/sessions", `{"track":"rag","mode":"karaoke"}`, 400, "mode"},
		{"too long", "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen","minutes":600}`, 400, "minutes"},
		{"bad question id", "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen","questions":["../../etc"]}`, 400, "questions[0]"},
		{"two objects", "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen"}{}`, 400, ""},
		{"array body", "POST", "/api/v1/sessions", `[1,2]`, 400, ""},
		{"oversize", "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen","questions":["` + strings.Repeat("a", 70<<10) + `"]}`, 413, ""},
		{"bad limit", "GET", "/api/v1/sessions?limit=-3", "", 400, "limit"},
	}
	for _, c := range cases {
		code, body := e.do(t, c.method, c.path, c.body)
		if code != c.code {
			t.Errorf("%s: status %d, want %d (%v)", c.name, code, c.code, body)
			continue
		}
		if body["error"] == nil || body["error"] == "" || body["code"] == nil {
			t.Errorf("%s: error body lacks error/code: %v", c.name, body)
		}
		if c.field != "" && body["field"] != c.field {
			t.Errorf("%s: field %v, want %q (%v)", c.name, body["field"], c.field, body)
		}
	}
	if code, list := e.do(t, "GET", "/api/v1/sessions", ""); code != 200 || len(list["sessions"].([]any)) != 0 {
		t.Fatalf("bad requests stored sessions: %v", list)
	}
	req, _ := http.NewRequest("POST", e.url+"/api/v1/sessions", bytes.NewBufferString(`track=rag`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("form body: %d", resp.StatusCode)
	}
}

func TestProbesAndMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if code, body := e.do(t, "GET", "/healthz", ""); code != 200 || body["status"] != "ok" {
		t.Fatalf("healthz: %d %v", code, body)
	}
	if code, body := e.do(t, "GET", "/readyz", ""); code != 200 {
		t.Fatalf("readyz: %d %v", code, body)
	}
	e.do(t, "POST", "/api/v1/sessions", `{"track":"llm","mode":"screen"}`)
	resp, err := http.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`viva_http_requests_total{code="201",route="POST /api/v1/sessions"} 1`,
		"viva_sessions_created_total 1",
		"go_goroutines",
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("metrics lack %q", want)
		}
	}
	resp, err = http.Get(e.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Viva") || resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("static page or security headers missing: %s %v", page, resp.Header)
	}

	// The store goes away: readiness says so, liveness does not.
	e.store.Close()
	if code, body := e.do(t, "GET", "/readyz", ""); code != http.StatusServiceUnavailable || body["status"] != "unavailable" {
		t.Fatalf("readyz with the store closed: %d %v", code, body)
	}
	if code, _ := e.do(t, "GET", "/healthz", ""); code != 200 {
		t.Fatalf("healthz with the store closed: %d", code)
	}
	if code, body := e.do(t, "GET", "/api/v1/sessions", ""); code != 500 || body["error"] != "internal error" {
		t.Fatalf("list with the store closed: %d %v", code, body)
	}
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRecordingRoute serves a session's recording with range requests and
// deletes the file with the session.
func TestRecordingRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code, created := e.do(t, "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen"}`)
	if code != http.StatusCreated {
		t.Fatal(code, created)
	}
	id := created["id"].(string)
	path := filepath.Join(t.TempDir(), "candidate.ogg")
	data := []byte("OggS fake recording bytes for the range test")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutRecording(context.Background(), &viva.Recording{SessionID: uuid.MustParse(id), Direction: viva.SpeakerCandidate, Path: path, Codec: "opus/ogg"}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.url+"/api/v1/sessions/"+id+"/recordings/candidate", nil)
	req.Header.Set("Range", "bytes=5-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != "fake" || resp.Header.Get("Content-Type") != "audio/ogg" {
		t.Errorf("range: %d %q %s", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/recordings/interviewer", "/recordings/both", "/recordings/..%2F..%2Fetc%2Fpasswd"} {
		if code, _ := e.do(t, "GET", "/api/v1/sessions/"+id+p, ""); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	if code, _ := e.do(t, "DELETE", "/api/v1/sessions/"+id, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the recording file survived the delete: %v", err)
	}
	if code, _ := e.do(t, "GET", "/api/v1/sessions/"+id+"/recordings/candidate", ""); code != http.StatusNotFound {
		t.Errorf("recording of a deleted session: %d", code)
	}
	if code, out := e.do(t, "GET", "/api/v1/questions?track=rag", ""); code != http.StatusOK || out["questions"] == nil {
		t.Errorf("questions: %d %v", code, out)
	}
}

// TestShareLinks: a share link opens the report read-only, with its
// recordings, until it is revoked or expires; it cannot reach other
// sessions, and the owner's routes stay the owner's.
func TestShareLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, created := e.do(t, "POST", "/api/v1/sessions", `{"track":"rag","mode":"screen"}`)
	id := created["id"].(string)
	path := filepath.Join(t.TempDir(), "candidate.ogg")
	if err := os.WriteFile(path, []byte("OggS shared"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutRecording(context.Background(), &viva.Recording{SessionID: uuid.MustParse(id), Direction: viva.SpeakerCandidate, Path: path, Codec: "opus/ogg"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutReport(context.Background(), &viva.Report{SessionID: uuid.MustParse(id), Version: 2, Body: []byte(`{"overall":77}`)}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"hours":0.5}`, `{"hours":721}`, `{"hours":-1}`, `{"days":3}`} {
		if code, _ := e.do(t, "POST", "/api/v1/sessions/"+id+"/shares", body); code != http.StatusBadRequest {
			t.Errorf("share %s: %d, want 400", body, code)
		}
	}
	code, sh := e.do(t, "POST", "/api/v1/sessions/"+id+"/shares", `{"hours":24}`)
	if code != http.StatusCreated || sh["token"] == nil || len(sh["token"].(string)) != 43 {
		t.Fatalf("create share: %d %v", code, sh)
	}
	token := sh["token"].(string)
	code, got := e.do(t, "GET", "/api/v1/shared/"+token, "")
	if code != http.StatusOK || got["report"].(map[string]any)["overall"] != float64(77) || got["session"].(map[string]any)["id"] != id {
		t.Fatalf("shared report: %d %v", code, got)
	}
	if code, out := e.do(t, "GET", "/api/v1/shared/"+token+"/recordings/candidate", ""); code != http.StatusOK || out["raw"] != "OggS shared" {
		t.Errorf("shared recording: %d %v", code, out)
	}
	code, list := e.do(t, "GET", "/api/v1/sessions/"+id+"/shares", "")
	if code != http.StatusOK || len(list["shares"].([]any)) != 1 || strings.Contains(fmt.Sprint(list), token) {
		t.Errorf("list shares: %d %v (must not contain the token)", code, list)
	}
	changed := token[:42] + "A"
	if token[42] == 'A' { // a different last character, always
		changed = token[:42] + "B"
	}
	for _, bad := range []string{"nope", changed, strings.Repeat("x", 43)} {
		if code, _ := e.do(t, "GET", "/api/v1/shared/"+bad, ""); code != http.StatusNotFound {
			t.Errorf("unknown token %q: %d, want 404", bad, code)
		}
	}
	shareID := sh["id"].(string)
	if code, _ := e.do(t, "DELETE", "/api/v1/sessions/"+id+"/shares/"+shareID, ""); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	if code, out := e.do(t, "GET", "/api/v1/shared/"+token, ""); code != http.StatusGone || out["code"] != "share_revoked" {
		t.Errorf("revoked link: %d %v", code, out)
	}
	if code, _ := e.do(t, "GET", "/api/v1/shared/"+token+"/recordings/candidate", ""); code != http.StatusGone {
		t.Errorf("revoked link's recording: %d", code)
	}
	// An expired link.
	expired := &viva.Share{ID: uuid.New(), SessionID: uuid.MustParse(id), TokenHash: sha256Sum("old-token"), ExpiresAt: time.Now().Add(-time.Hour)}
	if err := e.store.AddShare(context.Background(), expired); err != nil {
		t.Fatal(err)
	}
	if code, out := e.do(t, "GET", "/api/v1/shared/old-token", ""); code != http.StatusGone || out["code"] != "share_expired" {
		t.Errorf("expired link: %d %v", code, out)
	}
}

func sha256Sum(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}
