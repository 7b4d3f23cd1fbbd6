// Package proc runs the command-line synthesisers the embedded engines
// wrap: never through a shell, bounded in number, stopped when the caller's
// context ends.
package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
	"unicode"

	"github.com/viva-interview/viva/media/tts"
)

const (
	// maxStderr bounds how much of a synthesiser's error output goes into
	// an error.
	maxStderr = 200
	// waitDelay bounds how long a killed synthesiser may hold its pipes.
	waitDelay = time.Second
)

// Limiter bounds how many synthesiser processes run at once.
type Limiter chan struct{}

// NewLimiter allows n processes at once.
func NewLimiter(n int) Limiter { return make(Limiter, n) }

// Acquire waits for a slot until ctx ends.
func (l Limiter) Acquire(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release frees a slot.
func (l Limiter) Release() { <-l }

// Run runs cmd, made with exec.CommandContext(ctx, …), and returns its
// standard output. When ctx ends the error wraps ctx.Err(); any other
// failure (missing binary, non-zero exit) wraps tts.ErrUnavailable and
// carries the start of the command's error output, which the synthesisers
// never fill with the text they were given.
func Run(ctx context.Context, engine string, cmd *exec.Cmd) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &stdout
	}
	cmd.Stderr = &stderr
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %w", engine, ctx.Err())
	}
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("%s: %w: %s%s", engine, tts.ErrUnavailable, exit, Quote(stderr.String()))
		}
		return nil, fmt.Errorf("%s: %w: %v", engine, tts.ErrUnavailable, err)
	}
	return stdout.Bytes(), nil
}

// Quote is ": " and the start of a command's error output, printable and on
// one line, or "" if it said nothing.
func Quote(out string) string {
	out = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, out)), " ")
	if out == "" {
		return ""
	}
	if r := []rune(out); len(r) > maxStderr {
		out = string(r[:maxStderr]) + "…"
	}
	return ": " + out
}
