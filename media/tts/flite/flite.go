// Package flite is Viva's embedded interviewer voice: CMU Flite (Debian's
// flite), run as a command for each prompt. Nothing leaves the machine.
//
// The text goes to flite in a file, never on its command line or through a
// shell, so no text can be mistaken for an option and none shows in the
// process list. The audio comes back as a WAV file at the voice's own rate
// (16 kHz for slt, rms, awb and kal16; 8 kHz for kal).
package flite

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/internal/proc"
)

// DefaultVoice is the voice a zero Config uses: the most intelligible of
// flite's voices when transcribed back (media/tts/MEASUREMENTS.md).
const DefaultVoice = "rms"

// Config configures an Engine. Zero values are the documented defaults.
type Config struct {
	// Voice is a voice flite lists with -lv (slt, rms, awb, kal16, kal) or
	// the path of a .flitevox file (default DefaultVoice).
	Voice string
	// Binary is the flite command (default "flite", found on PATH).
	Binary string
	// Concurrency bounds how many flite processes run at once (default
	// GOMAXPROCS).
	Concurrency int
	// TempDir holds each synthesis's text and WAV file while flite runs
	// (default os.TempDir()).
	TempDir string
	// Logger receives timings, never text (default: discard).
	Logger *slog.Logger
}

// Engine speaks with flite. It is safe for concurrent use.
type Engine struct {
	bin, voice, tmp, name string
	limit                 proc.Limiter
	log                   *slog.Logger
}

var _ tts.Synthesizer = (*Engine)(nil)

// New checks that flite is installed and has the voice.
func New(cfg Config) (*Engine, error) {
	if cfg.Voice == "" {
		cfg.Voice = DefaultVoice
	}
	if cfg.Binary == "" {
		cfg.Binary = "flite"
	}
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("flite: config: Concurrency %d is negative", cfg.Concurrency)
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = runtime.GOMAXPROCS(0)
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	bin, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("flite: %w (install Debian's flite, or set the binary)", err)
	}
	if strings.HasPrefix(cfg.Voice, "-") {
		return nil, fmt.Errorf("flite: config: voice %q is not a voice name", cfg.Voice)
	}
	// flite silently speaks with its default voice when given one it does
	// not have, so check the list. A path to a .flitevox file is taken as
	// it is.
	if strings.ContainsRune(cfg.Voice, os.PathSeparator) {
		if _, err := os.Stat(cfg.Voice); err != nil {
			return nil, fmt.Errorf("flite: config: voice file: %w", err)
		}
	} else {
		voices, err := Voices(context.Background(), bin)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(voices, cfg.Voice) {
			return nil, fmt.Errorf("flite: config: no voice %q; flite has %s", cfg.Voice, strings.Join(voices, ", "))
		}
	}
	return &Engine{
		bin:   bin,
		voice: cfg.Voice,
		tmp:   cfg.TempDir,
		name:  "flite:" + strings.TrimSuffix(filepath.Base(cfg.Voice), ".flitevox"),
		limit: proc.NewLimiter(cfg.Concurrency),
		log:   cfg.Logger,
	}, nil
}

// Voices lists the voices built into the flite binary bin.
func Voices(ctx context.Context, bin string) ([]string, error) {
	out, err := proc.Run(ctx, "flite", exec.CommandContext(ctx, bin, "-lv"))
	if err != nil {
		return nil, fmt.Errorf("list voices: %w", err)
	}
	_, list, ok := strings.Cut(string(out), ":")
	if !ok {
		return nil, fmt.Errorf("flite: list voices: unexpected output%s", proc.Quote(string(out)))
	}
	return strings.Fields(list), nil
}

// Name is the engine and voice, as Speech.Engine carries it: "flite:slt".
func (e *Engine) Name() string { return e.name }

// Synthesize speaks text with flite. Text is checked and cleaned by
// tts.CleanText. When ctx ends flite is killed and the error wraps
// ctx.Err(); when flite fails the error wraps tts.ErrUnavailable.
func (e *Engine) Synthesize(ctx context.Context, text string) (tts.Speech, error) {
	text, err := tts.CleanText(text)
	if err != nil {
		return tts.Speech{}, fmt.Errorf("flite: %w", err)
	}
	if err := e.limit.Acquire(ctx); err != nil {
		return tts.Speech{}, fmt.Errorf("flite: %w", err)
	}
	defer e.limit.Release()

	began := time.Now()
	dir, err := os.MkdirTemp(e.tmp, "viva-flite-")
	if err != nil {
		return tts.Speech{}, fmt.Errorf("flite: %w: %v", tts.ErrUnavailable, err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "text.txt"), filepath.Join(dir, "speech.wav")
	if err := os.WriteFile(in, []byte(text), 0o600); err != nil {
		return tts.Speech{}, fmt.Errorf("flite: %w: %v", tts.ErrUnavailable, err)
	}
	if _, err := proc.Run(ctx, "flite", exec.CommandContext(ctx, e.bin, "-voice", e.voice, "-f", in, "-o", out)); err != nil {
		return tts.Speech{}, err
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		return tts.Speech{}, fmt.Errorf("flite: %w: no audio: %v", tts.ErrUnavailable, err)
	}
	clip, err := media.ReadWAV(bytes.NewReader(wav), 0)
	if err != nil {
		return tts.Speech{}, fmt.Errorf("flite: %w: reading its audio: %v", tts.ErrUnavailable, err)
	}
	s := tts.FromClip(clip, e.name)
	if len(s.PCM) == 0 {
		return tts.Speech{}, fmt.Errorf("flite: %w: it gave no audio", tts.ErrUnavailable)
	}
	e.log.LogAttrs(ctx, slog.LevelDebug, "flite synthesised",
		slog.String("voice", e.voice),
		slog.Int("chars", len(text)),
		slog.Int64("audio_ms", s.DurationMS()),
		slog.Int64("latency_ms", time.Since(began).Milliseconds()),
	)
	return s, nil
}
