package record

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/viva-interview/viva/media/opus"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// interview is the test recording's schedule on the time base: 5 s of voice
// from 1.5 s, a 2 s gap (a reconnect: a new encoder), 5 s more from 8.5 s,
// with every 20th packet lost in transit (5%).
type interview struct {
	packets   [][]byte
	at        []time.Duration
	lost      []bool
	lookahead int
}

const (
	firstAt   = 1500 * time.Millisecond
	secondAt  = 8500 * time.Millisecond
	segment   = 5 * time.Second
	recording = secondAt + segment // 13.5 s
)

func newInterview(tb testing.TB) interview {
	tb.Helper()
	var iv interview
	for _, start := range []time.Duration{firstAt, secondAt} {
		packets, la := encode(tb, voice(segment.Seconds()))
		iv.lookahead = la
		for i, p := range packets {
			iv.packets = append(iv.packets, p)
			iv.at = append(iv.at, start+time.Duration(i)*20*time.Millisecond)
			iv.lost = append(iv.lost, i%20 == 7)
		}
	}
	return iv
}

// write records iv's packets that were not lost, closes the recording and
// returns the recorder's final Info.
func (iv interview) write(t *testing.T, path string, cfg Config) Info {
	t.Helper()
	r, err := Create(path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range iv.packets {
		if iv.lost[i] {
			continue
		}
		if err := r.Write(iv.at[i], p); err != nil {
			t.Fatalf("write packet %d: %v", i, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return r.Info()
}

// TestRecording records both directions of the test interview, with their
// pre-skips, and reads them back: the length (±1% is required; it is exact),
// silence where nothing was sent, voice where it was, at the right times.
func TestRecording(t *testing.T) {
	t.Parallel()
	iv := newInterview(t)
	for _, tc := range []struct {
		name    string
		preSkip int
	}{
		{"candidate", 0},              // as received: plays what the server decoded
		{"interviewer", iv.lookahead}, // our encoder: plays what was encoded
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "rec.opus")
			written := iv.write(t, path, Config{PreSkip: tc.preSkip})
			want := toSamples(recording) - int64(tc.preSkip)

			info, err := Probe(path)
			if err != nil {
				t.Fatal(err)
			}
			if info != written {
				t.Errorf("Probe = %+v, the recorder wrote %+v", info, written)
			}
			// ±1% is required; the length is exact.
			if info.Duration != toDuration(want) {
				t.Errorf("Probe duration %v, want %v", info.Duration, toDuration(want))
			}
			if !info.Ended {
				t.Error("Probe: no end-of-stream page")
			}
			pcm, err := Decode(path, 0)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(pcm)) != want {
				t.Fatalf("decoded %d samples, want %d (%v)", len(pcm), want, toDuration(want))
			}

			// pcm[i] plays at i/48000 s on the time base. A packet written
			// at t decodes to pcm[at(t)] on, one pre-skip earlier, which
			// is where its input (the encoder's delay later) belongs.
			at := func(d time.Duration) int { return int(toSamples(d)) - tc.preSkip }
			quiet := []struct{ from, to time.Duration }{
				{0, firstAt - 10*time.Millisecond},
				{firstAt + segment + 10*time.Millisecond, secondAt - 10*time.Millisecond},
			}
			for _, q := range quiet {
				if p := peak(pcm[max(at(q.from), 0):at(q.to)]); p != 0 {
					t.Errorf("gap %v–%v: peak %.5f, want silence", q.from, q.to, p)
				}
			}
			// Each packet received plays in its own 20 ms.
			for i, p := range iv.packets {
				if iv.lost[i] {
					continue
				}
				from := at(iv.at[i] + 3*time.Millisecond)
				to := at(iv.at[i] + 17*time.Millisecond)
				if r := rms(pcm[from:to]); r < 0.02 {
					t.Errorf("packet %d (%v, %d bytes): rms %.4f, want voice", i, iv.at[i], len(p), r)
				}
			}
			// Onsets and ends of the voice within 20 ms of their times.
			for _, e := range []struct {
				name        string
				at          time.Duration
				search      [2]time.Duration
				first, last bool
			}{
				{"first onset", firstAt, [2]time.Duration{0, firstAt + time.Second}, true, false},
				{"end before the gap", firstAt + segment, [2]time.Duration{firstAt + time.Second, secondAt - time.Millisecond}, false, true},
				{"onset after the gap", secondAt, [2]time.Duration{secondAt - time.Second, secondAt + time.Second}, true, false},
			} {
				got := edge(pcm, max(at(e.search[0]), 0), at(e.search[1]), e.last)
				if got < 0 {
					t.Errorf("%s: no audio", e.name)
					continue
				}
				if d := toDuration(int64(got)) - e.at; d.Abs() > 20*time.Millisecond {
					t.Errorf("%s at %v, want %v ± 20 ms", e.name, toDuration(int64(got)), e.at)
				}
			}
		})
	}
}

