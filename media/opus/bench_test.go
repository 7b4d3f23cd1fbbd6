package opus

import (
	"testing"
	"time"
)

// benchSpeech is about 14 s of speech (710 packets of 20 ms).
const benchSpeech = sentence + " " + sentence + " Then walk me through how you would find it again."

// BenchmarkDecode decodes 14 s of 20 ms packets per iteration with each
// decoder, at 48 kHz and straight to 16 kHz. It reports ns per packet, the
// real-time factor (decode time / audio time) and the quality of the result
// against the input (correlation and SNR, see quality).
func BenchmarkDecode(b *testing.B) {
	ref48 := speech(b, benchSpeech, Rate)
	packets := encodeAll(b, ref48)
	audio := time.Duration(len(packets)) * 20 * time.Millisecond
	for _, dc := range decoders {
		for _, rate := range []int{48000, 16000} {
			b.Run(dc.name+"/"+itoa(rate), func(b *testing.B) {
				ref := ref48
				if rate != Rate {
					ref = speechAt(b, ref48, rate)
				}
				buf := make([]int16, MaxPacketSamples)
				b.ResetTimer()
				for b.Loop() {
					d, err := dc.new(DecoderConfig{SampleRate: rate})
					if err != nil {
						b.Fatal(err)
					}
					for _, p := range packets {
						if _, err := d.Decode(p, buf); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StopTimer()
				perPacket := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(len(packets))
				b.ReportMetric(perPacket, "ns/packet")
				b.ReportMetric(perPacket*float64(len(packets))/float64(audio.Nanoseconds()), "RTF")
				d, _ := dc.new(DecoderConfig{SampleRate: rate})
				snr, corr, _ := quality(ref, decodeAll(b, d, packets, nil), rate, rate/50)
				b.ReportMetric(corr, "corr")
				b.ReportMetric(snr, "SNR-dB")
				lossy, _ := dc.new(DecoderConfig{SampleRate: rate})
				snr, corr, _ = quality(ref, decodeAll(b, lossy, packets, func(i int) bool { return i%20 == 7 }), rate, rate/50)
				b.ReportMetric(corr, "corr-5%loss")
				b.ReportMetric(snr, "SNR-dB-5%loss")
			})
		}
	}
}

// BenchmarkEncode encodes 14 s of speech per iteration at the default
// bitrate.
func BenchmarkEncode(b *testing.B) {
	pcm := toFrames(speech(b, benchSpeech, Rate))
	frames := len(pcm) / FrameSamples
	out := make([]byte, MaxPacketBytes)
	b.ResetTimer()
	for b.Loop() {
		e, err := NewEncoder(EncoderConfig{})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < len(pcm); i += FrameSamples {
			if _, err := e.Encode(pcm[i:i+FrameSamples], out); err != nil {
				b.Fatal(err)
			}
		}
	}
	perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(frames)
	b.ReportMetric(perFrame, "ns/packet")
	b.ReportMetric(perFrame/float64(20*time.Millisecond), "RTF")
}
