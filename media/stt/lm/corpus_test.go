package lm

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Corpus paths, relative to this package.
const (
	trainDir   = "../corpus/train"
	heldoutDir = "../corpus/heldout"
)

// readLines returns the non-blank, non-comment lines of a corpus file.
func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// corpusLines is every sentence and term of the training and held-out
// corpora.
func corpusLines(t *testing.T) []string {
	t.Helper()
	var lines []string
	for _, name := range []string{
		filepath.Join(trainDir, "answers.txt"),
		filepath.Join(trainDir, "terms.txt"),
		filepath.Join(heldoutDir, "answers.txt"),
	} {
		lines = append(lines, readLines(t, name)...)
	}
	return lines
}
