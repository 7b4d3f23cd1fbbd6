// Command evallm prints the perplexity of ARPA language models on a text,
// one sentence a line, normalised as the domain model's training text is.
//
//	go run ./media/stt/lm/internal/evallm -text media/stt/corpus/heldout/answers.txt A.arpa B.arpa
//
// OOV words are skipped and counted, as SRILM's ngram -ppl does.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/viva-interview/viva/media/stt/lm"
)

func main() {
	text := flag.String("text", "", "file of sentences, one a line")
	dump := flag.String("dump", "", "also write the normalised sentences to this file, one a line (for other toolkits' evaluators)")
	flag.Parse()
	if *text == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: evallm -text FILE MODEL.arpa...")
		os.Exit(2)
	}
	if err := run(*text, *dump, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "evallm:", err)
		os.Exit(1)
	}
}

func run(text, dump string, models []string) error {
	f, err := os.Open(text)
	if err != nil {
		return err
	}
	sentences, err := lm.ReadSentences(f)
	f.Close()
	if err != nil {
		return err
	}
	if dump != "" {
		var b strings.Builder
		for _, s := range sentences {
			b.WriteString(strings.Join(s, " ") + "\n")
		}
		if err := os.WriteFile(dump, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	for _, name := range models {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		m, err := lm.ReadARPA(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		p := m.Perplexity(sentences)
		fmt.Printf("%s: order %d, n-grams %v, %d sentences, %d words, %d OOVs, logprob %.2f, ppl %.2f\n",
			name, m.Order(), m.Counts(), p.Sentences, p.Words, p.OOVs, p.LogProb, p.PPL())
	}
	return nil
}
