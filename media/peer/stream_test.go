package peer

import (
	"slices"
	"time"

	"github.com/viva-interview/viva/media/stt/stttest"
	"log/slog"
	"testing"

	"github.com/viva-interview/viva/media/endpoint"
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
			s, err := newStream(streamConfig{log: slog.New(slog.DiscardHandler), emit: func(e Event) {
				turns = append(turns, e)
			}})
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range tt.order {
				s.packet(uint16(60000+i), uint32(i*960), packets[i]) // wraps around mid-stream
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

// TestStreamTimestampGap: a jump in RTP timestamps with no packet lost (the
// sender's DTX) is silence on the time base, so later turns keep their true
// times and the recording's packets their true starts.
func TestStreamTimestampGap(t *testing.T) {
	t.Parallel()
	iv := newInterview(t)
	packets := encode(t, iv.audio)
	const gap = 2 * time.Second
	// The gap opens in the silence after the first answer.
	cut := int((iv.ends[0]+400*time.Millisecond)/(20*time.Millisecond)) + 1
	var turns []Event
	var starts []time.Duration
	s, err := newStream(streamConfig{
		log: slog.New(slog.DiscardHandler), start: time.Minute,
		emit:     func(e Event) { turns = append(turns, e) },
		onPacket: func(at time.Duration, _ []byte) { starts = append(starts, at) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range packets {
		ts := uint32(i * 960)
		if i >= cut {
			ts += uint32(gap / time.Second * 48000)
		}
		s.packet(uint16(i), ts, p)
	}
	if s.lost != 0 {
		t.Errorf("concealed %d packets, want none", s.lost)
	}
	if want := int64(gap / time.Second * rate); s.gaps != want {
		t.Errorf("inserted %d samples of silence, want %d", s.gaps, want)
	}
	if len(starts) != len(packets) {
		t.Fatalf("%d packets reported, want %d", len(starts), len(packets))
	}
	for _, i := range []int{0, cut - 1, cut, len(packets) - 1} {
		want := time.Minute + time.Duration(i)*20*time.Millisecond
		if i >= cut {
			want += gap
		}
		if starts[i] != want {
			t.Errorf("packet %d starts at %v, want %v", i, starts[i], want)
		}
	}
	// Shift the truth the way the stream should have.
	for i := range iv.onsets {
		iv.onsets[i] += time.Minute
		iv.ends[i] += time.Minute
		if i > 0 {
			iv.onsets[i] += gap
			iv.ends[i] += gap
		}
	}
	iv.check(t, turns)
}

// TestStreamThinkingPause: the words of a partial transcript reach the
// endpointer between packets, so a pause after "because" is a thinking pause
// and not an end of turn; the Pause event carries the turn's tail for that
// partial transcript.
func TestStreamThinkingPause(t *testing.T) {
	t.Parallel()
	speech := speechOnly(stttest.Say(t, "rms", "We shard the index because"), 3*rate)
	more := speechOnly(stttest.Say(t, "rms", "the corpus no longer fits."), 3*rate)
	audio := make([]int16, rate/2)
	audio = append(audio, speech...)
	audio = append(audio, make([]int16, rate*3/2)...) // a 1.5 s think
	audio = append(audio, more...)
	audio = append(audio, make([]int16, rate*3/2)...)
	packets := encode(t, audio)

	var s *stream
	var events []Event
	pauses := 0
	var err error
	s, err = newStream(streamConfig{log: slog.New(slog.DiscardHandler), await: true, emit: func(e Event) {
		events = append(events, e)
		if e.Kind == endpoint.Pause {
			// What the live path does: transcribe the segment and hand
			// its words back, here at once.
			if e.Segment == nil || len(e.Segment.PCM) == 0 {
				t.Errorf("pause without a segment")
			}
			pauses++
			if pauses == 1 {
				s.setWords([]string{"we", "shard", "the", "index", "because"})
			} else {
				s.setWords([]string{"the", "corpus", "no", "longer", "fits"})
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range packets {
		s.packet(uint16(i), uint32(i*960), p)
	}
	var kinds []endpoint.Kind
	for _, e := range events {
		t.Log(e.Event)
		kinds = append(kinds, e.Kind)
	}
	want := []endpoint.Kind{endpoint.SpeechStarted, endpoint.Pause, endpoint.ThinkingExtended, endpoint.Resumed}
	if len(kinds) < len(want) || !slices.Equal(kinds[:len(want)], want) {
		t.Fatalf("events %v, want them to begin %v", kinds, want)
	}
	turns := turnsOf(t, events)
	if len(turns) != 1 {
		t.Fatalf("%d ends of turn, want 1", len(turns))
	}
	if got, want := time.Duration(len(turns[0].pcm))*time.Second/rate, time.Duration(len(speech)+len(more))*time.Second/rate; got < want-100*time.Millisecond {
		t.Errorf("the turn's audio is %v, want both halves (%v)", got, want)
	}
}

// TestStreamMute: silence while muted never ends a turn; the turn ends after
// the unmute.
func TestStreamMute(t *testing.T) {
	t.Parallel()
	speech := speechOnly(stttest.Say(t, "rms", "Let me check my notes."), 3*rate)
	audio := append(make([]int16, rate/2), speech...)
	audio = append(audio, make([]int16, 3*rate)...)
	packets := encode(t, audio)
	var ends []Event
	s, err := newStream(streamConfig{log: slog.New(slog.DiscardHandler), emit: func(e Event) {
		if e.Kind == endpoint.EndOfTurn {
			ends = append(ends, e)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	speechEnd := (rate/2 + len(speech)) / 960 * 3
	unmute := speechEnd + 100 // two seconds of muted silence
	for i, p := range packets {
		switch i {
		case speechEnd:
			s.setMute(true)
		case unmute:
			s.setMute(false)
		}
		s.packet(uint16(i), uint32(i*960), p)
	}
	if len(ends) != 1 {
		t.Fatalf("%d ends of turn, want 1", len(ends))
	}
	// The endpointer's clock stopped while muted: the turn ends 0.8 s of
	// unmuted silence after the speech, on the interview's time base 2 s
	// later than it would have.
	if got, min := ends[0].At, time.Duration(unmute)*20*time.Millisecond; got < min {
		t.Errorf("end of turn at %v, before the unmute at %v", got, min)
	}
}

// TestStreamSplitsLongSpeech: speech with no pause longer than MaxSegment
// is cut into segments at quiet moments, which join back into the turn.
func TestStreamSplitsLongSpeech(t *testing.T) {
	t.Parallel()
	var speech []int16
	for _, text := range []string{"We index every ticket with its product and its language", "then we embed the chunks", "and keep the vectors in memory on one machine", "which is enough for ten million tickets"} {
		speech = append(speech, speechOnly(stttest.Say(t, "rms", text), 4*rate)...)
	}
	audio := append(make([]int16, rate/2), speech...)
	audio = append(audio, make([]int16, 2*rate)...)
	var events []Event
	s, err := newStream(streamConfig{log: slog.New(slog.DiscardHandler), emit: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range encode(t, audio) {
		s.packet(uint16(i), uint32(i*960), p)
	}
	splits := 0
	for _, e := range events {
		if e.Kind == endpoint.Split {
			splits++
			if n := time.Duration(len(e.Segment.PCM)) * time.Second / rate; n > MaxSegment || n < MaxSegment*3/4-20*time.Millisecond {
				t.Errorf("split segment of %v, want between 3/4 of %v and it", n, MaxSegment)
			}
		}
	}
	turns := turnsOf(t, events)
	if len(turns) != 1 {
		t.Fatalf("%d turns, want 1", len(turns))
	}
	longest := time.Duration(0)
	var run time.Duration
	for _, e := range events {
		if e.Kind == endpoint.Pause {
			run = 0
		}
		if e.Segment != nil {
			run += time.Duration(len(e.Segment.PCM)) * time.Second / rate
			longest = max(longest, run)
			run = 0
		}
	}
	t.Logf("%v of speech: %d splits, %d segments, longest %v", time.Duration(len(speech))*time.Second/rate, splits, turns[0].segments, longest)
	if splits == 0 {
		t.Errorf("no split in %v of speech", time.Duration(len(speech))*time.Second/rate)
	}
	if longest > MaxSegment {
		t.Errorf("a segment of %v, over %v", longest, MaxSegment)
	}
	if got, want := len(turns[0].pcm), len(speech); got < want-rate/10 || got > want+rate/10 {
		t.Errorf("segments join to %d samples, the speech is %d", got, want)
	}
}
