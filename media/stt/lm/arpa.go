package lm

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteARPA writes the model as an ARPA file: comment lines, the \data\
// counts, each order's n-grams in byte order of their words with a tab
// between fields, and \end\. Log10 probabilities and back-off weights have
// six decimals; back-off weights appear on the n-grams that are contexts.
func (m *Model) WriteARPA(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, c := range m.comment {
		bw.WriteString("# " + c + "\n")
	}
	bw.WriteString("\n\\data\\\n")
	for n, g := range m.grams {
		fmt.Fprintf(bw, "ngram %d=%d\n", n+1, len(g))
	}
	var line []byte
	for n, g := range m.grams {
		fmt.Fprintf(bw, "\n\\%d-grams:\n", n+1)
		for _, k := range sortedKeys(g) {
			e := g[k]
			line = strconv.AppendFloat(line[:0], e.logProb, 'f', 6, 64)
			line = append(line, '\t')
			line = append(line, strings.ReplaceAll(k, " ", "\t")...)
			if e.hasBackoff && n+1 < len(m.grams) {
				line = append(line, '\t')
				line = strconv.AppendFloat(line, e.logBackoff, 'f', 6, 64)
			}
			line = append(line, '\n')
			bw.Write(line)
		}
	}
	bw.WriteString("\n\\end\\\n")
	return bw.Flush()
}

// ReadARPA reads an ARPA file, such as one from WriteARPA, SRILM, KenLM or
// IRSTLM's compile-lm. Lines before \data\ are ignored.
func ReadARPA(r io.Reader) (*Model, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	lineNo := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: line %d: %s", ErrBadARPA, lineNo, fmt.Sprintf(format, args...))
	}
	next := func() (string, bool) {
		for sc.Scan() {
			lineNo++
			if s := strings.TrimSpace(sc.Text()); s != "" {
				return s, true
			}
		}
		return "", false
	}

	line, ok := next()
	for ok && line != `\data\` {
		line, ok = next()
	}
	if !ok {
		return nil, readErr(sc, fmt.Errorf("%w: no \\data\\ section", ErrBadARPA))
	}
	var counts []int
	for line, ok = next(); ok && strings.HasPrefix(line, "ngram "); line, ok = next() {
		ns, cs, found := strings.Cut(strings.TrimPrefix(line, "ngram "), "=")
		n, err1 := strconv.Atoi(strings.TrimSpace(ns))
		c, err2 := strconv.Atoi(strings.TrimSpace(cs))
		if !found || err1 != nil || err2 != nil || n != len(counts)+1 || c < 0 {
			return nil, bad("bad count line %q", line)
		}
		counts = append(counts, c)
	}
	if len(counts) == 0 || len(counts) > MaxOrder {
		return nil, bad("%d orders: want 1 to %d", len(counts), MaxOrder)
	}
	m := &Model{grams: make([]map[string]gram, len(counts))}
	for n := 1; n <= len(counts); n++ {
		if !ok || line != fmt.Sprintf(`\%d-grams:`, n) {
			return nil, readErr(sc, bad("want \\%d-grams:, got %q", n, line))
		}
		g := make(map[string]gram, counts[n-1])
		for line, ok = next(); ok && !strings.HasPrefix(line, `\`); line, ok = next() {
			f := strings.Fields(line)
			if len(f) != n+1 && len(f) != n+2 {
				return nil, bad("%d fields in a %d-gram", len(f), n)
			}
			var e gram
			var err error
			if e.logProb, err = strconv.ParseFloat(f[0], 64); err != nil {
				return nil, bad("probability %q", f[0])
			}
			if len(f) == n+2 {
				if e.logBackoff, err = strconv.ParseFloat(f[n+1], 64); err != nil {
					return nil, bad("back-off weight %q", f[n+1])
				}
				e.hasBackoff = true
			}
			g[strings.Join(f[1:n+1], " ")] = e
		}
		if len(g) != counts[n-1] {
			return nil, bad("%d %d-grams, \\data\\ says %d", len(g), n, counts[n-1])
		}
		m.grams[n-1] = g
	}
	if !ok || line != `\end\` {
		return nil, readErr(sc, bad("want \\end\\, got %q", line))
	}
	return m, nil
}

// readErr prefers the scanner's error to err.
func readErr(sc *bufio.Scanner, err error) error {
	if e := sc.Err(); e != nil {
		return fmt.Errorf("read ARPA: %w", e)
	}
	return err
}
