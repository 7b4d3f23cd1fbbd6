package record

import "time"

// A gap between packets is filled in one of two ways.
//
// A gap as long as a few packets like the last one (a whole number of them,
// up to maxConceal) is packets lost in transit, each of which the live
// decoder concealed. The recording conceals them too: each becomes a packet
// with the last one's TOC byte and frame count but empty frames, which RFC
// 6716 §3.2.1 makes the decoder treat as lost (1 or 2 bytes each). A player
// runs the same packet-loss concealment the server did (with libopus,
// sample for sample), and the next packet decodes from the same state.
//
// Any other gap (DTX, a muted microphone, a reconnect, the interviewer
// between prompts, the time before the first packet) is silence: CELT-only
// fullband frames whose two payload bytes, 0xff 0xfe, make the range decoder
// read CELT's silence flag (its first symbol, RFC 6716 §4.3) as set. They
// decode to exact zeros after at most 6 ms in which the speech before them
// fades out (libopus crossfades over 5 ms when switching from SILK to CELT).
// The 20 ms one, f8 ff fe, is the silence frame Discord's voice clients
// send. Two bytes is the least that does: libopus treats a frame of zero or
// one byte as lost and conceals it, which after speech extrapolates speech
// for about 100 ms rather than falling silent. CELT frames last 2.5, 5, 10
// or 20 ms, so silence is filled to the nearest 2.5 ms; up to six 20 ms
// frames share one code 3 packet (RFC 6716 §3.2.5, constant bitrate):
// 14 bytes per 120 ms.

// maxConceal is the longest gap filled by concealment, five 20 ms packets:
// by then libopus's concealment has all but faded out (below 2% of the
// speech's level).
const maxConceal = 100 * time.Millisecond

// appendConcealment appends a packet of the same TOC and frame count as
// packet (valid, non-empty) with empty frames: it decodes as that many lost
// frames.
func appendConcealment(dst, packet []byte) []byte {
	switch packet[0] & 3 {
	case 2: // two frames, the first one's length coded: 0
		return append(dst, packet[0], 0)
	case 3: // CBR, no padding, the same frame count
		return append(dst, packet[0], packet[1]&0x3f)
	}
	return append(dst, packet[0]) // one frame, or two of equal (0) length
}

// silenceUnit is the shortest silence, one 2.5 ms CELT frame, in samples.
const silenceUnit = 120

// silentFrame is the payload of one silent CELT frame, after its TOC byte.
var silentFrame = []byte{0xff, 0xfe}

// TOC bytes of CELT-only fullband mono frames (configurations 28 to 31),
// by duration in silence units.
const (
	toc2ms5 = 28 << 3
	toc5ms  = 29 << 3
	toc10ms = 30 << 3
	toc20ms = 31 << 3
)

// silent20ms[k-1] is a packet of k silent 20 ms frames, k from 1 to 6.
var silent20ms = func() (p [6][]byte) {
	p[0] = append([]byte{toc20ms}, silentFrame...)
	for k := 2; k <= len(p); k++ {
		p[k-1] = []byte{toc20ms | 3, byte(k)} // code 3, CBR, k frames
		for range k {
			p[k-1] = append(p[k-1], silentFrame...)
		}
	}
	return p
}()

var (
	silent10ms  = append([]byte{toc10ms}, silentFrame...)
	silent5ms   = append([]byte{toc5ms}, silentFrame...)
	silent2ms5  = append([]byte{toc2ms5}, silentFrame...)
	silent20Max = int64(len(silent20ms))
)

// silence returns a packet of silence lasting at most units×2.5 ms (and at
// most 120 ms) and how many units it covers; units must be positive.
func silence(units int64) (packet []byte, covered int64) {
	switch {
	case units >= 8:
		k := min(units/8, silent20Max)
		return silent20ms[k-1], k * 8
	case units >= 4:
		return silent10ms, 4
	case units >= 2:
		return silent5ms, 2
	}
	return silent2ms5, 1
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
