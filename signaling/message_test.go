package signaling

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/pion/webrtc/v4"

	"github.com/viva-interview/viva"
)

const testSDP = "v=0\r\no=- 4215 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"

func ptr[T any](v T) *T { return &v }

// samples holds one valid message of every type.
func samples() []Message {
	return []Message{
		&Offer{SDP: testSDP},
		&Answer{SDP: testSDP},
		&Candidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr[uint16](0), UsernameFragment: ptr("abcd")},
		&Mute{},
		&Unmute{},
		&End{},
		&Ping{T: 1732500000000},
		&Pong{T: 1732500000000},
		&Prompt{ID: "rag.design.1", Kind: PromptQuestion, Text: "Design a retrieval system for 10 million support tickets."},
		&Transcript{
			UtteranceID: uuid.MustParse("6f1c1d2e-8a8b-4c3d-9e0f-112233445566"), Speaker: viva.SpeakerCandidate, Final: true,
			Text: "I would chunk by section", StartMS: 1200, EndMS: 2900,
			Words: []viva.Word{{Text: "I", StartMS: 1200, EndMS: 1300, Confidence: 0.97}, {Text: "would", StartMS: 1300, EndMS: 1550, Confidence: 0.9}},
		},
		&State{Interviewer: InterviewerListening, Interview: viva.StateLive},
		&Clock{ElapsedMS: 61000, RemainingMS: 839000, BudgetMS: 900000},
		&Notice{Code: NoticeEngineFallback, Message: "Speech recognition switched to the embedded engine."},
		&ErrorMessage{Code: CodeBadSDP, Message: "the offer has no audio", Field: "sdp"},
		&Ended{Reason: EndCandidate},
	}
}

