package lm

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCorpusSizes checks the corpus has the size the accuracy harness
// relies on.
func TestCorpusSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		min  int
	}{
		{filepath.Join(trainDir, "answers.txt"), 150},
		{filepath.Join(trainDir, "terms.txt"), 120},
		{filepath.Join(heldoutDir, "answers.txt"), 48},
	}
	for _, tt := range tests {
		if n := len(readLines(t, tt.file)); n < tt.min {
			t.Errorf("%s: %d lines, want at least %d", tt.file, n, tt.min)
		}
	}
}

// TestHeldoutTerms checks heldout/terms.txt: one "N<TAB>term|term…" line per
// held-out sentence, at least two terms each, every term a line of
// train/terms.txt and present in its sentence once both are normalised.
func TestHeldoutTerms(t *testing.T) {
	t.Parallel()
	sentences := readLines(t, filepath.Join(heldoutDir, "answers.txt"))
	vocabulary := map[string]bool{}
	for _, term := range readLines(t, filepath.Join(trainDir, "terms.txt")) {
		vocabulary[strings.Join(Normalize(term), " ")] = true
	}
	covered := make([]bool, len(sentences))
	for _, line := range readLines(t, filepath.Join(heldoutDir, "terms.txt")) {
		num, list, ok := strings.Cut(line, "\t")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 || n > len(sentences) {
			t.Errorf("terms.txt: line %q: want N<TAB>term|term with 1 <= N <= %d", line, len(sentences))
			continue
		}
		if covered[n-1] {
			t.Errorf("terms.txt: sentence %d listed twice", n)
		}
		covered[n-1] = true
		terms := strings.Split(list, "|")
		if len(terms) < 2 {
			t.Errorf("sentence %d: %d key terms, want at least 2", n, len(terms))
		}
		hyp := Normalize(sentences[n-1])
		for _, term := range terms {
			want := Normalize(term)
			if !vocabulary[strings.Join(want, " ")] {
				t.Errorf("sentence %d: term %q is not in train/terms.txt", n, term)
			}
			if !containsRun(hyp, want) {
				t.Errorf("sentence %d: term %q not in %q", n, term, sentences[n-1])
			}
		}
	}
	for i, c := range covered {
		if !c {
			t.Errorf("terms.txt: no line for sentence %d", i+1)
		}
	}
}

// TestHeldoutNotInTraining checks no held-out sentence is also a training
// sentence.
func TestHeldoutNotInTraining(t *testing.T) {
	t.Parallel()
	train := map[string]bool{}
	for _, name := range []string{"answers.txt", "terms.txt"} {
		for _, l := range readLines(t, filepath.Join(trainDir, name)) {
			train[strings.Join(Normalize(l), " ")] = true
		}
	}
	for i, l := range readLines(t, filepath.Join(heldoutDir, "answers.txt")) {
		if train[strings.Join(Normalize(l), " ")] {
			t.Errorf("held-out sentence %d is in the training corpus: %q", i+1, l)
		}
	}
}

func containsRun(hay, needle []string) bool {
	for i := 0; i+len(needle) <= len(hay); i++ {
		if slices.Equal(hay[i:i+len(needle)], needle) {
			return true
		}
	}
	return false
}
