package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/interviewer"
	"github.com/viva-interview/viva/scoring"
	"github.com/viva-interview/viva/store/postgres"
	"github.com/viva-interview/viva/store/sqlite"
)

// scoreCmd scores answers without running a server: a text answer against a
// reference answer, a file of such pairs, a transcript against a bank
// question, or a stored session.
type scoreCmd struct {
	Reference  string `type:"path" env:"VIVA_SCORE_REFERENCE" help:"Reference (model) answer, a text file; its key ideas become the rubric. With --answer."`
	Answer     string `type:"path" env:"VIVA_SCORE_ANSWER" help:"Answer to score against --reference, a text file."`
	Pairs      string `type:"path" env:"VIVA_SCORE_PAIRS" help:"JSON lines {\"id\",\"question\",\"reference\",\"answer\"} ('-' for stdin); prints {\"id\",\"score\",\"hit\",\"partial\",\"missed\"} per line, in order."`
	Transcript string `type:"path" env:"VIVA_SCORE_TRANSCRIPT" help:"Transcript to score: a JSON array of utterances, or what GET /api/v1/sessions/{id}/transcript returns. With --question."`
	Question   string `env:"VIVA_SCORE_QUESTION" help:"Bank question the --transcript answers, e.g. rag.support-tickets."`
	Session    string `env:"VIVA_SCORE_SESSION" help:"Id of a stored session to score (from --data-dir or --database-url)."`
	JSON       bool   `name:"json" env:"VIVA_SCORE_JSON" help:"Print the full report as JSON instead of a summary."`

	DataDir     string `default:"./data" env:"VIVA_DATA_DIR" type:"path" help:"With --session: the embedded store's data directory (read; a running viva serve may share it)."`
	DatabaseURL string `name:"database-url" env:"DATABASE_URL" help:"With --session: PostgreSQL URL; when set, the session is read from PostgreSQL instead."`
	questionsFlag
}

// Input bounds.
const (
	maxPairLine   = 1 << 20  // one line of --pairs
	maxAnswerFile = 1 << 20  // --reference, --answer
	maxTranscript = 64 << 20 // --transcript
)

func (c *scoreCmd) Run(g *Globals) error {
	modes := 0
	for _, set := range []bool{c.Reference != "" || c.Answer != "", c.Pairs != "", c.Transcript != "", c.Session != ""} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return errors.New("choose one of --reference with --answer, --pairs, --transcript with --question, or --session")
	}
	if c.Question != "" && c.Transcript == "" {
		return errors.New("--question goes with --transcript")
	}
	switch {
	case c.Pairs != "":
		return c.pairs(g)
	case c.Transcript != "":
		return c.transcript(g)
	case c.Session != "":
		return c.session(g)
	}
	if c.Reference == "" || c.Answer == "" {
		return errors.New("--reference and --answer go together")
	}
	ref, err := readFile(c.Reference, maxAnswerFile)
	if err != nil {
		return err
	}
	ans, err := readFile(c.Answer, maxAnswerFile)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(ref)) == "" {
		return fmt.Errorf("%s: the reference answer is empty", c.Reference)
	}
	return c.print(g, scoring.ScoreAnswer(string(ref), string(ans)), false)
}

// pairResult is one output line of --pairs.
type pairResult struct {
	ID      string   `json:"id"`
	Score   int      `json:"score"`
	Hit     []string `json:"hit"`
	Partial []string `json:"partial"`
	Missed  []string `json:"missed"`
}

