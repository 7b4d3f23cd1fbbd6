package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// Helpers that build WAV files in code, shared with the fuzz target.

// chunk is a RIFF chunk: id, size, body and the pad byte an odd size needs.
func chunk(id string, body []byte) []byte {
	return sizedChunk(id, uint32(len(body)), body)
}

// sizedChunk is a chunk whose declared size need not match its body.
func sizedChunk(id string, size uint32, body []byte) []byte {
	b := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], size)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// riffWAVE wraps chunks in a RIFF/WAVE header.
func riffWAVE(chunks ...[]byte) []byte {
	body := bytes.Join(chunks, nil)
	b := []byte("RIFF\x00\x00\x00\x00WAVE")
	binary.LittleEndian.PutUint32(b[4:], uint32(4+len(body)))
	return append(b, body...)
}

// fmtBody is a 16-byte fmt chunk body.
func fmtBody(tag uint16, channels, rate, bits int) []byte {
	b := make([]byte, 16)
	le := binary.LittleEndian
	le.PutUint16(b[0:], tag)
	le.PutUint16(b[2:], uint16(channels))
	le.PutUint32(b[4:], uint32(rate))
	le.PutUint32(b[8:], uint32(rate*channels*bits/8))
	le.PutUint16(b[12:], uint16(channels*bits/8))
	le.PutUint16(b[14:], uint16(bits))
	return b
}

// extensibleBody is a 40-byte WAVE_FORMAT_EXTENSIBLE fmt body whose
// subformat GUID carries the tag sub.
func extensibleBody(sub uint16, channels, rate, bits, validBits int) []byte {
	b := fmtBody(tagExtensible, channels, rate, bits)
	le := binary.LittleEndian
	b = le.AppendUint16(b, 22)
	b = le.AppendUint16(b, uint16(validBits))
	b = le.AppendUint32(b, 0) // channel mask
	b = le.AppendUint16(b, sub)
	return append(b, guidSuffix...)
}

// simpleWAV is a complete WAV of the given format and raw data.
func simpleWAV(tag uint16, channels, rate, bits int, data []byte) []byte {
	return riffWAVE(chunk("fmt ", fmtBody(tag, channels, rate, bits)), chunk("data", data))
}

func pcm16Bytes(s ...int16) []byte {
	var b []byte
	for _, v := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	}
	return b
}

