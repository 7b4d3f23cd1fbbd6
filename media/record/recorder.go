package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/viva-interview/viva/media/opus"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("recording closed")

// DefaultFlushEvery is Config.FlushEvery's default.
const DefaultFlushEvery = time.Second

// Vendor is the OpusTags vendor string of every recording.
const Vendor = "viva"

// overlapLimit is how far a packet may start before the previous one ended
// without a debug log: rounding gaps to 2.5 ms leaves up to 1.25 ms.
const overlapLimit = 5 * time.Millisecond

// maxPacketBytes is the largest packet Write accepts, the most one Ogg page
// holds. No Opus packet comes near it: 120 ms of 1275-byte frames is 61 200.
const maxPacketBytes = maxPageBody - 1

// Config configures a Recorder. The zero value records packets as received
// and writes a page at least every second of audio.
type Config struct {
	// Logger receives debug messages about packets out of time; nil
	// discards them.
	Logger *slog.Logger
	// FlushEvery is how much audio may wait in memory before it goes to the
	// file as a page: what a crash (SIGKILL, power loss) can lose at most.
	// Smaller values cost more page headers (27 bytes plus one per packet).
	// 0 means DefaultFlushEvery; it must not be negative.
	FlushEvery time.Duration
	// PreSkip is how many samples (48 kHz) at the start of the stream a
	// player drops: the codec delay of the encoder that made the packets,
	// so that the audio plays at the time its input had. 0 for the
	// candidate's packets as received: the file then plays exactly what
	// the server decoded at each time, which is what the transcript's word
	// times were measured on. opus.Encoder.Lookahead() (312) for packets of
	// the server's own encoder: a packet written at t holds the input from
	// t, which its decoder outputs one lookahead later. 0 to 65535.
	PreSkip int
}

// Recorder writes one direction of an interview to an Ogg Opus file (RFC
// 7845: 48 kHz, mono) on the interview's time base: a packet written at t
// plays at t, and gaps between packets are filled so that it stays so. Its
// methods are safe for concurrent use.
type Recorder struct {
	log     *slog.Logger
	flush   int64 // samples that may wait for a page
	preSkip int64

	mu      sync.Mutex
	f       *os.File
	err     error // the first failed write; every later call returns it
	closed  bool
	ended   bool // Close wrote the end-of-stream page and closed the file
	serial  uint32
	seq     uint32 // the next page's sequence number
	pos     int64  // samples in the stream (the granule position), buffered ones included
	waiting int64  // of those, samples not yet on a page
	segs    []byte // lacing values of the page being built
	body    []byte // its packets
	page    []byte // the page's bytes, reused
	packets int
	bytes   int64

	lost        []byte // a packet that conceals one like the last one written
	lastSamples int64  // the last one's length
}

// Create creates a recording at path and writes the Ogg Opus headers
// (OpusHead: 48 kHz, mono, cfg.PreSkip; OpusTags: vendor "viva"). The file
// must not exist yet (its error then wraps fs.ErrExist) and is created with
// mode 0600: it holds the candidate's voice. The parent directory must
// exist.
func Create(path string, cfg Config) (*Recorder, error) {
	flush := cfg.FlushEvery
	if flush < 0 {
		return nil, fmt.Errorf("record config: FlushEvery %v is negative", flush)
	}
	if flush == 0 {
		flush = DefaultFlushEvery
	}
	if cfg.PreSkip < 0 || cfg.PreSkip > 65535 {
		return nil, fmt.Errorf("record config: PreSkip %d, want 0 to 65535", cfg.PreSkip)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create recording: %w", err)
	}
	r := &Recorder{
		log:     log,
		flush:   toSamples(flush),
		preSkip: int64(cfg.PreSkip),
		f:       f,
		serial:  rand.Uint32(),
	}
	// RFC 7845 §3: each header packet alone on its page, granule 0.
	for _, h := range []struct {
		flags  byte
		packet []byte
	}{{flagFirst, opusHead(cfg.PreSkip)}, {0, opusTags()}} {
		r.segs = appendLacing(r.segs, len(h.packet))
		r.body = append(r.body, h.packet...)
		r.writePage(h.flags)
	}
	if r.err != nil {
		return nil, errors.Join(r.err, f.Close(), os.Remove(path))
	}
	return r, nil
}

// opusHead is the identification header (RFC 7845 §5.1) of a mono stream.
func opusHead(preSkip int) []byte {
	b := append([]byte("OpusHead"), 1, 1) // version 1, one channel
	b = binary.LittleEndian.AppendUint16(b, uint16(preSkip))
	b = binary.LittleEndian.AppendUint32(b, opus.Rate) // the input's rate, for information
	b = binary.LittleEndian.AppendUint16(b, 0)         // output gain
	return append(b, 0)                                // channel mapping family 0: mono or stereo
}

// opusTags is the comment header (RFC 7845 §5.2), with no comments.
func opusTags() []byte {
	b := []byte("OpusTags")
	b = binary.LittleEndian.AppendUint32(b, uint32(len(Vendor)))
	b = append(b, Vendor...)
	return binary.LittleEndian.AppendUint32(b, 0)
}

