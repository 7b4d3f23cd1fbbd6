package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/viva-interview/viva/media/stt/accuracy"
	"github.com/viva-interview/viva/media/stt/corpus"
)

type sttEvalCmd struct {
	Voices []string `default:"flite:kal16,flite:slt,flite:rms,flite:awb,espeak-ng:en-us,flite:slt+noise" env:"VIVA_EVAL_VOICES" help:"Voices to speak the answers: flite:NAME or espeak-ng:NAME, with +noise for 20 dB white noise."`
	Corpus string   `env:"VIVA_EVAL_CORPUS" help:"Directory with answers.txt and terms.txt (default: the built-in held-out answers)."`
	Limit  int      `env:"VIVA_EVAL_LIMIT" help:"Use only the first N answers (0: all)."`
	JSON   bool     `help:"Print the figures as JSON instead of a table."`
	sttFlags
}

func (c *sttEvalCmd) Run(g *Globals) error {
	log := g.logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var dir fs.FS = corpus.Heldout()
	if c.Corpus != "" {
		dir = os.DirFS(c.Corpus)
	}
	samples, err := accuracy.Load(dir)
	if err != nil {
		return fmt.Errorf("load corpus: %w", err)
	}
	if c.Limit > 0 && c.Limit < len(samples) {
		samples = samples[:c.Limit]
	}
	c.STTDecoders = 1 // one at a time, so decode time is per core
	engine, closer, err := c.engine(log)
	if err != nil {
		return err
	}
	defer closer.Close()
	tmp, err := os.MkdirTemp("", "viva-stt-eval")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var rows []accuracy.Row
	for _, v := range c.Voices {
		speak, err := accuracy.Voice(v).Speaker(tmp)
		if err != nil {
			return err
		}
		row, err := accuracy.Measure(ctx, engine, v, speak, samples, func(i int) {
			fmt.Fprintf(g.stderr, "\r%-24s %3d/%d", v, i+1, len(samples))
		})
		fmt.Fprintln(g.stderr)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	if c.JSON {
		type out struct {
			accuracy.Row
			WER, TermRecall, RTF float64
		}
		var res []out
		for _, r := range rows {
			res = append(res, out{r, r.WER(), r.TermRecall(), r.RTF()})
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(g.stdout, "engine %s, domain weight %v, %d answers\n\n", c.STT, c.DomainWeight, len(samples))
	fmt.Fprintln(g.stdout, "| voice | WER | term recall | RTF (1 core) | latency p50 | latency p95 |")
	fmt.Fprintln(g.stdout, "|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(g.stdout, "| %s | %.1f%% | %.1f%% (%d/%d) | %.2f | %d ms | %d ms |\n", r.Voice, 100*r.WER(),
			100*r.TermRecall(), r.TermsFound, r.Terms, r.RTF(), r.LatencyP50.Milliseconds(), r.LatencyP95.Milliseconds())
	}
	missed := map[string]int{}
	for _, r := range rows {
		for _, m := range r.Missed {
			missed[strings.ToLower(m)]++
		}
	}
	if len(missed) > 0 {
		fmt.Fprintf(g.stdout, "\nmost missed terms:")
		for _, m := range topMissed(missed, 12) {
			fmt.Fprintf(g.stdout, " %s (%d)", m, missed[m])
		}
		fmt.Fprintln(g.stdout)
	}
	return nil
}

func topMissed(m map[string]int, n int) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return keys[:min(n, len(keys))]
}
