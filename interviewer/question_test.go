package interviewer

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/viva-interview/viva"
)

func TestBuiltinBankIsValid(t *testing.T) {
	t.Parallel()
	qs, errs := Builtin()
	for _, err := range errs {
		t.Error(err)
	}
	b := NewBank(qs)
	for _, track := range viva.Tracks {
		n := len(b.Questions(track, ""))
		t.Logf("%s: %d questions", track, n)
	}
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	t.Parallel()
	good := `version: 1
questions:
  - id: rag.one
    track: rag
    modes: [system-design]
    title: One
    prompt: Design it.
    minutes: 10
    rubric:
      concepts:
        - id: eval
          label: Evaluates
          weight: 2
          cues: [evaluate]
          probe: How would you evaluate it?
`
	tests := map[string]struct {
		data      string
		line      int
		field     string
		substring string
		valid     int
	}{
		"valid":            {data: good, valid: 1},
		"unknown field":    {data: strings.Replace(good, "    minutes: 10\n", "    minutes: 10\n    minutse: 3\n", 1), line: 9, substring: "minutse"},
		"bad weight":       {data: strings.Replace(good, "weight: 2", "weight: 0", 1), line: 13, field: "questions[0].rubric.concepts[0].weight"},
		"missing probe":    {data: strings.Replace(good, "          probe: How would you evaluate it?\n", "", 1), line: 11, field: "questions[0].rubric.concepts[0].probe"},
		"unknown track":    {data: strings.Replace(good, "track: rag", "track: cooking", 1), line: 4, field: "questions[0].track"},
		"bad version":      {data: strings.Replace(good, "version: 1", "version: 2", 1), line: 1, field: "version"},
		"not yaml":         {data: "questions: [\n", substring: "yaml"},
		"empty":            {data: "", substring: "empty"},
		"no rubric":        {data: good[:strings.Index(good, "    rubric:")], line: 3, field: "questions[0].rubric.concepts", substring: "concepts or a model answer"},
		"duplicate cue id": {data: strings.Replace(good, "          probe: How would you evaluate it?\n", "          probe: How would you evaluate it?\n        - id: eval\n          label: Again\n          weight: 1\n          cues: [again]\n          probe: Again?\n", 1), line: 16, field: "questions[0].rubric.concepts[1].id", substring: "already used"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			qs, errs := Parse("q.yaml", []byte(tt.data))
			if len(qs) != tt.valid {
				t.Errorf("%d valid questions, want %d", len(qs), tt.valid)
			}
			if tt.valid > 0 {
				if len(errs) > 0 {
					t.Errorf("errors: %v", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("errors %v, want one", errs)
			}
			var fe *FileError
			if !errors.As(errs[0], &fe) {
				t.Fatalf("%T is not a *FileError", errs[0])
			}
			t.Log(fe)
			if tt.line != 0 && fe.Line != tt.line {
				t.Errorf("line %d, want %d", fe.Line, tt.line)
			}
			if tt.field != "" && fe.Field != tt.field {
				t.Errorf("field %q, want %q", fe.Field, tt.field)
			}
			if tt.substring != "" && !strings.Contains(fe.Error(), tt.substring) {
				t.Errorf("%q does not mention %q", fe.Error(), tt.substring)
			}
		})
	}
}

// FuzzParse: a hostile question file never panics, and every error it
// gives is a *FileError naming the file.
func FuzzParse(f *testing.F) {
	// Seeds: the first question of some built-in files (whole files are
	// too big for the fuzzer to mutate quickly).
	for _, name := range []string{"rag.yaml", "behavioral.yaml", "ml-screen.yaml"} {
		data, err := builtin.ReadFile("questions/" + name)
		if err != nil {
			f.Fatal(err)
		}
		s := string(data)
		if i := strings.Index(s, "\n  - id:"); i >= 0 {
			if j := strings.Index(s[i+1:], "\n  - id:"); j >= 0 {
				s = s[:i+1+j+1]
			}
		}
		f.Add([]byte(s))
	}
	f.Add([]byte("version: 1\nquestions: []\n"))
	f.Add([]byte("version: 1\nquestions:\n  - id: a.b\n    rubric: {concepts: [{id: x, weight: 1e309}]}\n"))
	f.Add([]byte("&a [*a, *a, *a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, errs := Parse("fuzz.yaml", data)
		for _, err := range errs {
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "fuzz.yaml" {
				t.Fatalf("error %v is not a FileError for the file", err)
			}
		}
		for _, q := range got {
			if _, err := q.validate(); err != nil {
				t.Fatalf("returned an invalid question: %v", err)
			}
		}
	})
}

// TestLoadSkipsBadFiles: a user directory with a good file, a broken one,
// a hostile one and a duplicate id loads the good questions (adding to and
// replacing built-in ones) and names every problem's file and line.
func TestLoadSkipsBadFiles(t *testing.T) {
	t.Parallel()
	good := `version: 1
questions:
  - id: rag.support-tickets
    track: rag
    modes: [screen]
    title: Replaced
    prompt: A shorter version of the built-in question.
    minutes: 2
    rubric:
      model_answer: Chunk, embed, retrieve, rerank, evaluate, monitor.
  - id: rag.my-own
    track: rag
    modes: [screen]
    title: Mine
    prompt: What is a reranker for?
    minutes: 1
    rubric:
      model_answer: It reorders retrieved passages by relevance with a stronger model.
`
	dup := strings.Replace(good, "rag.support-tickets", "rag.other", 1)
	dir := fstest.MapFS{
		"good.yaml":    {Data: []byte(good)},
		"sub/dup.yaml": {Data: []byte(dup)},
		"broken.yaml":  {Data: []byte("version: 1\nquestions:\n  - id: [\n")},
		"huge.yaml":    {Data: []byte("version: 1\n# " + strings.Repeat("x", MaxFileBytes) + "\n")},
		"notes.txt":    {Data: []byte("not a question file")},
		"unknown.yml":  {Data: []byte("version: 1\nquestions:\n  - id: rag.x\n    colour: blue\n")},
	}
	b, errs := Load(dir)
	for _, err := range errs {
		t.Log(err)
	}
	want := map[string]bool{"broken.yaml": false, "huge.yaml": false, "sub/dup.yaml": false, "unknown.yml": false}
	for _, err := range errs {
		var fe *FileError
		if !errors.As(err, &fe) {
			t.Fatalf("%v is not a FileError", err)
		}
		want[fe.File] = true
	}
	for f, seen := range want {
		if !seen {
			t.Errorf("no problem reported for %s", f)
		}
	}
	if q, ok := b.Question("rag.support-tickets"); !ok || q.Title != "Replaced" {
		t.Errorf("the user's file did not replace the built-in question: %+v", q)
	}
	if _, ok := b.Question("rag.my-own"); !ok {
		t.Error("the user's new question is missing")
	}
	builtin, _ := Builtin()
	if _, ok := b.Question("rag.other"); !ok {
		t.Error("the duplicate file's valid question is missing")
	}
	if b.Len() != len(builtin)+2 {
		t.Errorf("%d questions, want the %d built-in plus two", b.Len(), len(builtin))
	}
}

// TestModelAnswerOnly: a question with only a model answer gets concepts
// derived from it, which the interviewer can probe.
func TestModelAnswerOnly(t *testing.T) {
	t.Parallel()
	qs, errs := Parse("q.yaml", []byte(`version: 1
questions:
  - id: rag.mine
    track: rag
    modes: [screen]
    title: Rerankers
    prompt: What does a reranker add to retrieval?
    minutes: 2
    rubric:
      model_answer: >-
        A cross-encoder reranker reads the query and each candidate passage together, so it scores relevance
        far better than the bi-encoder embeddings used for the first retrieval. It is too slow for the whole
        corpus, so it reorders only the top fifty candidates, at the cost of extra latency per query.
`))
	if len(errs) > 0 || len(qs) != 1 {
		t.Fatalf("questions %v, errors %v", qs, errs)
	}
	r := qs[0].Rubric
	if len(r.Concepts) < 3 {
		t.Fatalf("derived %d concepts: %+v", len(r.Concepts), r.Concepts)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("derived rubric invalid: %v", err)
	}
	for _, c := range r.Concepts {
		t.Logf("%s (%g): %v", c.Label, c.Weight, c.Cues)
	}
}
