package stt

// Chunks cuts audio longer than maxMS into pieces of at most maxMS, each cut
// at the quietest 10 ms frame of the last quarter of its piece, so that
// words are rarely split. Each piece carries its start on the time base.
func Chunks(a Audio, maxMS int64) []Audio {
	maxLen := int(maxMS * SampleRate / 1000)
	if maxLen <= 0 || len(a.PCM) <= maxLen {
		return []Audio{a}
	}
	const frame = SampleRate / 100
	var out []Audio
	pcm, start := a.PCM, a.StartMS
	for len(pcm) > maxLen {
		cut := maxLen
		best := int64(-1)
		for at := maxLen * 3 / 4; at+frame <= maxLen; at += frame {
			var energy int64
			for _, s := range pcm[at : at+frame] {
				energy += int64(s) * int64(s)
			}
			if best < 0 || energy < best {
				best, cut = energy, at+frame/2
			}
		}
		out = append(out, Audio{PCM: pcm[:cut], StartMS: start})
		start += int64(cut) * 1000 / SampleRate
		pcm = pcm[cut:]
	}
	return append(out, Audio{PCM: pcm, StartMS: start})
}