// edge returns the first (or last) sample in pcm[from:to] above 1% of full
// scale, -1 if none.
func edge(pcm []int16, from, to int, last bool) int {
	found := -1
	for i := from; i < to; i++ {
		if absInt(int(pcm[i])) > 328 {
			if !last {
				return i
			}
			found = i
		}
	}
	return found
}

// TestCandidateAsDecoded checks that the candidate's recording (pre-skip 0)
// plays exactly what the server's decoder produced at each time, lost
// packets concealed the same way, sample for sample.
func TestCandidateAsDecoded(t *testing.T) {
	t.Parallel()
	iv := newInterview(t)
	path := filepath.Join(t.TempDir(), "candidate.opus")
	iv.write(t, path, Config{})
	pcm, err := Decode(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := opus.NewLibopusDecoder(opus.DecoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]int16, opus.MaxPacketSamples)
	start := int(toSamples(firstAt))
	var server []int16 // what the live decoder produced from firstAt
	for i, p := range iv.packets[:len(iv.packets)/2] {
		var n int
		if iv.lost[i] {
			n, err = dec.Conceal(buf)
		} else {
			n, err = dec.Decode(p, buf)
		}
		if err != nil {
			t.Fatal(err)
		}
		server = append(server, buf[:n]...)
	}
	// The recording's decoder heard 1.5 s of silence first: the first
	// packet fades in from it (a mode switch); from the second on, nothing
	// differs.
	from := opus.FrameSamples
	worst, at := 0, 0
	for i := from; i < len(server); i++ {
		if d := absInt(int(pcm[start+i]) - int(server[i])); d > worst {
			worst, at = d, i
		}
	}
	if worst != 0 {
		t.Errorf("recording differs from the server's decoding by up to %d at %v", worst, toDuration(int64(start+at)))
	}
}

