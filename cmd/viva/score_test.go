package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
	"github.com/viva-interview/viva/store/sqlite"
)

const (
	scoreRef = "Split the tickets into overlapping chunks and embed them with a sentence transformer. " +
		"Use hybrid retrieval with BM25 because error codes need exact matches, then rerank with a cross-encoder. " +
		"Evaluate recall on a golden set and monitor latency in production."
	scoreGood = "I'd cut the tickets into overlapping chunks and embed each with a sentence transformer. " +
		"Retrieval is hybrid, BM25 plus vectors, since error codes must match exactly, and a cross-encoder reranks. " +
		"I'd measure recall on a golden set and monitor latency."
	scoreOff = "I would train a gradient boosted tree on tabular churn features and tune its depth."
)

// runViva runs the built binary and returns its stdout, stderr and exit code.
func runViva(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(vivaBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), 0
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScoreReferenceAnswer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ref := writeFile(t, dir, "ref.txt", scoreRef)
	cases := []struct {
		name   string
		answer string
		min    int
		max    int
	}{
		{"paraphrase", scoreGood, 70, 100},
		{"unrelated", scoreOff, 0, 15},
		{"empty", "", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ans := writeFile(t, t.TempDir(), "answer.txt", c.answer)
			out, errOut, code := runViva(t, "", "score", "--reference", ref, "--answer", ans, "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var r scoring.Report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatalf("not a report: %v\n%s", err, out)
			}
			if r.Overall < c.min || r.Overall > c.max || r.Version != scoring.Version {
				t.Errorf("overall %d, want %d..%d", r.Overall, c.min, c.max)
			}
			t.Logf("%s: %d", c.name, r.Overall)

			out, errOut, code = runViva(t, "", "score", "--reference", ref, "--answer", ans)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if !strings.Contains(out, "Score: ") || !strings.Contains(out, "BM25") {
				t.Errorf("summary:\n%s", out)
			}
			if c.name == "paraphrase" && !strings.Contains(out, "✓ BM25: \"") {
				t.Errorf("the summary does not quote a hit:\n%s", out)
			}
		})
	}
}

func TestScorePairs(t *testing.T) {
	t.Parallel()
	line := func(v map[string]any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	input := strings.Join([]string{
		line(map[string]any{"id": "good", "question": "How would you answer questions from support tickets?", "reference": scoreRef, "answer": scoreGood}),
		`{"id": "broken", "reference": `,
		"",
		line(map[string]any{"id": "off", "reference": scoreRef, "answer": scoreOff}),
		line(map[string]any{"id": "no-answer", "reference": scoreRef}),
		`{"id":"long","reference":"` + strings.Repeat("x", maxPairLine) + `","answer":""}`,
		line(map[string]any{"id": "last", "reference": scoreRef, "answer": scoreRef}),
	}, "\n")
	path := writeFile(t, t.TempDir(), "pairs.jsonl", input)
	out, _, code := runViva(t, "", "score", "--pairs", path)
	if code != 1 {
		t.Errorf("exit %d, want 1: some lines failed", code)
	}
	type result struct {
		ID     string   `json:"id"`
		Score  *int     `json:"score"`
		Hit    []string `json:"hit"`
		Missed []string `json:"missed"`
		Line   int      `json:"line"`
		Error  string   `json:"error"`
	}
	var got []result
	for l := range strings.Lines(out) {
		var r result
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		got = append(got, r)
	}
	want := []struct {
		id   string
		line int // of an error
	}{{"good", 0}, {"", 2}, {"off", 0}, {"no-answer", 5}, {"", 6}, {"last", 0}}
	if len(got) != len(want) {
		t.Fatalf("%d output lines, want %d:\n%s", len(got), len(want), out)
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Line != w.line || (w.line > 0) != (g.Error != "") || (w.line == 0) != (g.Score != nil) {
			t.Errorf("output line %d: %+v, want id %q error line %d", i+1, g, w.id, w.line)
		}
	}
	if *got[0].Score < 70 || *got[2].Score > 15 || *got[5].Score < 95 {
		t.Errorf("scores: good %d, off %d, copy %d", *got[0].Score, *got[2].Score, *got[5].Score)
	}
	if len(got[0].Hit) == 0 || len(got[2].Missed) == 0 {
		t.Errorf("hit/missed: %+v %+v", got[0], got[2])
	}
	t.Logf("pairs: good %d, off %d, copy %d", *got[0].Score, *got[2].Score, *got[5].Score)

	// Standard input, all good: exit 0.
	out, errOut, code := runViva(t, line(map[string]any{"id": "a", "reference": scoreRef, "answer": scoreGood})+"\n", "score", "--pairs", "-")
	if code != 0 || !strings.Contains(out, `"id":"a"`) {
		t.Errorf("stdin: exit %d: %s %s", code, out, errOut)
	}
}

func TestScoreTranscript(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// What GET /api/v1/sessions/{id}/transcript returns, trimmed.
	api := `{"session_id":"6f1c2d3e-0000-4000-8000-000000000001","utterances":[
	 {"id":"6f1c2d3e-0000-4000-8000-00000000000a","speaker":"interviewer","text":"Design a system that answers support agents' questions.","start_ms":0,"end_ms":4000,"engine":"prompt:rag.support-tickets"},
	 {"id":"6f1c2d3e-0000-4000-8000-00000000000b","speaker":"candidate","text":"First I'd clarify the requirements: who are the users and what is the latency budget. Then split the tickets into overlapping passages and embed each chunk, with hybrid search using BM25 because error codes need exact matches.","start_ms":5000,"end_ms":20000},
	 {"id":"6f1c2d3e-0000-4000-8000-00000000000c","speaker":"candidate","text":"I'd rerank with a cross encoder and evaluate recall at ten on a golden set, and monitor cost per query.","start_ms":65000,"end_ms":75000}],
	 "probes":[]}`
	arr := `[{"id":"6f1c2d3e-0000-4000-8000-00000000000b","speaker":"candidate","text":"We would chunk the tickets and embed them, and evaluate on a golden set.","start_ms":0,"end_ms":6000}]`
	for _, c := range []struct{ name, body string }{{"api object", api}, {"array", arr}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := writeFile(t, dir, strings.ReplaceAll(c.name, " ", "-")+".json", c.body)
			out, errOut, code := runViva(t, "", "score", "--transcript", p, "--question", "rag.support-tickets", "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var r scoring.Report
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if len(r.Questions) != 1 || r.Questions[0].ID != "rag.support-tickets" || r.Overall <= 0 {
				t.Fatalf("report: overall %d, questions %+v", r.Overall, r.Questions)
			}
			t.Logf("%s: overall %d, coverage %d", c.name, r.Overall, r.Questions[0].Coverage)
			out, errOut, code = runViva(t, "", "score", "--transcript", p, "--question", "rag.support-tickets")
			if code != 0 || !strings.Contains(out, "✓") || !strings.Contains(out, "To improve:") {
				t.Fatalf("exit %d, summary:\n%s%s", code, out, errOut)
			}
			if c.name == "array" && !strings.Contains(out, "✗ Reranks candidates before generation") {
				t.Errorf("a missed concept is not marked:\n%s", out)
			}
			if c.name == "api object" && !strings.Contains(out, "(1:05)") {
				t.Errorf("no m:ss time in the summary:\n%s", out)
			}
		})
	}
	p := writeFile(t, dir, "bad.json", "hello")
	if _, errOut, code := runViva(t, "", "score", "--transcript", p, "--question", "rag.support-tickets"); code != 1 || !strings.Contains(errOut, "bad.json") {
		t.Errorf("a file that is not JSON: exit %d %s", code, errOut)
	}
	p = writeFile(t, dir, "ok.json", arr)
	if _, errOut, code := runViva(t, "", "score", "--transcript", p, "--question", "rag.nope"); code != 1 || !strings.Contains(errOut, `no question "rag.nope"`) {
		t.Errorf("an unknown question: exit %d %s", code, errOut)
	}
}

