package endpoint

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// play feeds e a script of comma-separated steps, in 20 ms frames starting
// at *now, and returns the events. Steps: "speech 1.2s", "silence 900ms",
// "words I chose it because", "interviewer on", "interviewer off", "reset",
// "expect" (words are on their way).
func play(t testing.TB, e *Endpointer, now *time.Duration, script string) []Event {
	t.Helper()
	var evs []Event
	for _, step := range strings.Split(script, ",") {
		verb, arg, _ := strings.Cut(strings.TrimSpace(step), " ")
		switch verb {
		case "speech", "silence":
			d, err := time.ParseDuration(arg)
			if err != nil || d%FrameDuration != 0 {
				t.Fatalf("step %q: want a multiple of %v", step, FrameDuration)
			}
			for range d / FrameDuration {
				*now += FrameDuration
				evs = append(evs, e.Frame(*now, verb == "speech")...)
			}
		case "words":
			e.SetWords(strings.Fields(arg))
		case "interviewer":
			e.SetInterviewerSpeaking(arg == "on")
		case "reset":
			e.Reset()
		case "expect":
			e.ExpectWords()
		default:
			t.Fatalf("bad step %q", step)
		}
	}
	checkEvents(t, evs)
	return evs
}

// checkEvents asserts what holds for every event sequence: known kinds,
// reasons, time order.
func checkEvents(t testing.TB, evs []Event) {
	t.Helper()
	for i, ev := range evs {
		if ev.Kind.String() == "unknown" {
			t.Errorf("event %d has unknown kind %d", i, ev.Kind)
		}
		if ev.Reason == "" {
			t.Errorf("event %v has no reason", ev)
		}
		if i > 0 && ev.At < evs[i-1].At {
			t.Errorf("event %v comes after %v", ev, evs[i-1])
		}
	}
}

// summary is "kind@time" for each event, for comparison with a want.
func summary(evs []Event) string {
	s := make([]string, len(evs))
	for i, ev := range evs {
		s[i] = ev.Kind.String() + "@" + ev.At.String()
	}
	return strings.Join(s, " ")
}

