package interviewer

import (
	"embed"
	"io/fs"
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
