package storage

import (
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/mongo"

	"parceltrack/shopapp"
)

// Sentinel errors at the storage boundary; callers never see driver types.
// They are the domain's own (shopapp.ErrNotFound, shopapp.ErrConflict), so
// the stores the domain declares return what the domain tests for.
var (
	// ErrNotFound means the document asked for does not exist.
	ErrNotFound = shopapp.ErrNotFound
	// ErrConflict means a unique index refused the write.
	ErrConflict = shopapp.ErrConflict
)

// mapErr turns driver errors into the sentinels above, keeping the detail.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	case isDuplicate(err):
		return fmt.Errorf("%s: %w: %v", op, ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// IsDuplicate recognises a unique-index violation, for stores outside this
// package (the sandbox's) that reach the database through DB.Database.
func IsDuplicate(err error) bool { return isDuplicate(err) }

// isDuplicate recognises a unique-index violation. MongoDB reports code 11000
// for every write; the embedded FerretDB does so for inserts and upserts but
// reports a duplicate made by an update as an InternalError from SQLite.
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var ce mongo.CommandError
	if errors.As(err, &ce) && strings.Contains(ce.Message, "UNIQUE constraint failed") {
		return true
	}
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, e := range we.WriteErrors {
			if strings.Contains(e.Message, "UNIQUE constraint failed") {
				return true
			}
		}
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
