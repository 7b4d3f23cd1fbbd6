package live_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media/stt/sphinx"
)

// engine is the embedded speech engine every test shares: it is real, and
// too big (about 200 MB a decoder) to make per test.
var engine *sphinx.Engine

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "viva-live-sphinx")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	engine, err = sphinx.New(sphinx.Config{Decoders: 2, CacheDir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedded speech engine:", err)
		os.Exit(1)
	}
	code := m.Run()
	engine.Close()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
