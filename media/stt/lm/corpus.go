package lm

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// ReadSentences reads one sentence a line and normalises it. Blank lines
// and lines starting with "#" are skipped.
func ReadSentences(r io.Reader) ([][]string, error) {
	var out [][]string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if s := Normalize(line); len(s) > 0 {
			out = append(out, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read sentences: %w", err)
	}
	return out, nil
}

// ReadCorpus reads the sentences of every *.txt file at the top of fsys, in
// file name order.
func ReadCorpus(fsys fs.FS) ([][]string, error) {
	names, err := fs.Glob(fsys, "*.txt")
	if err != nil {
		return nil, fmt.Errorf("list corpus: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("read corpus: no *.txt files: %w", ErrNoSentences)
	}
	var out [][]string
	for _, name := range names {
		s, err := readFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

func readFile(fsys fs.FS, name string) ([][]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	defer f.Close()
	s, err := ReadSentences(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}
