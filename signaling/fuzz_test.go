package signaling

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error it returns is a
// *ProtocolError with a code, and that whatever it accepts encodes and
// parses back to the same value.
func FuzzParse(f *testing.F) {
	for _, m := range samples() {
		data, err := Encode(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"type":"candidate","v":1,"candidate":""}`,
		`{"type":"candidate","v":1,"candidate":"","sdpMid":null,"sdpMLineIndex":null,"usernameFragment":null}`,
		`{"type":"ping","v":1,"type":"end"}`,
		`{"type":"transcript","v":1,"utterance_id":"6f1c1d2e-8a8b-4c3d-9e0f-112233445566","speaker":"candidate","final":false,"text":"\ud800","start_ms":0,"end_ms":0,"words":[]}`,
		`{"type":"offer","v":1,"sdp":"v=0\u2028<&>"}`,
		`{"type":"hello","v":1}`, `{"v":2}`, `[]`, `null`, `"x"`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code == "" || pe.Message == "" {
				t.Fatalf("Parse error %#v is not a *ProtocolError with a code and message", err)
			}
			if m != nil {
				t.Fatalf("Parse returned %#v with error %v", m, err)
			}
			return
		}
		again, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode(%#v) after Parse: %v", m, err)
		}
		if len(again) > MaxMessageBytes {
			// Escaping (U+2028 becomes \u2028) can push a message near the
			// limit over it; what was accepted stays accepted once.
			return
		}
		back, err := Parse(again)
		if err != nil {
			t.Fatalf("Parse(Encode(m)) = %v\ninput:  %q\nencoded: %q", err, data, again)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip changed the message:\n got %#v\nwant %#v", back, m)
		}
	})
}
