package opus

import (
	"errors"
	"testing"
)

func TestEncoder(t *testing.T) {
	for _, c := range []struct {
		bitrate int
		want    error
	}{{0, nil}, {6000, nil}, {64000, nil}, {510000, nil}, {5999, ErrConfig}, {-1, ErrConfig}, {600000, ErrConfig}} {
		if _, err := NewEncoder(EncoderConfig{Bitrate: c.bitrate}); !errors.Is(err, c.want) {
			t.Errorf("NewEncoder(%d b/s): %v, want %v", c.bitrate, err, c.want)
		}
	}
	e, err := NewEncoder(EncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if la := e.Lookahead(); la <= 0 || la > 960 {
		t.Errorf("Lookahead = %d samples", la)
	}
	out := make([]byte, MaxPacketBytes)
	for _, n := range []int{0, 480, 959, 961, 1920} {
		if _, err := e.Encode(make([]int16, n), out); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Encode(%d samples): %v, want ErrFrameSize", n, err)
		}
	}
	if _, err := e.Encode(make([]int16, FrameSamples), nil); !errors.Is(err, ErrBufferTooSmall) {
		t.Errorf("Encode into nil: %v, want ErrBufferTooSmall", err)
	}
	n, err := e.Encode(make([]int16, FrameSamples), out)
	if err != nil || n == 0 {
		t.Fatalf("Encode(silence) = %d, %v", n, err)
	}
	if got, _ := PacketSamples(out[:n], Rate); got != FrameSamples {
		t.Errorf("packet header says %d samples, want %d", got, FrameSamples)
	}
}

// TestEncoderBitrate checks the configured bitrate is what goes on the wire.
func TestEncoderBitrate(t *testing.T) {
	in := speech(t, sentence, Rate)
	for _, bitrate := range []int{12000, 24000, 48000} {
		e, err := NewEncoder(EncoderConfig{Bitrate: bitrate})
		if err != nil {
			t.Fatal(err)
		}
		pcm := toFrames(in)
		out := make([]byte, MaxPacketBytes)
		var bytes int
		for i := 0; i < len(pcm); i += FrameSamples {
			n, err := e.Encode(pcm[i:i+FrameSamples], out)
			if err != nil {
				t.Fatal(err)
			}
			bytes += n
		}
		got := float64(bytes*8) / (float64(len(pcm)) / Rate)
		t.Logf("%d b/s configured: %.0f b/s measured", bitrate, got)
		if got < 0.6*float64(bitrate) || got > 1.3*float64(bitrate) {
			t.Errorf("%d b/s configured, %.0f b/s produced", bitrate, got)
		}
	}
}
