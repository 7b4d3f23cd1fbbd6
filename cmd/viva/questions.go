package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"go.yaml.in/yaml/v3"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/interviewer"
)

// questionsCmd inspects and checks question banks.
type questionsCmd struct {
	List     questionsListCmd     `cmd:"" help:"List the questions: built-in ones and those of --questions DIR."`
	Show     questionsShowCmd     `cmd:"" help:"Show one question with its rubric."`
	Validate questionsValidateCmd `cmd:"" help:"Check question files: every problem with its file, line and field."`
}

// questionsFlag is the user's question directory, shared with serve.
type questionsFlag struct {
	Questions string `name:"questions" env:"VIVA_QUESTIONS" type:"existingdir" help:"Directory of question files (YAML) that add to or replace the built-in questions by id."`
}

// load loads the built-in questions and the user's directory: the valid
// questions, and the problems of those skipped.
func (f *questionsFlag) load() (*interviewer.Bank, []error) {
	var dir fs.FS
	if f.Questions != "" {
		dir = os.DirFS(f.Questions)
	}
	return interviewer.Load(dir)
}

// bank loads the questions and reports the skipped ones on stderr.
func (f *questionsFlag) bank(g *Globals) *interviewer.Bank {
	b, errs := f.load()
	for _, err := range errs {
		fmt.Fprintln(g.stderr, "skipped:", err)
	}
	return b
}

type questionsListCmd struct {
	questionsFlag
	Track viva.Track `help:"Only this track: rag, agents, mlops, llm, behavioral or ml-screen."`
	Mode  viva.Mode  `help:"Only this mode: system-design, behavioral or screen."`
	JSON  bool       `name:"json" help:"Print JSON lines instead of a table."`
}

func (c *questionsListCmd) Run(g *Globals) error {
	b := c.bank(g)
	qs := b.Questions(c.Track, c.Mode)
	if c.JSON {
		enc := json.NewEncoder(g.stdout)
		for _, q := range qs {
			if err := enc.Encode(map[string]any{"id": q.ID, "track": q.Track, "modes": q.Modes, "minutes": q.Minutes, "title": q.Title, "concepts": len(q.Rubric.Concepts)}); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tTRACK\tMODES\tMIN\tCONCEPTS\tTITLE")
	for _, q := range qs {
		modes := make([]string, len(q.Modes))
		for i, m := range q.Modes {
			modes[i] = string(m)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%g\t%d\t%s\n", q.ID, q.Track, strings.Join(modes, ","), q.Minutes, len(q.Rubric.Concepts), q.Title)
	}
	fmt.Fprintf(w, "\n%d questions\n", len(qs))
	return w.Flush()
}

type questionsShowCmd struct {
	questionsFlag
	ID   string `arg:"" help:"Question id, e.g. rag.support-tickets."`
	JSON bool   `name:"json" help:"Print JSON instead of YAML."`
}

func (c *questionsShowCmd) Run(g *Globals) error {
	q, ok := c.bank(g).Question(c.ID)
	if !ok {
		return fmt.Errorf("no question %q (see viva questions list)", c.ID)
	}
	if c.JSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(q)
	}
	enc := yaml.NewEncoder(g.stdout)
	enc.SetIndent(2)
	if err := enc.Encode(q); err != nil {
		return err
	}
	return enc.Close()
}

type questionsValidateCmd struct {
	Dir string `arg:"" type:"existingdir" help:"Directory of question files (*.yaml, *.yml), read recursively."`
}

func (c *questionsValidateCmd) Run(g *Globals) error {
	qs, errs := interviewer.LoadFS(os.DirFS(c.Dir))
	for _, err := range errs {
		fmt.Fprintln(g.stdout, err)
	}
	fmt.Fprintf(g.stdout, "%d valid questions, %d problems\n", len(qs), len(errs))
	if len(errs) > 0 {
		return errors.New("question files have problems")
	}
	return nil
}
