package peer

import (
	"log/slog"

	"github.com/viva-interview/viva/media/endpoint"
)

// Event is one endpointer decision on the candidate's audio. Utterance is
// set only when Kind is endpoint.EndOfTurn.
type Event struct {
	endpoint.Event
	Utterance *Utterance
}

// Utterance is the audio of one finished turn: 16 kHz mono PCM from the onset
// of its speech to the end of it (the trailing silence that ended the turn is
// not included).
type Utterance struct {
	// StartMS is the onset of the speech on the interview's time base.
	StartMS int64
	// PCM is the turn's audio at 16 kHz.
	PCM []int16
}

// LogValue redacts the audio, which is personal data.
func (u Utterance) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("start_ms", u.StartMS),
		slog.Int("samples", len(u.PCM)),
	)
}
