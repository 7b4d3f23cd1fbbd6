package accuracy

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Voice names a synthetic speaker: "flite:slt" (flite's kal16, awb, rms or
// slt; kal is 8 kHz audio) or "espeak-ng:en-us" (any espeak-ng voice); a
// "+noise" suffix adds white noise at 20 dB SNR.
type Voice string

// Speaker returns the voice's Speak function. The synthesisers and sox must
// be installed (scripts/deps.sh test installs them).
func (v Voice) Speaker(tmp string) (Speak, error) {
	name, noisy := strings.CutSuffix(string(v), "+noise")
	engine, id, ok := strings.Cut(name, ":")
	if !ok || id == "" {
		return nil, fmt.Errorf("voice %q: want flite:NAME or espeak-ng:NAME, optionally +noise", v)
	}
	var synth func(text, out string) *exec.Cmd
	switch engine {
	case "flite":
		synth = func(text, out string) *exec.Cmd { return exec.Command("flite", "-voice", id, "-t", text, "-o", out) }
	case "espeak-ng":
		synth = func(text, out string) *exec.Cmd { return exec.Command("espeak-ng", "-v", id, "-w", out, text) }
	default:
		return nil, fmt.Errorf("voice %q: unknown synthesiser %q (flite or espeak-ng)", v, engine)
	}
	for _, tool := range []string{engine, "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("voice %q needs %s: install it (scripts/deps.sh test does)", v, tool)
		}
	}
	seed := uint64(0)
	return func(ctx context.Context, text string) ([]int16, error) {
		wav := filepath.Join(tmp, "voice.wav")
		raw := filepath.Join(tmp, "voice.raw")
		if out, err := synth(text, wav).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("%s: %v: %s", engine, err, out)
		}
		// Half a second of silence either side, as a turn would have.
		// -R: repeatable (sox dithers with fresh random noise otherwise).
		conv := exec.CommandContext(ctx, "sox", "-R", wav, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw, "pad", "0.5", "0.5")
		if out, err := conv.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sox: %v: %s", err, out)
		}
		b, err := os.ReadFile(raw)
		if err != nil {
			return nil, err
		}
		pcm := make([]int16, len(b)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
		}
		if noisy {
			seed++
			pcm = AddNoise(pcm, 20, seed)
		}
		return pcm, nil
	}, nil
}
