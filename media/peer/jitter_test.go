package peer

import (
	"slices"
	"testing"
)

func TestJitter(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   []uint16
		want []int // sequence numbers released, -1 for a lost packet
	}{
		"in order":        {[]uint16{1, 2, 3}, []int{1, 2, 3}},
		"swapped":         {[]uint16{1, 3, 2, 4}, []int{1, 2, 3, 4}},
		"duplicate":       {[]uint16{1, 2, 2, 3}, []int{1, 2, 3}},
		"late after loss": {[]uint16{1, 3, 4, 5, 2, 6}, []int{1, -1, 3, 4, 5, 6}},
		"wraparound":      {[]uint16{65534, 0, 65535, 1}, []int{65534, 65535, 0, 1}},
		"resync":          {[]uint16{1, 2, 1000, 1001}, []int{1, 2, 1000, 1001}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			j := newJitter(2)
			var got []int
			for _, seq := range tt.in {
				j.push(seq, packet{ts: uint32(seq) * 960}, func(p *packet) {
					if p == nil {
						got = append(got, -1)
						return
					}
					got = append(got, int(p.ts/960))
				})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("released %v, want %v", got, tt.want)
			}
		})
	}
}
