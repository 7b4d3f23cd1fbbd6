package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/store"
	"github.com/viva-interview/viva/store/sqlite"
	"github.com/viva-interview/viva/store/storetest"
)

func open(ctx context.Context, path string) (viva.Store, error) { return sqlite.Open(ctx, path) }

func TestMain(m *testing.M) {
	storetest.ChildMain(open)
	os.Exit(m.Run())
}

var harness = storetest.Harness{
	NewDatabase: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "data", sqlite.FileName) },
	Open:        open,
}

func TestConformance(t *testing.T) {
	storetest.Run(t, harness)
}

func TestRefusesBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE recipes (name TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// A Viva file whose pages were overwritten after the header.
	damaged := filepath.Join(dir, "damaged.db")
	s, err := sqlite.Open(context.Background(), damaged)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096; i < len(b); i++ {
		b[i] = 0xA5
	}
	write("damaged.db", b)
	os.Remove(damaged + "-wal")
	os.Remove(damaged + "-shm")

	cases := []struct {
		name, path, want string
	}{
		{"text file", write("notes.db", []byte(strings.Repeat("this is not a database\n", 200))), "not a SQLite database"},
		{"foreign sqlite", foreign, "not a Viva database"},
		{"damaged", damaged, "corrupt"},
	}
	for _, c := range cases {
		_, err := sqlite.Open(context.Background(), c.path)
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error naming %s and saying %q", c.name, err, c.path, c.want)
		}
	}
	if info, err := os.Stat(foreign); err != nil || info.Size() == 0 {
		t.Fatal("the foreign database was damaged by the attempt")
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sqlite.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO viva_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlite.Open(context.Background(), path)
	var tooNew *store.SchemaTooNewError
	if !errors.As(err, &tooNew) || tooNew.Have != 999 || !strings.Contains(err.Error(), "upgrade viva") {
		t.Fatalf("got %v, want SchemaTooNewError", err)
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, harness)
}
