package record

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkWrite measures Write per 20 ms packet of 24 kb/s voice, pages
// flushed to a real file every second: contiguous, and with every 20th
// packet lost (concealed in the file). file-B/packet is what the recording
// grows by per packet, page headers included.
func BenchmarkWrite(b *testing.B) {
	packets, _ := encode(b, voice(2))
	for _, bc := range []struct {
		name  string
		every int // every nth packet is lost; 0: none
	}{
		{"contiguous", 0},
		{"5%-loss", 20},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r, err := Create(filepath.Join(b.TempDir(), "rec.opus"), Config{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if bc.every > 0 && i%bc.every == bc.every-1 {
					i++
				}
				if err := r.Write(time.Duration(i)*20*time.Millisecond, packets[i%len(packets)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.StopTimer()
			if err := r.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(r.Info().Bytes)/float64(b.N), "file-B/packet")
		})
	}
}
