package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/stt"
)

type transcribeCmd struct {
	File     string `arg:"" type:"existingfile" help:"WAV file to transcribe (any rate, channels, 8/16/24/32-bit or float)."`
	JSON     bool   `help:"Print JSON: the text and every word with its start/end (ms) and confidence."`
	MaxBytes int64  `default:"536870912" env:"VIVA_MAX_AUDIO_BYTES" help:"Largest audio data accepted."`
	sttFlags
}

// transcript is what `viva transcribe --json` prints.
type transcript struct {
	File       string      `json:"file"`
	DurationMS int64       `json:"duration_ms"`
	Engine     string      `json:"engine"`
	Text       string      `json:"text"`
	Words      []viva.Word `json:"words"`
	Notices    []string    `json:"notices,omitempty"`
	Reason     string      `json:"reason,omitempty"`
}

func (c *transcribeCmd) Run(g *Globals) error {
	log := g.logger()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	clip, err := media.ReadWAV(f, c.MaxBytes)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", c.File, err)
	}
	engine, closer, err := c.engine(log)
	if err != nil {
		return err
	}
	defer closer.Close()

	audio := stt.Audio{PCM: clip.To16k()}
	out := transcript{File: c.File, DurationMS: audio.DurationMS(), Words: []viva.Word{}}
	chunks := stt.Chunks(audio, 30_000)
	var texts []string
	for i, chunk := range chunks {
		if len(chunks) > 1 {
			fmt.Fprintf(g.stderr, "transcribing %d/%d (%.0f s of %.0f s)\n", i+1, len(chunks),
				float64(chunk.StartMS)/1000, float64(audio.DurationMS())/1000)
		}
		r, err := engine.Transcribe(ctx, chunk)
		if err != nil {
			return fmt.Errorf("%s at %.1f s: %w", c.File, float64(chunk.StartMS)/1000, err)
		}
		out.Engine = r.Engine
		if r.Text != "" {
			texts = append(texts, r.Text)
		}
		out.Words = append(out.Words, r.Words...)
		if r.Notice != "" {
			out.Notices = append(out.Notices, r.Notice)
		}
		if r.Reason != "" && len(chunks) == 1 {
			out.Reason = r.Reason
		}
	}
	out.Text = strings.Join(texts, " ")
	if out.Text == "" && out.Reason == "" {
		out.Reason = "no speech recognised"
	}
	if c.JSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, n := range out.Notices {
		fmt.Fprintln(g.stderr, "note:", n)
	}
	if out.Text == "" {
		fmt.Fprintf(g.stderr, "no transcript: %s\n", out.Reason)
		return nil
	}
	fmt.Fprintln(g.stdout, out.Text)
	return nil
}
