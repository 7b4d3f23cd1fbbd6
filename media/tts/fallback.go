package tts

import (
	"context"
	"errors"
	"log/slog"
)

// FallbackNotice is the Notice on speech the secondary engine made because
// the primary was unavailable.
const FallbackNotice = "The remote voice did not answer, so the interviewer's voice comes from this machine."

// Fallback synthesises with Primary (a remote engine) and, when it is
// unavailable, with Secondary (the embedded engine), saying so in
// Speech.Notice. A slow primary is bounded by its own timeout.
type Fallback struct {
	Primary, Secondary Synthesizer
	Logger             *slog.Logger // nil discards
}

var _ Synthesizer = (*Fallback)(nil)

// Synthesize implements Synthesizer. Errors other than ErrUnavailable (empty
// or over-long text, a cancelled ctx) are returned as they are.
func (f *Fallback) Synthesize(ctx context.Context, text string) (Speech, error) {
	s, err := f.Primary.Synthesize(ctx, text)
	if err == nil || !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
		return s, err
	}
	if f.Logger != nil {
		f.Logger.Warn("remote voice unavailable; using the embedded voice", "err", err)
	}
	s, err = f.Secondary.Synthesize(ctx, text)
	if err == nil {
		s.Notice = FallbackNotice
	}
	return s, err
}
