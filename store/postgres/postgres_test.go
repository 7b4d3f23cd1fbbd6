package postgres_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/viva-interview/viva"
	"github.com/viva-interview/viva/internal/pgtest"
	"github.com/viva-interview/viva/store"
	"github.com/viva-interview/viva/store/postgres"
	"github.com/viva-interview/viva/store/storetest"
)

func open(ctx context.Context, url string) (viva.Store, error) { return postgres.Open(ctx, url) }

func TestMain(m *testing.M) {
	storetest.ChildMain(open)
	os.Exit(pgtest.Main(m))
}

var harness = storetest.Harness{
	NewDatabase: func(tb testing.TB) string { return pgtest.Schema(tb) },
	Open:        open,
}

func TestConformance(t *testing.T) {
	storetest.Run(t, harness)
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.Schema(t)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, "INSERT INTO viva_migrations (version, name) VALUES (999, 'from_the_future')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = postgres.Open(ctx, url)
	var tooNew *store.SchemaTooNewError
	if !errors.As(err, &tooNew) || tooNew.Have != 999 {
		t.Fatalf("got %v, want SchemaTooNewError", err)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10e9)
	defer cancel()
	// Port 1 on loopback: nothing listens there.
	_, err := postgres.Open(ctx, "postgres://viva:secret@127.0.0.1:1/viva?connect_timeout=2")
	if err == nil {
		t.Fatal("opened a store on a port where nothing listens")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("error leaks the password: %v", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("error does not say which database: %v", err)
	}
}

func TestReadyFailsWhenSchemaMissing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.Schema(t)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DELETE FROM viva_migrations WHERE version = (SELECT max(version) FROM viva_migrations)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil {
		t.Fatal("Ready passed with the migration record gone")
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, harness)
}
