package espeak_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media/tts/espeak"
	"github.com/viva-interview/viva/media/tts/ttstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newEngine(t *testing.T, cfg espeak.Config) *espeak.Engine {
	t.Helper()
	e, err := espeak.New(cfg)
	if err != nil {
		if strings.Contains(err.Error(), "executable file not found") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	return e
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ttstest.Run(t, newEngine(t, espeak.Config{}))
}

// Slower speech is longer.
func TestSpeed(t *testing.T) {
	t.Parallel()
	const text = "What breaks at a hundred times the corpus?"
	var ms [2]int64
	for i, wpm := range []int{120, 240} {
		e := newEngine(t, espeak.Config{WPM: wpm})
		if want := "espeak-ng:en-us:" + map[int]string{120: "120", 240: "240"}[wpm]; e.Name() != want {
			t.Errorf("Name %q, want %q", e.Name(), want)
		}
		sp, err := e.Synthesize(context.Background(), text)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Rate != 22050 {
			t.Errorf("rate %d, want 22050", sp.Rate)
		}
		ms[i] = sp.DurationMS()
	}
	if ms[0] < ms[1]*3/2 {
		t.Errorf("120 wpm gave %d ms, 240 wpm %d ms: want the slower at least 1.5× longer", ms[0], ms[1])
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  espeak.Config
		want string
	}{
		{"unknown voice", espeak.Config{Voice: "nosuch"}, `voice "nosuch"`},
		{"voice like an option", espeak.Config{Voice: "--help"}, "not a voice name"},
		{"too slow", espeak.Config{WPM: 10}, "WPM 10 is outside"},
		{"missing binary", espeak.Config{Binary: "/nonexistent/espeak-ng"}, "install Debian's espeak-ng"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := espeak.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
		})
	}
}
