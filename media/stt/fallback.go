package stt

import (
	"context"
	"errors"
	"log/slog"
)

// Fallback transcribes with Primary (a remote engine) and, when it is
// unavailable, with Secondary (the embedded engine), telling the candidate
// through Result.Notice. A slow primary is bounded by its own timeout.
type Fallback struct {
	Primary, Secondary Transcriber
	Logger             *slog.Logger // nil discards
}

// Transcribe implements Transcriber.
func (f *Fallback) Transcribe(ctx context.Context, a Audio) (Result, error) {
	r, err := f.Primary.Transcribe(ctx, a)
	if err == nil || !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
		return r, err
	}
	if f.Logger != nil {
		f.Logger.Warn("remote speech engine unavailable; using the embedded engine", "err", err)
	}
	r, err = f.Secondary.Transcribe(ctx, a)
	if err == nil {
		r.Notice = "The remote speech engine did not answer, so this answer was transcribed on this machine."
	}
	return r, err
}
