package opus

/*
#cgo pkg-config: opus
#include <opus.h>

static int viva_encoder_set_bitrate(OpusEncoder *e, opus_int32 bitrate) {
	return opus_encoder_ctl(e, OPUS_SET_BITRATE(bitrate));
}

static int viva_encoder_get_lookahead(OpusEncoder *e, opus_int32 *samples) {
	return opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(samples));
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// libopus keeps its encoder and decoder state in one relocatable block with
// no pointers into itself, so the state lives in Go memory (8-byte aligned)
// and is passed to C for the length of each call: nothing to free, no Close.
func state(size C.int) []uint64 { return make([]uint64, (int(size)+7)/8) }

// libopusError wraps a negative libopus return code in the matching sentinel.
func libopusError(code C.int) error {
	msg := C.GoString(C.opus_strerror(code))
	switch code {
	case C.OPUS_INVALID_PACKET, C.OPUS_INTERNAL_ERROR:
		// libopus reports a corrupt stream as either.
		return fmt.Errorf("%w: libopus: %s", ErrInvalidPacket, msg)
	case C.OPUS_BUFFER_TOO_SMALL:
		return fmt.Errorf("%w: libopus: %s", ErrBufferTooSmall, msg)
	case C.OPUS_BAD_ARG:
		return fmt.Errorf("%w: libopus: %s", ErrConfig, msg)
	}
	return fmt.Errorf("%w: libopus: %s", ErrCodec, msg)
}

// LibopusDecoder is a Decoder backed by the reference libopus through cgo.
// Its Conceal is libopus's own packet-loss concealment (SILK's LPC
// extrapolation for speech, CELT's pitch-based PLC), which fades to silence
// over a long loss.
type LibopusDecoder struct {
	mem  []uint64
	rate int
	last int // samples in the last packet decoded, for Conceal
}

var _ Decoder = (*LibopusDecoder)(nil)

// NewLibopusDecoder returns a mono libopus decoder at cfg.SampleRate.
func NewLibopusDecoder(cfg DecoderConfig) (*LibopusDecoder, error) {
	rate, err := cfg.rate()
	if err != nil {
		return nil, err
	}
	d := &LibopusDecoder{mem: state(C.opus_decoder_get_size(1)), rate: rate, last: rate / 50}
	if code := C.opus_decoder_init(d.st(), C.opus_int32(rate), 1); code != C.OPUS_OK {
		return nil, libopusError(code)
	}
	return d, nil
}

func (d *LibopusDecoder) st() *C.OpusDecoder { return (*C.OpusDecoder)(unsafe.Pointer(&d.mem[0])) }

// SampleRate is the output rate.
func (d *LibopusDecoder) SampleRate() int { return d.rate }

// Decode implements Decoder.
func (d *LibopusDecoder) Decode(packet []byte, pcm []int16) (int, error) {
	want, err := checkOutput(packet, pcm, d.rate)
	if err != nil {
		return 0, err
	}
	n := C.opus_decode(d.st(), (*C.uchar)(unsafe.Pointer(&packet[0])), C.opus_int32(len(packet)),
		(*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(want), 0)
	if n < 0 {
		return 0, libopusError(n)
	}
	d.last = int(n)
	return int(n), nil
}

// Conceal implements Decoder with libopus's packet-loss concealment.
func (d *LibopusDecoder) Conceal(pcm []int16) (int, error) {
	if len(pcm) < d.last {
		return 0, fmt.Errorf("%w: concealment needs %d samples, buffer holds %d", ErrBufferTooSmall, d.last, len(pcm))
	}
	n := C.opus_decode(d.st(), nil, 0, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(d.last), 0)
	if n < 0 {
		return 0, libopusError(n)
	}
	return int(n), nil
}

// EncoderConfig configures an Encoder. The zero value encodes at 24 kb/s.
type EncoderConfig struct {
	// Bitrate in bits per second, 6000 to 510000 (0 means 24000).
	Bitrate int
}

// DefaultBitrate is the encoder's bitrate when EncoderConfig.Bitrate is 0:
// wideband speech, well above what intelligibility needs.
const DefaultBitrate = 24000

// Encoder encodes 48 kHz mono PCM into 20 ms Opus packets with libopus,
// tuned for speech (OPUS_APPLICATION_VOIP). It is not safe for concurrent
// use.
type Encoder struct {
	mem       []uint64
	lookahead int
}

// NewEncoder returns an encoder for the interviewer's track.
func NewEncoder(cfg EncoderConfig) (*Encoder, error) {
	bitrate := cfg.Bitrate
	if bitrate == 0 {
		bitrate = DefaultBitrate
	}
	if bitrate < 6000 || bitrate > 510000 {
		return nil, fmt.Errorf("%w: bitrate %d b/s, want 6000 to 510000", ErrConfig, bitrate)
	}
	e := &Encoder{mem: state(C.opus_encoder_get_size(1))}
	if code := C.opus_encoder_init(e.st(), Rate, 1, C.OPUS_APPLICATION_VOIP); code != C.OPUS_OK {
		return nil, libopusError(code)
	}
	if code := C.viva_encoder_set_bitrate(e.st(), C.opus_int32(bitrate)); code != C.OPUS_OK {
		return nil, fmt.Errorf("set bitrate: %w", libopusError(code))
	}
	var la C.opus_int32
	if code := C.viva_encoder_get_lookahead(e.st(), &la); code != C.OPUS_OK {
		return nil, fmt.Errorf("get lookahead: %w", libopusError(code))
	}
	e.lookahead = int(la)
	return e, nil
}

func (e *Encoder) st() *C.OpusEncoder { return (*C.OpusEncoder)(unsafe.Pointer(&e.mem[0])) }

// Lookahead is the codec delay in samples at 48 kHz: decoded audio lags the
// input by this much.
func (e *Encoder) Lookahead() int { return e.lookahead }

// Encode encodes one 20 ms frame (FrameSamples samples) into out and returns
// the packet's length. An out of MaxPacketBytes is always large enough.
func (e *Encoder) Encode(pcm []int16, out []byte) (int, error) {
	if len(pcm) != FrameSamples {
		return 0, fmt.Errorf("%w: got %d samples, want %d", ErrFrameSize, len(pcm), FrameSamples)
	}
	if len(out) == 0 {
		return 0, fmt.Errorf("%w: empty output", ErrBufferTooSmall)
	}
	n := C.opus_encode(e.st(), (*C.opus_int16)(unsafe.Pointer(&pcm[0])), FrameSamples,
		(*C.uchar)(unsafe.Pointer(&out[0])), C.opus_int32(len(out)))
	if n < 0 {
		return 0, libopusError(n)
	}
	return int(n), nil
}