func newEndpointer(t testing.TB, cfg Config) *Endpointer {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEndpointer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    Config
		script string
		want   string
		reason string // a substring of the last event's reason
	}{
		{
			name:   "end of turn after a finished sentence",
			script: "words I built the cache myself., speech 1.2s, silence 900ms",
			want:   "speech_started@0s pause@1.2s end_of_turn@2s",
			reason: "800 ms silence after a finished sentence",
		},
		{
			name:   "end of turn to the frame with an odd silence",
			cfg:    Config{Silence: 810 * time.Millisecond},
			script: "words done, speech 1.2s, silence 900ms",
			want:   "speech_started@0s pause@1.2s end_of_turn@2.02s",
			reason: "810 ms silence",
		},
		{
			name:   "end of turn before any words",
			script: "silence 500ms, speech 1s, silence 1s",
			want:   "speech_started@500ms pause@1.5s end_of_turn@2.3s",
			reason: "no words recognised",
		},
		{
			name:   "awaited words hold the end of turn until they come",
			script: "speech 2s, silence 20ms, expect, silence 1180ms, words I chose it., silence 20ms",
			want:   "speech_started@0s pause@2s end_of_turn@3.22s",
			reason: "after a finished sentence",
		},
		{
			name:   "awaited words that show a thinking pause",
			script: "speech 2s, silence 20ms, expect, silence 1s, words I chose it because, silence 600ms",
			want:   "speech_started@0s pause@2s thinking_extended@3.04s",
			reason: "unfinished 'because'",
		},
		{
			name:   "awaited words that never come end the turn at MaxThinking",
			script: "speech 2s, silence 20ms, expect, silence 3s",
			want:   "speech_started@0s pause@2s end_of_turn@4.5s",
			reason: "not recognised in time",
		},
		{
			name:   "think pause after because does not end the turn",
			script: "words I chose Postgres because, speech 2s, silence 1.5s, speech 1s, words because it scales, silence 1s",
			want:   "speech_started@0s pause@2s thinking_extended@2.8s resumed@3.5s pause@4.5s end_of_turn@5.3s",
			reason: "after a finished sentence",
		},
		{
			name:   "silence after because reaches MaxThinking",
			script: "words It failed because, speech 1s, silence 3s",
			want:   "speech_started@0s pause@1s thinking_extended@1.8s end_of_turn@3.5s",
			reason: "2.5 s silence after unfinished 'because'",
		},
		{
			name:   "filler with punctuation is unfinished",
			script: "words Well um..., speech 1s, silence 1s",
			want:   "speech_started@0s pause@1s thinking_extended@1.8s",
			reason: "unfinished 'um', waiting up to 2.5 s",
		},
		{
			name:   "finished words arriving during the extension end the turn",
			script: "words and, speech 1s, silence 1s, words and that was it, silence 20ms",
			want:   "speech_started@0s pause@1s thinking_extended@1.8s end_of_turn@2.02s",
			reason: "finished sentence",
		},
		{
			name:   "MaxThinking equal to Silence ends without extending",
			cfg:    Config{Silence: time.Second, MaxThinking: time.Second},
			script: "words so, speech 1s, silence 2s",
			want:   "speech_started@0s pause@1s end_of_turn@2s",
			reason: "1 s silence after unfinished 'so'",
		},
		{
			name:   "no unfinished words",
			cfg:    Config{Unfinished: []string{}},
			script: "words because, speech 1s, silence 1s",
			want:   "speech_started@0s pause@1s end_of_turn@1.8s",
		},
		{
			name:   "custom unfinished words",
			cfg:    Config{Unfinished: []string{"Also,"}},
			script: "words ALSO, speech 1s, silence 1s",
			want:   "speech_started@0s pause@1s thinking_extended@1.8s",
			reason: "'also'",
		},
		{
			name:   "200 ms cough never starts a turn",
			script: "speech 200ms, silence 3s",
		},
		{
			name:   "240 ms is still too short",
			script: "silence 100ms, speech 240ms, silence 3s",
		},
		{
			name:   "260 ms starts a turn",
			script: "silence 100ms, speech 260ms, silence 1s",
			want:   "speech_started@100ms pause@360ms end_of_turn@1.16s",
		},
		{
			name:   "speech of exactly MinSpeech starts a turn",
			cfg:    Config{MinSpeech: 200 * time.Millisecond},
			script: "speech 200ms",
			want:   "speech_started@0s",
			reason: "200 ms of speech reached the 200 ms minimum",
		},
		{
			name:   "barge-in stamped at onset",
			script: "interviewer on, silence 1s, speech 600ms, silence 1s",
			want:   "barge_in@1s speech_started@1s pause@1.6s end_of_turn@2.4s",
		},
		{
			name:   "short speech over the interviewer is a backchannel",
			script: "interviewer on, silence 1s, speech 300ms, silence 1s",
			want:   "backchannel@1s",
			reason: "300 ms of speech over the interviewer, under the 500 ms barge-in threshold",
		},
		{
			name:   "speech begun over the interviewer who then stops starts a turn",
			script: "interviewer on, speech 200ms, interviewer off, speech 400ms",
			want:   "speech_started@0s",
		},
		{
			name:   "speech during a turn is not a barge-in",
			script: "speech 1s, interviewer on, silence 200ms, speech 1s",
			want:   "speech_started@0s pause@1s resumed@1.2s",
		},
		{
			name:   "two turns",
			script: "words done, speech 1s, silence 1s, words also done, speech 1s, silence 1s",
			want:   "speech_started@0s pause@1s end_of_turn@1.8s speech_started@2s pause@3s end_of_turn@3.8s",
		},
		{
			name:   "reset abandons the turn and the words",
			script: "words because, speech 1s, silence 1s, reset, silence 3s, speech 300ms, silence 1s",
			want:   "speech_started@0s pause@1s thinking_extended@1.8s speech_started@5s pause@5.3s end_of_turn@6.1s",
			reason: "no words recognised",
		},
		{
			name:   "reset drops speech not yet a turn",
			script: "speech 200ms, reset, speech 100ms, silence 1s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEndpointer(t, tt.cfg)
			var now time.Duration
			evs := play(t, e, &now, tt.script)
			if got := summary(evs); got != tt.want {
				t.Errorf("events:\n got %s\nwant %s\n%v", got, tt.want, evs)
			}
			if tt.reason != "" && (len(evs) == 0 || !strings.Contains(evs[len(evs)-1].Reason, tt.reason)) {
				t.Errorf("last event's reason does not contain %q: %v", tt.reason, evs)
			}
		})
	}
}

