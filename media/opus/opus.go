package opus

import (
	"errors"
	"fmt"
)

// Decoder turns Opus packets (RTP payloads) into mono 16-bit PCM at the rate
// it was made for. A Decoder keeps state between packets and is not safe for
// concurrent use; each incoming stream needs its own.
type Decoder interface {
	// Decode decodes one packet into pcm and returns the number of samples
	// written: the packet's duration at the decoder's rate (960 for a 20 ms
	// packet at 48 kHz). pcm must hold them all (MaxPacketSamples at the
	// decoder's rate always does). An empty or malformed packet gives an
	// error wrapping ErrInvalidPacket; too small a pcm, ErrBufferTooSmall.
	Decode(packet []byte, pcm []int16) (samples int, err error)
	// Conceal writes audio standing in for one lost packet, as long as the
	// last packet decoded (20 ms before any), and returns its length. Call it
	// once per missing packet, in order, before decoding the next one.
	Conceal(pcm []int16) (samples int, err error)
}

// Errors returned by the decoders and the encoder; each error they return
// wraps one of them.
var (
	// ErrInvalidPacket means a packet is empty, truncated or malformed.
	ErrInvalidPacket = errors.New("invalid opus packet")
	// ErrBufferTooSmall means the output slice cannot hold the result.
	ErrBufferTooSmall = errors.New("opus output buffer too small")
	// ErrConfig means a Config holds a value the codec does not support.
	ErrConfig = errors.New("invalid opus config")
	// ErrFrameSize means Encode was given other than FrameSamples samples.
	ErrFrameSize = errors.New("opus frame must be 20 ms")
	// ErrCodec is an internal libopus failure not covered by the others.
	ErrCodec = errors.New("opus codec error")
)

const (
	// Rate is Opus's native sample rate and the encoder's input rate.
	Rate = 48000
	// FrameSamples is one 20 ms frame at Rate: the encoder's input size.
	FrameSamples = Rate / 50
	// MaxPacketSamples is the longest packet Opus allows (120 ms) at Rate.
	MaxPacketSamples = Rate * 120 / 1000
	// MaxPacketBytes is the largest packet the encoder produces; an out
	// slice of this size is always enough.
	MaxPacketBytes = 1275
)

// DecoderConfig configures a decoder. The zero value decodes at 48 kHz.
type DecoderConfig struct {
	// SampleRate is the output rate: 8000, 12000, 16000, 24000 or 48000
	// (0 means 48000). Both decoders resample internally, so 16000 feeds the
	// speech engines without a separate resampler.
	SampleRate int
}

func (c DecoderConfig) rate() (int, error) {
	switch c.SampleRate {
	case 0:
		return Rate, nil
	case 8000, 12000, 16000, 24000, 48000:
		return c.SampleRate, nil
	}
	return 0, fmt.Errorf("%w: sample rate %d, want 8000, 12000, 16000, 24000 or 48000", ErrConfig, c.SampleRate)
}

// PacketSamples is the duration of an Opus packet in samples at rate, read
// from its table-of-contents header (RFC 6716 §3.1). It returns an error
// wrapping ErrInvalidPacket when the header is missing or names an
// impossible length.
func PacketSamples(packet []byte, rate int) (int, error) {
	if len(packet) == 0 {
		return 0, fmt.Errorf("%w: empty", ErrInvalidPacket)
	}
	toc := packet[0]
	cfg := int(toc >> 3)
	var frame int // samples per frame at 48 kHz
	switch {
	case cfg < 12: // SILK: 10, 20, 40, 60 ms
		frame = [4]int{480, 960, 1920, 2880}[cfg%4]
	case cfg < 16: // hybrid: 10, 20 ms
		frame = [2]int{480, 960}[cfg%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [4]int{120, 240, 480, 960}[cfg%4]
	}
	frames := 1
	switch toc & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(packet) < 2 {
			return 0, fmt.Errorf("%w: code 3 packet without a frame count", ErrInvalidPacket)
		}
		frames = int(packet[1] & 0x3f)
		if frames == 0 {
			return 0, fmt.Errorf("%w: zero frames", ErrInvalidPacket)
		}
	}
	n := frames * frame
	if n > MaxPacketSamples {
		return 0, fmt.Errorf("%w: %d ms, longer than 120 ms", ErrInvalidPacket, n/48)
	}
	return n * rate / Rate, nil
}

// checkOutput validates a packet's header against the output slice.
func checkOutput(packet []byte, pcm []int16, rate int) (int, error) {
	n, err := PacketSamples(packet, rate)
	if err != nil {
		return 0, err
	}
	if len(pcm) < n {
		return 0, fmt.Errorf("%w: packet has %d samples, buffer holds %d", ErrBufferTooSmall, n, len(pcm))
	}
	return n, nil
}
