package opus

import (
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to every decoder, as an RTP payload from a
// hostile client would be. A packet is either rejected with ErrInvalidPacket
// or decoded to exactly the length its header announces; then the decoder
// must still conceal a loss.
func FuzzDecode(f *testing.F) {
	for _, s := range [][]byte{
		{}, {0xfb}, {0xfb, 0}, {0xfb, 0x3f}, {0xf8}, {0xf9, 1}, {0x4b, 0x41}, {0x78, 0xff, 0xff, 0xff},
		{0xfa, 0xff, 0xff, 0x01}, {0x4b, 0xc3, 0x80, 0x80, 0x01},
	} {
		f.Add(s)
	}
	for _, p := range speechPackets(f)[:40] {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, packet []byte) {
		buf := make([]int16, MaxPacketSamples)
		for _, dc := range decoders {
			for _, rate := range []int{48000, 16000} {
				d, err := dc.new(DecoderConfig{SampleRate: rate})
				if err != nil {
					t.Fatal(err)
				}
				n, err := d.Decode(packet, buf)
				if err != nil {
					if !errors.Is(err, ErrInvalidPacket) {
						t.Fatalf("%s: %v, want nil or ErrInvalidPacket", dc.name, err)
					}
					continue
				}
				if want, _ := PacketSamples(packet, rate); n != want {
					t.Fatalf("%s at %d Hz: %d samples, header says %d", dc.name, rate, n, want)
				}
				if m, err := d.Conceal(buf); err != nil || m != n {
					t.Fatalf("%s: Conceal after a %d-sample packet = %d, %v", dc.name, n, m, err)
				}
			}
		}
	})
}
