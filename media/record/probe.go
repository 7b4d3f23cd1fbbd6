package record

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/viva-interview/viva/media/opus"
)

// Errors Probe and Decode return for files they cannot read; each error they
// return for bad input wraps one of them.
var (
	// ErrNotOgg means the file is not an Ogg file: it is empty or does not
	// start with an Ogg page.
	ErrNotOgg = errors.New("not an ogg file")
	// ErrNotOpus means the file is Ogg but holds no Opus stream, or its
	// Opus headers are malformed or cut off.
	ErrNotOpus = errors.New("not an ogg opus file")
	// ErrCorrupt means a page after the headers is damaged: a bad checksum,
	// a missing capture pattern, an impossible granule position.
	ErrCorrupt = errors.New("corrupt ogg page")
)

// maxGranule bounds the granule positions Probe accepts: about eleven years
// at 48 kHz, far beyond any recording, well within time.Duration.
const maxGranule = 1 << 44

// Info describes an Ogg Opus recording.
type Info struct {
	// Duration is the playable length: the last granule position less the
	// pre-skip.
	Duration time.Duration
	// Packets counts the audio packets, the silence filling gaps included.
	Packets int
	// Bytes is the length of the readable part of the file: up to the end
	// of the last complete page.
	Bytes int64
	// Ended reports an end-of-stream page: the recording was closed, not
	// cut off by a crash.
	Ended bool
}

// Probe reads the Ogg Opus file at path (one of ours or any other) and
// describes it. A file cut off by a crash, even mid-page, probes as the
// complete pages it holds, with Ended false. Only the first Opus stream is
// read: pages of other streams multiplexed with it are skipped, and a chained
// stream after it is ignored.
//
// A file that is not Ogg Opus returns an error wrapping ErrNotOgg or
// ErrNotOpus. A damaged page after the headers returns an error wrapping
// ErrCorrupt together with the Info of the pages before it.
func Probe(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("probe recording: %w", err)
	}
	defer f.Close()
	s, err := scan(bufio.NewReader(f), nil)
	switch {
	case errors.Is(err, ErrCorrupt):
		return s.info, fmt.Errorf("probe recording %s: %w", path, err)
	case err != nil:
		return Info{}, fmt.Errorf("probe recording %s: %w", path, err)
	}
	return s.info, nil
}

// Decode reads the Ogg Opus file at path and decodes it with libopus to mono
// 16-bit PCM at rate (8000, 12000, 16000, 24000 or 48000; 0 means 48000),
// the pre-skip dropped and the end trimmed to the last granule position, so
// it holds Info.Duration of audio. Stereo is mixed down; more than one
// Opus stream per packet (surround) is not supported. A packet libopus
// rejects is decoded as the silence its TOC byte announces. It reads what
// Probe reads and fails as Probe fails, ErrCorrupt included.
//
// The whole recording is decoded into memory: an hour at 48 kHz is 330 MB,
// at 16 kHz 110 MB. It is meant for tests and tools, not for files from
// outside.
func Decode(path string, rate int) ([]int16, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("decode recording: %w", err)
	}
	defer f.Close()
	pcm, err := decode(bufio.NewReader(f), rate)
	if err != nil {
		return nil, fmt.Errorf("decode recording %s: %w", path, err)
	}
	return pcm, nil
}

func decode(r io.Reader, rate int) ([]int16, error) {
	dec, err := opus.NewLibopusDecoder(opus.DecoderConfig{SampleRate: rate})
	if err != nil {
		return nil, err
	}
	rate = dec.SampleRate()
	buf := make([]int16, opus.MaxPacketSamples)
	var pcm []int16
	s, err := scan(r, func(packet []byte) {
		n, err := dec.Decode(packet, buf)
		if err != nil {
			n, _ = opus.PacketSamples(packet, rate) // 0 when even the TOC is bad
			clear(buf[:n])
		}
		pcm = append(pcm, buf[:n]...)
	})
	if err != nil {
		return nil, err
	}
	if s.streams != 1 {
		return nil, fmt.Errorf("opus with %d streams (channel mapping family %d) is not supported", s.streams, s.family)
	}
	end := min(int64(len(pcm)), max(s.granule, 0)*int64(rate)/opus.Rate)
	skip := min(int64(s.preSkip)*int64(rate)/opus.Rate, end)
	return pcm[skip:end], nil
}

// stream is what scan learns of a file's Opus stream.
type stream struct {
	info    Info
	preSkip int
	family  byte  // channel mapping family
	streams int   // Opus streams per packet
	granule int64 // the last granule position, -1 if none
}

