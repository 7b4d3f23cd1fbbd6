package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is Debian's Chromium, which `make test` installs.
const chromium = "/usr/bin/chromium"

// artifacts is where the browser test leaves its screenshots:
// $VIVA_ARTIFACTS, else a directory under the system's temporary one.
func artifacts(t *testing.T) string {
	dir := os.Getenv("VIVA_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "viva-e2e-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// answerWAV speaks a flite answer with silence around it: long enough before
// it for the interviewer to ask, a second after it.
func answerWAV(t *testing.T, lead time.Duration, text string) string {
	t.Helper()
	dir := t.TempDir()
	raw, wav := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "answer.wav")
	if out, err := exec.Command("flite", "-voice", "rms", "-t", text, "-o", raw).CombinedOutput(); err != nil {
		t.Skipf("flite: %v %s", err, out)
	}
	if out, err := exec.Command("sox", "-R", raw, "-r", "48000", wav, "pad", strings.TrimSuffix(lead.String(), "s"), "1").CombinedOutput(); err != nil {
		t.Skipf("sox: %v %s", err, out)
	}
	return wav
}

// browser starts headless Chromium with a fake microphone playing wav once;
// with deny, it refuses the page the microphone instead.
func browser(t *testing.T, wav string, deny bool) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium is not installed (scripts/deps.sh test installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("use-fake-ui-for-media-stream", !deny),
		chromedp.Flag("deny-permission-prompts", deny),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav+"%noloop"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// shot saves a full-page screenshot as an artifact.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(artifacts(t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserInterview drives the web app in headless Chromium against a
// real viva serve: the start page, an interview answered by the fake
// microphone (a flite answer), the report. It checks that the transcript
// shows the spoken terms, that concepts are credited, and that clicking a
// piece of evidence seeks the candidate's recording to it. Screenshots of
// each page are left in $VIVA_ARTIFACTS (default: viva-e2e-artifacts under
// the temporary directory).
func TestBrowserInterview(t *testing.T) {
	wav := answerWAV(t, 9*time.Second,
		"Dense embeddings struggle with exact words like error codes. I would add keyword search with BM25, "+
			"combine the scores with reciprocal rank fusion, and rerank the top results with a cross encoder.")
	ctx := browser(t, wav, false)
	n := startNode(t, nil, "--data-dir", t.TempDir(), "--stt-decoders", "1")
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	js := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	// wait evaluates expr until it is true; errors while a page loads are
	// retried.
	wait := func(what, expr string, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		var last error
		for time.Now().Before(deadline) {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
			if err == nil && ok {
				return
			}
			last = err
			time.Sleep(250 * time.Millisecond)
		}
		shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 1500)`))
		t.Fatalf("waiting for %s (last error: %v)\npage: %s\nserver log:\n%s", what, last, where, n.logs)
	}

	// The start page: rag, rapid screen, a question that asks about
	// keyword search.
	if err := chromedp.Do(ctx, chromedp.Navigate(n.url+"/")); err != nil {
		t.Fatal(err)
	}
	wait("the start page", `document.readyState === 'complete' && !!document.querySelector('#start-button')`, 20*time.Second)
	js(`for (const [id, v] of [['track', 'rag'], ['mode', 'screen']]) {
		const el = document.getElementById(id); el.value = v; el.dispatchEvent(new Event('change', {bubbles: true})) }`)
	wait("the question list", `[...document.querySelectorAll('#question option')].some(o => o.value === 'rag.hybrid-reranking')`, 20*time.Second)
	js(`document.getElementById('question').value = 'rag.hybrid-reranking';
		document.getElementById('question').dispatchEvent(new Event('change', {bubbles: true}));
		const m = document.getElementById('minutes'); m.value = '5'; m.dispatchEvent(new Event('input', {bubbles: true}))`)
	shot(t, ctx, "1-start")

	// The room: the interviewer asks, the fake microphone answers.
	js(`document.getElementById('start-button').click()`)
	wait("the interview room", `!!document.querySelector('[data-testid="transcript"]')`, 20*time.Second)
	wait("the spoken terms in the transcript",
		`/keyword|bm25|cross encoder|rerank/i.test(document.querySelector('[data-testid="transcript"]').innerText)`, 100*time.Second)
	// The whole answer is in once the interviewer follows up on it.
	wait("the interviewer's follow-up",
		`(document.querySelector('[data-testid="transcript"]').innerText.match(/INTERVIEWER/gi) || []).length >= 2`, 60*time.Second)
	t.Logf("transcript: %q", js(`document.querySelector('[data-testid="transcript"]').innerText`))
	shot(t, ctx, "2-room")

	// End the interview (confirming) and wait for the report.
	js(`window.confirm = () => true; document.querySelector('[data-testid="end"]').click()`)
	wait("the report", `!!document.querySelector('[data-testid="overall-score"]') && /\d/.test(document.querySelector('[data-testid="overall-score"]').innerText)`, 90*time.Second)
	hits := js(`document.querySelectorAll('[data-testid="concept-item"][data-state="hit"]').length`).(float64)
	startMS, _ := strconv.ParseFloat(js(`document.querySelector('[data-testid="evidence-button"]')?.dataset.startMs ?? "-1"`).(string), 64)
	js(`document.querySelector('[data-testid="evidence-button"]').click()`)
	wait("the recording to seek", `document.querySelector('[data-testid="candidate-audio"]').currentTime > 0`, 10*time.Second)
	at := js(`document.querySelector('[data-testid="candidate-audio"]').currentTime`).(float64)
	shot(t, ctx, "3-report")
	t.Logf("overall %v, %v concepts hit, evidence at %v ms, recording at %.2f s",
		js(`document.querySelector('[data-testid="overall-score"]').innerText`), hits, startMS, at)
	if hits < 2 {
		t.Errorf("%v concepts credited, want at least 2 (keyword search, the reranker, …)", hits)
	}
	if want := startMS / 1000; startMS < 0 || at < want-0.5 || at > want+3 {
		t.Errorf("clicking evidence at %.2f s left the recording at %.2f s", want, at)
	}

	// Review and history render.
	js(`document.querySelector('[data-testid="review-link"]').click()`)
	wait("the review page", `!!document.querySelector('[data-testid="utterance"]')`, 20*time.Second)
	shot(t, ctx, "4-review")
	if err := chromedp.Do(ctx, chromedp.Navigate(n.url+"/history.html")); err != nil {
		t.Fatal(err)
	}
	wait("the history page", `!!document.querySelector('[data-testid="session-row"]')`, 20*time.Second)
	shot(t, ctx, "5-history")
}

// TestBrowserErrorPages: links that lead nowhere show a human message and a
// way forward — a deleted interview, an unknown or revoked share link — and
// a denied microphone is explained on the start page.
func TestBrowserErrorPages(t *testing.T) {
	ctx := browser(t, answerWAV(t, time.Second, "Hello."), false)
	n := startNode(t, nil, "--data-dir", t.TempDir(), "--stt-decoders", "1")
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	text := func(url, sel string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(n.url+url)); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('`+sel+`') || {}).innerText || ""`)); err == nil && s != "" {
				return s
			}
			time.Sleep(200 * time.Millisecond)
		}
		shot(t, ctx, "failed-"+strings.Trim(sel, "[]=\"-"))
		t.Fatalf("%s shows no %s", url, sel)
		return ""
	}
	if s := text("/report.html?session=6f1c1d2e-8a8b-4c3d-9e0f-112233445566", `[data-testid="gone"]`); !strings.Contains(s, "no longer exists") {
		t.Errorf("a deleted interview's report says %q", s)
	}
	shot(t, ctx, "6-gone")
	if _, err := os.Stat(filepath.Join("..", "..", "static", "shared.html")); err == nil {
		code, sh := n.request("POST", "/api/v1/sessions", `{"track":"rag","mode":"screen"}`)
		if code != 201 {
			t.Fatal(code, sh)
		}
		id := sh["id"].(string)
		_, share := n.request("POST", "/api/v1/sessions/"+id+"/shares", `{"hours":1}`)
		if code, _ := n.request("DELETE", "/api/v1/sessions/"+id+"/shares/"+share["id"].(string), ""); code != 204 {
			t.Fatalf("revoke: %d", code)
		}
		if s := text(share["url"].(string), `[data-testid="share-error"]`); !strings.Contains(s, "revoked") {
			t.Errorf("a revoked share link says %q", s)
		}
		if s := text("/shared.html?token=not-a-real-token", `[data-testid="share-error"]`); !strings.Contains(strings.ToLower(s), "not valid") {
			t.Errorf("an unknown share link says %q", s)
		}
		shot(t, ctx, "7-share-revoked")
	}
}

// TestBrowserMicrophoneDenied: with the microphone refused, the start page's
// check says what to do.
func TestBrowserMicrophoneDenied(t *testing.T) {
	ctx := browser(t, answerWAV(t, time.Second, "Hello."), true)
	n := startNode(t, nil, "--data-dir", t.TempDir(), "--stt-decoders", "1")
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(n.url+"/")); err != nil {
		t.Fatal(err)
	}
	var msg string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(msg, "microphone") {
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[any](`document.getElementById('mic-button') && !window.__clicked && (window.__clicked = true, document.getElementById('mic-button').click())`))
		msg, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('mic-status') || {}).innerText || ""`))
		time.Sleep(200 * time.Millisecond)
	}
	shot(t, ctx, "8-mic-denied")
	t.Logf("mic status: %q", msg)
	if !strings.Contains(msg, "Allow it") && !strings.Contains(strings.ToLower(msg), "allow") {
		t.Errorf("a denied microphone says %q, want how to allow it", msg)
	}
}
