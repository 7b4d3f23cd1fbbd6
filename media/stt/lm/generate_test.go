package lm

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// domainARPAPath is the generated model the speech engine embeds.
const domainARPAPath = "../sphinx/model/domain.arpa"

// TestDomainARPAUpToDate regenerates the domain model from the training
// corpus, as go generate does, and fails if the committed one differs.
func TestDomainARPAUpToDate(t *testing.T) {
	t.Parallel()
	sentences, err := ReadCorpus(os.DirFS(trainDir))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Build(sentences, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "domain.arpa")
	f, err := os.Create(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteARPA(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(domainARPAPath)
	if err != nil {
		t.Fatalf("%v: run go generate ./media/stt/lm", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("media/stt/sphinx/model/domain.arpa is stale (the corpus or the builder changed): run go generate ./media/stt/lm")
	}
}

// TestFliteDictUpToDate reruns the flite pronunciation step, as go generate
// does, and fails if the committed alternates differ.
func TestFliteDictUpToDate(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"t2p", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/deps.sh test installs flite)", tool)
		}
	}
	if _, err := os.Stat("/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"); err != nil {
		t.Skip("pocketsphinx-en-us not installed")
	}
	fresh := filepath.Join(t.TempDir(), "flite.dict")
	cmd := exec.Command("go", "run", "./internal/fliteprons", "-domain", "../sphinx/model/domain.dict",
		"-terms", trainDir+"/terms.txt", "-out", fresh)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fliteprons: %v\n%s", err, out)
	}
	want, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../sphinx/model/flite.dict")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("media/stt/sphinx/model/flite.dict is stale (%v): run go generate ./media/stt/lm", err)
	}
}
