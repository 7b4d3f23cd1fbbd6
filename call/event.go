package call

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Event is one server message, or one of the client's own events, as the
// call saw it.
type Event struct {
	// At is when the event happened, since the call started.
	At time.Duration
	// Type is the server message's "type", or one of the Event… constants
	// for the client's events.
	Type string
	// Raw is the server's message verbatim, or the client event as a JSON
	// object whose "type" is Type.
	Raw json.RawMessage
}

// The client's own event types. The "call." prefix keeps them apart from
// the server's message types.
const (
	// EventSession: the session the call talks to. Fields: session (its
	// id), created (whether this call created it).
	EventSession = "call.session"
	// EventConnected: the peer connection is up and audio can flow.
	EventConnected = "call.connected"
	// EventAnswerStart: the first frame of an answer was sent. Fields:
	// answer (its index), name, duration_ms, barge (whether it started
	// before the interviewer listened).
	EventAnswerStart = "call.answer_start"
	// EventAnswerEnd: the last frame of an answer was sent. Fields: answer,
	// name, speech_end_ms (when its last loud frame was sent, since the
	// call started; absent for a silent answer).
	EventAnswerEnd = "call.answer_end"
	// EventReplyAudio: the first packet of the interviewer's reply to an
	// answer arrived. Fields: answer, speech_end_ms, first_reply_ms,
	// latency_ms.
	EventReplyAudio = "call.reply_audio"
	// EventEndSent: the call is sending an end message (Config.End).
	// Fields: why ("transcribed", or "timeout" after EndWait).
	EventEndSent = "call.end"
	// EventBadMessage: a server message did not follow the protocol. Fields:
	// error, and message (the text received) when it was not a JSON object
	// with a type. A message that has a type is also reported as itself,
	// before this event.
	EventBadMessage = "call.bad_message"
	// EventClosed: the signaling socket closed. Fields: code (the close
	// code; 1006 when it closed without one), text.
	EventClosed = "call.closed"
)

// MarshalJSON renders the event as one line of `viva call`'s output: a
// JSON object holding "t_ms" (At in milliseconds) and then every field of
// Raw, e.g. {"t_ms":1234,"type":"prompt","v":1,"id":"…",…}.
func (e Event) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"t_ms":`)
	buf.WriteString(strconv.FormatInt(e.At.Milliseconds(), 10))
	raw := bytes.TrimSpace(e.Raw)
	if len(raw) < 2 || raw[0] != '{' || !json.Valid(raw) {
		// Not an object: keep it whole, as a string if it is not JSON.
		typ, _ := json.Marshal(e.Type)
		buf.WriteString(`,"type":`)
		buf.Write(typ)
		if len(raw) > 0 {
			buf.WriteString(`,"raw":`)
			if json.Valid(raw) {
				buf.Write(raw)
			} else {
				s, _ := json.Marshal(string(raw))
				buf.Write(s)
			}
		}
		buf.WriteByte('}')
		return buf.Bytes(), nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, err
	}
	body := compact.Bytes()[1:] // the members and the closing brace
	if len(body) > 1 {
		buf.WriteByte(',')
	}
	buf.Write(body)
	return buf.Bytes(), nil
}

// emitter hands events to Config.OnEvent one at a time, in order, and
// stamps them with the time since the call started.
type emitter struct {
	mu     sync.Mutex
	start  time.Time
	fn     func(Event)
	closed bool // Run has returned: late events from pion's goroutines are dropped
}

// close stops the events.
func (e *emitter) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
}

// since is the time since the call started.
func (e *emitter) since() time.Duration { return time.Since(e.start) }

// server emits a server message.
func (e *emitter) server(typ string, raw []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.fn(Event{At: e.since(), Type: typ, Raw: json.RawMessage(raw)})
	}
}

// client emits one of the client's events: fields, a struct or nil, after
// "type".
func (e *emitter) client(typ string, fields any) {
	raw := clientRaw(typ, fields)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.fn(Event{At: e.since(), Type: typ, Raw: raw})
	}
}

// clientRaw renders a client event: {"type":typ, …fields}.
func clientRaw(typ string, fields any) json.RawMessage {
	t, _ := json.Marshal(typ)
	out := append([]byte(`{"type":`), t...)
	if fields != nil {
		b, err := json.Marshal(fields)
		if err != nil || len(b) < 2 || b[0] != '{' {
			panic(fmt.Sprintf("call: event fields of %s must marshal to an object: %s, %v", typ, b, err))
		}
		if len(b) > 2 {
			out = append(out, ',')
			out = append(out, b[1:len(b)-1]...)
		}
	}
	return append(out, '}')
}

// ms renders a duration in whole milliseconds for event fields.
func ms(d time.Duration) int64 { return d.Milliseconds() }
