package media

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// FuzzReadWAV feeds ReadWAV arbitrary bytes, as an upload would. It must not
// panic; it must classify every error; memory must follow the 1 MiB limit;
// and a clip it returns must be usable.
func FuzzReadWAV(f *testing.F) {
	const limit = 1 << 20
	fmt16 := chunk("fmt ", fmtBody(tagPCM, 1, 16000, 16))
	seeds := [][]byte{
		simpleWAV(tagPCM, 1, 16000, 16, pcm16Bytes(0, 1000, -1000, 32767, -32768)),
		simpleWAV(tagPCM, 2, 44100, 24, []byte{1, 2, 3, 4, 5, 6, 7}),
		simpleWAV(tagPCM, 1, 8000, 8, []byte{0, 128, 255}),
		simpleWAV(tagPCM, 3, 96000, 32, int32Bytes(1, -1, math.MaxInt32)),
		simpleWAV(tagFloat, 2, 48000, 32, float32Bytes(0.5, float32(math.NaN()), 3, -0.25)),
		simpleWAV(tagFloat, 1, 22050, 64, float64Bytes(math.Inf(-1), 0.125)),
		riffWAVE(chunk("fmt ", extensibleBody(tagPCM, 6, 48000, 24, 20)), chunk("data", make([]byte, 36))),
		riffWAVE(chunk("fmt ", extensibleBody(tagFloat, 1, 44100, 32, 32)), chunk("data", float32Bytes(1, -1))),
		riffWAVE(chunk("LIST", []byte("INFOabc")), fmt16, chunk("fact", []byte{1, 0, 0, 0}), chunk("data", pcm16Bytes(5, 6))),
		riffWAVE(fmt16, sizedChunk("data", 0xFFFFFFFF, pcm16Bytes(1, 2, 3))),
		riffWAVE(fmt16, sizedChunk("data", 0x7FFFFFF0, pcm16Bytes(1, 2, 3))),
		riffWAVE(sizedChunk("LIST", 0xFFFFFFF0, nil)),
		simpleWAV(0x55, 1, 44100, 16, nil),
		simpleWAV(tagPCM, 0, 0, 12, nil),
		[]byte("RIFF\x24\x00\x00\x00WAVEfmt "),
		[]byte("ID3\x04\x00\x00\x00\x00\x00\x00"),
		[]byte("hello, world"),
		nil,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		c, err := ReadWAV(bytes.NewReader(file), limit)
		if err != nil {
			if !errors.Is(err, ErrNotWAV) && !errors.Is(err, ErrUnsupportedWAV) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// At most one sample per byte of data (8-bit mono), and no more
		// bytes of data than the file holds.
		if len(c.Samples) > limit || len(c.Samples) > len(file) {
			t.Fatalf("%d samples from a %d-byte file", len(c.Samples), len(file))
		}
		if cap(c.Samples) > 3*len(c.Samples)+1024 {
			t.Fatalf("capacity %d for %d samples", cap(c.Samples), len(c.Samples))
		}
		if c.Rate < MinWAVRate || c.Rate > MaxWAVRate {
			t.Fatalf("rate %d", c.Rate)
		}
		if c.Channels < 1 || c.Channels > MaxWAVChannels {
			t.Fatalf("%d channels", c.Channels)
		}
		if c.Format == "" {
			t.Fatal("no format")
		}
		for i, v := range c.Samples {
			if !(v >= -1 && v <= 1) { // false for NaN too
				t.Fatalf("sample %d is %v", i, v)
			}
		}
		if len(c.Samples) <= 1<<14 {
			want := (int64(len(c.Samples))*16000 + int64(c.Rate) - 1) / int64(c.Rate)
			if n := len(c.To16k()); int64(n) != want {
				t.Fatalf("To16k gave %d samples from %d at %d Hz, want %d", n, len(c.Samples), c.Rate, want)
			}
		}
	})
}
