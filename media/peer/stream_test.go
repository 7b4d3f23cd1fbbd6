package peer

import (
	"log/slog"
	"testing"

	"github.com/viva-interview/viva/media/endpoint"
	"github.com/viva-interview/viva/media/vad"
)

// TestStreamImpaired feeds the media path directly, without a network, with
// packets lost and reordered: concealment must keep the time base.
func TestStreamImpaired(t *testing.T) {
	t.Parallel()
	iv := newInterview(t)
	packets := encode(t, iv.audio)
	tests := map[string]struct {
		order []int // indexes of the packets sent, in sending order
		lost  int64 // packets never sent
	}{
		"clean":         {order: seq(len(packets), none, false)},
		"5% loss":       {order: seq(len(packets), fivePercent, false), lost: lost(len(packets), fivePercent)},
		"reordered":     {order: seq(len(packets), none, true)},
		"loss, reorder": {order: seq(len(packets), fivePercent, true), lost: lost(len(packets), fivePercent)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var turns []Event
			s, err := newStream(slog.New(slog.DiscardHandler), vad.Config{}, endpoint.Config{}, func(e Event) {
				if e.Kind == endpoint.EndOfTurn {
					turns = append(turns, e)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range tt.order {
				s.packet(uint16(60000+i), packets[i]) // wraps around mid-stream
			}
			if s.lost != tt.lost || s.frames != int64(len(packets)) {
				t.Errorf("concealed %d packets and decoded %d frames, want %d and %d", s.lost, s.frames, tt.lost, len(packets))
			}
			iv.check(t, turns)
		})
	}
}

// seq lists packet indexes 0..n-1 without those lost, swapping every
// third pair when reorder is set.
func seq(n int, lost func(int) bool, reorder bool) []int {
	var out []int
	for i := range n {
		if !lost(i) {
			out = append(out, i)
		}
	}
	if reorder {
		for i := 1; i+1 < len(out); i += 6 {
			out[i], out[i+1] = out[i+1], out[i]
		}
	}
	return out
}

func none(int) bool { return false }

// fivePercent loses one packet in 20, never the last of the test audio.
func fivePercent(i int) bool { return i%20 == 7 }

func lost(n int, lost func(int) bool) int64 {
	var c int64
	for i := range n {
		if lost(i) {
			c++
		}
	}
	return c
}