func TestScoreSession(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	sess := &viva.Session{Owner: viva.LocalAccount, Track: viva.TrackRAG, Mode: viva.ModeSystemDesign, Questions: []string{"rag.support-tickets"}}
	if err := st.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	for _, u := range []viva.Utterance{
		{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerInterviewer, Text: "Design a system.", StartMS: 0, EndMS: 3000, Engine: "prompt:rag.support-tickets"},
		{ID: uuid.New(), SessionID: sess.ID, Speaker: viva.SpeakerCandidate, Text: "I would chunk the tickets, embed them, rerank with a cross encoder and evaluate recall on a golden set.", StartMS: 4000, EndMS: 12000},
	} {
		if err := st.AddUtterance(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	out, errOut, code := runViva(t, "", "score", "--data-dir", dir, "--session", sess.ID.String(), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r scoring.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Questions) != 1 || r.Questions[0].ID != "rag.support-tickets" || r.Overall <= 0 {
		t.Fatalf("report: overall %d, questions %+v", r.Overall, r.Questions)
	}
	t.Logf("session: overall %d, coverage %d", r.Overall, r.Questions[0].Coverage)

	cmd := exec.Command(vivaBin, "score", "--session", uuid.NewString())
	cmd.Env = append(os.Environ(), "VIVA_DATA_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no session") {
		t.Errorf("an unknown session: %v %s", err, out)
	}
}

func TestScoreUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := run([]string{"score", "--help"}, &out, &errOut); code != 0 {
		t.Fatalf("score --help: exit %d %s", code, errOut.String())
	}
	for _, env := range []string{"$VIVA_SCORE_REFERENCE", "$VIVA_SCORE_ANSWER", "$VIVA_SCORE_PAIRS", "$VIVA_SCORE_TRANSCRIPT", "$VIVA_SCORE_QUESTION",
		"$VIVA_SCORE_SESSION", "$VIVA_SCORE_JSON", "$VIVA_DATA_DIR", "$DATABASE_URL", "$VIVA_QUESTIONS"} {
		if !strings.Contains(out.String(), env) {
			t.Errorf("score --help does not show %s", env)
		}
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no mode", []string{"score"}, "choose one of"},
		{"two modes", []string{"score", "--pairs", "x", "--session", "y"}, "choose one of"},
		{"answer without reference", []string{"score", "--answer", "x"}, "go together"},
		{"unknown session", []string{"score", "--data-dir", dir, "--session", "6f1c2d3e-0000-4000-8000-000000000099"}, "no embedded store"},
		{"bad session id", []string{"score", "--session", "nope"}, `session id "nope"`},
	} {
		out.Reset()
		errOut.Reset()
		if code := run(c.args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", c.name, code, errOut.String(), c.want)
		}
	}
}
