package sphinx

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdlib.h>
#include <pocketsphinx.h>
#include <sphinxbase/ngram_model.h>
#include <sphinxbase/logmath.h>
#include <sphinxbase/err.h>

// mix replaces the decoder's n-gram search with an interpolation of the
// generic model and the domain model, weighted w for the domain.
static int mix(ps_decoder_t *ps, cmd_ln_t *config, const char *arpa, float w) {
	ngram_model_t *generic = ps_get_lm(ps, "_default");
	if (generic == NULL) return -1;
	ngram_model_t *domain = ngram_model_read(config, arpa, NGRAM_AUTO, ps_get_logmath(ps));
	if (domain == NULL) return -2;
	ngram_model_t *models[2] = { ngram_model_retain(generic), domain };
	char *names[2] = { "generic", "domain" };
	float32 weights[2] = { 1.0f - w, w };
	ngram_model_t *set = ngram_model_set_init(config, models, names, weights, 2);
	if (set == NULL) return -3;
	if (ps_set_lm(ps, "mixed", set) < 0) return -4;
	ngram_model_free(set); // the search holds its own reference
	return ps_set_search(ps, "mixed");
}

static double seg_confidence(ps_decoder_t *ps, ps_seg_t *seg) {
	int32 ascr, lscr, lback;
	int32 post = ps_seg_prob(seg, &ascr, &lscr, &lback);
	return logmath_exp(ps_get_logmath(ps), post);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/viva-interview/viva"
)

// frameMS is PocketSphinx's frame length (100 frames per second).
const frameMS = 10

// decoder is one PocketSphinx decoder. It is not safe for concurrent use;
// the Engine hands decoders out from a pool.
type decoder struct {
	ps     *C.ps_decoder_t
	config *C.cmd_ln_t
	inUtt  bool
}

func init() {
	// PocketSphinx logs to stderr by default; its -logfn flag redirects the
	// decoder's own messages, this silences the library's global ones.
	C.err_set_logfp(nil)
}

func newDecoder(args []string, arpa string, weight float64) (*decoder, error) {
	argv := make([]*C.char, len(args))
	for i, a := range args {
		argv[i] = C.CString(a)
	}
	defer func() {
		for _, p := range argv {
			C.free(unsafe.Pointer(p))
		}
	}()
	config := C.cmd_ln_parse_r(nil, C.ps_args(), C.int32(len(argv)), &argv[0], C.TRUE)
	if config == nil {
		return nil, errors.New("pocketsphinx rejected its arguments")
	}
	ps := C.ps_init(config)
	if ps == nil {
		C.cmd_ln_free_r(config)
		return nil, errors.New("pocketsphinx could not load its model (see -logfn)")
	}
	d := &decoder{ps: ps, config: config}
	if arpa != "" && weight > 0 {
		carpa := C.CString(arpa)
		defer C.free(unsafe.Pointer(carpa))
		if rc := C.mix(ps, config, carpa, C.float(weight)); rc < 0 {
			d.free()
			return nil, fmt.Errorf("mix the domain language model %s into the generic one: error %d", arpa, int(rc))
		}
	}
	return d, nil
}

func (d *decoder) free() {
	if d.ps != nil {
		C.ps_free(d.ps)
		d.ps = nil
	}
	if d.config != nil {
		C.cmd_ln_free_r(d.config)
		d.config = nil
	}
}

func (d *decoder) start() error {
	if C.ps_start_utt(d.ps) < 0 {
		return errors.New("pocketsphinx: start utterance")
	}
	d.inUtt = true
	return nil
}

// process feeds a whole utterance at once, so the model's batch cepstral
// mean normalisation sees all of it and the result depends only on the
// audio (see Engine.Stream for why audio is never fed piecewise).
func (d *decoder) process(pcm []int16) error {
	if len(pcm) == 0 {
		return nil
	}
	if C.ps_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&pcm[0])), C.size_t(len(pcm)), C.FALSE, C.TRUE) < 0 {
		return errors.New("pocketsphinx: process audio")
	}
	return nil
}

// finish ends the utterance and returns its words, with times offset by
// startMS.
func (d *decoder) finish(startMS int64) ([]viva.Word, error) {
	d.inUtt = false
	if C.ps_end_utt(d.ps) < 0 {
		return nil, errors.New("pocketsphinx: end utterance")
	}
	var score C.int32
	if C.ps_get_hyp(d.ps, &score) == nil {
		return []viva.Word{}, nil
	}
	words := []viva.Word{}
	for seg := C.ps_seg_iter(d.ps); seg != nil; seg = C.ps_seg_next(seg) {
		w := C.GoString(C.ps_seg_word(seg))
		text, ok := spoken(w)
		if !ok {
			continue
		}
		var sf, ef C.int
		C.ps_seg_frames(seg, &sf, &ef)
		conf := float64(C.seg_confidence(d.ps, seg))
		words = append(words, viva.Word{
			Text:       text,
			StartMS:    startMS + int64(sf)*frameMS,
			EndMS:      startMS + int64(ef+1)*frameMS,
			Confidence: min(max(conf, 0), 1),
		})
	}
	return words, nil
}

// decode transcribes a whole utterance. The result depends only on the
// audio, not on what the decoder heard before.
func (d *decoder) decode(pcm []int16, startMS int64) ([]viva.Word, error) {
	if err := d.start(); err != nil {
		return nil, err
	}
	if err := d.process(pcm); err != nil {
		d.abandon()
		return nil, err
	}
	return d.finish(startMS)
}

// abandon ends an utterance whose result nobody wants.
func (d *decoder) abandon() {
	if d.inUtt {
		C.ps_end_utt(d.ps)
		d.inUtt = false
	}
}

// spoken turns a segment's word into transcript text: it drops silence,
// sentence markers and fillers, and the "(2)" of alternate pronunciations.
func spoken(w string) (string, bool) {
	if w == "" || strings.HasPrefix(w, "<") || strings.HasPrefix(w, "[") || strings.HasPrefix(w, "+") {
		return "", false
	}
	if i := strings.IndexByte(w, '('); i > 0 {
		w = w[:i]
	}
	return w, true
}
