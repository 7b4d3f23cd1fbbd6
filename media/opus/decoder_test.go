package opus

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestDecodeRoundTrip(t *testing.T) {
	ref48 := speech(t, sentence, Rate)
	packets := encodeAll(t, ref48)
	for _, dc := range decoders {
		for _, rate := range []int{48000, 16000} {
			t.Run(dc.name+"/"+itoa(rate), func(t *testing.T) {
				t.Parallel()
				d, err := dc.new(DecoderConfig{SampleRate: rate})
				if err != nil {
					t.Fatal(err)
				}
				got := decodeAll(t, d, packets, nil)
				if want := len(packets) * rate / 50; len(got) != want {
					t.Fatalf("decoded %d samples, want %d", len(got), want)
				}
				ref := ref48
				if rate != Rate {
					ref = speechAt(t, ref48, rate)
				}
				snr, corr, lag := quality(ref, got, rate, rate/50)
				t.Logf("SNR %.1f dB, correlation %.3f, delay %d samples", snr, corr, lag)
				if corr < 0.9 {
					t.Errorf("correlation %.3f with the input, want ≥ 0.9", corr)
				}
			})
		}
	}
}

func TestConcealKeepsTime(t *testing.T) {
	ref := speech(t, sentence, Rate)
	packets := encodeAll(t, ref)
	for _, dc := range decoders {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			d, err := dc.new(DecoderConfig{})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(4, 5))
			lost := make([]bool, len(packets))
			for i := range lost {
				lost[i] = rng.Float64() < 0.05
			}
			got := decodeAll(t, d, packets, func(i int) bool { return lost[i] })
			if want := len(packets) * FrameSamples; len(got) != want {
				t.Fatalf("decoded %d samples with losses, want %d", len(got), want)
			}
			snr, corr, _ := quality(ref, got, Rate, 960)
			t.Logf("5%% loss: SNR %.1f dB, correlation %.3f", snr, corr)
			if corr < 0.8 {
				t.Errorf("correlation %.3f with 5%% loss, want ≥ 0.8", corr)
			}
		})
	}
}

func TestConcealBeforeAnyPacket(t *testing.T) {
	for _, dc := range decoders {
		t.Run(dc.name, func(t *testing.T) {
			d, err := dc.new(DecoderConfig{SampleRate: 16000})
			if err != nil {
				t.Fatal(err)
			}
			n, err := d.Conceal(make([]int16, 1000))
			if err != nil || n != 320 {
				t.Fatalf("Conceal = %d, %v; want 320 samples (20 ms)", n, err)
			}
			if _, err := d.Conceal(make([]int16, 100)); !errors.Is(err, ErrBufferTooSmall) {
				t.Fatalf("Conceal into 100 samples: %v, want ErrBufferTooSmall", err)
			}
		})
	}
}

func TestDecodeBadInput(t *testing.T) {
	good := encodeAll(t, speech(t, "Hello.", Rate))
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([][]byte, 200)
	for i := range garbage {
		garbage[i] = make([]byte, 1+rng.IntN(200))
		for j := range garbage[i] {
			garbage[i][j] = byte(rng.Uint32())
		}
	}
	cases := []struct {
		name   string
		packet []byte
		pcm    int
		want   error
	}{
		{"empty", nil, MaxPacketSamples, ErrInvalidPacket},
		{"code 3 without count", []byte{0xfb}, MaxPacketSamples, ErrInvalidPacket},
		{"code 3 zero frames", []byte{0xfb, 0x00}, MaxPacketSamples, ErrInvalidPacket},
		{"over 120 ms", []byte{0x1b, 0x03}, MaxPacketSamples, ErrInvalidPacket}, // 3 × 60 ms SILK
		{"code 1 odd length", []byte{0xf9, 1}, MaxPacketSamples, ErrInvalidPacket},
		{"buffer too small", good[len(good)/2], 959, ErrBufferTooSmall},
	}
	for _, dc := range decoders {
		t.Run(dc.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					d, err := dc.new(DecoderConfig{})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := d.Decode(c.packet, make([]int16, c.pcm)); !errors.Is(err, c.want) {
						t.Fatalf("Decode: %v, want %v", err, c.want)
					}
				})
			}
			t.Run("random bytes", func(t *testing.T) {
				d, err := dc.new(DecoderConfig{})
				if err != nil {
					t.Fatal(err)
				}
				buf := make([]int16, MaxPacketSamples)
				var rejected int
				for _, p := range garbage {
					n, err := d.Decode(p, buf)
					switch {
					case err != nil && !errors.Is(err, ErrInvalidPacket):
						t.Fatalf("Decode(garbage): %v, want nil or ErrInvalidPacket", err)
					case err != nil:
						rejected++
					case n > len(buf) || n%(Rate/400) != 0:
						t.Fatalf("Decode(garbage) = %d samples", n)
					}
				}
				t.Logf("%d of %d random packets rejected", rejected, len(garbage))
				// The decoder still works on a real stream afterwards.
				for _, p := range good {
					if _, err := d.Decode(p, buf); err != nil {
						t.Fatalf("decode after garbage: %v", err)
					}
				}
			})
		})
	}
}

func TestDecoderConfig(t *testing.T) {
	for _, dc := range decoders {
		for _, rate := range []int{1, 44100, 96000, -16000} {
			if _, err := dc.new(DecoderConfig{SampleRate: rate}); !errors.Is(err, ErrConfig) {
				t.Errorf("%s at %d Hz: %v, want ErrConfig", dc.name, rate, err)
			}
		}
	}
}

func TestPacketSamples(t *testing.T) {
	cases := []struct {
		name   string
		packet []byte
		rate   int
		want   int
	}{
		{"SILK NB 10 ms", []byte{0 << 3}, 48000, 480},
		{"SILK WB 60 ms", []byte{11 << 3}, 48000, 2880},
		{"hybrid FB 20 ms", []byte{15 << 3}, 16000, 320},
		{"CELT 2.5 ms", []byte{16 << 3}, 48000, 120},
		{"CELT 20 ms two frames", []byte{31<<3 | 1}, 48000, 1920},
		{"CELT 20 ms code 3 × 6", []byte{31<<3 | 3, 6}, 48000, 5760},
		{"SILK 20 ms code 3 × 3 at 16 kHz", []byte{9<<3 | 3, 3}, 16000, 960},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PacketSamples(c.packet, c.rate)
			if err != nil || got != c.want {
				t.Fatalf("PacketSamples = %d, %v; want %d", got, err, c.want)
			}
		})
	}
}

// TestDecodersAgree compares the two decoders' output on the same packets.
func TestDecodersAgree(t *testing.T) {
	packets := encodeAll(t, speech(t, sentence, Rate))
	lib, err := NewLibopusDecoder(DecoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	pi, err := NewPionDecoder(DecoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := decodeAll(t, lib, packets, nil), decodeAll(t, pi, packets, nil)
	var sig, diff float64
	var maxDiff int
	for i := range a {
		d := int(a[i]) - int(b[i])
		sig += float64(a[i]) * float64(a[i])
		diff += float64(d * d)
		maxDiff = max(maxDiff, d, -d)
	}
	snr := 10 * math.Log10(sig/(diff+1e-9))
	t.Logf("pion vs libopus: SNR %.1f dB, largest sample difference %d", snr, maxDiff)
	if snr < 40 {
		t.Errorf("pion/opus differs from libopus: SNR %.1f dB, want ≥ 40", snr)
	}
}
