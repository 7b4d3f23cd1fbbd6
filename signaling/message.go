package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/viva-interview/viva"
)

// Version is the protocol version every message carries in its "v" field.
const Version = 1

// Limits on what Parse accepts.
const (
	// MaxMessageBytes bounds one encoded message, the socket's default read
	// limit.
	MaxMessageBytes = 128 << 10
	// MaxSDPBytes bounds the sdp field of an offer or answer.
	MaxSDPBytes = 64 << 10
	// MaxCandidateBytes bounds one ICE candidate line.
	MaxCandidateBytes = 2 << 10
)

// Type names a message kind: the value of its "type" field.
type Type string

// Message types. Offer, answer and candidate go both ways; mute, unmute, end
// and ping come from the client; the rest come from the server.
const (
	TypeOffer      Type = "offer"
	TypeAnswer     Type = "answer"
	TypeCandidate  Type = "candidate"
	TypeMute       Type = "mute"
	TypeUnmute     Type = "unmute"
	TypeEnd        Type = "end"
	TypePing       Type = "ping"
	TypePong       Type = "pong"
	TypePrompt     Type = "prompt"
	TypeTranscript Type = "transcript"
	TypeState      Type = "state"
	TypeClock      Type = "clock"
	TypeNotice     Type = "notice"
	TypeError      Type = "error"
	TypeEnded      Type = "ended"
)

// Types lists every message type in the order docs/protocol.md describes them.
var Types = []Type{
	TypeOffer, TypeAnswer, TypeCandidate, TypeMute, TypeUnmute, TypeEnd, TypePing,
	TypePong, TypePrompt, TypeTranscript, TypeState, TypeClock, TypeNotice, TypeError, TypeEnded,
}

// FromClient reports whether a client may send messages of type t.
func (t Type) FromClient() bool {
	switch t {
	case TypeOffer, TypeAnswer, TypeCandidate, TypeMute, TypeUnmute, TypeEnd, TypePing:
		return true
	}
	return false
}

// Message is one protocol message. The concrete types are the structs of
// this file; a type switch on a parsed Message tells them apart.
type Message interface {
	// Type is the message's "type" field.
	Type() Type
	// validate checks field values after decoding and normalises them (nil
	// rather than empty slices), so that a parsed message re-encodes to
	// the same value.
	validate() error
}

// Offer carries an SDP offer. The client sends one to start (or restart)
// the call; the server sends one to renegotiate.
type Offer struct {
	SDP string `json:"sdp"`
}

// Answer carries the SDP answer to the other side's offer.
type Answer struct {
	SDP string `json:"sdp"`
}

// Candidate is one trickled ICE candidate, with the fields and JSON names of
// the browser's RTCIceCandidateInit (and pion's ICECandidateInit). An empty
// Candidate string is the end-of-candidates marker.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// End reports whether c marks the end of the sender's candidates.
func (c *Candidate) End() bool { return c.Candidate == "" }

// Mute says the candidate muted their microphone.
type Mute struct{}

// Unmute says the candidate unmuted their microphone.
type Unmute struct{}

// End asks the server to end the interview now.
type End struct{}

// Ping asks the server for a Pong; T is echoed back so the client can
// measure the round trip.
type Ping struct {
	T int64 `json:"t,omitempty"`
}

// Pong answers a Ping.
type Pong struct {
	T int64 `json:"t,omitempty"`
}

// PromptKind says what a prompt is for.
type PromptKind string

// Prompt kinds.
const (
	PromptQuestion PromptKind = "question" // a main question
	PromptProbe    PromptKind = "probe"    // a follow-up on the current answer
	PromptWrapup   PromptKind = "wrapup"   // closing words
)

// Prompt is the interviewer's text, sent as the interviewer starts saying it.
type Prompt struct {
	ID   string     `json:"id"`
	Kind PromptKind `json:"kind"`
	Text string     `json:"text"`
}

// Transcript is live speech-to-text for one utterance. Partial transcripts
// of an utterance are replaced by later ones with the same UtteranceID; the
// final one is the text that is stored.
type Transcript struct {
	UtteranceID uuid.UUID    `json:"utterance_id"`
	Speaker     viva.Speaker `json:"speaker"`
	Final       bool         `json:"final"`
	Text        string       `json:"text"`
	StartMS     int64        `json:"start_ms"`
	EndMS       int64        `json:"end_ms"`
	Words       []viva.Word  `json:"words,omitempty"`
}

// InterviewerState is what the interviewer is doing.
type InterviewerState string

// Interviewer states.
const (
	InterviewerSpeaking  InterviewerState = "speaking"  // its voice is playing
	InterviewerListening InterviewerState = "listening" // the candidate has the turn
	InterviewerThinking  InterviewerState = "thinking"  // the turn ended; a reply is being prepared
)

