package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.mongodb.org/mongo-driver/mongo"
	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// tuneEmbedded adds, on each collection's SQLite table, an index on the exact
// expression FerretDB v1 uses for `_id` lookups and updates
// (`_ferretdb_sjson->'$._id'`). FerretDB's own `_id` index is built on a
// different spelling (`->"_id"`), so SQLite never uses it: without this every
// update and delete by `_id` scans the whole table (13 ms at 3,000 small
// documents, 1 ms with it). The index is invisible to FerretDB and is dropped
// with the table. It only touches the embedded server's files; MongoDB needs
// nothing of the sort.
func tuneEmbedded(ctx context.Context, dir, database string) error {
	path := filepath.Join(dir, database+".sqlite")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("storage: tune embedded db: %w", err)
	}
	sq, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("storage: tune embedded db: %w", err)
	}
	defer sq.Close()
	rows, err := sq.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return fmt.Errorf("storage: tune embedded db: list tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("storage: tune embedded db: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("storage: tune embedded db: %w", err)
	}
	for _, t := range tables {
		q := fmt.Sprintf(`CREATE UNIQUE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, t+"_pt_id", t)
		if _, err := sq.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("storage: tune embedded db: index %s: %w", t, err)
		}
	}
	return nil
}

// createCollections makes every collection the application uses exist, so
// that tuneEmbedded reaches their tables before the first write.
func (d *DB) createCollections(ctx context.Context, names []string) error {
	for _, name := range names {
		err := d.db.CreateCollection(ctx, name)
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // 48: NamespaceExists
			return fmt.Errorf("storage: create collection %s: %w", name, err)
		}
	}
	return nil
}