func TestFrameIgnoresFramesNotAfterTheLast(t *testing.T) {
	t.Parallel()
	e := newEndpointer(t, Config{})
	var now time.Duration
	play(t, e, &now, "speech 200ms")
	if evs := e.Frame(now, true); evs != nil {
		t.Errorf("repeated frame: %v", evs)
	}
	if evs := e.Frame(now-time.Second, true); evs != nil {
		t.Errorf("earlier frame: %v", evs)
	}
	if got, want := summary(play(t, e, &now, "speech 60ms")), "speech_started@0s"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestFrameGap(t *testing.T) {
	t.Parallel()
	// A frame after a gap covers only FrameDuration: the silence begins at
	// its start, not at the end of the previous frame.
	e := newEndpointer(t, Config{})
	var now time.Duration
	play(t, e, &now, "words done, speech 1s")
	evs := e.Frame(now+time.Second, false)
	if got, want := summary(evs), "pause@1.98s"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestLastWord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		words []string
		want  string
	}{
		{nil, ""},
		{[]string{"Because."}, "because"},
		{[]string{"so", "—", "..."}, "so"},
		{[]string{"I did it and then"}, "then"},
		{[]string{"Don't"}, "don't"},
		{[]string{"", " "}, ""},
	}
	for _, tt := range tests {
		if got := lastWord(tt.words); got != tt.want {
			t.Errorf("lastWord(%q) = %q, want %q", tt.words, got, tt.want)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	c := newEndpointer(t, Config{}).Config()
	if c.Silence != DefaultSilence || c.MaxThinking != DefaultMaxThinking ||
		c.MinSpeech != DefaultMinSpeech || c.BargeIn != DefaultBargeIn || len(c.Unfinished) != 19 {
		t.Errorf("defaults: %+v", c)
	}
	if c := newEndpointer(t, Config{Silence: 3 * time.Second}).Config(); c.MaxThinking != 3*time.Second {
		t.Errorf("MaxThinking with a 3 s Silence = %v, want 3s", c.MaxThinking)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{Silence: -1}, "Silence"},
		{Config{MaxThinking: -time.Second}, "MaxThinking"},
		{Config{Silence: 2 * time.Second, MaxThinking: time.Second}, "MaxThinking"},
		{Config{MaxThinking: 500 * time.Millisecond}, "MaxThinking"},
		{Config{MinSpeech: -time.Millisecond}, "MinSpeech"},
		{Config{BargeIn: -time.Millisecond}, "BargeIn"},
		{Config{Unfinished: []string{"and", "..."}}, "Unfinished[1]"},
		{Config{Unfinished: []string{"so then"}}, "Unfinished[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("New(%+v) = %v, want an ErrConfig naming %s", tt.cfg, err, tt.field)
			}
		})
	}
}

func BenchmarkFrame(b *testing.B) {
	e := newEndpointer(b, Config{})
	words := [][]string{{"I", "chose", "it", "because"}, {"it", "scales."}}
	var now time.Duration
	i := 0
	for b.Loop() {
		now += FrameDuration
		// Turns of 2 s speech and 1.2 s silence; words change every 200 ms.
		if i%10 == 0 {
			e.SetWords(words[(i/10)%2])
		}
		e.Frame(now, i%160 < 100)
		i++
	}
}
