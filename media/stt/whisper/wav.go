package whisper

import (
	"encoding/binary"

	"github.com/viva-interview/viva/media/stt"
)

// wavHeaderSize is the size of the canonical RIFF/WAVE header encodeWAV
// writes: the RIFF chunk, a 16-byte fmt chunk and the data chunk header.
const wavHeaderSize = 44

// encodeWAV wraps 16 kHz mono signed 16-bit PCM in a canonical WAV file.
func encodeWAV(pcm []int16) []byte {
	const (
		channels      = 1
		bitsPerSample = 16
		blockAlign    = channels * bitsPerSample / 8
		byteRate      = stt.SampleRate * blockAlign
		formatPCM     = 1
	)
	dataSize := uint32(len(pcm) * blockAlign)
	le := binary.LittleEndian
	b := make([]byte, 0, wavHeaderSize+int(dataSize))
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, 36+dataSize)
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16) // fmt chunk size
	b = le.AppendUint16(b, formatPCM)
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, stt.SampleRate)
	b = le.AppendUint32(b, byteRate)
	b = le.AppendUint16(b, blockAlign)
	b = le.AppendUint16(b, bitsPerSample)
	b = append(b, "data"...)
	b = le.AppendUint32(b, dataSize)
	for _, s := range pcm {
		b = le.AppendUint16(b, uint16(s))
	}
	return b
}
