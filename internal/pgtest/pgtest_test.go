package pgtest

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// connect opens a connection that is closed when the test ends.
func connect(t *testing.T, connString string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), connString)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// searchPath returns the search_path parameter of a URL Schema returned.
func searchPath(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Query().Get("search_path")
}

func TestSchemaIsolated(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, b := Schema(t), Schema(t)
	if a == b {
		t.Fatalf("two calls gave the same URL %q", a)
	}
	connA, connB := connect(t, a), connect(t, b)

	var current string
	if err := connA.QueryRow(ctx, "SELECT current_schema()").Scan(&current); err != nil {
		t.Fatal(err)
	}
	if want := searchPath(t, a); current != want || !strings.HasPrefix(current, "t_") {
		t.Fatalf("current_schema() = %q, want %q (t_…)", current, want)
	}

	if _, err := connA.Exec(ctx, "CREATE TABLE widget (id int); INSERT INTO widget VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := connA.QueryRow(ctx, "SELECT count(*) FROM widget").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count from schema a = %d, %v; want 1", n, err)
	}

	var reg *string
	if err := connB.QueryRow(ctx, "SELECT to_regclass('widget')::text").Scan(&reg); err != nil {
		t.Fatal(err)
	}
	if reg != nil {
		t.Fatalf("table created in schema a is visible from schema b as %q", *reg)
	}
	if _, err := connB.Exec(ctx, "CREATE TABLE widget (id int)"); err != nil {
		t.Fatalf("create the same table in schema b: %v", err)
	}
	if err := connB.QueryRow(ctx, "SELECT count(*) FROM widget").Scan(&n); err != nil || n != 0 {
		t.Fatalf("count from schema b = %d, %v; want 0", n, err)
	}
}

func TestSchemaDroppedOnCleanup(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("use", func(t *testing.T) {
		u := Schema(t)
		name = searchPath(t, u)
		conn := connect(t, u)
		if _, err := conn.Exec(t.Context(), "CREATE TABLE widget (id int)"); err != nil {
			t.Fatal(err)
		}
	})
	conn := connect(t, URL(t))
	var exists bool
	err := conn.QueryRow(t.Context(),
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", name).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatalf("schema %s still exists after its test ended", name)
	}
}

func TestForcedThrowaway(t *testing.T) {
	if os.Getenv(envForceThrowaway) == "" {
		t.Skipf("set %s=1 to test the throwaway cluster", envForceThrowaway)
	}
	u := URL(t)
	mu.Lock()
	c := running
	mu.Unlock()
	if c == nil || c.url != u {
		t.Fatalf("URL() = %q, but no throwaway cluster serves it", u)
	}
	conn := connect(t, u)
	var dataDir string
	if err := conn.QueryRow(t.Context(), "SHOW data_directory").Scan(&dataDir); err != nil {
		t.Fatal(err)
	}
	if dataDir != c.data {
		t.Fatalf("data_directory = %q, want %q", dataDir, c.data)
	}
}

func TestResolveUnreachableEnvURL(t *testing.T) {
	t.Parallel()
	env := map[string]string{envURL: "postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=2"}
	_, c, err := resolve(func(k string) string { return env[k] })
	if c != nil {
		t.Fatal("resolve started a cluster although TEST_DATABASE_URL is set")
	}
	if err == nil || !strings.Contains(err.Error(), envURL) {
		t.Fatalf("resolve() error = %v, want one naming %s", err, envURL)
	}
}

func TestWithSearchPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"url", "postgres://u@h:5432/db", "postgres://u@h:5432/db?search_path=t_1"},
		{"url with query", "postgres://u@h/db?sslmode=disable", "postgres://u@h/db?search_path=t_1&sslmode=disable"},
		{"url replaces search_path", "postgres://u@h/db?search_path=public", "postgres://u@h/db?search_path=t_1"},
		{"keyword/value", "host=h dbname=db", "host=h dbname=db search_path=t_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := withSearchPath(tt.in, "t_1")
			if err != nil || got != tt.want {
				t.Fatalf("withSearchPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			if _, err := pgx.ParseConfig(got); err != nil {
				t.Fatalf("pgx cannot parse %q: %v", got, err)
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int // sign
	}{
		{"15", "16", -1},
		{"9.6", "10", -1},
		{"17", "9.6", 1},
		{"15", "15", 0},
	}
	for _, tt := range tests {
		got := compareVersions(tt.a, tt.b)
		if (got < 0) != (tt.want < 0) || (got > 0) != (tt.want > 0) {
			t.Errorf("compareVersions(%q, %q) = %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
	}
}