// Write adds one Opus packet whose audio starts at at on the interview's
// time base; its length comes from its TOC byte (opus.PacketSamples). The
// packet is copied, never re-encoded.
//
// Packets must come in time order. When at is past the end of the previous
// packet, the gap is filled so that later audio stays in place: a gap of
// one to five packets like the previous one (up to 100 ms) is packets lost
// in transit and is concealed, as the live decoder concealed them; any
// other gap (DTX, a muted microphone, a reconnect, a pause between prompts)
// is silence, to the nearest 2.5 ms. at is trusted: an hour's gap writes an
// hour of silence (about half a megabyte).
//
// A packet that starts before the previous one ended is written after it
// all the same (nothing is dropped), and logged at debug level when it is
// more than 5 ms early; the next gap takes the difference back. So at
// should follow the packets' own clock (RTP timestamps or samples decoded,
// as media/peer's OnPacket does), not their arrival: with arrival times,
// network jitter would shift the audio by up to the jitter until the next
// gap.
//
// An invalid packet (no TOC byte, an impossible length, more bytes than an
// Ogg page holds) returns an error wrapping opus.ErrInvalidPacket and is
// not written. Write after Close returns ErrClosed; after a failed write to
// the file, that error.
func (r *Recorder) Write(at time.Duration, packet []byte) error {
	n, err := opus.PacketSamples(packet, opus.Rate)
	if err != nil {
		return fmt.Errorf("record packet: %w", err)
	}
	if len(packet) > maxPacketBytes {
		return fmt.Errorf("record packet: %w: %d bytes", opus.ErrInvalidPacket, len(packet))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return ErrClosed
	case r.err != nil:
		return r.err
	}
	switch gap := toSamples(at) - r.pos; {
	case gap >= silenceUnit/2:
		r.fillGap(gap)
	case gap < -toSamples(overlapLimit):
		r.log.Debug("packet overlaps the previous one", "at", at, "overlap", toDuration(-gap))
	}
	r.add(packet, int64(n))
	r.lost, r.lastSamples = appendConcealment(r.lost[:0], packet), int64(n)
	return r.err
}

// fillGap fills a gap of n samples (gap.go says how): with concealment
// when it is the length of up to maxConceal of packets like the last one,
// else with silence to the nearest 2.5 ms.
func (r *Recorder) fillGap(n int64) {
	if r.lastSamples > 0 {
		k := (n + r.lastSamples/2) / r.lastSamples
		if k >= 1 && k*r.lastSamples <= toSamples(maxConceal) && abs(n-k*r.lastSamples) < silenceUnit/2 {
			for range k {
				r.add(r.lost, r.lastSamples)
			}
			return
		}
	}
	r.fill((n + silenceUnit/2) / silenceUnit)
}

// fill adds units×2.5 ms of silence.
func (r *Recorder) fill(units int64) {
	for units > 0 {
		p, k := silence(units)
		r.add(p, k*silenceUnit)
		units -= k
	}
}

// add appends a packet of n samples to the page being built, first writing
// that page out if the packet would take its waiting audio past
// FlushEvery, or not fit.
func (r *Recorder) add(packet []byte, n int64) {
	if len(r.segs) > 0 && (r.waiting+n > r.flush || len(r.segs)+len(packet)/255+1 > maxSegments) {
		r.writePage(0)
	}
	r.segs = appendLacing(r.segs, len(packet))
	r.body = append(r.body, packet...)
	r.pos += n
	r.waiting += n
	r.packets++
}

// writePage writes the page being built to the file, the granule position
// being the end of its last packet. A failed write is kept in r.err and
// stops all later writes.
func (r *Recorder) writePage(flags byte) {
	if r.err != nil {
		return
	}
	r.page = appendPage(r.page[:0], flags, r.pos, r.serial, r.seq, r.segs, r.body)
	if _, err := r.f.Write(r.page); err != nil {
		r.err = fmt.Errorf("write recording: %w", err)
		return
	}
	r.seq++
	r.bytes += int64(len(r.page))
	r.segs, r.body, r.waiting = r.segs[:0], r.body[:0], 0
}

// Duration is the recording's length so far: the end of the last packet on
// the time base, gaps included, less the pre-skip. After Close it is the
// Duration Probe reports.
func (r *Recorder) Duration() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.duration()
}

func (r *Recorder) duration() time.Duration { return toDuration(max(r.pos-r.preSkip, 0)) }

// Info describes the recording so far. Duration and Packets include the
// audio still waiting for a page, Bytes only what is in the file; after
// Close all three match what Probe reports for the file.
func (r *Recorder) Info() Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Info{Duration: r.duration(), Packets: r.packets, Bytes: r.bytes, Ended: r.ended}
}

// Close writes the audio still waiting as the last page, marked end of
// stream, and closes the file. Closing again does nothing and returns nil.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	if r.pos < r.preSkip {
		// The final granule position may not be less than the pre-skip
		// (RFC 7845 §4.2): pad with silence, and trim the end to it
		// (§4.5), so the recording still lasts 0.
		r.fill((r.preSkip - r.pos + silenceUnit - 1) / silenceUnit)
		r.pos = r.preSkip
	}
	r.writePage(flagLast)
	err := r.err
	if cerr := r.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close recording: %w", cerr)
	}
	r.ended = err == nil
	return err
}

// toSamples converts a time to 48 kHz samples, rounding towards zero.
func toSamples(d time.Duration) int64 {
	return int64(d/time.Second)*opus.Rate + int64(d%time.Second)*opus.Rate/int64(time.Second)
}

// toDuration converts 48 kHz samples to a time, rounding towards zero.
func toDuration(n int64) time.Duration {
	return time.Duration(n/opus.Rate)*time.Second + time.Duration(n%opus.Rate)*time.Second/opus.Rate
}
