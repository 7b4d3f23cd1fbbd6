package interviewer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/scoring"
)

// Question is one interview question with its rubric.
type Question struct {
	// ID is unique in the bank: "track.name", lower-case, e.g.
	// "rag.support-tickets".
	ID    string     `yaml:"id" json:"id"`
	Track viva.Track `yaml:"track" json:"track"`
	// Modes are the interview modes that may ask it.
	Modes []viva.Mode `yaml:"modes" json:"modes"`
	Title string      `yaml:"title" json:"title"`
	// Prompt is what the interviewer says to ask it.
	Prompt string `yaml:"prompt" json:"prompt"`
	// Minutes is the time budget of an answer.
	Minutes float64        `yaml:"minutes" json:"minutes"`
	Rubric  scoring.Rubric `yaml:"rubric" json:"rubric"`

	// File is where the question was read from, and Line its line there.
	File string `yaml:"-" json:"file"`
	Line int    `yaml:"-" json:"line"`
}

// file is the YAML layout of a question file.
type file struct {
	Version   int        `yaml:"version"`
	Questions []Question `yaml:"questions"`
}

// FileVersion is the question file format this package reads.
const FileVersion = 1

// MaxFileBytes bounds a question file.
const MaxFileBytes = 1 << 20

// MaxPromptRunes bounds a question's prompt.
const MaxPromptRunes = 1000

