package lm

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Paths of the dictionaries and the acoustic model, relative to this package.
const (
	domainDictPath  = "../sphinx/model/domain.dict"
	debianModelDir  = "/usr/share/pocketsphinx/model/en-us"
	genericDictName = "cmudict-en-us.dict"
	mdefName        = "en-us/mdef"
)

// pron is one dictionary line.
type pron struct {
	word, base string // base drops the "(2)" of an alternate
	phones     []string
	line       int
}

// readDict reads a CMU Sphinx dictionary: "word PH PH …" a line.
func readDict(t *testing.T, name string) []pron {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []pron
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		base, _, _ := strings.Cut(fields[0], "(")
		out = append(out, pron{word: fields[0], base: base, phones: fields[1:], line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// debianModel returns the Debian model directory, or skips the test.
func debianModel(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(debianModelDir, mdefName)); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("the PocketSphinx en-us model is not installed at %s (apt-get install pocketsphinx-en-us)", debianModelDir)
	}
	return debianModelDir
}

// TestDomainDictFormat checks the domain dictionary's own rules, which need
// no installed model: lower-case words in byte order, no duplicates, an
// alternate only after its base word.
func TestDomainDictFormat(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	var words []string
	for _, p := range readDict(t, domainDictPath) {
		if len(p.phones) == 0 {
			t.Errorf("line %d: %q has no phones", p.line, p.word)
		}
		if p.word != strings.ToLower(p.word) {
			t.Errorf("line %d: %q is not lower case", p.line, p.word)
		}
		if seen[p.word] {
			t.Errorf("line %d: %q is a duplicate", p.line, p.word)
		}
		if p.word != p.base && !seen[p.base] {
			t.Errorf("line %d: alternate %q comes before its base word", p.line, p.word)
		}
		if got := Normalize(p.base); len(got) != 1 || got[0] != p.base {
			t.Errorf("line %d: %q is not a token Normalize emits (it gives %q)", p.line, p.base, got)
		}
		seen[p.word] = true
		words = append(words, p.word)
	}
	if !slices.IsSorted(words) {
		t.Error("domain.dict is not in byte order (LC_ALL=C sort)")
	}
	// The hyphenated words are exactly the compounds Normalize keeps, and
	// every digit term has a pronunciation.
	var hyphenated []string
	for w := range seen {
		if strings.Contains(w, "-") && !strings.Contains(w, "(") {
			hyphenated = append(hyphenated, w)
		}
	}
	slices.Sort(hyphenated)
	if want := slices.Sorted(maps.Keys(compounds)); !slices.Equal(hyphenated, want) {
		t.Errorf("hyphenated words of domain.dict %q differ from the compounds of normalize.go %q", hyphenated, want)
	}
	for w := range digitTerms {
		if !seen[w] {
			t.Errorf("digit term %q has no entry in domain.dict", w)
		}
	}
}

// TestDictionaries checks, against the installed Debian model, that every
// token of the corpus and every word Normalize can emit on its own has a
// pronunciation, that every phone is one the acoustic model knows, and
// that domain.dict adds nothing the generic dictionary already has.
func TestDictionaries(t *testing.T) {
	t.Parallel()
	dir := debianModel(t)
	phones := readPhones(t, filepath.Join(dir, mdefName))
	generic := readDict(t, filepath.Join(dir, genericDictName))
	domain := readDict(t, domainDictPath)

	known := map[string]bool{}
	genericProns := map[string]bool{}
	for _, p := range generic {
		known[p.base] = true
		genericProns[p.base+" "+strings.Join(p.phones, " ")] = true
	}
	for _, p := range domain {
		known[p.base] = true
		if genericProns[p.base+" "+strings.Join(p.phones, " ")] {
			t.Errorf("domain.dict line %d: %q repeats a pronunciation of the generic dictionary", p.line, p.word)
		}
		for _, ph := range p.phones {
			if !phones[ph] {
				t.Errorf("domain.dict line %d: %q uses phone %q, not in the model's phone set", p.line, p.word, ph)
			}
		}
	}

	missing := map[string]bool{}
	for _, line := range corpusLines(t) {
		for _, tok := range Normalize(line) {
			if !known[tok] {
				missing[tok] = true
			}
		}
	}
	// Words Normalize writes for numbers and symbols.
	var emitted []string
	emitted = append(emitted, ones[:]...)
	emitted = append(emitted, tens[2:]...)
	emitted = append(emitted, scales[1:]...)
	emitted = append(emitted, "hundred", "point", "at", "percent", "and", "plus", "dollars", "to")
	for _, o := range ordinalOf {
		emitted = append(emitted, o)
	}
	for _, u := range units {
		emitted = append(emitted, u)
	}
	for _, a := range aliases {
		emitted = append(emitted, a)
	}
	for _, a := range abbreviations {
		emitted = append(emitted, a...)
	}
	for _, w := range emitted {
		if !known[w] {
			missing[w] = true
		}
	}
	if len(missing) > 0 {
		t.Errorf("no pronunciation in %s or domain.dict for %q", genericDictName, slices.Sorted(maps.Keys(missing)))
	}
}

// readPhones reads the base (context-independent) phones of a PocketSphinx
// model definition, binary ("BMDF") or text ("0.3").
func readPhones(t *testing.T, name string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	if bytes.HasPrefix(b, []byte("BMDF")) || bytes.HasPrefix(b, []byte("FDMB")) {
		list = binaryPhones(t, b)
	} else {
		list = textPhones(b)
	}
	if len(list) < 30 {
		t.Fatalf("%s: read %d phones %q, want the ~40 of an English model", name, len(list), list)
	}
	phones := map[string]bool{}
	for _, p := range list {
		phones[p] = true
	}
	return phones
}

// binaryPhones reads sphinxbase's binary mdef: magic, version, header
// length, header text, then ten int32 counts (the first is the number of
// base phones) and the base phones as NUL-terminated strings.
func binaryPhones(t *testing.T, b []byte) []string {
	t.Helper()
	var order binary.ByteOrder = binary.LittleEndian
	if string(b[:4]) == "FDMB" {
		order = binary.BigEndian
	}
	if len(b) < 12 {
		t.Fatal("mdef: truncated")
	}
	off := 12 + int(order.Uint32(b[8:12]))
	if off+40 > len(b) {
		t.Fatal("mdef: truncated header")
	}
	n := int(order.Uint32(b[off:]))
	rest := b[off+40:]
	var list []string
	for range n {
		s, after, ok := bytes.Cut(rest, []byte{0})
		if !ok {
			t.Fatal("mdef: truncated phone list")
		}
		list = append(list, string(s))
		rest = after
	}
	return list
}

// textPhones reads the base phones of a text mdef: lines "PH - - - …".
func textPhones(b []byte) []string {
	var list []string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) > 4 && f[1] == "-" && f[2] == "-" && f[3] == "-" {
			list = append(list, f[0])
		}
	}
	return list
}