// State reports the interviewer's state and the interview's.
type State struct {
	Interviewer InterviewerState  `json:"interviewer"`
	Interview   viva.SessionState `json:"interview"`
}

// Clock is the interview's time: elapsed plus remaining is the budget,
// unless the interview ran over.
type Clock struct {
	ElapsedMS   int64 `json:"elapsed_ms"`
	RemainingMS int64 `json:"remaining_ms"`
	BudgetMS    int64 `json:"budget_ms"`
}

// Notice tells the client something it should show but need not act on.
type Notice struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Notice codes the server sends. Clients show the message of any code.
const (
	NoticeEngineFallback = "engine_fallback" // an engine failed; the embedded one took over
	NoticeReconnected    = "reconnected"     // a new socket continues the interview
	NoticeTimeLow        = "time_low"        // little of the time budget is left
)

// ErrorMessage reports a problem with something the client sent, or with
// the interview. Unless a close follows, the connection stays usable.
type ErrorMessage struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// EndReason says why an interview ended.
type EndReason string

// End reasons.
const (
	EndCompleted EndReason = "completed" // the interviewer wrapped up
	EndCandidate EndReason = "candidate" // the candidate sent end
	EndTimeUp    EndReason = "time_up"   // the time budget ran out
	EndAbandoned EndReason = "abandoned" // the candidate left and did not come back in time
	EndError     EndReason = "error"     // the server could not go on
)

// Ended says the interview is over; the server closes the socket (1000)
// right after it.
type Ended struct {
	Reason EndReason `json:"reason"`
}

func (*Offer) Type() Type        { return TypeOffer }
func (*Answer) Type() Type       { return TypeAnswer }
func (*Candidate) Type() Type    { return TypeCandidate }
func (*Mute) Type() Type         { return TypeMute }
func (*Unmute) Type() Type       { return TypeUnmute }
func (*End) Type() Type          { return TypeEnd }
func (*Ping) Type() Type         { return TypePing }
func (*Pong) Type() Type         { return TypePong }
func (*Prompt) Type() Type       { return TypePrompt }
func (*Transcript) Type() Type   { return TypeTranscript }
func (*State) Type() Type        { return TypeState }
func (*Clock) Type() Type        { return TypeClock }
func (*Notice) Type() Type       { return TypeNotice }
func (*ErrorMessage) Type() Type { return TypeError }
func (*Ended) Type() Type        { return TypeEnded }

// newMessage returns a zero message of type t, or nil for an unknown type.
func newMessage(t Type) Message {
	switch t {
	case TypeOffer:
		return &Offer{}
	case TypeAnswer:
		return &Answer{}
	case TypeCandidate:
		return &Candidate{}
	case TypeMute:
		return &Mute{}
	case TypeUnmute:
		return &Unmute{}
	case TypeEnd:
		return &End{}
	case TypePing:
		return &Ping{}
	case TypePong:
		return &Pong{}
	case TypePrompt:
		return &Prompt{}
	case TypeTranscript:
		return &Transcript{}
	case TypeState:
		return &State{}
	case TypeClock:
		return &Clock{}
	case TypeNotice:
		return &Notice{}
	case TypeError:
		return &ErrorMessage{}
	case TypeEnded:
		return &Ended{}
	}
	return nil
}

// required lists the fields a message of each type must carry (not null).
var required = map[Type][]string{
	TypeOffer:      {"sdp"},
	TypeAnswer:     {"sdp"},
	TypeCandidate:  {"candidate"},
	TypePrompt:     {"id", "kind", "text"},
	TypeTranscript: {"utterance_id", "speaker", "final", "text", "start_ms", "end_ms"},
	TypeState:      {"interviewer", "interview"},
	TypeClock:      {"elapsed_ms", "remaining_ms", "budget_ms"},
	TypeNotice:     {"code", "message"},
	TypeError:      {"code", "message"},
	TypeEnded:      {"reason"},
}

// fields holds each type's top-level JSON field names, exactly as spelled.
var fields = func() map[Type]map[string]bool {
	m := make(map[Type]map[string]bool, len(Types))
	for _, t := range Types {
		rt := reflect.TypeOf(newMessage(t)).Elem()
		names := map[string]bool{}
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			names[name] = true
		}
		m[t] = names
	}
	return m
}()

