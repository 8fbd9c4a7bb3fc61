package storage

import (
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/mongo"
)

// Sentinel errors at the storage boundary; callers never see driver types.
var (
	// ErrNotFound means the document asked for does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict means a unique index refused the write.
	ErrConflict = errors.New("storage: conflict")
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
