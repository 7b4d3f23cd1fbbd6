package peer

import (
	"log/slog"

	"github.com/viva-interview/viva/media/endpoint"
)

// Event is one endpointer decision on the candidate's audio.
type Event struct {
	endpoint.Event
	// Segment is the turn's audio not reported before, set on Pause and
	// EndOfTurn events: at a pause, the speech since the turn's onset or its
	// previous pause; at the end of the turn, the speech after the last
	// pause (usually none: a turn ends in a pause; a turn cut short by a
	// closing connection has some). A turn's segments, in order, are its
	// whole audio; silence that ended the turn is not included.
	Segment *Utterance
}

// Utterance is a stretch of the candidate's audio: 16 kHz mono PCM.
type Utterance struct {
	// StartMS is where it starts on the interview's time base.
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
