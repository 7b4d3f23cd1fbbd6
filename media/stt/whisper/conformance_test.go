package whisper

import (
	"net/http"
	"testing"

	"github.com/viva-interview/viva/media/stt/stttest"
)

// TestConformance runs the suite every engine passes against a server that
// speaks OpenAI's wire format.
func TestConformance(t *testing.T) {
	s := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, verboseReply)
	})
	e, _ := newEngine(t, s, nil)
	stttest.Run(t, e, stttest.Say(t, "slt", "I would rerank with a cross encoder and then measure recall"))
}
