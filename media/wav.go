package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
)

// Errors returned by ReadWAV. Every error it returns for bad input wraps one
// of them; an error from the underlying reader is returned wrapped as it is.
var (
	// ErrNotWAV means the input is not a RIFF/WAVE file, or its header is
	// truncated or malformed: a text file, an MP3, a WAV cut off before its
	// audio data.
	ErrNotWAV = errors.New("not a WAV file")
	// ErrUnsupportedWAV means the input is a WAV file this package does not
	// decode: a compressed format (MP3, ADPCM, µ-law…), a sample size other
	// than 8/16/24/32-bit integer or 32/64-bit float, a rate outside
	// MinWAVRate–MaxWAVRate or more than MaxWAVChannels channels.
	ErrUnsupportedWAV = errors.New("unsupported WAV")
	// ErrTooLarge means the audio data is longer than the caller's limit.
	ErrTooLarge = errors.New("audio too large")
)

// Bounds on the WAV files ReadWAV accepts.
const (
	MinWAVRate     = 8000
	MaxWAVRate     = 192000
	MaxWAVChannels = 8
	// DefaultWAVLimit is the limit ReadWAV applies when given limit <= 0:
	// about 35 minutes of 16 kHz mono 16-bit audio, or 11 minutes of 48 kHz
	// stereo.
	DefaultWAVLimit = 128 << 20
)

// Clip is decoded audio: mono samples in [-1, 1] at the source's rate.
//
// It holds a person's voice, so its LogValue shows only its shape.
type Clip struct {
	Samples  []float32 // mono (the source's channels averaged), each in [-1, 1]
	Rate     int       // samples per second
	Channels int       // channels in the source, before the downmix
	Format   string    // the source's sample format: "pcm8" (unsigned), "pcm16", "pcm24", "pcm32", "float32" or "float64"
}

// DurationMS is the clip's length in milliseconds, rounded down.
func (c Clip) DurationMS() int64 {
	if c.Rate <= 0 {
		return 0
	}
	return int64(len(c.Samples)) * 1000 / int64(c.Rate)
}

// To16k returns the clip as 16 kHz mono 16-bit PCM, the input of the speech
// engines: resampled with Resample (an exact copy when the clip is already at
// 16 kHz) and scaled by 32768, rounded and clipped to the int16 range, so a
// 16-bit 16 kHz WAV comes back sample for sample.
func (c Clip) To16k() []int16 {
	if len(c.Samples) == 0 || c.Rate <= 0 {
		return nil
	}
	s := c.Samples
	if c.Rate != 16000 {
		s = Resample(s, c.Rate, 16000)
	}
	return ToInt16(s)
}

// ToInt16 scales samples in [-1, 1] by 32768, rounding and clipping them to
// the int16 range (NaN reads as silence), so 16-bit audio read as float comes
// back sample for sample.
func ToInt16(in []float32) []int16 {
	out := make([]int16, len(in))
	for i, v := range in {
		x := math.Round(float64(v) * 32768)
		switch {
		case x > math.MaxInt16:
			x = math.MaxInt16
		case x < math.MinInt16:
			x = math.MinInt16
		case x != x: // NaN
			x = 0
		}
		out[i] = int16(x)
	}
	return out
}

// LogValue describes the clip without its samples.
func (c Clip) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("rate", c.Rate),
		slog.Int("channels", c.Channels),
		slog.String("format", c.Format),
		slog.Int64("duration_ms", c.DurationMS()),
	)
}

// wavError carries a message written for the person who supplied the file
// and the sentinel callers branch on.
type wavError struct {
	msg  string
	kind error
}

func (e *wavError) Error() string { return e.msg }
func (e *wavError) Unwrap() error { return e.kind }

func notWAV(format string, a ...any) error {
	return &wavError{msg: "not a WAV file (" + fmt.Sprintf(format, a...) + ")", kind: ErrNotWAV}
}

func unsupported(format string, a ...any) error {
	return &wavError{msg: fmt.Sprintf(format, a...), kind: ErrUnsupportedWAV}
}

// WAVE format tags (RFC 2361 and mmreg.h).
const (
	tagPCM        = 0x0001
	tagFloat      = 0x0003
	tagExtensible = 0xFFFE
)

var tagNames = map[uint16]string{
	0x0002: "Microsoft ADPCM",
	0x0006: "A-law",
	0x0007: "µ-law",
	0x0011: "IMA ADPCM",
	0x0031: "GSM 6.10",
	0x0050: "MPEG",
	0x0055: "MP3",
	0x0161: "WMA",
	0x00FF: "AAC",
	0x1610: "AAC",
	0x6750: "Vorbis",
	0xF1AC: "FLAC",
}

