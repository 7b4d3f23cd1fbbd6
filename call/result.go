package call

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Result is what a call did. Run returns it filled as far as the call got,
// with an error or without.
type Result struct {
	// Session is the session the call talked to (uuid.Nil if it never got
	// one).
	Session uuid.UUID
	// Ended is the reason in the server's ended message ("completed",
	// "candidate", "time_up", "abandoned", "error"), or "" if none came.
	Ended string
	// Turns has one entry per answer started, in order.
	Turns []Turn
	// Sent counts the RTP packets the microphone produced after the peer
	// connection bound its track, Dropped those of them the impairment
	// dropped, and Received the interviewer's RTP packets that arrived.
	Sent, Dropped, Received int
	// Duration is the call's length, from Run's start to its end.
	Duration time.Duration
	// Err is the error Run returned, kept with the result for callers that
	// collect many (load tests).
	Err error
}

// Turn is one answer and the interviewer's reply to it. Times are since
// the call started.
type Turn struct {
	// Answer is the answer's index in Config.Answers; Name its name.
	Answer int
	Name   string
	// Start is when the answer's first frame was sent.
	Start time.Duration
	// SpeechEnd is when the last loud frame of the answer (peak above 1% of
	// full scale) was sent; 0 if the answer never got there or is silent.
	SpeechEnd time.Duration
	// FirstReply is when the first packet of the interviewer's reply
	// arrived after SpeechEnd; 0 if none did.
	FirstReply time.Duration
	// Latency is FirstReply - SpeechEnd, or 0 without a reply.
	Latency time.Duration
}

type turnJSON struct {
	Answer       int    `json:"answer"`
	Name         string `json:"name,omitempty"`
	StartMS      int64  `json:"start_ms"`
	SpeechEndMS  int64  `json:"speech_end_ms,omitempty"`
	FirstReplyMS int64  `json:"first_reply_ms,omitempty"`
	LatencyMS    int64  `json:"latency_ms,omitempty"`
}

// MarshalJSON renders the turn with its times in milliseconds: answer,
// name, start_ms, speech_end_ms, first_reply_ms, latency_ms (the last three
// omitted when zero).
func (t Turn) MarshalJSON() ([]byte, error) {
	return json.Marshal(turnJSON{
		Answer: t.Answer, Name: t.Name, StartMS: ms(t.Start), SpeechEndMS: ms(t.SpeechEnd),
		FirstReplyMS: ms(t.FirstReply), LatencyMS: ms(t.Latency),
	})
}

// MarshalJSON renders the result as the summary line of `viva call`:
// {"type":"call.result","t_ms":…,"session":…,"ended":…,"turns":[…],
// "sent":…,"dropped":…,"received":…,"error":…}.
func (r Result) MarshalJSON() ([]byte, error) {
	out := struct {
		Type     string    `json:"type"`
		TMS      int64     `json:"t_ms"`
		Session  uuid.UUID `json:"session"`
		Ended    string    `json:"ended"`
		Turns    []Turn    `json:"turns"`
		Sent     int       `json:"sent"`
		Dropped  int       `json:"dropped"`
		Received int       `json:"received"`
		Error    string    `json:"error,omitempty"`
	}{
		Type: "call.result", TMS: ms(r.Duration), Session: r.Session, Ended: r.Ended, Turns: r.Turns,
		Sent: r.Sent, Dropped: r.Dropped, Received: r.Received,
	}
	if out.Turns == nil {
		out.Turns = []Turn{}
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return json.Marshal(out)
}

// tracker keeps the turns and times the interviewer's replies. The
// microphone reports answers, the track reader packets.
type tracker struct {
	ev *emitter

	mu       sync.Mutex
	turns    []Turn
	pending  int           // the turn waiting for its reply; -1 for none
	last     time.Duration // arrival of the interviewer's last packet
	any      bool          // a packet has arrived
	received int
}

func newTracker(ev *emitter) *tracker { return &tracker{ev: ev, pending: -1} }

// started records that answer i started at at. A reply to the previous
// turn that has not come by now never will.
func (t *tracker) started(i int, name string, at time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.turns = append(t.turns, Turn{Answer: i, Name: name, Start: at})
	t.pending = -1
}

// speechEnded records that the current turn's speech ended at at: from now
// on the interviewer's next reply answers it.
func (t *tracker) speechEnded(at time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.turns) - 1
	t.turns[n].SpeechEnd = at
	t.pending = n
}

// speechEnd is when the current turn's speech ended, if it has.
func (t *tracker) speechEnd() (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.turns) == 0 || t.turns[len(t.turns)-1].SpeechEnd == 0 {
		return 0, false
	}
	return t.turns[len(t.turns)-1].SpeechEnd, true
}

// packet records one interviewer packet arriving now. The first packet
// after a pause of ReplyGap that follows a turn's speech end is that
// turn's reply.
func (t *tracker) packet() {
	now := t.ev.since()
	t.mu.Lock()
	burst := !t.any || now-t.last >= ReplyGap
	t.any, t.last = true, now
	t.received++
	if !burst || t.pending < 0 || now <= t.turns[t.pending].SpeechEnd {
		t.mu.Unlock()
		return
	}
	turn := &t.turns[t.pending]
	turn.FirstReply = now
	turn.Latency = now - turn.SpeechEnd
	done := *turn
	t.pending = -1
	t.mu.Unlock()
	t.ev.client(EventReplyAudio, struct {
		Answer       int   `json:"answer"`
		SpeechEndMS  int64 `json:"speech_end_ms"`
		FirstReplyMS int64 `json:"first_reply_ms"`
		LatencyMS    int64 `json:"latency_ms"`
	}{done.Answer, ms(done.SpeechEnd), ms(done.FirstReply), ms(done.Latency)})
}

// result copies the turns and the packet count.
func (t *tracker) result() ([]Turn, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Turn(nil), t.turns...), t.received
}