// FileError is a problem in a question file, at a line and field.
type FileError struct {
	File  string
	Line  int    // 0 when unknown
	Field string // e.g. "questions[3].rubric.concepts[1].weight"; empty for the whole file
	Err   error
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrInvalid is wrapped by every FileError about a question's content (as
// opposed to YAML syntax).
var ErrInvalid = errors.New("invalid question")

// Parse reads one question file. It returns the valid questions and an
// error for each invalid one (a *FileError naming the line and field);
// a file that is not valid YAML, has unknown fields, the wrong version or
// is too big gives no questions and one error.
func Parse(name string, data []byte) ([]Question, []error) {
	fail := func(line int, field string, err error) []error {
		return []error{&FileError{File: name, Line: line, Field: field, Err: err}}
	}
	if len(data) > MaxFileBytes {
		return nil, fail(0, "", fmt.Errorf("file is %d bytes, at most %d", len(data), MaxFileBytes))
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fail(yamlLine(err), "", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fail(0, "", errors.New("empty file"))
		}
		return nil, fail(yamlLine(err), "", err)
	}
	if f.Version != FileVersion {
		return nil, fail(lineOf(&root, "version"), "version", fmt.Errorf("%w: version %d, want %d", ErrInvalid, f.Version, FileVersion))
	}
	var qs []Question
	var errs []error
	for i, q := range f.Questions {
		prefix := fmt.Sprintf("questions[%d]", i)
		q.File, q.Line = name, lineOf(&root, prefix)
		if field, err := q.validate(); err != nil {
			full := prefix
			if field != "" {
				full += "." + field
			}
			errs = append(errs, &FileError{File: name, Line: lineOf(&root, full), Field: full, Err: fmt.Errorf("%w: %v", ErrInvalid, err)})
			continue
		}
		// A question with only a model answer gets concepts derived from it
		// (scoring's reference-answer mode), so the interviewer can probe
		// and the scorer judge.
		q.Rubric = scoring.FillConcepts(q.Rubric)
		qs = append(qs, q)
	}
	if len(f.Questions) == 0 {
		errs = append(errs, &FileError{File: name, Line: lineOf(&root, "questions"), Field: "questions", Err: fmt.Errorf("%w: no questions", ErrInvalid)})
	}
	return qs, errs
}

// validate checks a question and returns the field at fault with the
// problem.
func (q *Question) validate() (string, error) {
	switch {
	case !validQuestionID(q.ID):
		return "id", fmt.Errorf("id %q must be lower-case letters, digits, '-' and one '.' (track.name)", q.ID)
	case !slices.Contains(viva.Tracks, q.Track):
		return "track", fmt.Errorf("unknown track %q", q.Track)
	case len(q.Modes) == 0:
		return "modes", errors.New("at least one mode is required")
	case strings.TrimSpace(q.Title) == "":
		return "title", errors.New("is required")
	case strings.TrimSpace(q.Prompt) == "":
		return "prompt", errors.New("is required")
	case len([]rune(q.Prompt)) > MaxPromptRunes:
		return "prompt", fmt.Errorf("over %d characters", MaxPromptRunes)
	case !(q.Minutes > 0 && q.Minutes <= 60):
		return "minutes", fmt.Errorf("time budget %v must be above 0 and at most 60 minutes", q.Minutes)
	}
	for i, m := range q.Modes {
		if !slices.Contains(viva.Modes, m) {
			return fmt.Sprintf("modes[%d]", i), fmt.Errorf("unknown mode %q", m)
		}
	}
	if err := q.Rubric.Validate(); err != nil {
		var re *scoring.RubricError
		if errors.As(err, &re) {
			return "rubric." + re.Field, errors.New(re.Message)
		}
		return "rubric", err
	}
	return "", nil
}

func validQuestionID(s string) bool {
	track, name, ok := strings.Cut(s, ".")
	if !ok || len(s) > 80 {
		return false
	}
	for _, part := range []string{track, name} {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// yamlLine finds the line number in a YAML error message ("yaml: line 12:
// …"), or 0.
func yamlLine(err error) int {
	msg := err.Error()
	i := strings.Index(msg, "line ")
	if i < 0 {
		return 0
	}
	j := i + len("line ")
	k := j
	for k < len(msg) && msg[k] >= '0' && msg[k] <= '9' {
		k++
	}
	n, _ := strconv.Atoi(msg[j:k])
	return n
}

// lineOf finds the line of a field path ("questions[2].rubric.concepts[0].id")
// in a parsed YAML document: the line of the deepest node of the path that
// exists.
func lineOf(root *yaml.Node, field string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range strings.Split(field, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		next := (*yaml.Node)(nil)
		if n.Kind == yaml.MappingNode {
			for k := 0; k+1 < len(n.Content); k += 2 {
				if n.Content[k].Value == name {
					line = n.Content[k].Line
					next = n.Content[k+1]
					break
				}
			}
		}
		if next == nil {
			return line
		}
		n = next
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

// Bank is a set of questions by id.
type Bank struct {
	byID map[string]*Question
	ids  []string // sorted
}

// NewBank makes a bank of questions; a later question with the id of an
// earlier one replaces it (a user's file overriding a built-in question).
func NewBank(qs ...[]Question) *Bank {
	b := &Bank{byID: map[string]*Question{}}
	for _, list := range qs {
		for i := range list {
			q := list[i]
			b.byID[q.ID] = &q
		}
	}
	for id := range b.byID {
		b.ids = append(b.ids, id)
	}
	sort.Strings(b.ids)
	return b
}

// LoadFS reads every *.yaml and *.yml file of fsys (recursively), in
// lexical order. Duplicate ids within fsys are errors (the second is
// skipped). It returns the valid questions and every problem found.
func LoadFS(fsys fs.FS) ([]Question, []error) {
	var qs []Question
	var errs []error
	seen := map[string]Question{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &FileError{File: p, Err: err})
			return nil
		}
		if d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
			return nil
		}
		info, err := d.Info()
		if err == nil && info.Size() > MaxFileBytes {
			errs = append(errs, &FileError{File: p, Err: fmt.Errorf("file is %d bytes, at most %d", info.Size(), MaxFileBytes)})
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, &FileError{File: p, Err: err})
			return nil
		}
		got, perrs := Parse(p, data)
		errs = append(errs, perrs...)
		for _, q := range got {
			if prev, ok := seen[q.ID]; ok {
				errs = append(errs, &FileError{File: p, Line: q.Line, Field: "id",
					Err: fmt.Errorf("%w: id %q is already defined at %s:%d", ErrInvalid, q.ID, prev.File, prev.Line)})
				continue
			}
			seen[q.ID] = q
			qs = append(qs, q)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return qs, errs
}

// Question returns a question by id.
func (b *Bank) Question(id string) (*Question, bool) {
	q, ok := b.byID[id]
	return q, ok
}

// Questions lists the bank's questions for a track and mode (empty values
// match all), by id.
func (b *Bank) Questions(track viva.Track, mode viva.Mode) []*Question {
	var out []*Question
	for _, id := range b.ids {
		q := b.byID[id]
		if (track == "" || q.Track == track) && (mode == "" || slices.Contains(q.Modes, mode)) {
			out = append(out, q)
		}
	}
	return out
}

// Len is the number of questions.
func (b *Bank) Len() int { return len(b.ids) }
