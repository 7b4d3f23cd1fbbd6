package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"github.com/viva-interview/viva/media/opus"
)

// recordVoice records d of voice in 20 ms packets from 0 and returns the
// file's bytes.
func recordVoice(tb testing.TB, d float64, cfg Config) []byte {
	tb.Helper()
	packets, _ := encode(tb, voice(d))
	path := filepath.Join(tb.TempDir(), "rec.opus")
	r, err := Create(path, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	for i, p := range packets {
		if err := r.Write(time.Duration(i)*20*time.Millisecond, p); err != nil {
			tb.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// pageEnds walks an Ogg file of well-formed pages and returns where each
// page ends and its granule position.
func pageEnds(tb testing.TB, data []byte) (ends []int, granules []int64) {
	tb.Helper()
	for off := 0; off < len(data); {
		if !bytes.HasPrefix(data[off:], []byte("OggS")) {
			tb.Fatalf("no page at byte %d", off)
		}
		n := int(data[off+26])
		size := pageHeaderLen + n
		for _, s := range data[off+pageHeaderLen : off+pageHeaderLen+n] {
			size += int(s)
		}
		off += size
		ends = append(ends, off)
		granules = append(granules, int64(binary.LittleEndian.Uint64(data[off-size+6:])))
	}
	return ends, granules
}

// TestPion reads a recording with pion's oggreader, an independent Ogg
// parser: every page's checksum holds, and the headers say what Create
// wrote.
func TestPion(t *testing.T) {
	t.Parallel()
	data := recordVoice(t, 3, Config{PreSkip: 312})
	ogg, head, err := oggreader.NewWith(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if head.Channels != 1 || head.PreSkip != 312 || head.SampleRate != opus.Rate || head.ChannelMap != 0 || head.Version != 1 {
		t.Errorf("OpusHead = %+v", head)
	}
	payload, _, err := ogg.ParseNextPage()
	if err != nil {
		t.Fatal(err)
	}
	tags, err := oggreader.ParseOpusTags(payload)
	if err != nil || tags.Vendor != Vendor || len(tags.UserComments) != 0 {
		t.Errorf("OpusTags = %+v, %v", tags, err)
	}
	var pages int
	var granule uint64
	for {
		_, h, err := ogg.ParseNextPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page %d: %v", pages+2, err)
		}
		pages++
		granule = h.GranulePosition
	}
	// 3 s in 1 s pages, plus the encoder's padding of the last frame.
	if want := uint64(3 * opus.Rate); pages != 3 || granule != want {
		t.Errorf("%d audio pages ending at granule %d, want 3 ending at %d", pages, granule, want)
	}
}

// TestTruncated cuts a recording at every page boundary, just after it,
// inside the next page's header and body and just before its end: each cut
// probes as the complete pages before it and decodes to as much audio.
func TestTruncated(t *testing.T) {
	t.Parallel()
	data := recordVoice(t, 3, Config{FlushEvery: 200 * time.Millisecond})
	ends, granules := pageEnds(t, data)
	headers := ends[1] // OpusHead and OpusTags
	dir := t.TempDir()
	cuts := []int{0, 1, 4, 27, 40, ends[0], ends[0] + 10, headers - 1}
	for i, e := range ends[1:] {
		next := len(data)
		if i+2 < len(ends) {
			next = ends[i+2]
		}
		cuts = append(cuts, e, e+1, e+27, e+30, (e+next)/2, next-1)
	}
	for _, cut := range cuts {
		cut = min(cut, len(data))
		path := filepath.Join(dir, "cut.opus")
		if err := os.WriteFile(path, data[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := Probe(path)
		switch {
		case cut == 0:
			if !errors.Is(err, ErrNotOgg) {
				t.Errorf("empty file: %v, want ErrNotOgg", err)
			}
			continue
		case cut < headers:
			if !errors.Is(err, ErrNotOpus) {
				t.Errorf("cut at %d, inside the headers: %v, want ErrNotOpus", cut, err)
			}
			continue
		case err != nil:
			t.Errorf("cut at %d: %v", cut, err)
			continue
		}
		// The last complete page.
		k := 0
		for k+1 < len(ends) && ends[k+1] <= cut {
			k++
		}
		want := Info{Duration: toDuration(max(granules[k], 0)), Bytes: int64(ends[k]), Ended: cut == len(data)}
		info.Packets = 0
		if info != want {
			t.Errorf("cut at %d of %d: Probe = %+v, want %+v", cut, len(data), info, want)
		}
		pcm, err := Decode(path, 0)
		if err != nil {
			t.Errorf("cut at %d: Decode: %v", cut, err)
		} else if int64(len(pcm)) != toSamples(want.Duration) {
			t.Errorf("cut at %d: decoded %d samples, want %d", cut, len(pcm), toSamples(want.Duration))
		}
	}
}

// oggFile builds an Ogg file page by page, for files Recorder does not write.
type oggFile struct {
	data []byte
	seq  map[uint32]uint32
}

// page appends a page of serial holding the given segments.
func (f *oggFile) page(serial uint32, flags byte, granule int64, segs []byte, body []byte) {
	if f.seq == nil {
		f.seq = map[uint32]uint32{}
	}
	f.data = appendPage(f.data, flags, granule, serial, f.seq[serial], segs, body)
	f.seq[serial]++
}

// TestProbeOther reads Ogg Opus files unlike ours: multiplexed with another
// stream, a comment header of several pages, packets across pages, a
// chained stream after the end.
func TestProbeOther(t *testing.T) {
	t.Parallel()
	packets, _ := encode(t, voice(1))
	const opusSerial, otherSerial = 7, 9
	var f oggFile
	head := opusHead(0)
	f.page(opusSerial, flagFirst, 0, appendLacing(nil, len(head)), head)
	f.page(otherSerial, flagFirst, 0, []byte{7}, []byte("\x80theora"))
	// OpusTags of 140 000 bytes (cover art, say): three pages.
	tags := append(opusTags(), make([]byte, 140000)...)
	lacing := appendLacing(nil, len(tags))
	f.page(opusSerial, 0, -1, lacing[:255], tags[:255*255])
	f.page(opusSerial, flagContinued, -1, lacing[255:510], tags[255*255:510*255])
	f.page(opusSerial, flagContinued, 0, lacing[510:], tags[510*255:])
	f.page(otherSerial, 0, 0, []byte{3}, []byte("abc"))
	// 50 packets: the first padded to 300 bytes and split across two
	// pages, the other 49 on one page.
	big := append(append([]byte(nil), packets[0]...), make([]byte, 300-len(packets[0]))...)
	f.page(opusSerial, 0, -1, []byte{255}, big[:255])                               // no packet ends: granule -1
	f.page(opusSerial, flagContinued, 960, []byte{byte(len(big) - 255)}, big[255:]) // packet 1 ends
	var segs, body []byte
	for _, p := range packets[1:50] {
		segs = appendLacing(segs, len(p))
		body = append(body, p...)
	}
	f.page(opusSerial, 0, 50*960, segs, body)
	f.page(opusSerial, flagLast, 50*960, nil, nil)
	f.page(otherSerial, flagLast, 0, nil, nil)
	// A chained stream after the first: ignored.
	f.page(11, flagFirst, 0, appendLacing(nil, len(head)), head)

	path := filepath.Join(t.TempDir(), "other.opus")
	if err := os.WriteFile(path, f.data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := Probe(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration != time.Second || info.Packets != 50 || !info.Ended {
		t.Errorf("Probe = %+v, want 1s in 50 packets, ended", info)
	}
	pcm, err := Decode(path, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) != 16000 {
		t.Errorf("decoded %d samples at 16 kHz, want 16000", len(pcm))
	}
}

// TestProbeErrors checks that Probe says what is wrong with a file.
func TestProbeErrors(t *testing.T) {
	t.Parallel()
	good := recordVoice(t, 3, Config{FlushEvery: 500 * time.Millisecond})
	ends, _ := pageEnds(t, good)
	flipped := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x40
		return b
	}
	var vorbis oggFile
	vorbis.page(1, flagFirst, 0, []byte{30}, append([]byte("\x01vorbis"), make([]byte, 23)...))
	vorbis.page(1, 0, 0, []byte{10}, make([]byte, 10))
	var badHead oggFile
	badHead.page(1, flagFirst, 0, []byte{9}, []byte("OpusHead\x01"))
	var noTags oggFile
	head := opusHead(0)
	noTags.page(1, flagFirst, 0, appendLacing(nil, len(head)), head)
	noTags.page(1, 0, 0, []byte{8}, []byte("OpusTagz"))
	var noBOS oggFile
	noBOS.page(1, 0, 0, appendLacing(nil, len(head)), head)
	var granule oggFile
	granule.data = bytes.Clone(good[:ends[2]])
	granule.seq = map[uint32]uint32{binary.LittleEndian.Uint32(good[14:]): 3}
	granule.page(binary.LittleEndian.Uint32(good[14:]), 0, -5, []byte{3}, []byte{0xf8, 0xff, 0xfe})

	for _, tc := range []struct {
		name string
		data []byte
		want error
		info Info // of the pages before the damage
	}{
		{"empty", nil, ErrNotOgg, Info{}},
		{"text", []byte("hello, this is not audio at all"), ErrNotOgg, Info{}},
		{"wav", append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 40)...), ErrNotOgg, Info{}},
		{"vorbis", vorbis.data, ErrNotOpus, Info{}},
		{"bad OpusHead", badHead.data, ErrNotOpus, Info{}},
		{"no OpusTags", noTags.data, ErrNotOpus, Info{}},
		{"no beginning of stream", noBOS.data, ErrNotOpus, Info{}},
		{"OpusHead checksum", flipped(40), ErrNotOpus, Info{}},
		{"audio checksum", flipped(ends[2] + 100), ErrCorrupt, Info{Duration: 500 * time.Millisecond, Packets: 25, Bytes: int64(ends[2])}},
		{"capture pattern", flipped(ends[3]), ErrCorrupt, Info{Duration: time.Second, Packets: 50, Bytes: int64(ends[3])}},
		{"granule", granule.data, ErrCorrupt, Info{Duration: 500 * time.Millisecond, Packets: 25, Bytes: int64(ends[2])}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "bad.opus")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			info, err := Probe(path)
			if !errors.Is(err, tc.want) {
				t.Errorf("Probe: %v, want %v", err, tc.want)
			}
			if info != tc.info {
				t.Errorf("Probe info = %+v, want %+v", info, tc.info)
			}
			if _, err := Decode(path, 0); !errors.Is(err, tc.want) {
				t.Errorf("Decode: %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "missing.opus")
		if _, err := Probe(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Probe: %v, want fs.ErrNotExist", err)
		}
		if _, err := Decode(path, 0); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Decode: %v, want fs.ErrNotExist", err)
		}
	})
}
