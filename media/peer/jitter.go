package peer

// packet is one RTP packet's payload and timestamp.
type packet struct {
	ts      uint32
	payload []byte
}

// jitter puts RTP packets back in sequence order. It holds at most depth
// packets waiting for a missing one; when more arrive, the missing ones are
// declared lost. In-order packets pass straight through, so it adds delay
// only while a gap is open.
type jitter struct {
	depth   int
	started bool
	next    uint16            // sequence number expected next
	held    map[uint16]packet // out-of-order packets waiting for next
}

// resyncGap is the jump in sequence numbers treated as a new stream rather
// than as loss (a second of 20 ms packets).
const resyncGap = 50

func newJitter(depth int) *jitter {
	return &jitter{depth: depth, held: make(map[uint16]packet)}
}

// push takes one packet and calls out, in sequence order, for every packet it
// releases; a nil one stands for a lost packet.
func (j *jitter) push(seq uint16, p packet, out func(*packet)) {
	if !j.started {
		j.started, j.next = true, seq
	}
	d := int16(seq - j.next)
	switch {
	case d < 0:
		return // late or duplicate: its place was already played or concealed
	case d >= resyncGap:
		j.held = make(map[uint16]packet)
		j.next = seq
	}
	j.held[seq] = p
	for {
		if p, ok := j.held[j.next]; ok {
			delete(j.held, j.next)
			j.next++
			out(&p)
			continue
		}
		if len(j.held) <= j.depth {
			return
		}
		j.next++
		out(nil)
	}
}
