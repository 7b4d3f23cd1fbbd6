package flite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media/tts"
	"github.com/viva-interview/viva/media/tts/flite"
	"github.com/viva-interview/viva/media/tts/ttstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newEngine(t *testing.T, cfg flite.Config) *flite.Engine {
	t.Helper()
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	e, err := flite.New(cfg)
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
	ttstest.Run(t, newEngine(t, flite.Config{}))
}

func TestVoices(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		voice string
		rate  int
	}{
		{"slt", 16000}, {"rms", 16000}, {"awb", 16000}, {"kal16", 16000}, {"kal", 8000},
	} {
		t.Run(tt.voice, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, flite.Config{Voice: tt.voice})
			if e.Name() != "flite:"+tt.voice {
				t.Errorf("Name %q", e.Name())
			}
			sp, err := e.Synthesize(context.Background(), "When would you not use an agent?")
			if err != nil {
				t.Fatal(err)
			}
			if sp.Rate != tt.rate || sp.Engine != e.Name() {
				t.Errorf("rate %d engine %q, want %d %q", sp.Rate, sp.Engine, tt.rate, e.Name())
			}
			ttstest.Check(t, sp, 7)
		})
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  flite.Config
		want string
	}{
		{"unknown voice", flite.Config{Voice: "nosuch"}, `no voice "nosuch"; flite has`},
		{"voice like an option", flite.Config{Voice: "-lv"}, "not a voice name"},
		{"missing voice file", flite.Config{Voice: "/nonexistent/voice.flitevox"}, "voice file"},
		{"missing binary", flite.Config{Binary: "/nonexistent/flite"}, "install Debian's flite"},
		{"negative concurrency", flite.Config{Concurrency: -1}, "Concurrency -1 is negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := flite.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
		})
	}
}

// A synthesis that outlives its context is killed, not waited for.
func TestDeadline(t *testing.T) {
	t.Parallel()
	e := newEngine(t, flite.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	long := strings.Repeat("What breaks at a hundred times the corpus? ", 40)
	began := time.Now()
	_, err := e.Synthesize(ctx, long)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want DeadlineExceeded", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("took %s after the deadline", took)
	}
}

// A flite that fails gives ErrUnavailable, so a caller can fall back.
func TestFailure(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "flite")
	script := "#!/bin/sh\ncase \"$1\" in -lv) echo 'Voices available: kal awb_time kal16 awb rms slt' ;; *) echo 'cannot open audio' >&2; exit 3 ;; esac\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, flite.Config{Binary: bin})
	_, err := e.Synthesize(context.Background(), "hello there")
	if !errors.Is(err, tts.ErrUnavailable) || !strings.Contains(err.Error(), "exit status 3: cannot open audio") {
		t.Fatalf("err %v, want ErrUnavailable with the exit status and message", err)
	}
	if strings.Contains(err.Error(), "hello there") {
		t.Errorf("error quotes the text: %v", err)
	}
}
