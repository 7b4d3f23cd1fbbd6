package opus

import (
	"fmt"

	pion "github.com/pion/opus"
)

// PionDecoder is a Decoder backed by the pure-Go github.com/pion/opus.
//
// pion/opus has no packet-loss concealment, so Conceal only keeps time: it
// writes silence as long as the last packet. The decoder's internal state is
// not told of the loss.
type PionDecoder struct {
	dec  pion.Decoder
	rate int
	last int
}

var _ Decoder = (*PionDecoder)(nil)

// NewPionDecoder returns a mono pion/opus decoder at cfg.SampleRate.
func NewPionDecoder(cfg DecoderConfig) (*PionDecoder, error) {
	rate, err := cfg.rate()
	if err != nil {
		return nil, err
	}
	dec, err := pion.NewDecoderWithOutput(rate, 1)
	if err != nil {
		return nil, fmt.Errorf("%w: pion/opus: %v", ErrConfig, err)
	}
	return &PionDecoder{dec: dec, rate: rate, last: rate / 50}, nil
}

// SampleRate is the output rate.
func (d *PionDecoder) SampleRate() int { return d.rate }

// Decode implements Decoder.
func (d *PionDecoder) Decode(packet []byte, pcm []int16) (int, error) {
	want, err := checkOutput(packet, pcm, d.rate)
	if err != nil {
		return 0, err
	}
	n, err := d.dec.DecodeToInt16(packet, pcm[:want])
	if err != nil {
		// pion/opus's errors are unexported; after the header check above,
		// what is left is a malformed packet.
		return 0, fmt.Errorf("%w: pion/opus: %v", ErrInvalidPacket, err)
	}
	d.last = n
	return n, nil
}

// Conceal implements Decoder with silence (pion/opus has no PLC).
func (d *PionDecoder) Conceal(pcm []int16) (int, error) {
	if len(pcm) < d.last {
		return 0, fmt.Errorf("%w: concealment needs %d samples, buffer holds %d", ErrBufferTooSmall, d.last, len(pcm))
	}
	clear(pcm[:d.last])
	return d.last, nil
}