func float32Bytes(s ...float32) []byte {
	var b []byte
	for _, v := range s {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func float64Bytes(s ...float64) []byte {
	var b []byte
	for _, v := range s {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func int32Bytes(s ...int32) []byte {
	var b []byte
	for _, v := range s {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// Files made by the tools people record with.

// soxInfo asks sox for a file's duration in seconds and its rate.
func soxInfo(t *testing.T, path string) (seconds float64, rate int) {
	t.Helper()
	d, err := exec.Command("sox", "--i", "-D", path).Output()
	if err != nil {
		t.Fatalf("sox --i -D: %v", err)
	}
	r, err := exec.Command("sox", "--i", "-r", path).Output()
	if err != nil {
		t.Fatalf("sox --i -r: %v", err)
	}
	if seconds, err = strconv.ParseFloat(strings.TrimSpace(string(d)), 64); err != nil {
		t.Fatal(err)
	}
	if rate, err = strconv.Atoi(strings.TrimSpace(string(r))); err != nil {
		t.Fatal(err)
	}
	return seconds, rate
}

// soxPeak asks sox for a file's peak amplitude, all channels mixed.
func soxPeak(t *testing.T, path string) float64 {
	t.Helper()
	out, err := exec.Command("sox", path, "-n", "remix", "-", "stat").CombinedOutput()
	if err != nil {
		t.Fatalf("sox stat: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if v, ok := strings.CutPrefix(line, "Maximum amplitude:"); ok {
			peak, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return peak
		}
	}
	t.Fatalf("sox stat printed no peak:\n%s", out)
	return 0
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed (apt-get install %s); skipping the tests on files it makes", name, name)
	}
}

func readWAVFile(t *testing.T, path string) Clip {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadWAV(f, 0)
	if err != nil {
		t.Fatalf("ReadWAV(%s): %v", filepath.Base(path), err)
	}
	return c
}

func TestReadWAVSox(t *testing.T) {
	needTool(t, "sox")
	t.Parallel()
	const seconds, tone = 1.5, 440.0
	tests := []struct {
		name     string
		args     []string // sox output options
		piped    bool     // written to a pipe, so sox cannot fix the sizes
		rate     int
		channels int
		format   string
		tag      uint16 // the fmt tag sox writes, to show which layout was read
	}{
		{"16k mono 16-bit", []string{"-r", "16000", "-c", "1", "-b", "16"}, false, 16000, 1, "pcm16", tagPCM},
		{"44.1k stereo 24-bit extensible", []string{"-r", "44100", "-c", "2", "-b", "24"}, false, 44100, 2, "pcm24", tagExtensible},
		{"44.1k stereo 24-bit plain", []string{"-r", "44100", "-c", "2", "-b", "24", "-t", "wavpcm"}, false, 44100, 2, "pcm24", tagPCM},
		{"48k stereo float32", []string{"-r", "48000", "-c", "2", "-b", "32", "-e", "floating-point"}, false, 48000, 2, "float32", tagFloat},
		{"48k 4ch float32", []string{"-r", "48000", "-c", "4", "-b", "32", "-e", "floating-point"}, false, 48000, 4, "float32", tagFloat}, // sox writes float as format 3 always
		{"96k mono float64", []string{"-r", "96000", "-c", "1", "-b", "64", "-e", "floating-point"}, false, 96000, 1, "float64", tagFloat},
		{"8k mono 8-bit unsigned", []string{"-r", "8000", "-c", "1", "-b", "8", "-e", "unsigned-integer"}, false, 8000, 1, "pcm8", tagPCM},
		{"22.05k 6ch 32-bit", []string{"-r", "22050", "-c", "6", "-b", "32"}, false, 22050, 6, "pcm32", tagExtensible},
		{"192k 8ch 16-bit", []string{"-r", "192000", "-c", "8", "-b", "16"}, false, 192000, 8, "pcm16", tagExtensible},
		{"11.025k mono 16-bit piped", []string{"-r", "11025", "-c", "1", "-b", "16"}, true, 11025, 1, "pcm16", tagPCM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "t.wav")
			out := path
			if tt.piped {
				out = "-"
			}
			args := append([]string{"-D", "-n"}, tt.args...)
			args = append(args, "-t", "wav")
			if tt.args[len(tt.args)-2] == "-t" {
				args = args[:len(args)-2] // the case names its own type
			}
			args = append(args, out, "synth", strconv.FormatFloat(seconds, 'f', -1, 64), "sine", strconv.FormatFloat(tone, 'f', -1, 64))
			cmd := exec.Command("sox", args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if tt.piped {
				b, err := cmd.Output()
				if err != nil {
					t.Fatalf("sox %v: %v\n%s", args, err, stderr.Bytes())
				}
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
			} else if err := cmd.Run(); err != nil {
				t.Fatalf("sox %v: %v\n%s", args, err, stderr.Bytes())
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tag := binary.LittleEndian.Uint16(raw[20:]); tag != tt.tag {
				t.Fatalf("sox wrote format tag 0x%X, the test expects 0x%X", tag, tt.tag)
			}

			c := readWAVFile(t, path)
			if c.Rate != tt.rate || c.Channels != tt.channels || c.Format != tt.format {
				t.Errorf("got %d Hz, %d channels, %s; want %d Hz, %d channels, %s",
					c.Rate, c.Channels, c.Format, tt.rate, tt.channels, tt.format)
			}
			if got := float64(c.DurationMS()) / 1000; math.Abs(got-seconds) > seconds/100 {
				t.Errorf("duration %.3f s, want %.3f s ±1%%", got, seconds)
			}
			if !tt.piped { // sox cannot know a piped file's length either
				soxSeconds, soxRate := soxInfo(t, path)
				if got := float64(len(c.Samples)) / float64(c.Rate); math.Abs(got-soxSeconds) > soxSeconds/100 || c.Rate != soxRate {
					t.Errorf("%.4f s at %d Hz; sox says %.4f s at %d Hz", got, c.Rate, soxSeconds, soxRate)
				}
			}
			// Sign, byte order and scale: the peak sox measures (its synth
			// writes a sine at -3 dB), at the tone's frequency.
			var peak float64
			for _, v := range c.Samples {
				peak = max(peak, math.Abs(float64(v)))
			}
			if want := soxPeak(t, path); math.Abs(peak-want) > 0.01 {
				t.Errorf("peak %.4f, sox says %.4f", peak, want)
			}
			if hz := zeroCrossingHz(c.Samples, c.Rate); math.Abs(hz-tone) > 2 {
				t.Errorf("tone at %.1f Hz, want %v", hz, tone)
			}
			if n, want := len(c.To16k()), int(seconds*16000); n < want-2 || n > want+2 {
				t.Errorf("To16k gave %d samples, want %d", n, want)
			}
		})
	}
}

func TestReadWAVSpeech(t *testing.T) {
	t.Parallel()
	const text = "I would rerank the retrieved passages with a cross-encoder."
	tests := []struct {
		tool string
		args func(path string) []string
	}{
		{"flite", func(p string) []string { return []string{"-t", text, "-o", p} }},
		{"espeak-ng", func(p string) []string { return []string{"-w", p, text} }},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			needTool(t, tt.tool)
			needTool(t, "sox")
			t.Parallel()
			path := filepath.Join(t.TempDir(), "speech.wav")
			if out, err := exec.Command(tt.tool, tt.args(path)...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", tt.tool, err, out)
			}
			c := readWAVFile(t, path)
			soxSeconds, soxRate := soxInfo(t, path)
			got := float64(len(c.Samples)) / float64(c.Rate)
			if c.Rate != soxRate || math.Abs(got-soxSeconds) > soxSeconds/100 {
				t.Errorf("%.3f s at %d Hz; sox says %.3f s at %d Hz", got, c.Rate, soxSeconds, soxRate)
			}
			if got < 1 {
				t.Errorf("only %.3f s of speech", got)
			}
			pcm := c.To16k()
			if want := got * 16000; math.Abs(float64(len(pcm))-want) > got+1 {
				t.Errorf("To16k gave %d samples, want %.0f", len(pcm), want)
			}
			if rms(c.Samples) < 0.01 {
				t.Errorf("speech is nearly silent: rms %.4f", rms(c.Samples))
			}
		})
	}
}

// Files built in code: the layouts tools rarely write.

func TestReadWAVLayouts(t *testing.T) {
	t.Parallel()
	fmt16 := chunk("fmt ", fmtBody(tagPCM, 1, 16000, 16))
	four := pcm16Bytes(16384, -16384, 0, 32767)
	fourWant := []float32{0.5, -0.5, 0, 32767.0 / 32768}
	tests := []struct {
		name   string
		file   []byte
		limit  int64
		want   []float32
		format string
	}{
		{"16-bit mono", simpleWAV(tagPCM, 1, 16000, 16, four), 0, fourWant, "pcm16"},
		{"chunks to skip, odd sizes padded",
			riffWAVE(chunk("LIST", []byte("INFOISFT\x03\x00\x00\x00ab\x00")), fmt16,
				chunk("fact", []byte{4, 0, 0, 0}), chunk("junk", []byte("x")), chunk("data", four)),
			0, fourWant, "pcm16"},
		{"data size 0 reads to the end", riffWAVE(fmt16, sizedChunk("data", 0, four)), 0, fourWant, "pcm16"},
		{"data size 0xFFFFFFFF reads to the end", riffWAVE(fmt16, sizedChunk("data", 0xFFFFFFFF, four)), 0, fourWant, "pcm16"},
		{"data shorter than declared", riffWAVE(fmt16, sizedChunk("data", 1000, four)), 0, fourWant, "pcm16"},
		{"data size as sox writes to a pipe", riffWAVE(fmt16, sizedChunk("data", 0x7FFFF000, four)), 1 << 20, fourWant, "pcm16"},
		{"chunks after data are not read", riffWAVE(fmt16, chunk("data", four), []byte("LIST\xff\xff\xff\xffgarbage")), 0, fourWant, "pcm16"},
		{"declared data size stops the read", riffWAVE(fmt16, sizedChunk("data", 4, four[:4]), four[4:]), 0, fourWant[:2], "pcm16"},
		{"exactly at the limit", simpleWAV(tagPCM, 1, 16000, 16, four), 8, fourWant, "pcm16"},
		{"streamed, exactly at the limit", riffWAVE(fmt16, sizedChunk("data", 0, four)), 8, fourWant, "pcm16"},
		{"truncated final frame dropped", simpleWAV(tagPCM, 2, 16000, 16, pcm16Bytes(16384, 0, 0, -16384)[:7]), 0, []float32{0.25}, "pcm16"},
		{"stereo averaged", simpleWAV(tagPCM, 2, 16000, 16, pcm16Bytes(16384, -16384, 16384, 0, -32768, -32768)), 0, []float32{0, 0.25, -1}, "pcm16"},
		{"8-bit unsigned", simpleWAV(tagPCM, 1, 8000, 8, []byte{0, 64, 128, 255}), 0, []float32{-1, -0.5, 0, 127.0 / 128}, "pcm8"},
		{"24-bit", simpleWAV(tagPCM, 1, 8000, 24, []byte{0, 0, 0x80, 0xff, 0xff, 0x7f, 0, 0, 0x40, 0xff, 0xff, 0xff}), 0,
			[]float32{-1, 8388607.0 / 8388608, 0.5, -1.0 / 8388608}, "pcm24"},
		{"32-bit", simpleWAV(tagPCM, 1, 8000, 32, int32Bytes(math.MinInt32, math.MaxInt32, 1<<30)), 0, []float32{-1, 1, 0.5}, "pcm32"},
		{"float32 clipped, NaN silenced", simpleWAV(tagFloat, 1, 48000, 32,
			float32Bytes(0.25, 2, -3, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)))), 0,
			[]float32{0.25, 1, -1, 0, 1, -1}, "float32"},
		{"float64", simpleWAV(tagFloat, 2, 48000, 64, float64Bytes(0.5, 0.25, -1, 1, math.NaN(), 0.5)), 0,
			[]float32{0.375, 0, 0.25}, "float64"},
		{"extensible PCM, 20 valid bits in 24", riffWAVE(chunk("fmt ", extensibleBody(tagPCM, 1, 96000, 24, 20)),
			chunk("data", []byte{0, 0, 0x40, 0, 0, 0xC0})), 0, []float32{0.5, -0.5}, "pcm24"},
		{"extensible float", riffWAVE(chunk("fmt ", extensibleBody(tagFloat, 3, 44100, 32, 32)),
			chunk("data", float32Bytes(0.5, 0.25, 0.75))), 0, []float32{0.5}, "float32"},
		{"long fmt chunk", riffWAVE(chunk("fmt ", append(fmtBody(tagPCM, 1, 16000, 16), make([]byte, 100)...)), chunk("data", four)), 0, fourWant, "pcm16"},
		{"no samples", simpleWAV(tagPCM, 1, 16000, 16, nil), 0, []float32{}, "pcm16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ReadWAV(bytes.NewReader(tt.file), tt.limit)
			if err != nil {
				t.Fatalf("ReadWAV: %v", err)
			}
			if c.Format != tt.format {
				t.Errorf("format %q, want %q", c.Format, tt.format)
			}
			if len(c.Samples) != len(tt.want) {
				t.Fatalf("got %d samples %v, want %v", len(c.Samples), c.Samples, tt.want)
			}
			for i := range tt.want {
				if math.Abs(float64(c.Samples[i]-tt.want[i])) > 1e-6 {
					t.Errorf("sample %d: got %v, want %v", i, c.Samples[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadWAVRejects(t *testing.T) {
	t.Parallel()
	fmt16 := chunk("fmt ", fmtBody(tagPCM, 1, 16000, 16))
	data := chunk("data", make([]byte, 2000))
	mp3GUID := extensibleBody(0x55, 1, 44100, 16, 16)
	badGUID := extensibleBody(tagPCM, 1, 44100, 16, 16)
	badGUID[len(badGUID)-1] ^= 0xFF
	shortExt := extensibleBody(tagPCM, 1, 16000, 16, 16)
	shortExt[16] = 10
	misaligned := fmtBody(tagPCM, 2, 16000, 16)
	misaligned[12] = 3
	tests := []struct {
		name  string
		file  []byte
		limit int64
		kind  error
		msg   string // the whole message, or a part of it after "…"
	}{
		{"empty", nil, 0, ErrNotWAV, "not a WAV file (empty)"},
		{"text", []byte("hello world, this is not audio\n"), 0, ErrNotWAV, `not a WAV file (starts with "hello wo")`},
		{"short text", []byte("hi"), 0, ErrNotWAV, `not a WAV file (starts with "hi")`},
		{"MP3 with ID3 tag", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), 0, ErrNotWAV, `…which looks like MP3`},
		{"MP3 frame", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0}, 0, ErrNotWAV, `…which looks like MP3`},
		{"Ogg", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00"), 0, ErrNotWAV, "…looks like Ogg"},
		{"FLAC", []byte("fLaC\x00\x00\x00\x22"), 0, ErrNotWAV, "…looks like FLAC"},
		{"M4A", []byte("\x00\x00\x00\x20ftypM4A "), 0, ErrNotWAV, "…looks like MP4"},
		{"truncated RIFF header", []byte("RIFF\x24\x00"), 0, ErrNotWAV, "not a WAV file (truncated: 6 bytes)"},
		{"RIFF of another type", []byte("RIFF\x24\x00\x00\x00AVI LIST"), 0, ErrNotWAV, `not a WAV file (a RIFF file of type "AVI ", not "WAVE")`},
		{"big-endian", []byte("RIFX\x24\x00\x00\x00WAVE"), 0, ErrUnsupportedWAV, "big-endian WAV (RIFX) is not supported; use a little-endian RIFF WAV"},
		{"RF64", []byte("RF64\xff\xff\xff\xffWAVE"), 0, ErrUnsupportedWAV, "64-bit WAV (RF64) is not supported; use a RIFF WAV under 4 GiB"},
		{"no chunks", riffWAVE(), 0, ErrNotWAV, "not a WAV file (truncated: no fmt chunk before the end)"},
		{"chunk header cut", riffWAVE([]byte("fmt \x10\x00")), 0, ErrNotWAV, "…no fmt chunk"},
		{"fmt cut short", riffWAVE(sizedChunk("fmt ", 16, make([]byte, 8))), 0, ErrNotWAV, "not a WAV file (truncated inside the fmt chunk)"},
		{"fmt only", riffWAVE(fmt16), 0, ErrNotWAV, "not a WAV file (truncated: no data chunk before the end)"},
		{"data before fmt", riffWAVE(data, fmt16), 0, ErrNotWAV, "not a WAV file (malformed: data chunk before the fmt chunk)"},
		{"two fmt chunks", riffWAVE(fmt16, fmt16, data), 0, ErrNotWAV, "…two fmt chunks"},
		{"fmt too small", riffWAVE(chunk("fmt ", make([]byte, 12)), data), 0, ErrNotWAV, "not a WAV file (malformed: fmt chunk is 12 bytes, need at least 16)"},
		{"huge fmt size, small file", riffWAVE(sizedChunk("fmt ", 0xFFFFFFF0, fmtBody(tagPCM, 1, 16000, 16)), data), 1 << 40, ErrNotWAV, "…truncated inside the fmt chunk"},
		{"huge LIST size, small file", riffWAVE(sizedChunk("LIST", 0xFFFFFFF0, []byte("INFO")), fmt16, data), 1 << 40, ErrNotWAV, `not a WAV file (truncated inside the "LIST" chunk, before any audio data)`},
		{"huge LIST size over the limit", riffWAVE(sizedChunk("LIST", 0xFFFFFFF0, []byte("INFO")), fmt16, data), 1 << 20, ErrTooLarge, `WAV has more than 1048576 bytes of "LIST" and other non-audio chunks before its audio`},
		{"limit exceeded", riffWAVE(fmt16, data), 1000, ErrTooLarge, "WAV audio data is over the 1000-byte limit (its header declares 2000 bytes)"},
		{"limit exceeded, streamed", riffWAVE(fmt16, sizedChunk("data", 0xFFFFFFFF, make([]byte, 2000))), 1000, ErrTooLarge, "WAV audio data is over the 1000-byte limit"},
		{"limit exceeded by one byte", riffWAVE(fmt16, sizedChunk("data", 0, make([]byte, 1001))), 1000, ErrTooLarge, "…over the 1000-byte limit"},
		{"zero channels", simpleWAV(tagPCM, 0, 16000, 16, nil), 0, ErrUnsupportedWAV, "WAV with 0 channels is not supported; use 1 to 8"},
		{"nine channels", simpleWAV(tagPCM, 9, 16000, 16, nil), 0, ErrUnsupportedWAV, "WAV with 9 channels is not supported; use 1 to 8"},
		{"0 Hz", simpleWAV(tagPCM, 1, 0, 16, nil), 0, ErrUnsupportedWAV, "WAV sample rate 0 Hz is not supported; use 8000 to 192000 Hz"},
		{"7999 Hz", simpleWAV(tagPCM, 1, 7999, 16, nil), 0, ErrUnsupportedWAV, "…7999 Hz is not supported"},
		{"384 kHz", simpleWAV(tagPCM, 1, 384000, 16, nil), 0, ErrUnsupportedWAV, "…384000 Hz is not supported"},
		{"12-bit", simpleWAV(tagPCM, 1, 16000, 12, nil), 0, ErrUnsupportedWAV, "12-bit PCM WAV is not supported; use 8, 16, 24 or 32-bit PCM or 32-bit float"},
		{"0-bit", simpleWAV(tagPCM, 1, 16000, 0, nil), 0, ErrUnsupportedWAV, "0-bit PCM WAV is not supported…"},
		{"16-bit float", simpleWAV(tagFloat, 1, 16000, 16, nil), 0, ErrUnsupportedWAV, "16-bit float WAV is not supported; use 32 or 64-bit float or PCM"},
		{"MP3 in WAV", simpleWAV(0x55, 1, 44100, 16, nil), 0, ErrUnsupportedWAV, "WAV format 0x55 (MP3) is not supported; use PCM or float"},
		{"IMA ADPCM", simpleWAV(0x11, 1, 8000, 4, nil), 0, ErrUnsupportedWAV, "WAV format 0x11 (IMA ADPCM) is not supported; use PCM or float"},
		{"µ-law", simpleWAV(0x7, 1, 8000, 8, nil), 0, ErrUnsupportedWAV, "WAV format 0x7 (µ-law) is not supported; use PCM or float"},
		{"unknown format", simpleWAV(0x1234, 1, 8000, 16, nil), 0, ErrUnsupportedWAV, "WAV format 0x1234 is not supported; use PCM or float"},
		{"extensible MP3", riffWAVE(chunk("fmt ", mp3GUID), data), 0, ErrUnsupportedWAV, "WAV format 0x55 (MP3) is not supported; use PCM or float"},
		{"extensible unknown GUID", riffWAVE(chunk("fmt ", badGUID), data), 0, ErrUnsupportedWAV, "WAVE_FORMAT_EXTENSIBLE subformat 0100000000001000800000aa00389b8e is not supported; use PCM or float"},
		{"extensible too short", riffWAVE(chunk("fmt ", append(fmtBody(tagExtensible, 1, 16000, 16), 0, 0)), data), 0, ErrNotWAV, "not a WAV file (malformed: WAVE_FORMAT_EXTENSIBLE fmt chunk is 18 bytes, need 40)"},
		{"extensible extension too short", riffWAVE(chunk("fmt ", shortExt), data), 0, ErrNotWAV, "not a WAV file (malformed: WAVE_FORMAT_EXTENSIBLE extension is 10 bytes, need 22)"},
		{"block align mismatch", riffWAVE(chunk("fmt ", misaligned), data), 0, ErrNotWAV, "not a WAV file (malformed: block align 3 does not match 2 channels of 16 bits)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadWAV(bytes.NewReader(tt.file), tt.limit)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("got error %v, want one wrapping %v", err, tt.kind)
			}
			got := err.Error()
			switch want, ok := strings.CutPrefix(tt.msg, "…"); {
			case ok:
				if !strings.Contains(got, want) {
					t.Errorf("error %q does not contain %q", got, want)
				}
			case strings.HasSuffix(tt.msg, "…"):
				if !strings.HasPrefix(got, strings.TrimSuffix(tt.msg, "…")) {
					t.Errorf("error %q does not start with %q", got, tt.msg)
				}
			default:
				if got != tt.msg {
					t.Errorf("error %q,\nwant    %q", got, tt.msg)
				}
			}
		})
	}
}

func TestReadWAVReaderError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	file := simpleWAV(tagPCM, 1, 16000, 16, make([]byte, 100))
	for _, cut := range []int{0, 6, 12, 20, 30, 44, 60} {
		r := io.MultiReader(bytes.NewReader(file[:cut]), iotest.ErrReader(boom))
		_, err := ReadWAV(r, 0)
		if !errors.Is(err, boom) {
			t.Errorf("reader failing after %d bytes: got %v, want it wrapped", cut, err)
		}
		if errors.Is(err, ErrNotWAV) || errors.Is(err, ErrUnsupportedWAV) || errors.Is(err, ErrTooLarge) {
			t.Errorf("reader failing after %d bytes: %v blames the file", cut, err)
		}
	}
	// One byte at a time is still a whole file.
	c, err := ReadWAV(iotest.OneByteReader(bytes.NewReader(file)), 0)
	if err != nil || len(c.Samples) != 50 {
		t.Errorf("one byte at a time: %d samples, %v", len(c.Samples), err)
	}
}

// TestReadWAVMemoryFollowsData checks that sizes declared in a header do not
// drive allocation: a few hundred bytes claiming 2 GB cost kilobytes.
func TestReadWAVMemoryFollowsData(t *testing.T) {
	tests := []struct {
		name string
		file []byte
	}{
		{"data", riffWAVE(chunk("fmt ", fmtBody(tagPCM, 1, 8000, 8)), sizedChunk("data", 0x7FFFFFF0, make([]byte, 100)))},
		{"fmt", riffWAVE(sizedChunk("fmt ", 0x7FFFFFF0, fmtBody(tagPCM, 1, 8000, 8)))},
		{"LIST", riffWAVE(sizedChunk("LIST", 0x7FFFFFF0, make([]byte, 100)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _ = ReadWAV(bytes.NewReader(tt.file), 1<<40)
			runtime.ReadMemStats(&after)
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("allocated %d bytes for a %d-byte file", n, len(tt.file))
			}
		})
	}
}

func TestClipTo16k(t *testing.T) {
	t.Parallel()
	t.Run("16-bit 16 kHz comes back exactly", func(t *testing.T) {
		t.Parallel()
		want := []int16{math.MinInt16, -12345, -1, 0, 1, 12345, math.MaxInt16}
		c, err := ReadWAV(bytes.NewReader(simpleWAV(tagPCM, 1, 16000, 16, pcm16Bytes(want...))), 0)
		if err != nil {
			t.Fatal(err)
		}
		got := c.To16k()
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("sample %d: got %d, want %d", i, got[i], want[i])
			}
		}
	})
	t.Run("clipped", func(t *testing.T) {
		t.Parallel()
		c := Clip{Samples: []float32{1, -1, 1.5, -1.5, float32(math.NaN()), 0.5}, Rate: 16000}
		want := []int16{math.MaxInt16, math.MinInt16, math.MaxInt16, math.MinInt16, 0, 16384}
		got := c.To16k()
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("sample %d (%v): got %d, want %d", i, c.Samples[i], got[i], want[i])
			}
		}
	})
	t.Run("resampled", func(t *testing.T) {
		t.Parallel()
		c := Clip{Samples: sine(1000, 44100, 1, 0.99), Rate: 44100}
		got := c.To16k()
		if len(got) != 16000 {
			t.Fatalf("got %d samples, want 16000", len(got))
		}
		f := make([]float32, len(got))
		for i, v := range got {
			f[i] = float32(v) / 32768
		}
		if g := dB(toneAmplitude(middle(f), 1000, 16000) / 0.99); math.Abs(g) > 0.01 {
			t.Errorf("1 kHz gain %.4f dB", g)
		}
	})
	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		if got := (Clip{Rate: 44100}).To16k(); len(got) != 0 {
			t.Errorf("got %d samples", len(got))
		}
		if got := (Clip{Samples: []float32{0.5}}).To16k(); len(got) != 0 {
			t.Errorf("rate 0: got %d samples", len(got))
		}
	})
}

