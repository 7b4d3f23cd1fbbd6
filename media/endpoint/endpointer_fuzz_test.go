package endpoint

import (
	"testing"
	"time"
)

var fuzzWords = [][]string{
	nil, {"because"}, {"it", "scales."}, {"Um,"}, {"and", "then"}, {"—"}, {"That's", "it"}, {""},
}

// FuzzEndpointer drives an Endpointer with arbitrary frames, words,
// interviewer changes and resets, and checks that it never panics, reports
// in time order with reasons, and ends each turn at most once.
func FuzzEndpointer(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, []byte{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4})
	f.Add([]byte{0, 0, 0, 0}, []byte{0x0e, 3, 7, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4})
	f.Add([]byte{}, []byte{0xff, 0x80, 0x7f, 0x13, 0x1b})
	f.Fuzz(func(t *testing.T, cfgb, ops []byte) {
		cfg := Config{}
		if len(cfgb) >= 4 {
			unit := 20 * time.Millisecond
			cfg = Config{
				Silence:     time.Duration(cfgb[0]) * unit,
				MaxThinking: time.Duration(cfgb[1]) * unit,
				MinSpeech:   time.Duration(cfgb[2]) * unit,
				BargeIn:     time.Duration(cfgb[3]) * unit,
			}
		}
		e, err := New(cfg)
		if err != nil {
			if e, err = New(Config{}); err != nil {
				t.Fatal(err)
			}
		}
		var (
			now    time.Duration
			prev   = time.Duration(-1 << 63)
			inTurn bool
			after  Kind // the previous event's kind
		)
		for _, b := range ops {
			var evs []Event
			switch b & 7 {
			case 0, 1, 2, 3, 4, 5:
				// Mostly 20 ms steps; sometimes none, a gap, or backwards.
				switch step := b >> 3 & 0x1f; {
				case step == 0:
				case step == 31:
					now -= 100 * time.Millisecond
				case step >= 28:
					now += time.Duration(step) * time.Second
				default:
					now += FrameDuration
				}
				evs = e.Frame(now, b&7 >= 2 && b&7 != 4)
			case 6:
				e.SetWords(fuzzWords[int(b>>3)%len(fuzzWords)])
			case 7:
				switch b >> 3 & 3 {
				case 0:
					e.Reset()
					inTurn = false
				case 1:
					e.SetInterviewerSpeaking(true)
				default:
					e.SetInterviewerSpeaking(false)
				}
			}
			for _, ev := range evs {
				if ev.Reason == "" || ev.Kind.String() == "unknown" {
					t.Fatalf("bad event %v", ev)
				}
				if ev.At < prev || ev.At > now {
					t.Fatalf("event %v out of order (previous at %v, frame at %v)", ev, prev, now)
				}
				prev = ev.At
				if after == BargeIn && ev.Kind != SpeechStarted {
					t.Fatalf("%v after a barge-in, want speech_started", ev)
				}
				switch ev.Kind {
				case SpeechStarted:
					if inTurn {
						t.Fatalf("%v inside a turn", ev)
					}
					inTurn = true
				case Pause, Resumed, ThinkingExtended:
					if !inTurn {
						t.Fatalf("%v outside a turn", ev)
					}
				case EndOfTurn:
					if !inTurn {
						t.Fatalf("second end of turn, or one outside a turn: %v", ev)
					}
					inTurn = false
				case BargeIn, Backchannel:
					if inTurn {
						t.Fatalf("%v inside a turn", ev)
					}
				}
				after = ev.Kind
			}
		}
	})
}
