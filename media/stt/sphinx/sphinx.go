// Package sphinx is Viva's embedded speech-to-text engine: CMU PocketSphinx
// (Debian's libpocketsphinx and pocketsphinx-en-us) through cgo. Nothing
// leaves the machine.
//
// Out of the box the generic US-English model misses most of this field's
// words, so the engine knows the domain: pronunciations for terms missing
// from the generic dictionary (model/domain.dict, with flite's
// letter-to-sound variants in model/flite.dict) and a trigram language
// model estimated from text the project owns (model/domain.arpa, built by
// `go generate ./media/stt/lm`), interpolated with the generic model at run
// time.
//
// A decoder holds about 200 MB and is not thread-safe, so the Engine keeps a
// pool of them.
package sphinx

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/media/stt"
)

//go:embed model/domain.dict model/flite.dict model/domain.arpa
var assets embed.FS

// DefaultModelDir is where Debian's pocketsphinx-en-us installs its model.
const DefaultModelDir = "/usr/share/pocketsphinx/model/en-us"

// Config configures an Engine. Zero values are the documented defaults.
type Config struct {
	// ModelDir holds the acoustic model (en-us/), the generic dictionary
	// (cmudict-en-us.dict) and language model (en-us.lm.bin). Default
	// DefaultModelDir.
	ModelDir string
	// DomainWeight is the domain language model's share of the
	// interpolation, 0..1. Default 0.4; negative disables the domain model
	// (the generic model alone, for comparison).
	DomainWeight float64
	// Decoders is the pool size: how many utterances are decoded at once.
	// Default 2.
	Decoders int
	// CacheDir receives the merged dictionary and the domain model files
	// PocketSphinx reads. Default: a viva-sphinx directory under the
	// system's temporary directory.
	CacheDir string
	// Logger receives the engine's logs. Nil discards them.
	Logger *slog.Logger
}

// Engine transcribes with a pool of PocketSphinx decoders. It implements
// stt.Streamer.
type Engine struct {
	pool chan *decoder
	all  []*decoder
	log  *slog.Logger

	closeOnce sync.Once
	closed    chan struct{}
}

var _ stt.Streamer = (*Engine)(nil)

// Name identifies the engine in results.
const Name = "pocketsphinx"

// New loads Decoders decoders. It fails with a message naming the missing
// file when the model is not installed.
func New(cfg Config) (*Engine, error) {
	if cfg.ModelDir == "" {
		cfg.ModelDir = DefaultModelDir
	}
	if cfg.DomainWeight == 0 {
		cfg.DomainWeight = 0.4
	}
	if cfg.DomainWeight > 1 {
		return nil, fmt.Errorf("sphinx: DomainWeight must be at most 1, got %v", cfg.DomainWeight)
	}
	if cfg.Decoders <= 0 {
		cfg.Decoders = 2
	}
	if cfg.CacheDir == "" {
		cfg.CacheDir = filepath.Join(os.TempDir(), "viva-sphinx")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hmm := filepath.Join(cfg.ModelDir, "en-us")
	genericDict := filepath.Join(cfg.ModelDir, "cmudict-en-us.dict")
	genericLM := filepath.Join(cfg.ModelDir, "en-us.lm.bin")
	for _, p := range []string{filepath.Join(hmm, "mdef"), genericDict, genericLM} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("sphinx: model file %s: %w (install Debian's pocketsphinx-en-us, or set the model directory)", p, err)
		}
	}
	dict, arpa, err := prepare(cfg.CacheDir, genericDict)
	if err != nil {
		return nil, err
	}
	args := []string{
		"-hmm", hmm, "-dict", dict, "-lm", genericLM,
		"-samprate", "16000", "-logfn", os.DevNull,
	}
	if cfg.DomainWeight < 0 {
		arpa = ""
	}

	e := &Engine{pool: make(chan *decoder, cfg.Decoders), log: cfg.Logger, closed: make(chan struct{})}
	for range cfg.Decoders {
		d, err := newDecoder(args, arpa, cfg.DomainWeight)
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("sphinx: %w", err)
		}
		e.all = append(e.all, d)
		e.pool <- d
	}
	cfg.Logger.Info("speech engine ready", "engine", Name, "decoders", cfg.Decoders, "domain_weight", max(cfg.DomainWeight, 0))
	return e, nil
}

// prepare writes what PocketSphinx reads from files: the generic
// dictionary merged with the domain's, and the domain language model. Files
// are named by their content, so concurrent engines share them safely.
func prepare(dir, genericDict string) (dict, arpa string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("sphinx: cache directory: %w", err)
	}
	generic, err := os.ReadFile(genericDict)
	if err != nil {
		return "", "", fmt.Errorf("sphinx: %w", err)
	}
	merged := generic
	for _, name := range []string{"model/domain.dict", "model/flite.dict"} {
		extra, err := assets.ReadFile(name)
		if err != nil {
			return "", "", err
		}
		merged = mergeDicts(merged, extra)
	}
	if dict, err = writeOnce(dir, "dict", merged); err != nil {
		return "", "", err
	}
	lm, err := assets.ReadFile("model/domain.arpa")
	if err != nil {
		return "", "", err
	}
	if arpa, err = writeOnce(dir, "arpa", lm); err != nil {
		return "", "", err
	}
	return dict, arpa, nil
}