func TestClipDurationMS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		samples, rate int
		want          int64
	}{
		{0, 16000, 0},
		{16000, 16000, 1000},
		{44099, 44100, 999},
		{8000 * 3600, 8000, 3600 * 1000},
		{100, 0, 0},
	}
	for _, tt := range tests {
		c := Clip{Samples: make([]float32, tt.samples), Rate: tt.rate}
		if got := c.DurationMS(); got != tt.want {
			t.Errorf("%d samples at %d Hz: %d ms, want %d", tt.samples, tt.rate, got, tt.want)
		}
	}
}

func TestClipLogValueHidesAudio(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("decoded", "clip", Clip{Samples: []float32{0.123456, 0.654321}, Rate: 8000, Channels: 2, Format: "pcm16"})
	got := buf.String()
	for _, want := range []string{`"rate":8000`, `"channels":2`, `"format":"pcm16"`, `"duration_ms":0`} {
		if !strings.Contains(got, want) {
			t.Errorf("log %s lacks %s", got, want)
		}
	}
	if strings.Contains(got, "0.12") || strings.Contains(strings.ToLower(got), "samples") {
		t.Errorf("log shows the audio: %s", got)
	}
}

func BenchmarkReadWAV16k(b *testing.B) {
	const seconds = 10
	s := sine(440, 16000, seconds, 0.5)
	pcm := make([]int16, len(s))
	for i, v := range s {
		pcm[i] = int16(v * 32767)
	}
	file := simpleWAV(tagPCM, 1, 16000, 16, pcm16Bytes(pcm...))
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadWAV(bytes.NewReader(file), 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

func BenchmarkReadWAV48kStereo24(b *testing.B) {
	const seconds = 10
	data := make([]byte, 48000*seconds*2*3)
	for i := range data {
		data[i] = byte(i * 7)
	}
	file := simpleWAV(tagPCM, 2, 48000, 24, data)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadWAV(bytes.NewReader(file), 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}
