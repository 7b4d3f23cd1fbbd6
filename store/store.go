// Package store holds what the two Viva stores share: embedded schema
// migrations and the error a binary gives when a database is newer than it.
// The implementations live in store/sqlite (embedded default) and
// store/postgres; store/storetest is the conformance suite both pass.
package store

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads files named NNNN_name.sql from fsys, in version order.
// Versions must start at 1 and have no gaps.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: expected version %d (no gaps or duplicates)", m.Version, m.Name, i+1)
		}
	}
	return ms, nil
}

// SchemaTooNewError is returned when a database was migrated by a newer Viva
// than the running binary. Running against it could corrupt data, so the
// binary refuses.
type SchemaTooNewError struct {
	Database string // file path or redacted URL
	Have     int    // schema version found in the database
	Known    int    // newest version this binary knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database %s has schema version %d but this viva binary knows only up to %d: upgrade viva (or point it at another database)", e.Database, e.Have, e.Known)
}
