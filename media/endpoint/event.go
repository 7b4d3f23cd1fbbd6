package endpoint

import "time"

// Kind is what an Event reports.
type Kind int

// The decisions an Endpointer reports.
const (
	// SpeechStarted: the candidate's turn began. Stamped at the onset of the
	// speech, once MinSpeech of it (or BargeIn of it, over the interviewer)
	// has been heard.
	SpeechStarted Kind = iota + 1
	// Pause: silence began inside a turn. Stamped at its onset.
	Pause
	// Resumed: speech came back before the turn ended. Stamped at its onset.
	Resumed
	// ThinkingExtended: the silence reached Config.Silence but the words so
	// far look unfinished, so the Endpointer waits up to
	// Config.MaxThinking. Reported at most once per pause, when decided.
	ThinkingExtended
	// EndOfTurn: the candidate has finished. Stamped when decided, which is
	// the onset of the silence plus Config.Silence or Config.MaxThinking, to
	// the frame.
	EndOfTurn
	// BargeIn: the candidate spoke over the interviewer for at least
	// Config.BargeIn. Stamped at the onset of the speech and always
	// followed by the SpeechStarted of the turn it begins.
	BargeIn
	// Backchannel: shorter speech over the interviewer ("mm-hm", a cough);
	// it is ignored and reported when it ends. Stamped at its onset.
	Backchannel
	// Split is never reported by an Endpointer: it is the media path's
	// mark where it cut a long stretch of speech without a pause, at its
	// quietest moment, so that speech recognition keeps pace with the
	// candidate. Stamped at the cut.
	Split
)

var kindNames = [...]string{
	SpeechStarted:    "speech_started",
	Pause:            "pause",
	Resumed:          "resumed",
	ThinkingExtended: "thinking_extended",
	EndOfTurn:        "end_of_turn",
	BargeIn:          "barge_in",
	Backchannel:      "backchannel",
	Split:            "split",
}

// String returns the snake_case name of k, as used in logs and events.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Event is one decision: what happened, when on the interview's time base,
// and why. Reason is human-readable ("800 ms silence after a finished
// sentence") and never empty. It names a word only when the word is one of
// Config.Unfinished, never the candidate's other words.
type Event struct {
	Kind   Kind
	At     time.Duration
	Reason string
}

// String formats e for test failures and logs.
func (e Event) String() string {
	return e.Kind.String() + "@" + e.At.String() + ": " + e.Reason
}
