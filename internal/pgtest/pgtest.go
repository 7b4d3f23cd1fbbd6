// Package pgtest gives tests a real PostgreSQL database, each test its own
// schema, so storage code is tested against the database it runs on in
// production instead of a mock.
//
// A package that uses it runs its tests through Main:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and each test calls Schema for a connection URL of its own:
//
//	pool, err := pgxpool.New(ctx, pgtest.Schema(t))
//
// The database is found, once per test process, in this order:
//
//  1. TEST_DATABASE_URL, when set. If it is set but unreachable the test
//     fails; pgtest does not fall back to anything else.
//  2. postgres://postgres@127.0.0.1:5432/test?sslmode=disable, if a
//     connection and CREATE SCHEMA work there.
//  3. A throwaway cluster made with Debian's binaries (the highest
//     /usr/lib/postgresql/*/bin/initdb) in a temporary directory, with trust
//     authentication, listening on 127.0.0.1 at a free port and with its unix
//     socket inside that directory. As root, initdb and pg_ctl run as the
//     postgres user through runuser, since PostgreSQL refuses to run as root.
//     Main stops the cluster (pg_ctl -m immediate stop) and removes the
//     directory; if the process dies first (a panic, a -timeout, ^C), a small
//     watchdog process does it instead.
//
// If none of these works the test fails, saying to install Debian's
// postgresql package (scripts/deps.sh test does).
//
// Setting TEST_PGTEST_FORCE_THROWAWAY=1 skips the first two steps, so the
// throwaway cluster can be tested on a machine that has a PostgreSQL running.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// envURL names the variable that points the tests at a database.
	envURL = "TEST_DATABASE_URL"
	// envForceThrowaway names the variable that skips straight to a
	// throwaway cluster.
	envForceThrowaway = "TEST_PGTEST_FORCE_THROWAWAY"
	// localURL is the database tried when TEST_DATABASE_URL is unset.
	localURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	// installHint ends the message of a test that found no PostgreSQL.
	installHint = "install Debian's postgresql package (scripts/deps.sh test does) or set " + envURL
)

// Process-wide state: the database is found once; the throwaway cluster, if
// one was started, is stopped by Main.
var (
	once    sync.Once
	baseURL string
	baseErr error

	mu      sync.Mutex
	running *cluster
)

// Main runs a package's tests and stops any throwaway cluster started for
// them. Use as:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	c := running
	running = nil
	mu.Unlock()
	if c != nil {
		if err := c.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// URL returns the URL of a reachable PostgreSQL database: TEST_DATABASE_URL
// when set; else postgres://postgres@127.0.0.1:5432/test?sslmode=disable if a
// connection and CREATE SCHEMA work there; else a throwaway cluster started
// once per test process (see the package comment). It fails the test if no
// database can be had.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		var c *cluster
		baseURL, c, baseErr = resolve(os.Getenv)
		if c != nil {
			mu.Lock()
			running = c
			mu.Unlock()
		}
	})
	if baseErr != nil {
		t.Fatalf("pgtest: %v", baseErr)
	}
	return baseURL
}

