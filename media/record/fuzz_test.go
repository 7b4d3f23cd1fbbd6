package record

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzProbe feeds arbitrary files to Probe and Decode, as an uploaded or
// damaged recording would be. Neither may panic; a file is either rejected
// with one of the package's errors or described consistently: no more bytes
// read than given, and Decode's audio no longer than Probe's duration.
// Probe's memory is bounded by construction (one page, one packet: see
// scan). Decode's is not: it holds the audio, and two bytes of file can say
// 120 ms of it (a packet of two empty 60 ms frames, concealed), so it only
// gets files up to decodeLimit.
func FuzzProbe(f *testing.F) {
	const decodeLimit = 2 << 10
	rec := recordVoice(f, 0.2, Config{FlushEvery: 60 * time.Millisecond, PreSkip: 312})
	ends, _ := pageEnds(f, rec)
	f.Add(rec)
	for _, e := range ends {
		f.Add(rec[:e])
		f.Add(rec[:min(e+40, len(rec))])
	}
	var other oggFile
	head := opusHead(0)
	other.page(3, flagFirst, 0, appendLacing(nil, len(head)), head)
	other.page(3, 0, 0, appendLacing(nil, 16), opusTags()[:16])
	other.page(3, flagContinued, 960, []byte{255, 3}, make([]byte, 258))
	f.Add(other.data)
	f.Add([]byte{})
	f.Add([]byte("OggS"))
	f.Add([]byte("not an ogg file"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scan(bytes.NewReader(data), nil)
		if err != nil {
			if !errors.Is(err, ErrNotOgg) && !errors.Is(err, ErrNotOpus) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Probe: %v, want one of the package's errors", err)
			}
		}
		if s.info.Bytes > int64(len(data)) || s.info.Packets < 0 || s.info.Duration < 0 {
			t.Fatalf("Probe of %d bytes = %+v", len(data), s.info)
		}
		if len(data) > decodeLimit {
			return
		}
		pcm, derr := decode(bytes.NewReader(data), 0)
		if (err == nil) != (derr == nil) && s.streams == 1 {
			t.Fatalf("Probe: %v, Decode: %v", err, derr)
		}
		if want := max(s.granule-int64(s.preSkip), 0); derr == nil && int64(len(pcm)) > want {
			t.Fatalf("decoded %d samples, Probe says %d (%v)", len(pcm), want, s.info.Duration)
		}
	})
}
