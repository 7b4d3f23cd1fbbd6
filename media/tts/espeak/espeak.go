// Package espeak is an embedded interviewer voice made with eSpeak NG
// (Debian's espeak-ng), run as a command for each prompt. Nothing leaves the
// machine. It is the alternative to media/tts/flite, which transcribes back
// with fewer errors (media/tts/MEASUREMENTS.md).
//
// The text goes to espeak-ng on its standard input, never on its command
// line or through a shell, and SSML is not interpreted. The audio comes back
// on standard output as a WAV at 22,050 Hz.
package espeak

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/viva-interview/viva/media"
	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/internal/proc"
)

// Defaults for a zero Config.
const (
	DefaultVoice = "en-us"
	// DefaultWPM is espeak-ng's own default speed, in words per minute.
	DefaultWPM = 175
	MinWPM     = 80
	MaxWPM     = 450
)

// Config configures an Engine. Zero values are the documented defaults.
type Config struct {
	// Voice is an espeak-ng voice (default "en-us"; see espeak-ng
	// --voices=en).
	Voice string
	// WPM is the speed in words per minute, MinWPM to MaxWPM (default
	// DefaultWPM).
	WPM int
	// Binary is the espeak-ng command (default "espeak-ng", found on PATH).
	Binary string
	// Concurrency bounds how many espeak-ng processes run at once (default
	// GOMAXPROCS).
	Concurrency int
	// Logger receives timings, never text (default: discard).
	Logger *slog.Logger
}

// Engine speaks with espeak-ng. It is safe for concurrent use.
type Engine struct {
	bin, name string
	args      []string
	limit     proc.Limiter
	log       *slog.Logger
}

var _ tts.Synthesizer = (*Engine)(nil)

// New checks that espeak-ng is installed and has the voice.
func New(cfg Config) (*Engine, error) {
	if cfg.Voice == "" {
		cfg.Voice = DefaultVoice
	}
	if cfg.WPM == 0 {
		cfg.WPM = DefaultWPM
	}
	if cfg.WPM < MinWPM || cfg.WPM > MaxWPM {
		return nil, fmt.Errorf("espeak: config: WPM %d is outside %d..%d", cfg.WPM, MinWPM, MaxWPM)
	}
	if cfg.Binary == "" {
		cfg.Binary = "espeak-ng"
	}
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("espeak: config: Concurrency %d is negative", cfg.Concurrency)
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = runtime.GOMAXPROCS(0)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if strings.HasPrefix(cfg.Voice, "-") || strings.ContainsAny(cfg.Voice, " \t\n") {
		return nil, fmt.Errorf("espeak: config: voice %q is not a voice name", cfg.Voice)
	}
	bin, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("espeak: %w (install Debian's espeak-ng, or set the binary)", err)
	}
	// -q speaks nothing but still loads the voice, failing if there is none.
	ctx := context.Background()
	check := exec.CommandContext(ctx, bin, "-v", cfg.Voice, "-q", "--stdin")
	check.Stdin = strings.NewReader("ok")
	if _, err := proc.Run(ctx, "espeak-ng", check); err != nil {
		return nil, fmt.Errorf("espeak: config: voice %q: %w", cfg.Voice, err)
	}
	return &Engine{
		bin:   bin,
		name:  "espeak-ng:" + cfg.Voice + ":" + strconv.Itoa(cfg.WPM),
		args:  []string{"-v", cfg.Voice, "-s", strconv.Itoa(cfg.WPM), "-b", "1", "--stdin", "--stdout"},
		limit: proc.NewLimiter(cfg.Concurrency),
		log:   cfg.Logger,
	}, nil
}

// Name is the engine, voice and speed, as Speech.Engine carries it:
// "espeak-ng:en-us:175".
func (e *Engine) Name() string { return e.name }

// Synthesize speaks text with espeak-ng. Text is checked and cleaned by
// tts.CleanText. When ctx ends espeak-ng is killed and the error wraps
// ctx.Err(); when it fails the error wraps tts.ErrUnavailable.
func (e *Engine) Synthesize(ctx context.Context, text string) (tts.Speech, error) {
	text, err := tts.CleanText(text)
	if err != nil {
		return tts.Speech{}, fmt.Errorf("espeak: %w", err)
	}
	if err := e.limit.Acquire(ctx); err != nil {
		return tts.Speech{}, fmt.Errorf("espeak: %w", err)
	}
	defer e.limit.Release()

	began := time.Now()
	cmd := exec.CommandContext(ctx, e.bin, e.args...)
	cmd.Stdin = strings.NewReader(text)
	wav, err := proc.Run(ctx, "espeak-ng", cmd)
	if err != nil {
		return tts.Speech{}, err
	}
	// espeak-ng writes to a pipe with a placeholder data size; ReadWAV
	// reads such a file to its end.
	clip, err := media.ReadWAV(bytes.NewReader(wav), 0)
	if err != nil {
		return tts.Speech{}, fmt.Errorf("espeak: %w: reading its audio: %v", tts.ErrUnavailable, err)
	}
	s := tts.FromClip(clip, e.name)
	if len(s.PCM) == 0 {
		return tts.Speech{}, fmt.Errorf("espeak: %w: it gave no audio", tts.ErrUnavailable)
	}
	e.log.LogAttrs(ctx, slog.LevelDebug, "espeak-ng synthesised",
		slog.String("engine", e.name),
		slog.Int("chars", len(text)),
		slog.Int64("audio_ms", s.DurationMS()),
		slog.Int64("latency_ms", time.Since(began).Milliseconds()),
	)
	return s, nil
}