// Schema creates a fresh, uniquely named schema in the database URL returns
// and returns a URL whose search_path is that schema. The schema is dropped,
// with everything in it, when the test and its subtests finish; close any
// pool on it in a cleanup registered after Schema (or before the test
// returns) so the drop does not wait on it.
func Schema(t testing.TB) string {
	t.Helper()
	base := URL(t)

	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	name := "t_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()

	if err := exec1(base, "CREATE SCHEMA "+ident); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := exec1(base, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
		}
	})

	u, err := withSearchPath(base, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// exec1 runs one statement on a connection of its own.
func exec1(connString, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withSearchPath returns connString with its search_path set to schema. It
// takes a URL (postgres://…) or a keyword/value string (host=… dbname=…).
func withSearchPath(connString, schema string) (string, error) {
	if !strings.Contains(connString, "://") {
		return connString + " search_path=" + schema, nil
	}
	u, err := url.Parse(connString)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// resolve finds a database, starting a throwaway cluster if it must; the
// cluster it returns, if any, is running and must be stopped.
func resolve(getenv func(string) string) (string, *cluster, error) {
	if v := getenv(envForceThrowaway); v == "" || v == "0" {
		if u := getenv(envURL); u != "" {
			if err := probe(u, false); err != nil {
				return "", nil, fmt.Errorf("%s is set but unusable (unset it to let pgtest find or start a PostgreSQL): %w", envURL, err)
			}
			return u, nil, nil
		}
		localErr := probe(localURL, true)
		if localErr == nil {
			return localURL, nil, nil
		}
		c, err := startCluster()
		if err != nil {
			return "", nil, fmt.Errorf("no PostgreSQL available: %s: %v; throwaway cluster: %w; %s", localURL, localErr, err, installHint)
		}
		return c.url, c, nil
	}
	c, err := startCluster()
	if err != nil {
		return "", nil, fmt.Errorf("throwaway cluster (%s is set): %w; %s", envForceThrowaway, err, installHint)
	}
	return c.url, c, nil
}

// probe connects to connString and, if createSchema, checks that the user
// may create a schema there (in a transaction it rolls back).
func probe(connString string, createSchema bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if !createSchema {
		return conn.Ping(ctx)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	_, err = tx.Exec(ctx, "CREATE SCHEMA pgtest_probe")
	return err
}

// cluster is a throwaway PostgreSQL cluster.
type cluster struct {
	dir      string   // temporary directory holding everything below
	data     string   // data directory
	pgCtl    string   // path of pg_ctl
	runAs    []string // prefix that runs a command as the cluster's owner
	url      string
	watchdog *exec.Cmd
	alive    *os.File // held open by this process; the watchdog acts on EOF
}

// startCluster makes and starts a throwaway cluster.
func startCluster() (_ *cluster, err error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, data: filepath.Join(dir, "data"), pgCtl: filepath.Join(bin, "pg_ctl")}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()

	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: the cluster belongs to postgres.
		pg, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, so the cluster must belong to the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
		if out, err := c.run("test", "-w", dir); err != nil {
			return nil, fmt.Errorf("the postgres user cannot write to %s (point TMPDIR at a directory it can reach, such as /tmp): %v %s", dir, err, out)
		}
	}

	if out, err := c.run(filepath.Join(bin, "initdb"), "-D", c.data, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if err := c.startWatchdog(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			// Let the watchdog stop whatever pg_ctl may have left running.
			c.alive.Close()
			_ = c.watchdog.Wait()
		}
	}()

	// Another process may take the free port before the server does; retry.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		if err := c.configure(port); err != nil {
			return nil, err
		}
		out, err := c.run(c.pgCtl, "-D", c.data, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
		if err == nil {
			c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return c, nil
		}
		if attempt == 3 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
		}
	}
}

// configure appends the cluster's settings to postgresql.conf; a later
// setting overrides an earlier one, so it can be called again for a new port.
func (c *cluster) configure(port int) error {
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
`, port, strings.ReplaceAll(c.dir, "'", "''"))
	f, err := os.OpenFile(filepath.Join(c.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// run runs a command as the cluster's owner, in the cluster's directory (the
// postgres user may not be able to enter the test's working directory).
func (c *cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(slices.Clone(c.runAs), name)
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// The server pg_ctl starts must not keep the output pipe open.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

// stopArgs is the command that stops the cluster at once.
func (c *cluster) stopArgs() []string {
	return append(slices.Clone(c.runAs), c.pgCtl, "-D", c.data, "-m", "immediate", "-w", "stop")
}

// startWatchdog starts a process that stops the cluster and removes its
// directory when this process ends without calling stop: it waits for EOF
// on a pipe only this process holds open.
func (c *cluster) startWatchdog() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	const script = `dir=$1; shift; read -r _; "$@" >/dev/null 2>&1; rm -rf -- "$dir"`
	args := append([]string{"-c", script, "pgtest-watchdog", c.dir}, c.stopArgs()...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Stdin = r
	// Own process group, so that ^C reaches the tests but not the watchdog.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("start watchdog: %w", err)
	}
	c.watchdog, c.alive = cmd, w
	return nil
}

// stopWatchdog ends the watchdog without letting it act.
func (c *cluster) stopWatchdog() {
	if c.watchdog == nil {
		return
	}
	_ = c.watchdog.Process.Kill()
	_ = c.watchdog.Wait()
	c.alive.Close()
	c.watchdog, c.alive = nil, nil
}

// stop stops the cluster and removes its directory.
func (c *cluster) stop() error {
	c.stopWatchdog()
	argv := c.stopArgs()
	out, stopErr := c.run(argv[len(c.runAs)], argv[len(c.runAs)+1:]...)
	if stopErr != nil {
		stopErr = fmt.Errorf("pg_ctl stop: %v\n%s", stopErr, out)
	}
	return errors.Join(stopErr, os.RemoveAll(c.dir))
}

// binDir returns the directory of the highest installed Debian PostgreSQL's
// binaries, or else that of an initdb on PATH.
func binDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on PATH")
	}
	slices.SortFunc(matches, func(a, b string) int {
		return compareVersions(versionOf(a), versionOf(b))
	})
	return filepath.Dir(matches[len(matches)-1]), nil
}

// versionOf returns the version in /usr/lib/postgresql/<version>/bin/initdb.
func versionOf(initdb string) string {
	return filepath.Base(filepath.Dir(filepath.Dir(initdb)))
}

// compareVersions compares dotted numeric versions such as 9.6 and 15.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