func TestSamplesCoverEveryType(t *testing.T) {
	seen := map[Type]bool{}
	for _, m := range samples() {
		seen[m.Type()] = true
	}
	for _, typ := range Types {
		if !seen[typ] {
			t.Errorf("no sample of %s", typ)
		}
	}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	t.Parallel()
	for _, m := range samples() {
		t.Run(string(m.Type()), func(t *testing.T) {
			data, err := Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), `{"type":"`+string(m.Type())+`","v":1`) {
				t.Errorf("encoding starts %.40s", data)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse(%s): %v", data, err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, m)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	big := `{"type":"offer","v":1,"sdp":"v=0` + strings.Repeat("a", MaxSDPBytes) + `"}`
	tests := []struct {
		name  string
		in    string
		code  Code
		field string
	}{
		{"empty", ``, CodeBadMessage, ""},
		{"garbage", `hello`, CodeBadMessage, ""},
		{"array", `[1,2]`, CodeBadMessage, ""},
		{"null", `null`, CodeBadMessage, ""},
		{"trailing data", `{"type":"ping","v":1} {}`, CodeBadMessage, ""},
		{"invalid utf-8", "{\"type\":\"ping\",\"v\":1,\"t\":1,\"x\":\"\xff\"}", CodeBadMessage, ""},
		{"no version", `{"type":"ping"}`, CodeBadMessage, "v"},
		{"wrong version", `{"type":"ping","v":2}`, CodeUnsupportedVersion, "v"},
		{"version as string", `{"type":"ping","v":"1"}`, CodeUnsupportedVersion, "v"},
		{"no type", `{"v":1}`, CodeBadMessage, "type"},
		{"type not a string", `{"type":7,"v":1}`, CodeBadMessage, "type"},
		{"unknown type", `{"type":"hello","v":1}`, CodeUnknownType, "type"},
		{"unknown field", `{"type":"ping","v":1,"nonce":"x"}`, CodeBadMessage, "nonce"},
		{"field in wrong case", `{"type":"offer","v":1,"SDP":"v=0"}`, CodeBadMessage, "SDP"},
		{"missing sdp", `{"type":"offer","v":1}`, CodeBadMessage, "sdp"},
		{"null sdp", `{"type":"answer","v":1,"sdp":null}`, CodeBadMessage, "sdp"},
		{"empty sdp", `{"type":"answer","v":1,"sdp":""}`, CodeBadMessage, "sdp"},
		{"not an sdp", `{"type":"answer","v":1,"sdp":"hello"}`, CodeBadMessage, "sdp"},
		{"sdp not a string", `{"type":"offer","v":1,"sdp":42}`, CodeBadMessage, "sdp"},
		{"oversize sdp", big, CodeTooLarge, "sdp"},
		{"oversize message", `{"type":"ping","v":1,"t":` + strings.Repeat("1", MaxMessageBytes) + `}`, CodeTooLarge, ""},
		{"candidate missing", `{"type":"candidate","v":1,"sdpMid":"0"}`, CodeBadMessage, "candidate"},
		{"candidate without mid or index", `{"type":"candidate","v":1,"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}`, CodeBadMessage, "sdpMid"},
		{"candidate index out of range", `{"type":"candidate","v":1,"candidate":"c","sdpMLineIndex":70000}`, CodeBadMessage, "sdpMLineIndex"},
		{"oversize candidate", `{"type":"candidate","v":1,"sdpMid":"0","candidate":"` + strings.Repeat("c", MaxCandidateBytes+1) + `"}`, CodeTooLarge, "candidate"},
		{"prompt kind", `{"type":"prompt","v":1,"id":"q1","kind":"quiz","text":"hi"}`, CodeBadMessage, "kind"},
		{"transcript times", `{"type":"transcript","v":1,"utterance_id":"6f1c1d2e-8a8b-4c3d-9e0f-112233445566","speaker":"candidate","final":false,"text":"","start_ms":5,"end_ms":4}`, CodeBadMessage, "end_ms"},
		{"transcript bad uuid", `{"type":"transcript","v":1,"utterance_id":"x","speaker":"candidate","final":false,"text":"","start_ms":0,"end_ms":0}`, CodeBadMessage, ""},
		{"transcript unknown word field", `{"type":"transcript","v":1,"utterance_id":"6f1c1d2e-8a8b-4c3d-9e0f-112233445566","speaker":"candidate","final":false,"text":"a","start_ms":0,"end_ms":1,"words":[{"text":"a","start_ms":0,"end_ms":1,"confidence":1,"x":1}]}`, CodeBadMessage, "x"},
		{"state", `{"type":"state","v":1,"interviewer":"dozing","interview":"live"}`, CodeBadMessage, "interviewer"},
		{"clock negative", `{"type":"clock","v":1,"elapsed_ms":-1,"remaining_ms":0,"budget_ms":0}`, CodeBadMessage, "elapsed_ms"},
		{"ended reason", `{"type":"ended","v":1,"reason":"bored"}`, CodeBadMessage, "reason"},
		{"ping t float", `{"type":"ping","v":1,"t":1.5}`, CodeBadMessage, "t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.in))
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %#v, %v; want a *ProtocolError", m, err)
			}
			if pe.Code != tt.code || pe.Field != tt.field {
				t.Errorf("Parse: code %q field %q (%v); want code %q field %q", pe.Code, pe.Field, pe.Message, tt.code, tt.field)
			}
			if pe.Message == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"end of candidates", `{"type":"candidate","v":1,"candidate":""}`, &Candidate{}},
		{"pion nulls", `{"type":"candidate","v":1,"candidate":"","sdpMid":null,"sdpMLineIndex":null,"usernameFragment":null}`, &Candidate{}},
		{"fields in any order", `{"sdp":"v=0\r\n","v":1,"type":"offer"}`, &Offer{SDP: "v=0\r\n"}},
		{"empty words", `{"type":"transcript","v":1,"utterance_id":"6f1c1d2e-8a8b-4c3d-9e0f-112233445566","speaker":"interviewer","final":false,"text":"","start_ms":0,"end_ms":0,"words":[]}`,
			&Transcript{UtteranceID: uuid.MustParse("6f1c1d2e-8a8b-4c3d-9e0f-112233445566"), Speaker: viva.SpeakerInterviewer}},
		{"ping without t", `{"type":"ping","v":1}`, &Ping{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if !(&Candidate{}).End() {
		t.Error("an empty candidate should be the end-of-candidates marker")
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	t.Parallel()
	for _, m := range []Message{nil, (*Offer)(nil), &Offer{}, &Prompt{ID: "q"}, &Ended{}} {
		if data, err := Encode(m); err == nil {
			t.Errorf("Encode(%#v) = %s, want an error", m, data)
		}
	}
}

// TestPionCompatible checks the wire format against pion's (and so the
// browser's) JSON for session descriptions and candidates, with an offer
// made by a real pion peer.
func TestPionCompatible(t *testing.T) {
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}

	// RTCSessionDescription.toJSON() plus "v" is an offer message.
	desc, _ := json.Marshal(offer)
	msg, err := Parse(append([]byte(`{"v":1,`), desc[1:]...))
	if err != nil {
		t.Fatalf("pion's offer JSON: %v", err)
	}
	if o, ok := msg.(*Offer); !ok || o.SDP != offer.SDP {
		t.Fatalf("parsed %#v", msg)
	}
	data, _ := Encode(&Answer{SDP: offer.SDP})
	var back webrtc.SessionDescription
	if err := json.Unmarshal(data, &back); err != nil || back.Type != webrtc.SDPTypeAnswer || back.SDP != offer.SDP {
		t.Fatalf("pion reads our answer as %+v, %v", back, err)
	}

	// ICECandidateInit, nulls and all, is a candidate message.
	for _, init := range []webrtc.ICECandidateInit{
		{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr[uint16](0), UsernameFragment: ptr("u")},
		{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", SDPMLineIndex: ptr[uint16](1)},
		{},
	} {
		j, _ := json.Marshal(init)
		msg, err := Parse(append([]byte(`{"type":"candidate","v":1,`), j[1:]...))
		if err != nil {
			t.Fatalf("pion's candidate %s: %v", j, err)
		}
		c := msg.(*Candidate)
		data, _ := Encode(c)
		var got webrtc.ICECandidateInit
		if err := json.Unmarshal(data, &got); err != nil || !reflect.DeepEqual(got, init) {
			t.Errorf("pion reads %s as %+v, %v; want %+v", data, got, err, init)
		}
	}
}
