package storage

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

const colCSRFTokens = "csrf_tokens"

// CSRFTokens keeps the web server's CSRF tokens in the database (Fiber's
// storage interface), so a form served by one web process is accepted by
// any other. Expired tokens read as missing; Sweep deletes them.
type CSRFTokens struct {
	db  *DB
	now func() time.Time
}

var _ fiber.Storage = (*CSRFTokens)(nil)

// CSRFTokens returns the CSRF token store.
func (d *DB) CSRFTokens() *CSRFTokens { return &CSRFTokens{db: d, now: time.Now} }

// csrfOpTimeout bounds each call: Fiber's storage interface has no context.
const csrfOpTimeout = 5 * time.Second

type csrfTokenDoc struct {
	ID        string     `bson:"_id"`
	Value     []byte     `bson:"value"`
	ExpiresAt *time.Time `bson:"expires_at,omitempty"`
}

// Get returns the value stored under key, or nil when there is none or it
// expired.
func (t *CSRFTokens) Get(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), csrfOpTimeout)
	defer cancel()
	var doc csrfTokenDoc
	// Served by _id.
	err := t.db.db.Collection(colCSRFTokens).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr("read csrf token", err)
	}
	if doc.ExpiresAt != nil && !t.now().Before(*doc.ExpiresAt) {
		return nil, nil
	}
	return doc.Value, nil
}

// Set stores val under key for exp (0: no expiry).
func (t *CSRFTokens) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), csrfOpTimeout)
	defer cancel()
	doc := csrfTokenDoc{ID: key, Value: val}
	if exp > 0 {
		at := t.now().Add(exp).UTC()
		doc.ExpiresAt = &at
	}
	// Served by _id.
	_, err := t.db.db.Collection(colCSRFTokens).ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, doc,
		options.Replace().SetUpsert(true))
	if isDuplicate(err) {
		// Two requests set the same new key at once; either value is the
		// token both were given, so the first one stands.
		return nil
	}
	return mapErr("store csrf token", err)
}

// Delete removes key; a missing key is not an error.
func (t *CSRFTokens) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), csrfOpTimeout)
	defer cancel()
	// Served by _id.
	_, err := t.db.db.Collection(colCSRFTokens).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return mapErr("delete csrf token", err)
}

// Reset deletes every token.
func (t *CSRFTokens) Reset() error {
	ctx, cancel := context.WithTimeout(context.Background(), csrfOpTimeout)
	defer cancel()
	_, err := t.db.db.Collection(colCSRFTokens).DeleteMany(ctx, bson.D{})
	return mapErr("reset csrf tokens", err)
}

// Close does nothing: the database is closed with the DB.
func (t *CSRFTokens) Close() error { return nil }

// Sweep deletes the tokens expired at now and returns how many; the periodic
// sweep job runs it.
func (t *CSRFTokens) Sweep(ctx context.Context, now time.Time) (int64, error) {
	return t.db.sweepExpired(ctx, colCSRFTokens, now)
}
