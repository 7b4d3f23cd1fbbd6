// Command fliteprons adds flite's letter-to-sound pronunciations of the
// domain's words as alternates: for every word of the domain dictionary and
// every token of the training terms, it asks flite's t2p (Debian's flite
// package) how the word is said and keeps the answers that neither the
// generic nor the domain dictionary already has. Acronyms such as pgvector
// or JSON come out spelled letter by letter, a way people say them too.
// Run it through "go generate ./media/stt/lm".
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/viva-interview/viva/media/stt/lm"
)

func main() {
	generic := flag.String("generic", "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict", "generic dictionary")
	domain := flag.String("domain", "", "domain dictionary")
	terms := flag.String("terms", "", "training terms, one a line")
	out := flag.String("out", "", "dictionary of alternates to write")
	flag.Parse()
	if *domain == "" || *terms == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*generic, *domain, *terms, *out); err != nil {
		fmt.Fprintln(os.Stderr, "fliteprons:", err)
		os.Exit(1)
	}
}

func run(genericPath, domainPath, termsPath, out string) error {
	known := map[string][]string{} // word -> pronunciations
	var words []string
	for _, p := range []string{genericPath, domainPath} {
		err := readDict(p, func(word, phones string) {
			if _, seen := known[word]; !seen && p == domainPath {
				words = append(words, word)
			}
			known[word] = append(known[word], phones)
		})
		if err != nil {
			return err
		}
	}
	b, err := os.ReadFile(termsPath)
	if err != nil {
		return err
	}
	for _, tok := range lm.Normalize(string(b)) {
		if !slices.Contains(words, tok) {
			words = append(words, tok)
		}
	}
	slices.Sort(words)
	var lines []string
	for _, w := range words {
		if _, ok := known[w]; !ok {
			continue // not a dictionary word: nothing to add an alternate to
		}
		phones, err := t2p(w)
		if err != nil {
			return err
		}
		if phones == "" || slices.Contains(known[w], phones) {
			continue
		}
		n := len(known[w]) + 1
		known[w] = append(known[w], phones)
		lines = append(lines, fmt.Sprintf("%s(%d) %s", w, n, phones))
	}
	return os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func readDict(path string, add func(word, phones string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		word, _, _ := strings.Cut(fields[0], "(")
		add(word, strings.Join(fields[1:], " "))
	}
	return sc.Err()
}

// flite's phones that the en-us acoustic model names differently.
var phoneMap = map[string]string{"AX": "AH", "AXR": "ER"}

func t2p(word string) (string, error) {
	out, err := exec.Command("t2p", word).Output()
	if err != nil {
		return "", fmt.Errorf("t2p %q: %w (install Debian's flite)", word, err)
	}
	var phones []string
	for _, p := range strings.Fields(string(out)) {
		if p == "pau" {
			continue
		}
		p = strings.ToUpper(strings.TrimRight(p, "012"))
		if m, ok := phoneMap[p]; ok {
			p = m
		}
		phones = append(phones, p)
	}
	return strings.Join(phones, " "), nil
}