// scan reads the first Opus stream from r, calling audio (if not nil) for
// every complete audio packet. On ErrCorrupt the stream describes the pages
// before the damage.
//
// Memory stays bounded whatever the input: one page (64 KiB) and one packet
// (at most maxPacketBytes are kept; a longer packet, which no Opus encoder
// makes, is passed on cut short).
func scan(r io.Reader, audio func(packet []byte)) (stream, error) {
	s := stream{granule: -1}
	pr := pageReader{r: r}
	var (
		serial  uint32
		found   bool
		headers int    // header packets read: OpusHead, then OpusTags
		packet  []byte // the packet being assembled, cut at maxPacketBytes
		partial bool   // a packet continues onto the next page
		lost    bool   // the packet being skipped began before what we read
	)
	for {
		start := pr.off
		p, err := pr.next()
		switch {
		case err == io.EOF || errors.Is(err, errPartialPage):
			if headers < 2 {
				if start == 0 && err == io.EOF {
					return s, fmt.Errorf("%w: empty file", ErrNotOgg)
				}
				return s, fmt.Errorf("%w: file ends before the opus headers", ErrNotOpus)
			}
			return s, nil
		case errors.Is(err, errCapture) && start == 0:
			return s, ErrNotOgg
		case (errors.Is(err, errCapture) || errors.Is(err, ErrCorrupt)) && headers < 2:
			return s, fmt.Errorf("%w: %v", ErrNotOpus, err)
		case errors.Is(err, errCapture):
			return s, fmt.Errorf("%w: %v", ErrCorrupt, err)
		case err != nil:
			return s, err
		}
		if !found {
			if p.flags&flagFirst == 0 {
				return s, fmt.Errorf("%w: no opus stream begins the file", ErrNotOpus)
			}
			serial, found = p.serial, bytes.HasPrefix(p.body, []byte("OpusHead"))
		}
		if !found || p.serial != serial {
			s.info.Bytes = pr.off
			continue // another codec's stream, multiplexed
		}
		if p.granule < -1 || p.granule > maxGranule {
			if headers < 2 {
				return s, fmt.Errorf("%w: page at byte %d has granule position %d", ErrNotOpus, start, uint64(p.granule))
			}
			return s, fmt.Errorf("%w: page at byte %d has granule position %d", ErrCorrupt, start, uint64(p.granule))
		}
		s.info.Bytes = pr.off

		if p.flags&flagContinued == 0 {
			packet, partial, lost = packet[:0], false, false // a packet left unfinished is lost
		} else if !partial {
			lost = true // the rest of a packet whose start we never saw
		}
		completed := false
		body := p.body
		for _, n := range p.segs {
			seg := body[:n]
			body = body[n:]
			if !lost {
				packet = append(packet, seg[:min(len(seg), maxPacketBytes-len(packet))]...)
			}
			if n == 255 {
				partial = true
				continue
			}
			switch {
			case lost:
			case headers == 0:
				if err := s.parseHead(packet); err != nil {
					return s, err
				}
				headers++
			case headers == 1:
				if !bytes.HasPrefix(packet, []byte("OpusTags")) {
					return s, fmt.Errorf("%w: no OpusTags header", ErrNotOpus)
				}
				headers++
			default:
				s.info.Packets++
				completed = true
				if audio != nil {
					audio(packet)
				}
			}
			packet, partial, lost = packet[:0], false, false
		}
		if completed && p.granule != -1 {
			s.granule = p.granule
			s.info.Duration = toDuration(max(p.granule-int64(s.preSkip), 0))
		}
		if p.flags&flagLast != 0 {
			s.info.Ended = true
			return s, nil
		}
	}
}

// parseHead reads an OpusHead packet (RFC 7845 §5.1).
func (s *stream) parseHead(p []byte) error {
	if len(p) < 19 || p[8]>>4 != 0 || p[9] == 0 {
		return fmt.Errorf("%w: malformed OpusHead", ErrNotOpus)
	}
	s.preSkip = int(binary.LittleEndian.Uint16(p[10:]))
	s.family, s.streams = p[18], 1
	if s.family != 0 {
		if len(p) < 21+int(p[9]) || p[19] == 0 {
			return fmt.Errorf("%w: malformed OpusHead channel mapping", ErrNotOpus)
		}
		s.streams = int(p[19])
	} else if p[9] > 2 {
		return fmt.Errorf("%w: OpusHead has %d channels in mapping family 0", ErrNotOpus, p[9])
	}
	return nil
}
