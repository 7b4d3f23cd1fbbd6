package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The Ogg page format (RFC 3533 §6): a 27-byte header, a table of up to 255
// lacing values, then the body. A packet is the run of segments up to and
// including the first lacing value below 255, so a packet of n bytes takes
// n/255+1 of them.
//
// Recorder writes its own pages rather than use pion's pkg/media/oggwriter.
// That writer puts every packet on a page of its own (28 bytes of overhead
// on each 60-byte packet of a 24 kb/s stream, where a page a second costs
// 1.5) and cannot hold packets back to write them as one page; it takes RTP
// packets rather than Opus packets, fixes the pre-skip at 3840, derives
// each granule position only from the packets it was given (so a gap in
// time can only be expressed by packets, which it has no way to make), and
// truncates an existing file. Reading is ours too: pion's oggreader returns
// a page's body without its lacing values, so the packets on a page cannot
// be told apart, nor a packet followed across pages.
const (
	pageHeaderLen = 27
	maxSegments   = 255
	maxPageBody   = maxSegments * 255

	flagContinued = 0x01 // the page starts with the rest of a packet
	flagFirst     = 0x02 // beginning of stream
	flagLast      = 0x04 // end of stream
)

// crcTable drives Ogg's CRC-32: polynomial 0x04c11db7, not reflected, zero
// initial value and no final XOR. hash/crc32 only does the reflected form.
var crcTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func crcUpdate(crc uint32, p []byte) uint32 {
	for _, b := range p {
		crc = crc<<8 ^ crcTable[byte(crc>>24)^b]
	}
	return crc
}

// appendLacing appends the lacing values of a packet of n bytes.
func appendLacing(segs []byte, n int) []byte {
	for ; n >= 255; n -= 255 {
		segs = append(segs, 255)
	}
	return append(segs, byte(n))
}

// appendPage appends one page to dst: the packets in body, delimited by the
// lacing values segs (at most maxSegments), ending at granule.
func appendPage(dst []byte, flags byte, granule int64, serial, seq uint32, segs, body []byte) []byte {
	start := len(dst)
	dst = append(dst, "OggS\x00"...)
	dst = append(dst, flags)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(granule))
	dst = binary.LittleEndian.AppendUint32(dst, serial)
	dst = binary.LittleEndian.AppendUint32(dst, seq)
	dst = append(dst, 0, 0, 0, 0) // the CRC, computed with these bytes zero
	dst = append(dst, byte(len(segs)))
	dst = append(dst, segs...)
	dst = append(dst, body...)
	binary.LittleEndian.PutUint32(dst[start+22:], crcUpdate(0, dst[start:]))
	return dst
}

// page is one page read back. Its slices belong to the pageReader and are
// valid until the next call.
type page struct {
	flags   byte
	granule int64 // -1: no packet ends on this page
	serial  uint32
	segs    []byte
	body    []byte
}

// errPartialPage means the input ended inside a page: what a crash
// mid-write leaves, read as the end of the file.
var errPartialPage = errors.New("file ends inside a page")

// errCapture means a page does not start with "OggS".
var errCapture = errors.New("no ogg capture pattern")

// pageReader reads Ogg pages in order, checking each one's CRC. It never
// holds more than one page (at most 65 307 bytes), whatever the input says.
type pageReader struct {
	r    io.Reader
	off  int64 // bytes in the complete pages read so far
	hdr  [pageHeaderLen]byte
	segs [maxSegments]byte
	body []byte
}

// next reads the next page. It returns io.EOF at the end of the input,
// errPartialPage when the input ends inside a page, and an error wrapping
// ErrCorrupt (or errCapture) for a page that is not well formed.
func (pr *pageReader) next() (page, error) {
	n, err := io.ReadFull(pr.r, pr.hdr[:])
	if !bytes.HasPrefix([]byte("OggS"), pr.hdr[:min(n, 4)]) {
		return page{}, fmt.Errorf("%w at byte %d", errCapture, pr.off)
	}
	switch {
	case err == io.EOF:
		return page{}, io.EOF
	case err != nil:
		return page{}, readError(err)
	case pr.hdr[4] != 0:
		return page{}, fmt.Errorf("%w: page at byte %d has version %d", ErrCorrupt, pr.off, pr.hdr[4])
	}
	segs := pr.segs[:pr.hdr[26]]
	if _, err := io.ReadFull(pr.r, segs); err != nil {
		return page{}, readError(err)
	}
	size := 0
	for _, s := range segs {
		size += int(s)
	}
	if pr.body == nil {
		pr.body = make([]byte, maxPageBody)
	}
	body := pr.body[:size]
	if _, err := io.ReadFull(pr.r, body); err != nil {
		return page{}, readError(err)
	}
	want := binary.LittleEndian.Uint32(pr.hdr[22:])
	crc := crcUpdate(0, pr.hdr[:22])
	crc = crcUpdate(crc, []byte{0, 0, 0, 0})
	crc = crcUpdate(crc, pr.hdr[26:])
	crc = crcUpdate(crc, segs)
	if crcUpdate(crc, body) != want {
		return page{}, fmt.Errorf("%w: page at byte %d fails its checksum", ErrCorrupt, pr.off)
	}
	pr.off += int64(pageHeaderLen + len(segs) + size)
	return page{
		flags:   pr.hdr[5],
		granule: int64(binary.LittleEndian.Uint64(pr.hdr[6:])),
		serial:  binary.LittleEndian.Uint32(pr.hdr[14:]),
		segs:    segs,
		body:    body,
	}, nil
}

// readError maps a short read inside a page to errPartialPage.
func readError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errPartialPage
	}
	return err
}
