package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/viva-interview/viva/internal/pgtest"
)

var vivaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "viva-bin")
	if err != nil {
		panic(err)
	}
	vivaBin = filepath.Join(dir, "viva")
	build := exec.Command("go", "build", "-race", "-o", vivaBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build viva:", err)
		os.Exit(1)
	}
	code := pgtest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {}, {"serve", "--help"}, {"healthcheck", "--help"}, {"version", "--help"}, {"transcribe", "--help"}, {"stt-eval", "--help"}, {"call", "--help"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 {
			t.Errorf("viva %v: exit %d, stderr %s", args, code, errOut.String())
		}
		if !strings.Contains(out.String(), "Usage: viva") {
			t.Errorf("viva %v printed no usage: %s", args, out.String())
		}
	}
	var out, errOut bytes.Buffer
	run([]string{"serve", "--help"}, &out, &errOut)
	for _, env := range []string{"$VIVA_ADDR", "$VIVA_DATA_DIR", "$DATABASE_URL", "$VIVA_LOG_FORMAT", "$VIVA_WORKERS"} {
		if !strings.Contains(out.String(), env) {
			t.Errorf("serve --help does not show %s", env)
		}
	}
	if code := run([]string{"serve", "--no-such-flag"}, &out, &errOut); code == 0 {
		t.Error("an unknown flag was accepted")
	}
}

// node is one `viva serve` process.
type node struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNode runs viva serve with args on a free port and waits until it
// logs where it listens.
func startNode(t *testing.T, env []string, args ...string) *node {
	t.Helper()
	cmd := exec.Command(vivaBin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"VIVA_LOG_FORMAT=json"}, env...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(n.logs, line)
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		io.Copy(io.Discard, stderr)
		n.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-n.done
		}
	})
	select {
	case a := <-addr:
		n.url = "http://" + a
	case err := <-n.done:
		t.Fatalf("viva serve exited before listening: %v\n%s", err, n.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("viva serve did not listen within 60s:\n%s", n.logs)
	}
	return n
}

func (n *node) request(method, path, body string) (int, map[string]any) {
	n.t.Helper()
	req, _ := http.NewRequest(method, n.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// endedSession creates a session and ends it, which queues its scoring.
func (n *node) endedSession() string {
	n.t.Helper()
	code, sess := n.request("POST", "/api/v1/sessions", `{"track":"agents","mode":"screen"}`)
	if code != http.StatusCreated {
		n.t.Fatalf("create session: %d %v", code, sess)
	}
	id := sess["id"].(string)
	if code, body := n.request("POST", "/api/v1/sessions/"+id+"/end", ""); code != http.StatusAccepted {
		n.t.Fatalf("end session: %d %v", code, body)
	}
	return id
}

func (n *node) waitReport(ids ...string) {
	n.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range ids {
		for {
			code, _ := n.request("GET", "/api/v1/sessions/"+id+"/report", "")
			if code == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				n.t.Fatalf("no report for %s within 60s:\n%s", id, n.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (n *node) signal(sig syscall.Signal) error {
	n.t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		n.t.Fatal(err)
	}
	select {
	case err := <-n.done:
		return err
	case <-time.After(60 * time.Second):
		n.t.Fatalf("viva serve did not exit within 60s of %v:\n%s", sig, n.logs)
	}
	return nil
}

type backend struct {
	name string
	args func(t *testing.T) []string // the same args reach the same database
}

var backends = []backend{
	{"embedded", func(t *testing.T) []string { return []string{"--data-dir", t.TempDir()} }},
	{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.Schema(t)} }},
}

func TestServeAndGracefulShutdown(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, nil, b.args(t)...)
			for _, path := range []string{"/healthz", "/readyz"} {
				if code, body := n.request("GET", path, ""); code != http.StatusOK {
					t.Fatalf("%s: %d %v", path, code, body)
				}
			}
			resp, err := http.Get(n.url + "/")
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(page), "Viva") || !strings.Contains(string(page), `id="start-button"`) {
				t.Fatalf("web app not served: %.200s", page)
			}
			id := n.endedSession()
			n.waitReport(id)
			if err := n.signal(syscall.SIGTERM); err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, n.logs)
			}
			if !strings.Contains(n.logs.String(), "stopped cleanly") {
				t.Fatalf("no clean stop logged:\n%s", n.logs)
			}
		})
	}
}

