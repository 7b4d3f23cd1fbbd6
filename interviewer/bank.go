package interviewer

import (
	"embed"
	"io/fs"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

//go:embed questions
var builtin embed.FS

// Builtin returns the question bank that ships in the binary, with the
// problems found in it (none: a test keeps it so).
func Builtin() ([]Question, []error) {
	sub, err := fs.Sub(builtin, "questions")
	if err != nil {
		return nil, []error{err}
	}
	return LoadFS(sub)
}

// Load builds the bank a server uses: the built-in questions, then those of
// dir (if not empty), which add questions or replace built-in ones by id.
// Invalid questions and files are skipped and returned as errors, so the
// server can start with the valid ones and say which it skipped.
func Load(dir fs.FS) (*Bank, []error) {
	qs, errs := Builtin()
	if dir == nil {
		return NewBank(qs), errs
	}
	user, uerrs := LoadFS(dir)
	return NewBank(qs, user), append(errs, uerrs...)
}

// Openings are the first words of every interview the bank can start:
// the greeting and each question, for warming a voice cache.
func (b *Bank) Openings() []string {
	var out []string
	for _, id := range b.ids {
		out = append(out, Greeting+b.byID[id].Prompt)
	}
	return out
}

// Scoring returns a question as the scorer needs it: its rubric.
func (b *Bank) Scoring(id string) (scoring.Question, bool) {
	q, ok := b.Question(id)
	if !ok {
		return scoring.Question{}, false
	}
	return scoring.Question{ID: q.ID, Title: q.Title, Behavioral: q.Track == viva.TrackBehavioral, Rubric: q.Rubric}, true
}