// TestInterviewerAlignment checks that the interviewer's recording (pre-skip
// the encoder's lookahead) plays each input sample at its time: the lag
// that best matches input and output is 0, where pre-skip 0 would give the
// lookahead.
func TestInterviewerAlignment(t *testing.T) {
	t.Parallel()
	iv := newInterview(t)
	input := voice(segment.Seconds())
	for _, tc := range []struct {
		preSkip, wantLag int
	}{
		{iv.lookahead, 0},
		{0, iv.lookahead},
	} {
		path := filepath.Join(t.TempDir(), "interviewer.opus")
		iv.write(t, path, Config{PreSkip: tc.preSkip})
		pcm, err := Decode(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		start := int(toSamples(firstAt))
		ref := input[ms(200):ms(1400)]
		lag := bestLag(ref, pcm[start+ms(200):], 600)
		if absInt(lag-tc.wantLag) > ms(1) {
			t.Errorf("pre-skip %d: output lags the time base by %d samples, want %d ± 48", tc.preSkip, lag, tc.wantLag)
		}
		t.Logf("pre-skip %d: output lags the time base by %d samples", tc.preSkip, lag)
	}
}

// bestLag returns the lag in 0..maxLag at which got best correlates with ref.
func bestLag(ref, got []int16, maxLag int) int {
	best, lag := math.Inf(-1), 0
	for l := 0; l <= maxLag; l++ {
		var xy, yy float64
		for i, r := range ref {
			g := float64(got[i+l])
			xy += float64(r) * g
			yy += g * g
		}
		if c := xy / math.Sqrt(yy+1); c > best {
			best, lag = c, l
		}
	}
	return lag
}

// TestGaps checks how gaps are filled: packets lost in transit are
// concealed, any other gap becomes silence to the nearest 2.5 ms, and
// packets that come early are written all the same.
func TestGaps(t *testing.T) {
	t.Parallel()
	packets, _ := encode(t, voice(1))
	const ms20 = 20 * time.Millisecond
	const lead = 4 * ms20
	for _, tc := range []struct {
		name      string
		second    time.Duration // when the packet after the gap starts, after lead
		wantEnd   time.Duration
		wantAdded int // packets written between them
		conceal   bool
		logged    bool // an overlap logged at debug level
	}{
		{"contiguous", ms20, 2 * ms20, 0, false, false},
		{"jitter under 1.25 ms", ms20 + time.Millisecond, 2 * ms20, 0, false, false},
		{"one packet lost", 2 * ms20, 3 * ms20, 1, true, false},
		{"five packets lost", 6 * ms20, 7 * ms20, 5, true, false},
		{"six: silence", 7 * ms20, 8 * ms20, 1, false, false},
		{"17 ms: silence to 17.5", ms20 + 17*time.Millisecond, 2*ms20 + 17500*time.Microsecond, 3, false, false},
		{"2 s of silence", ms20 + 2*time.Second, 2*ms20 + 2*time.Second, 17, false, false},
		{"early by 4 ms", ms20 - 4*time.Millisecond, 2 * ms20, 0, false, false},
		{"early by 10 ms", ms20 - 10*time.Millisecond, 2 * ms20, 0, false, true},
		{"at the same time", 0, 2 * ms20, 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "rec.opus")
			var log bytes.Buffer
			r, err := Create(path, Config{Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			// Four packets lead in, so that concealment has speech to
			// extend; the gap is after the fifth.
			for i, p := range packets[6:11] {
				if err := r.Write(time.Duration(i)*ms20, p); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Write(lead+tc.second, packets[11]); err != nil {
				t.Fatal(err)
			}
			if got := r.Duration(); got != lead+tc.wantEnd {
				t.Errorf("Duration = %v, want %v", got, lead+tc.wantEnd)
			}
			if logged := strings.Contains(log.String(), "overlaps"); logged != tc.logged {
				t.Errorf("logged %q, want an overlap logged: %v", log.String(), tc.logged)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			info, err := Probe(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Duration != lead+tc.wantEnd || info.Packets != 6+tc.wantAdded {
				t.Errorf("Probe = %v in %d packets, want %v in %d", info.Duration, info.Packets, lead+tc.wantEnd, 6+tc.wantAdded)
			}
			pcm, err := Decode(path, 0)
			if err != nil {
				t.Fatal(err)
			}
			gap := pcm[5*opus.FrameSamples : len(pcm)-opus.FrameSamples]
			switch {
			case len(gap) < ms(10):
			case tc.conceal:
				if r := rms(gap[:ms(10)]); r < 0.01 {
					t.Errorf("lost packet: rms %.4f, want concealment", r)
				}
			default:
				if p := peak(gap[ms(6):]); p != 0 {
					t.Errorf("gap: peak %.5f after 6 ms, want silence", p)
				}
			}
		})
	}
}

// TestSilence decodes every silence the recorder writes, 2.5 ms to 1 s,
// after speech: each packet lasts what it says, the total is exact, and it
// is exact zeros once the speech has faded out (6 ms).
func TestSilence(t *testing.T) {
	t.Parallel()
	packets, _ := encode(t, voice(1))
	buf := make([]int16, opus.MaxPacketSamples)
	for units := int64(1); units <= 400; units++ {
		dec, err := opus.NewLibopusDecoder(opus.DecoderConfig{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range packets[:10] {
			if _, err := dec.Decode(p, buf); err != nil {
				t.Fatal(err)
			}
		}
		var out []int16
		for left := units; left > 0; {
			p, k := silence(left)
			if n, err := opus.PacketSamples(p, opus.Rate); err != nil || n != int(k)*silenceUnit {
				t.Fatalf("%d units: packet %x: PacketSamples = %d, %v, want %d", units, p, n, err, k*silenceUnit)
			}
			n, err := dec.Decode(p, buf)
			if err != nil || n != int(k)*silenceUnit {
				t.Fatalf("%d units: packet %x decodes to %d samples, %v, want %d", units, p, n, err, k*silenceUnit)
			}
			out = append(out, buf[:n]...)
			left -= k
		}
		if len(out) != int(units)*silenceUnit {
			t.Fatalf("%d units: %d samples", units, len(out))
		}
		if p := peak(out[min(ms(6), len(out)):]); p != 0 {
			t.Errorf("%d units: peak %.5f after 6 ms, want silence", units, p)
		}
	}
}

// TestCrash reads a recording while it is still being written, as a SIGKILL
// would leave it: it plays, up to at most FlushEvery before the last packet.
func TestCrash(t *testing.T) {
	t.Parallel()
	packets, _ := encode(t, voice(5))
	dir := t.TempDir()
	path := filepath.Join(dir, "rec.opus")
	r, err := Create(path, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i, p := range packets {
		if err := r.Write(time.Duration(i)*20*time.Millisecond, p); err != nil {
			t.Fatal(err)
		}
		if i%50 != 49 && i != len(packets)-1 {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		killed := filepath.Join(dir, "killed.opus")
		if err := os.WriteFile(killed, data, 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := Probe(killed)
		if err != nil {
			t.Fatalf("after %d packets: %v", i+1, err)
		}
		written := r.Duration()
		if info.Ended || info.Duration > written || info.Duration < written-DefaultFlushEvery {
			t.Errorf("after %v written: the file holds %v (ended %v), want at least %v", written, info.Duration, info.Ended, written-DefaultFlushEvery)
		}
		pcm, err := Decode(killed, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := toSamples(info.Duration); int64(len(pcm)) != want {
			t.Errorf("decoded %d samples, want %d", len(pcm), want)
		}
	}
}

// TestErrors checks the errors callers branch on.
func TestErrors(t *testing.T) {
	t.Parallel()
	packets, _ := encode(t, voice(0.1))
	dir := t.TempDir()

	t.Run("exists", func(t *testing.T) {
		path := filepath.Join(dir, "exists.opus")
		if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Create(path, Config{}); !errors.Is(err, fs.ErrExist) {
			t.Errorf("Create on an existing file: %v, want fs.ErrExist", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "keep me" {
			t.Errorf("the existing file was changed: %q", b)
		}
	})
	t.Run("no directory", func(t *testing.T) {
		if _, err := Create(filepath.Join(dir, "missing", "rec.opus"), Config{}); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Create in a missing directory: %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("config", func(t *testing.T) {
		for _, cfg := range []Config{{FlushEvery: -time.Second}, {PreSkip: -1}, {PreSkip: 65536}} {
			path := filepath.Join(dir, "config.opus")
			if _, err := Create(path, cfg); err == nil {
				t.Errorf("Create(%+v) succeeded", cfg)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Create(%+v) left a file: %v", cfg, err)
			}
		}
	})
	t.Run("mode", func(t *testing.T) {
		path := filepath.Join(dir, "mode.opus")
		r, err := Create(path, Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, %v; want 0600", st.Mode(), err)
		}
	})
	t.Run("invalid packet", func(t *testing.T) {
		r, err := Create(filepath.Join(dir, "invalid.opus"), Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for _, p := range [][]byte{nil, {}, {0x03}, {0x03, 0x00}, {0x0b, 0x07}, make([]byte, maxPacketBytes+1)} {
			if err := r.Write(0, p); !errors.Is(err, opus.ErrInvalidPacket) {
				t.Errorf("Write(%.8x…): %v, want opus.ErrInvalidPacket", p, err)
			}
		}
		if info := r.Info(); info.Packets != 0 || r.Duration() != 0 {
			t.Errorf("invalid packets were written: %+v", info)
		}
	})
	t.Run("closed", func(t *testing.T) {
		r, err := Create(filepath.Join(dir, "closed.opus"), Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Write(0, packets[0]); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if err := r.Write(20*time.Millisecond, packets[1]); !errors.Is(err, ErrClosed) {
			t.Errorf("Write after Close: %v, want ErrClosed", err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if info := r.Info(); !info.Ended || info.Packets != 1 {
			t.Errorf("Info after Close = %+v", info)
		}
	})
	t.Run("empty", func(t *testing.T) {
		for _, preSkip := range []int{0, 312} {
			path := filepath.Join(dir, "empty.opus")
			r, err := Create(path, Config{PreSkip: preSkip})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			info, err := Probe(path)
			if err != nil || info.Duration != 0 || !info.Ended || info != r.Info() {
				t.Errorf("pre-skip %d: Probe of a recording with no audio = %+v, %v; the recorder says %+v", preSkip, info, err, r.Info())
			}
			if pcm, err := Decode(path, 0); err != nil || len(pcm) != 0 {
				t.Errorf("pre-skip %d: Decode = %d samples, %v", preSkip, len(pcm), err)
			}
			os.Remove(path)
		}
	})
}

// TestConcurrent races the candidate's reader against a shutdown: every
// Write before Close is in the file, every one after returns ErrClosed.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	packets, _ := encode(t, voice(2))
	path := filepath.Join(t.TempDir(), "rec.opus")
	r, err := Create(path, Config{FlushEvery: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	written := make(chan int, 1)
	wg.Go(func() {
		n := 0
		defer func() { written <- n }()
		for i, p := range packets {
			err := r.Write(time.Duration(i)*20*time.Millisecond, p)
			if errors.Is(err, ErrClosed) {
				return
			}
			if err != nil {
				t.Error(err)
				return
			}
			n++
			_ = r.Duration()
		}
	})
	for range 3 {
		wg.Go(func() {
			for range 20 {
				_ = r.Info()
			}
			if err := r.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	n := <-written
	info, err := Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Packets != n || !info.Ended {
		t.Errorf("%d packets written before Close, the file holds %+v", n, info)
	}
}