// Parse decodes one client or server message strictly: a JSON object of at
// most MaxMessageBytes of valid UTF-8 with a known "type", "v" equal to
// Version, no unknown or misspelt fields, every required field and values
// in range. Its errors are *ProtocolError with the code the client is sent.
func Parse(data []byte) (Message, error) {
	if len(data) > MaxMessageBytes {
		return nil, protocolErr(CodeTooLarge, "", "message is %d bytes; the limit is %d", len(data), MaxMessageBytes)
	}
	if !utf8.Valid(data) {
		return nil, protocolErr(CodeBadMessage, "", "message is not valid UTF-8")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, protocolErr(CodeBadMessage, "", "message must be a JSON object, not %s", typeErr.Value)
		}
		return nil, protocolErr(CodeBadMessage, "", "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if raw == nil {
		return nil, protocolErr(CodeBadMessage, "", "message must be a JSON object, not null")
	}
	if !present(raw, "v") {
		return nil, protocolErr(CodeBadMessage, "v", "field \"v\" (protocol version) is required; this server speaks %d", Version)
	}
	var v int
	if err := json.Unmarshal(raw["v"], &v); err != nil || v != Version {
		return nil, protocolErr(CodeUnsupportedVersion, "v", "protocol version %s is not supported; this server speaks %d", truncate(string(raw["v"]), 32), Version)
	}
	if !present(raw, "type") {
		return nil, protocolErr(CodeBadMessage, "type", "field \"type\" is required")
	}
	var t Type
	if err := json.Unmarshal(raw["type"], &t); err != nil {
		return nil, protocolErr(CodeBadMessage, "type", "field \"type\" must be a string")
	}
	msg := newMessage(t)
	if msg == nil {
		return nil, protocolErr(CodeUnknownType, "type", "unknown message type %q", truncate(string(t), 64))
	}
	known := fields[t]
	for _, k := range sortedKeys(raw) {
		if k != "type" && k != "v" && !known[k] {
			return nil, protocolErr(CodeBadMessage, truncate(k, 64), "unknown field %q in a %s message", truncate(k, 64), t)
		}
	}
	for _, k := range required[t] {
		if !present(raw, k) {
			return nil, protocolErr(CodeBadMessage, k, "field %q is required in a %s message", k, t)
		}
	}
	delete(raw, "type")
	delete(raw, "v")
	body, err := json.Marshal(raw)
	if err != nil {
		return nil, protocolErr(CodeBadMessage, "", "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(msg); err != nil {
		return nil, describeDecodeError(t, err)
	}
	if err := msg.validate(); err != nil {
		return nil, err
	}
	return msg, nil
}

// Encode renders msg as the JSON a peer receives: "type" and "v" first,
// then the message's fields. It checks msg as Parse would.
func Encode(msg Message) ([]byte, error) {
	if msg == nil || reflect.ValueOf(msg).IsNil() {
		return nil, errors.New("signaling: encode a nil message")
	}
	if err := msg.validate(); err != nil {
		return nil, fmt.Errorf("signaling: encode %s: %w", msg.Type(), err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil {
		return nil, fmt.Errorf("signaling: encode %s: %w", msg.Type(), err)
	}
	body := bytes.TrimSpace(buf.Bytes())
	out := make([]byte, 0, len(body)+32)
	out = fmt.Appendf(out, `{"type":%q,"v":%d`, msg.Type(), Version)
	if len(body) > 2 { // more than "{}"
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

func present(raw map[string]json.RawMessage, k string) bool {
	v, ok := raw[k]
	return ok && string(v) != "null"
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func describeDecodeError(t Type, err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		return protocolErr(CodeBadMessage, field, "field %q of a %s message must be %s, not %s", field, t, kindOf(typeErr.Type), typeErr.Value)
	case errors.As(err, &syntax):
		return protocolErr(CodeBadMessage, "", "malformed JSON: %v", syntax)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return protocolErr(CodeBadMessage, truncate(field, 64), "unknown field %q in a %s message", truncate(field, 64), t)
	}
	return protocolErr(CodeBadMessage, "", "malformed %s message: %s", t, strings.TrimPrefix(err.Error(), "json: "))
}

func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	case reflect.Struct:
		return "an object"
	case reflect.Array:
		if t == reflect.TypeFor[uuid.UUID]() {
			return "a UUID string"
		}
		return "an array"
	case reflect.Uint16:
		return "an integer from 0 to 65535"
	case reflect.Int64, reflect.Int:
		return "an integer"
	case reflect.Float64:
		return "a number"
	}
	return "a " + t.Kind().String()
}

var noticeCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func validateSDP(sdp string) error {
	switch {
	case sdp == "":
		return protocolErr(CodeBadMessage, "sdp", "field \"sdp\" must not be empty")
	case len(sdp) > MaxSDPBytes:
		return protocolErr(CodeTooLarge, "sdp", "sdp is %d bytes; the limit is %d", len(sdp), MaxSDPBytes)
	case !strings.HasPrefix(sdp, "v=0"):
		return protocolErr(CodeBadMessage, "sdp", "sdp must be a session description starting with \"v=0\"")
	}
	return nil
}

func (m *Offer) validate() error  { return validateSDP(m.SDP) }
func (m *Answer) validate() error { return validateSDP(m.SDP) }

func (m *Candidate) validate() error {
	if len(m.Candidate) > MaxCandidateBytes {
		return protocolErr(CodeTooLarge, "candidate", "candidate is %d bytes; the limit is %d", len(m.Candidate), MaxCandidateBytes)
	}
	if m.UsernameFragment != nil && len(*m.UsernameFragment) > 256 {
		return protocolErr(CodeTooLarge, "usernameFragment", "usernameFragment is longer than 256 bytes")
	}
	if m.SDPMid != nil && len(*m.SDPMid) > 256 {
		return protocolErr(CodeTooLarge, "sdpMid", "sdpMid is longer than 256 bytes")
	}
	if m.Candidate != "" && m.SDPMid == nil && m.SDPMLineIndex == nil {
		return protocolErr(CodeBadMessage, "sdpMid", "a candidate needs sdpMid or sdpMLineIndex")
	}
	return nil
}

func (*Mute) validate() error   { return nil }
func (*Unmute) validate() error { return nil }
func (*End) validate() error    { return nil }
func (*Ping) validate() error   { return nil }
func (*Pong) validate() error   { return nil }

func (m *Prompt) validate() error {
	switch {
	case m.ID == "":
		return protocolErr(CodeBadMessage, "id", "field \"id\" must not be empty")
	case m.Kind != PromptQuestion && m.Kind != PromptProbe && m.Kind != PromptWrapup:
		return protocolErr(CodeBadMessage, "kind", "unknown prompt kind %q (question, probe or wrapup)", truncate(string(m.Kind), 64))
	case m.Text == "":
		return protocolErr(CodeBadMessage, "text", "field \"text\" must not be empty")
	}
	return nil
}

func (m *Transcript) validate() error {
	switch {
	case m.UtteranceID == uuid.Nil:
		return protocolErr(CodeBadMessage, "utterance_id", "field \"utterance_id\" must not be the nil UUID")
	case !m.Speaker.Valid():
		return protocolErr(CodeBadMessage, "speaker", "unknown speaker %q (candidate or interviewer)", truncate(string(m.Speaker), 64))
	case m.StartMS < 0 || m.EndMS < m.StartMS:
		return protocolErr(CodeBadMessage, "end_ms", "times must satisfy 0 <= start_ms <= end_ms, got %d..%d", m.StartMS, m.EndMS)
	}
	for i, w := range m.Words {
		if w.StartMS < 0 || w.EndMS < w.StartMS {
			return protocolErr(CodeBadMessage, fmt.Sprintf("words[%d].end_ms", i), "times must satisfy 0 <= start_ms <= end_ms, got %d..%d", w.StartMS, w.EndMS)
		}
		if !(w.Confidence >= 0 && w.Confidence <= 1) {
			return protocolErr(CodeBadMessage, fmt.Sprintf("words[%d].confidence", i), "confidence must be between 0 and 1, got %v", w.Confidence)
		}
	}
	if len(m.Words) == 0 {
		m.Words = nil
	}
	return nil
}

func (m *State) validate() error {
	switch m.Interviewer {
	case InterviewerSpeaking, InterviewerListening, InterviewerThinking:
	default:
		return protocolErr(CodeBadMessage, "interviewer", "unknown interviewer state %q (speaking, listening or thinking)", truncate(string(m.Interviewer), 64))
	}
	if !m.Interview.Valid() {
		return protocolErr(CodeBadMessage, "interview", "unknown interview state %q", truncate(string(m.Interview), 64))
	}
	return nil
}

func (m *Clock) validate() error {
	if m.ElapsedMS < 0 || m.RemainingMS < 0 || m.BudgetMS < 0 {
		return protocolErr(CodeBadMessage, "elapsed_ms", "clock values must not be negative")
	}
	return nil
}

func (m *Notice) validate() error {
	if !noticeCode.MatchString(m.Code) {
		return protocolErr(CodeBadMessage, "code", "notice code must be snake_case (a-z, 0-9, _), at most 64 bytes")
	}
	return nil
}

func (m *ErrorMessage) validate() error {
	if !noticeCode.MatchString(string(m.Code)) {
		return protocolErr(CodeBadMessage, "code", "error code must be snake_case (a-z, 0-9, _), at most 64 bytes")
	}
	return nil
}

func (m *Ended) validate() error {
	switch m.Reason {
	case EndCompleted, EndCandidate, EndTimeUp, EndAbandoned, EndError:
		return nil
	}
	return protocolErr(CodeBadMessage, "reason", "unknown end reason %q", truncate(string(m.Reason), 64))
}