// mergeDicts appends the domain's entries to the generic dictionary. A
// domain word the generic dictionary already has becomes an alternate
// pronunciation, word(N).
func mergeDicts(generic, domain []byte) []byte {
	variants := map[string]int{}
	for line := range strings.Lines(string(generic)) {
		if w, _, ok := strings.Cut(line, " "); ok {
			base, _, _ := strings.Cut(w, "(")
			variants[base]++
		}
	}
	var b strings.Builder
	b.Write(generic)
	if len(generic) > 0 && generic[len(generic)-1] != '\n' {
		b.WriteByte('\n')
	}
	for line := range strings.Lines(string(domain)) {
		fields := strings.Fields(line)
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		base, _, _ := strings.Cut(fields[0], "(")
		variants[base]++
		word := base
		if n := variants[base]; n > 1 {
			word = fmt.Sprintf("%s(%d)", base, n)
		}
		b.WriteString(word + " " + strings.Join(fields[1:], " ") + "\n")
	}
	return []byte(b.String())
}

func writeOnce(dir, ext string, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	path := filepath.Join(dir, "viva-"+hex.EncodeToString(sum[:8])+"."+ext)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp, err := os.CreateTemp(dir, "partial-*")
	if err != nil {
		return "", fmt.Errorf("sphinx: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", fmt.Errorf("sphinx: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("sphinx: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("sphinx: %w", err)
	}
	return path, nil
}

var errClosed = errors.New("sphinx: engine closed")

func (e *Engine) acquire(ctx context.Context) (*decoder, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case <-e.closed:
		return nil, errClosed
	default:
	}
	select {
	case d := <-e.pool:
		return d, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-e.closed:
		return nil, errClosed
	}
}

func (e *Engine) release(d *decoder) { e.pool <- d }

// Transcribe implements stt.Transcriber.
func (e *Engine) Transcribe(ctx context.Context, a stt.Audio) (stt.Result, error) {
	if r, done, err := precheck(a); done {
		return r, err
	}
	d, err := e.acquire(ctx)
	if err != nil {
		return stt.Result{}, err
	}
	defer e.release(d)
	words, err := d.decode(a.PCM, a.StartMS)
	if err != nil {
		return stt.Result{}, err
	}
	return result(words), nil
}

// precheck answers without a decoder for audio that needs none.
func precheck(a stt.Audio) (stt.Result, bool, error) {
	switch {
	case a.DurationMS() > stt.MaxUtteranceMS:
		return stt.Result{}, true, fmt.Errorf("%w: utterance is %d ms, longer than %d ms", stt.ErrBadAudio, a.DurationMS(), stt.MaxUtteranceMS)
	case len(a.PCM) == 0:
		return stt.Result{Engine: Name, Words: nil, Reason: "no audio"}, true, nil
	case a.Silent():
		return stt.Result{Engine: Name, Reason: "audio is silent"}, true, nil
	}
	return stt.Result{}, false, nil
}

func result(words []viva.Word) stt.Result {
	r := stt.Result{Engine: Name, Words: words}
	texts := make([]string, len(words))
	for i, w := range words {
		texts[i] = w.Text
	}
	r.Text = strings.Join(texts, " ")
	if r.Text == "" {
		r.Reason = "no speech recognised"
	}
	return r
}

// Stream implements stt.Streamer. The stream holds a decoder until Finish
// or Close.
//
// The en-us model normalises cepstra over the whole utterance (batch CMN),
// and PocketSphinx 5prealpha decodes piecewise-fed audio badly with it (and
// leaves the decoder worse for the next utterance), so a stream never feeds
// audio piecewise: it re-decodes the audio so far as a whole utterance each
// time it has grown by half (at least by a second). Partials thus cost about
// twice the final decode, and the final result is exactly Transcribe's.
func (e *Engine) Stream(ctx context.Context, startMS int64) (stt.Stream, error) {
	d, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &stream{e: e, d: d, startMS: startMS, next: stt.SampleRate}, nil
}

type stream struct {
	e       *Engine
	d       *decoder
	startMS int64
	pcm     []int16
	next    int    // length at which to decode the next partial
	partial string // the last partial
}

var errFinished = errors.New("sphinx: stream finished")

func (s *stream) Write(pcm []int16) (string, error) {
	if s.d == nil {
		return "", errFinished
	}
	if int64(len(s.pcm)+len(pcm))*1000/stt.SampleRate > stt.MaxUtteranceMS {
		return "", fmt.Errorf("%w: utterance longer than %d ms", stt.ErrBadAudio, stt.MaxUtteranceMS)
	}
	s.pcm = append(s.pcm, pcm...)
	if len(s.pcm) < s.next {
		return s.partial, nil
	}
	s.next = max(len(s.pcm)+stt.SampleRate, len(s.pcm)*3/2)
	words, err := s.d.decode(s.pcm, s.startMS)
	if err != nil {
		return "", err
	}
	s.partial = result(words).Text
	return s.partial, nil
}

func (s *stream) Finish() (stt.Result, error) {
	if s.d == nil {
		return stt.Result{}, errFinished
	}
	defer s.Close()
	if r, done, err := precheck(stt.Audio{PCM: s.pcm, StartMS: s.startMS}); done {
		return r, err
	}
	words, err := s.d.decode(s.pcm, s.startMS)
	if err != nil {
		return stt.Result{}, err
	}
	return result(words), nil
}

func (s *stream) Close() error {
	if s.d != nil {
		s.e.release(s.d)
		s.d = nil
		s.pcm = nil
	}
	return nil
}

// Close frees the decoders once every one is back in the pool.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.closed)
		for range e.all {
			d := <-e.pool
			d.free()
		}
	})
	return nil
}
