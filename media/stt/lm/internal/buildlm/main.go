// Command buildlm builds the domain language model of the embedded speech
// engine: it normalises the *.txt files of a corpus directory, one sentence
// a line, estimates an interpolated modified Kneser–Ney model and writes it
// as ARPA. Run it through "go generate ./media/stt/lm".
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/viva-interview/viva/media/stt/lm"
)

func main() {
	corpus := flag.String("corpus", "", "directory whose *.txt files are the training sentences, one a line")
	out := flag.String("out", "", "ARPA file to write")
	order := flag.Int("order", 3, "n-gram order")
	text := flag.String("text", "", "also write the normalised sentences to this file, one a line (for other toolkits)")
	flag.Parse()
	if *corpus == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*corpus, *out, *text, *order); err != nil {
		fmt.Fprintln(os.Stderr, "buildlm:", err)
		os.Exit(1)
	}
}

func run(corpus, out, text string, order int) error {
	sentences, err := lm.ReadCorpus(os.DirFS(corpus))
	if err != nil {
		return err
	}
	m, err := lm.Build(sentences, lm.Options{Order: order})
	if err != nil {
		return err
	}
	if err := writeFile(out, m.WriteARPA); err != nil {
		return err
	}
	if text == "" {
		return nil
	}
	return writeFile(text, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for _, s := range sentences {
			bw.WriteString(strings.Join(s, " ") + "\n")
		}
		return bw.Flush()
	})
}

// writeFile writes through a temporary file renamed into place, so a failed
// run never leaves half a model.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".buildlm-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