// guidSuffix is the tail shared by the KSDATAFORMAT_SUBTYPE_* GUIDs whose
// first two bytes are a WAVE format tag.
var guidSuffix = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// wavFormat is what ReadWAV takes from the fmt chunk.
type wavFormat struct {
	float    bool
	channels int
	rate     int
	bytes    int // per sample, per channel
}

func (f wavFormat) name() string {
	if f.float {
		return fmt.Sprintf("float%d", f.bytes*8)
	}
	return fmt.Sprintf("pcm%d", f.bytes*8)
}

// ReadWAV decodes a RIFF/WAVE file from r into a mono Clip at the file's own
// rate.
//
// It accepts format 1 (8-bit unsigned, 16, 24 and 32-bit signed PCM), format 3
// (32 and 64-bit IEEE float) and WAVE_FORMAT_EXTENSIBLE with a PCM or float
// subformat; 1 to MaxWAVChannels channels, averaged to mono; rates from
// MinWAVRate to MaxWAVRate. Chunks other than "fmt " and "data" are skipped.
// A data chunk whose declared size is 0 or 0xFFFFFFFF (a WAV written to a
// pipe) is read to the end of r, and one that ends early is decoded as far as
// it goes: a truncated final frame is dropped. Float samples are clipped to
// [-1, 1], and NaNs read as silence.
//
// limit bounds the audio data in bytes (limit <= 0 means DefaultWAVLimit); a
// file with more returns ErrTooLarge. Memory grows with the bytes actually
// read, never with sizes declared in the header, and the skipped chunks are
// bounded by limit too, so r can be untrusted. ReadWAV does not read past the
// data chunk.
func ReadWAV(r io.Reader, limit int64) (Clip, error) {
	if limit <= 0 {
		limit = DefaultWAVLimit
	}
	var head [12]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Clip{}, fmt.Errorf("read WAV header: %w", err)
	}
	if err := checkMagic(head[:n]); err != nil {
		return Clip{}, err
	}

	var (
		format  wavFormat
		haveFmt bool
		skipped int64
	)
	for {
		id, size, err := readChunkHeader(r)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				if !haveFmt {
					return Clip{}, notWAV("truncated: no fmt chunk before the end")
				}
				return Clip{}, notWAV("truncated: no data chunk before the end")
			}
			return Clip{}, fmt.Errorf("read WAV chunk header: %w", err)
		}
		switch id {
		case "fmt ":
			if haveFmt {
				return Clip{}, notWAV("malformed: two fmt chunks")
			}
			format, err = readFmt(r, size)
			if err != nil {
				return Clip{}, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return Clip{}, notWAV("malformed: data chunk before the fmt chunk")
			}
			samples, err := readData(r, size, format, limit)
			if err != nil {
				return Clip{}, err
			}
			return Clip{Samples: samples, Rate: format.rate, Channels: format.channels, Format: format.name()}, nil
		default:
			n := int64(size) + int64(size&1) // chunks are padded to even length
			skipped += n
			if skipped > limit {
				return Clip{}, &wavError{
					msg:  fmt.Sprintf("WAV has more than %d bytes of %q and other non-audio chunks before its audio", limit, id),
					kind: ErrTooLarge,
				}
			}
			if err := skip(r, n); err != nil {
				if errors.Is(err, io.EOF) {
					return Clip{}, notWAV("truncated inside the %q chunk, before any audio data", id)
				}
				return Clip{}, fmt.Errorf("skip WAV %q chunk: %w", id, err)
			}
		}
	}
}

// checkMagic checks the 12-byte RIFF header, of which head may hold fewer
// bytes if the input was shorter.
func checkMagic(head []byte) error {
	if len(head) == 0 {
		return notWAV("empty")
	}
	if len(head) >= 4 {
		switch string(head[:4]) {
		case "RIFX":
			return unsupported("big-endian WAV (RIFX) is not supported; use a little-endian RIFF WAV")
		case "RF64", "BW64":
			return unsupported("64-bit WAV (%s) is not supported; use a RIFF WAV under 4 GiB", head[:4])
		}
	}
	if !bytes.HasPrefix([]byte("RIFF"), head[:min(len(head), 4)]) {
		return notWAV("starts with %s", describeStart(head))
	}
	if len(head) < 12 {
		return notWAV("truncated: %d bytes", len(head))
	}
	if string(head[8:12]) != "WAVE" {
		return notWAV("a RIFF file of type %q, not \"WAVE\"", head[8:12])
	}
	return nil
}