// pairError is the output line of a --pairs line that could not be scored.
type pairError struct {
	ID    string `json:"id"`
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func (c *scoreCmd) pairs(g *Globals) error {
	in := io.Reader(os.Stdin)
	if c.Pairs != "-" {
		f, err := os.Open(c.Pairs)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriter(g.stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	failed := 0
	for n := 1; ; n++ {
		line, long, err := readLine(r, maxPairLine)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s line %d: %w", c.Pairs, n, err)
		}
		if long || len(bytes.TrimSpace(line)) > 0 {
			var out any
			res, id, perr := scorePair(line, long)
			switch {
			case perr != nil:
				failed++
				out = pairError{ID: id, Line: n, Error: perr.Error()}
			default:
				out = res
			}
			if err := enc.Encode(out); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d line(s) of %s could not be scored", failed, c.Pairs)
	}
	return nil
}

// scorePair scores one --pairs line; id is the line's id when it has one.
func scorePair(line []byte, long bool) (res pairResult, id string, err error) {
	if long {
		return res, "", fmt.Errorf("line over %d bytes", maxPairLine)
	}
	var p struct {
		ID        *string `json:"id"`
		Question  string  `json:"question"`
		Reference string  `json:"reference"`
		Answer    *string `json:"answer"`
	}
	if err := json.Unmarshal(line, &p); err != nil {
		return res, "", fmt.Errorf("not a JSON object: %v", err)
	}
	if p.ID != nil {
		id = *p.ID
	}
	switch {
	case p.ID == nil || *p.ID == "":
		return res, id, errors.New("id is required")
	case strings.TrimSpace(p.Reference) == "":
		return res, id, errors.New("reference is required")
	case p.Answer == nil:
		return res, id, errors.New("answer is required (\"\" for none)")
	}
	title := cmp.Or(strings.TrimSpace(p.Question), "Reference answer")
	rep := scoring.ScoreQuestion(scoring.Question{ID: "answer", Title: title, Rubric: scoring.Rubric{ModelAnswer: p.Reference}}, *p.Answer)
	res = pairResult{ID: id, Score: rep.Overall, Hit: []string{}, Partial: []string{}, Missed: []string{}}
	for _, cr := range rep.Questions[0].Concepts {
		switch cr.State {
		case scoring.Hit:
			res.Hit = append(res.Hit, cr.Label)
		case scoring.Partial:
			res.Partial = append(res.Partial, cr.Label)
		default:
			res.Missed = append(res.Missed, cr.Label)
		}
	}
	return res, id, nil
}

// readLine reads one line without its end. A line over max bytes is read
// to its end and dropped: long is set and line is nil.
func readLine(r *bufio.Reader, max int) (line []byte, long bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if !long {
			if len(line)+len(chunk) > max+2 { // room for "\r\n"
				long, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), long, err
	}
}

func (c *scoreCmd) transcript(g *Globals) error {
	if c.Question == "" {
		return errors.New("--transcript needs --question: the bank question it answers")
	}
	data, err := readFile(c.Transcript, maxTranscript)
	if err != nil {
		return err
	}
	var in scoring.Input
	switch trimmed := bytes.TrimSpace(data); {
	case bytes.HasPrefix(trimmed, []byte("[")):
		err = json.Unmarshal(trimmed, &in.Utterances)
	case bytes.HasPrefix(trimmed, []byte("{")):
		var t struct {
			Utterances []viva.Utterance `json:"utterances"`
			Probes     []viva.Probe     `json:"probes"`
		}
		err = json.Unmarshal(trimmed, &t)
		in.Utterances, in.Probes = t.Utterances, t.Probes
	default:
		err = errors.New("want a JSON array of utterances or an object with \"utterances\"")
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.Transcript, err)
	}
	q, ok := c.bank(g).Scoring(c.Question)
	if !ok {
		return fmt.Errorf("no question %q (see viva questions list)", c.Question)
	}
	q.Rubric = scoring.FillConcepts(q.Rubric)
	in.Questions = []scoring.Question{q}
	return c.print(g, scoring.Score(in), true)
}

func (c *scoreCmd) session(g *Globals) error {
	id, err := uuid.Parse(c.Session)
	if err != nil {
		return fmt.Errorf("session id %q: %w", c.Session, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	bank := c.bank(g)
	st, where, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	sess, err := st.Session(ctx, id)
	if errors.Is(err, viva.ErrNotFound) {
		return fmt.Errorf("no session %s in %s", id, where)
	}
	if err != nil {
		return err
	}
	in := scoring.Input{}
	if in.Utterances, err = st.Utterances(ctx, id); err != nil {
		return err
	}
	if in.Probes, err = st.Probes(ctx, id); err != nil {
		return err
	}
	in.Questions = askedQuestions(sess, in.Utterances, bank)
	if len(in.Questions) == 0 {
		return fmt.Errorf("session %s asked no question the bank knows (its questions: %q)", id, sess.Questions)
	}
	return c.print(g, scoring.Score(in), true)
}

// openStore opens the store --database-url or --data-dir names, without
// taking viva serve's data-directory lock; an embedded database must
// already exist.
func (c *scoreCmd) openStore(ctx context.Context) (viva.Store, string, error) {
	if c.DatabaseURL != "" {
		st, err := postgres.Open(ctx, c.DatabaseURL)
		return st, "the PostgreSQL store", err
	}
	path := filepath.Join(c.DataDir, sqlite.FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, "", fmt.Errorf("no embedded store at %s (set --data-dir or --database-url): %w", path, err)
	}
	st, err := sqlite.Open(ctx, path)
	return st, path, err
}

// askedQuestions lists the questions a session asked, in order, with
// their rubrics: those whose prompts the interviewer said (Engine
// "prompt:<id>"), else those the session named. A rubric without concepts
// gets them from its model answer.
func askedQuestions(sess *viva.Session, utts []viva.Utterance, bank *interviewer.Bank) []scoring.Question {
	var out []scoring.Question
	seen := map[string]bool{}
	add := func(id string) {
		if seen[id] {
			return
		}
		if q, ok := bank.Scoring(id); ok {
			seen[id] = true
			q.Rubric = scoring.FillConcepts(q.Rubric)
			out = append(out, q)
		}
	}
	for _, u := range utts {
		if u.Speaker == viva.SpeakerInterviewer && strings.HasPrefix(u.Engine, "prompt:") {
			add(strings.TrimPrefix(u.Engine, "prompt:"))
		}
	}
	if len(out) == 0 {
		for _, id := range sess.Questions {
			add(id)
		}
	}
	return out
}

// print writes the report as JSON, or as a summary: the score, the
// dimensions that count, each question's concepts with a quote, and the
// improvements. timed adds each quote's time.
func (c *scoreCmd) print(g *Globals, r scoring.Report, timed bool) error {
	if c.JSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	w := bufio.NewWriter(g.stdout)
	fmt.Fprintf(w, "Score: %d/100\n", r.Overall)
	for _, d := range r.Dimensions {
		if d.Weight > 0 {
			fmt.Fprintf(w, "  %-11s %3d  %s\n", d.Name, d.Score, strings.Join(d.Notes, "; "))
		}
	}
	for _, q := range r.Questions {
		fmt.Fprintf(w, "\n%s: %d%% of the concepts\n", cmp.Or(q.Title, q.ID), q.Coverage)
		for _, cr := range q.Concepts {
			mark := map[scoring.State]string{scoring.Hit: "✓", scoring.Partial: "~", scoring.Missed: "✗"}[cr.State]
			line := fmt.Sprintf("  %s %s", mark, cr.Label)
			if cr.State != scoring.Missed && len(cr.Evidence) > 0 {
				e := cr.Evidence[0]
				if timed {
					line += fmt.Sprintf(" (%d:%02d)", e.StartMS/60000, e.StartMS/1000%60)
				}
				line += fmt.Sprintf(": %q", e.Quote)
			}
			if cr.Prompted {
				line += " — after a probe"
			}
			if cr.Dismissed {
				line += " — dismissed"
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(r.Improvements) > 0 {
		fmt.Fprintln(w, "\nTo improve:")
		for i, imp := range r.Improvements {
			fmt.Fprintf(w, "  %d. %s. %s\n", i+1, imp.Title, imp.Detail)
		}
	}
	return w.Flush()
}

// readFile reads a file of at most max bytes.
func readFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over %d bytes", path, max)
	}
	return data, nil
}
