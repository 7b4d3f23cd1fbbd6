package peer

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/viva-interview/viva/media/record"
)

// benchPackets is a minute of interview audio as 20 ms Opus packets:
// answers and silences, as the media path sees them.
func benchPackets(b *testing.B) [][]byte {
	b.Helper()
	iv := newInterview(b)
	var audio []int16
	for len(audio) < 60*rate {
		audio = append(audio, iv.audio...)
	}
	return encode(b, audio[:60*rate])
}

// mediaPath is one interview's receive path without the network: the
// stream (reordering, decode, VAD, endpointer) and the candidate's
// recording.
func mediaPath(b *testing.B, dir string) (*stream, *record.Recorder) {
	b.Helper()
	rec, err := record.Create(filepath.Join(dir, fmt.Sprintf("c%d.ogg", time.Now().UnixNano())), record.Config{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := newStream(streamConfig{
		log: slog.New(slog.DiscardHandler), await: true,
		onPacket: func(at time.Duration, p []byte) { _ = rec.Write(at, p) },
	})
	if err != nil {
		b.Fatal(err)
	}
	s.emit = func(e Event) {
		if e.Segment != nil {
			s.setWords([]string{"done"}) // what the speech engine would hand back
		}
	}
	return s, rec
}

// BenchmarkMediaPath is the cost of one 20 ms packet on the media path:
// jitter buffer, libopus decode to 16 kHz, VAD, endpointer and the
// recording. 20 ms divided by it bounds the interviews one core can hear.
func BenchmarkMediaPath(b *testing.B) {
	packets := benchPackets(b)
	s, rec := mediaPath(b, b.TempDir())
	defer rec.Close()
	b.ResetTimer()
	for i := range b.N {
		s.packet(uint16(i), uint32(i*960), packets[i%len(packets)])
	}
	perPacket := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(20*time.Millisecond)/float64(perPacket), "interviews/core")
}

// BenchmarkRealTime runs N interviews' media paths at once, each fed a
// packet every 20 ms as a candidate would send them, for 10 s, and reports
// the 99th percentile of the lag between a packet's due time and the end of
// its processing, and the heap per interview. A machine keeps up with N
// while the p99 lag stays well under 20 ms.
func BenchmarkRealTime(b *testing.B) {
	for _, n := range []int{50, 100, 200, 400, 800} {
		b.Run(fmt.Sprintf("interviews=%d", n), func(b *testing.B) {
			packets := benchPackets(b)
			dir := b.TempDir()
			for range b.N {
				realTime(b, n, packets, dir)
			}
		})
	}
}

func realTime(b *testing.B, n int, packets [][]byte, dir string) {
	const run = 10 * time.Second
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	paths := make([]*stream, n)
	recs := make([]*record.Recorder, n)
	for i := range n {
		paths[i], recs[i] = mediaPath(b, dir)
	}
	var mu sync.Mutex
	var lags []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			offset := time.Duration(i) * 20 * time.Millisecond / time.Duration(n) // spread the interviews over a frame
			local := make([]time.Duration, 0, run/(20*time.Millisecond))
			for k := 0; ; k++ {
				due := start.Add(offset + time.Duration(k)*20*time.Millisecond)
				if due.Sub(start) > run {
					break
				}
				time.Sleep(time.Until(due))
				paths[i].packet(uint16(k), uint32(k*960), packets[(k+i*37)%len(packets)])
				local = append(local, time.Since(due))
			}
			mu.Lock()
			lags = append(lags, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	for _, r := range recs {
		_ = r.Close()
	}
	slices.Sort(lags)
	p := func(q float64) time.Duration { return lags[int(q*float64(len(lags)-1))] }
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-lag-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-lag-ms")
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse))/float64(n)/1024, "heap-KiB/interview")
}