// describeStart quotes the first bytes of a file that is not a WAV, naming
// the common audio formats people upload instead.
func describeStart(head []byte) string {
	q := fmt.Sprintf("%q", head[:min(len(head), 8)])
	var kind string
	switch {
	case bytes.HasPrefix(head, []byte("ID3")), len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		kind = "MP3"
	case bytes.HasPrefix(head, []byte("OggS")):
		kind = "Ogg (Opus or Vorbis)"
	case bytes.HasPrefix(head, []byte("fLaC")):
		kind = "FLAC"
	case bytes.HasPrefix(head, []byte("\x1a\x45\xdf\xa3")):
		kind = "WebM or Matroska"
	case len(head) >= 8 && string(head[4:8]) == "ftyp":
		kind = "MP4 or M4A"
	case bytes.HasPrefix(head, []byte("FORM")):
		kind = "AIFF"
	}
	if kind != "" {
		return q + ", which looks like " + kind
	}
	return q
}

func readChunkHeader(r io.Reader) (id string, size uint32, err error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return "", 0, err
	}
	return string(h[:4]), binary.LittleEndian.Uint32(h[4:]), nil
}

// skip discards n bytes of r, returning io.EOF if r ends first.
func skip(r io.Reader, n int64) error {
	got, err := io.CopyN(io.Discard, r, n)
	if got < n && err == nil {
		err = io.EOF
	}
	return err
}

// readFmt reads a fmt chunk of the declared size: at most its first 40 bytes
// (the extensible layout) are kept, the rest is skipped.
func readFmt(r io.Reader, size uint32) (wavFormat, error) {
	if size < 16 {
		return wavFormat{}, notWAV("malformed: fmt chunk is %d bytes, need at least 16", size)
	}
	var b [40]byte
	keep := min(int64(size), int64(len(b)))
	if _, err := io.ReadFull(r, b[:keep]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return wavFormat{}, notWAV("truncated inside the fmt chunk")
		}
		return wavFormat{}, fmt.Errorf("read WAV fmt chunk: %w", err)
	}
	if err := skip(r, int64(size)-keep+int64(size&1)); err != nil {
		if errors.Is(err, io.EOF) {
			return wavFormat{}, notWAV("truncated inside the fmt chunk")
		}
		return wavFormat{}, fmt.Errorf("read WAV fmt chunk: %w", err)
	}

	le := binary.LittleEndian
	tag := le.Uint16(b[0:])
	channels := int(le.Uint16(b[2:]))
	rate := le.Uint32(b[4:])
	blockAlign := int(le.Uint16(b[12:]))
	bits := int(le.Uint16(b[14:]))

	if tag == tagExtensible {
		if size < 40 {
			return wavFormat{}, notWAV("malformed: WAVE_FORMAT_EXTENSIBLE fmt chunk is %d bytes, need 40", size)
		}
		if ext := le.Uint16(b[16:]); ext < 22 {
			return wavFormat{}, notWAV("malformed: WAVE_FORMAT_EXTENSIBLE extension is %d bytes, need 22", ext)
		}
		guid := b[24:40]
		if !bytes.Equal(guid[2:], guidSuffix) {
			return wavFormat{}, unsupported("WAVE_FORMAT_EXTENSIBLE subformat %x is not supported; use PCM or float", guid)
		}
		// The valid-bits field (b[18:20]) may be smaller than the container;
		// samples are left-justified, so decoding the container is right.
		tag = le.Uint16(guid)
	}

	var f wavFormat
	switch tag {
	case tagPCM:
		switch bits {
		case 8, 16, 24, 32:
		default:
			return wavFormat{}, unsupported("%d-bit PCM WAV is not supported; use 8, 16, 24 or 32-bit PCM or 32-bit float", bits)
		}
	case tagFloat:
		f.float = true
		switch bits {
		case 32, 64:
		default:
			return wavFormat{}, unsupported("%d-bit float WAV is not supported; use 32 or 64-bit float or PCM", bits)
		}
	default:
		if name, ok := tagNames[tag]; ok {
			return wavFormat{}, unsupported("WAV format 0x%X (%s) is not supported; use PCM or float", tag, name)
		}
		return wavFormat{}, unsupported("WAV format 0x%X is not supported; use PCM or float", tag)
	}
	f.bytes = bits / 8
	if channels < 1 || channels > MaxWAVChannels {
		return wavFormat{}, unsupported("WAV with %d channels is not supported; use 1 to %d", channels, MaxWAVChannels)
	}
	f.channels = channels
	if rate < MinWAVRate || rate > MaxWAVRate {
		return wavFormat{}, unsupported("WAV sample rate %d Hz is not supported; use %d to %d Hz", rate, MinWAVRate, MaxWAVRate)
	}
	f.rate = int(rate)
	if blockAlign != f.channels*f.bytes {
		return wavFormat{}, notWAV("malformed: block align %d does not match %d channels of %d bits", blockAlign, channels, bits)
	}
	return f, nil
}