// A scoring job queued by a node that is then SIGKILLed runs after restart.
func TestJobSurvivesKill(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			args := b.args(t)
			first := startNode(t, nil, append(args, "--workers", "0")...)
			id := first.endedSession()
			first.signal(syscall.SIGKILL)

			second := startNode(t, nil, args...)
			second.waitReport(id)
			if code, sess := second.request("GET", "/api/v1/sessions/"+id, ""); code != 200 || sess["state"] != "scored" {
				t.Fatalf("after restart: %d %v", code, sess)
			}
		})
	}
}

// Two nodes on one PostgreSQL share the scoring work.
func TestNodesSharePostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.Schema(t)
	a := startNode(t, nil, "--database-url", url, "--workers", "1", "--node-id", "node-a")
	b := startNode(t, nil, "--database-url", url, "--workers", "1", "--node-id", "node-b")
	var ids []string
	for i := range 24 {
		ids = append(ids, []*node{a, b}[i%2].endedSession())
	}
	a.waitReport(ids...)

	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	per := map[string]int{}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		clear(per)
		rows, _ := conn.Query(context.Background(),
			"SELECT attempted_by[array_length(attempted_by, 1)], count(*) FROM river_job WHERE state = 'completed' GROUP BY 1")
		for rows.Next() {
			var node string
			var count int
			rows.Scan(&node, &count)
			per[node] = count
		}
		if rows.Err() == nil && per["node-a"]+per["node-b"] == len(ids) {
			break
		}
	}
	if per["node-a"] == 0 || per["node-b"] == 0 || per["node-a"]+per["node-b"] != len(ids) {
		t.Fatalf("completed jobs per node: %v, want both nodes and %d in all", per, len(ids))
	}
	t.Logf("completed jobs per node: %v", per)
}

func TestStartupErrorsNameTheProblem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "viva.db")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("garbage!"), 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"corrupt database file", []string{"--data-dir", dir}, bad},
		{"unreachable postgres", []string{"--database-url", "postgres://viva@127.0.0.1:1/viva?connect_timeout=1", "--store-wait", "1s"}, "127.0.0.1"},
		{"address in use", []string{"--data-dir", t.TempDir(), "--addr", "256.0.0.1:99999"}, "listen on 256.0.0.1:99999"},
	}
	busy := t.TempDir()
	startNode(t, nil, "--data-dir", busy)
	cases = append(cases, struct {
		name string
		args []string
		want string
	}{"data directory in use", []string{"--data-dir", busy}, "in use by another viva serve"})
	for _, c := range cases {
		cmd := exec.Command(vivaBin, append([]string{"serve"}, c.args...)...)
		cmd.Env = append(os.Environ(), "VIVA_LOG_FORMAT=json")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%s: viva serve started", c.name)
			continue
		}
		if !strings.Contains(string(out), c.want) || strings.Contains(string(out), "panic") {
			t.Errorf("%s: output does not name %q:\n%s", c.name, c.want, out)
		}
	}
}

func TestTranscribeFile(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"flite", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh test installs it)", tool)
		}
	}
	dir := t.TempDir()
	spoken := filepath.Join(dir, "spoken.wav")
	if out, err := exec.Command("flite", "-voice", "rms", "-t", "We combined BM25 with embeddings and a cross-encoder reranker.", "-o", spoken).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v %s", err, out)
	}
	// 44.1 kHz stereo float with a second of silence first: the command resamples and downmixes.
	wav := filepath.Join(dir, "answer.wav")
	if out, err := exec.Command("sox", spoken, "-r", "44100", "-c", "2", "-e", "floating-point", "-b", "32", wav, "pad", "1", "0").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	out, err := exec.Command(vivaBin, "transcribe", "--json", "--stt-decoders", "1", wav).Output()
	if err != nil {
		t.Fatalf("viva transcribe: %v", err)
	}
	var got transcript
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output is not the documented JSON: %v\n%s", err, out)
	}
	if got.Engine != "pocketsphinx" || got.DurationMS < 3000 {
		t.Fatalf("transcript: %+v", got)
	}
	found := map[string]int64{}
	for _, w := range got.Words {
		found[w.Text] = w.StartMS
	}
	for _, term := range []string{"bm25", "cross-encoder", "reranker"} {
		at, ok := found[term]
		if !ok {
			t.Errorf("%q missing from %q", term, got.Text)
		} else if at < 1000 {
			t.Errorf("%q at %d ms, before the leading second of silence ended", term, at)
		}
	}

	text := filepath.Join(dir, "notes.wav")
	os.WriteFile(text, []byte("these are my notes, not audio"), 0o600)
	out, err = exec.Command(vivaBin, "transcribe", text).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "not a WAV file") {
		t.Fatalf("a text file: %v %s", err, out)
	}
}