// readData decodes a data chunk of the declared size, or to the end of r if
// the size is 0 or 0xFFFFFFFF, into mono samples.
func readData(r io.Reader, size uint32, f wavFormat, limit int64) ([]float32, error) {
	want := int64(size)
	if size == 0 || size == 0xFFFFFFFF {
		want = -1
	}
	// Read one byte over the limit to tell "exactly limit" from "more".
	budget := limit + 1
	if want >= 0 && want < budget {
		budget = want
	}
	lr := io.LimitReader(r, budget)

	frame := f.channels * f.bytes
	// Memory grows with the data read, not with the size declared: a
	// 100-byte upload claiming 100 MB costs a few kilobytes. The read buffer
	// starts small and doubles to 64 KiB; it always holds whole frames.
	var samples []float32
	buf := make([]byte, max(4<<10/frame, 1)*frame)
	var total int64
	for {
		if len(buf) < 64<<10 && total >= int64(4*len(buf)) {
			buf = make([]byte, 2*len(buf))
		}
		n, err := io.ReadFull(lr, buf)
		total += int64(n)
		if total > limit {
			msg := fmt.Sprintf("WAV audio data is over the %d-byte limit", limit)
			if want > limit {
				msg += fmt.Sprintf(" (its header declares %d bytes)", want)
			}
			return nil, &wavError{msg: msg, kind: ErrTooLarge}
		}
		frames := n / frame // a partial final frame is dropped
		if frames > 0 {
			at := len(samples)
			if at+frames > cap(samples) {
				// Double, but never past the frames the budget allows.
				c := min(int64(max(2*cap(samples), at+frames)), budget/int64(frame))
				samples = append(make([]float32, 0, c), samples...)
			}
			samples = samples[:at+frames]
			decode(samples[at:], buf[:frames*frame], f)
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return samples, nil
			}
			return nil, fmt.Errorf("read WAV data: %w", err)
		}
	}
}

// decode converts whole frames in b to mono samples in dst, one per frame.
func decode(dst []float32, b []byte, f wavFormat) {
	ch := f.channels
	le := binary.LittleEndian
	switch {
	case f.float && f.bytes == 4:
		downmix(dst, ch, func(i int) float32 { return clip(math.Float32frombits(le.Uint32(b[4*i:]))) })
	case f.float:
		downmix(dst, ch, func(i int) float32 { return float32(clip(math.Float64frombits(le.Uint64(b[8*i:])))) })
	case f.bytes == 1:
		downmix(dst, ch, func(i int) float32 { return float32(int(b[i])-128) / (1 << 7) })
	case f.bytes == 2:
		if ch == 1 { // the common case, worth its own loop
			for i := range dst {
				dst[i] = float32(int16(le.Uint16(b[2*i:]))) / (1 << 15)
			}
			return
		}
		downmix(dst, ch, func(i int) float32 { return float32(int16(le.Uint16(b[2*i:]))) / (1 << 15) })
	case f.bytes == 3:
		downmix(dst, ch, func(i int) float32 {
			v := int32(uint32(b[3*i])<<8|uint32(b[3*i+1])<<16|uint32(b[3*i+2])<<24) >> 8
			return float32(v) / (1 << 23)
		})
	default: // 32-bit PCM
		downmix(dst, ch, func(i int) float32 { return float32(float64(int32(le.Uint32(b[4*i:]))) / (1 << 31)) })
	}
}

// downmix averages ch interleaved channels, read by sample(index), into dst.
func downmix(dst []float32, ch int, sample func(int) float32) {
	if ch == 1 {
		for i := range dst {
			dst[i] = sample(i)
		}
		return
	}
	n := float32(ch)
	for i := range dst {
		var sum float32
		for c := range ch {
			sum += sample(i*ch + c)
		}
		dst[i] = sum / n // correctly rounded, so never outside [-1, 1]
	}
}

// clip limits a float sample to [-1, 1]; NaN reads as silence.
func clip[F float32 | float64](v F) F {
	switch {
	case v > 1:
		return 1
	case v < -1:
		return -1
	case v == v:
		return v
	}
	return 0 // NaN
}
