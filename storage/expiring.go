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

// The expiring key-value collections: the web server's state that every web
// process must share.
const (
	colCSRFTokens = "csrf_tokens"
	colRateLimits = "rate_limits"
)

// Expiring is a collection of values that expire, in Fiber's storage
// interface, so every web process behind a balancer shares them: CSRF
// tokens (a form served by one process is accepted by any other) and the
// rate limiter's counters (a client cannot spread its requests over the
// processes). Expired values read as missing; Sweep deletes them. Every
// operation is by _id.
type Expiring struct {
	db         *DB
	collection string
	now        func() time.Time
}

var _ fiber.Storage = (*Expiring)(nil)

// CSRFTokens returns the CSRF token store.
func (d *DB) CSRFTokens() *Expiring {
	return &Expiring{db: d, collection: colCSRFTokens, now: time.Now}
}

// RateLimits returns the rate limiter's counters.
func (d *DB) RateLimits() *Expiring {
	return &Expiring{db: d, collection: colRateLimits, now: time.Now}
}

// expiringOpTimeout bounds each call: Fiber's storage interface has no
// context.
const expiringOpTimeout = 5 * time.Second

type expiringDoc struct {
	ID        string     `bson:"_id"`
	Value     []byte     `bson:"value"`
	ExpiresAt *time.Time `bson:"expires_at,omitempty"`
}

// Get returns the value stored under key, or nil when there is none or it
// expired.
func (t *Expiring) Get(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), expiringOpTimeout)
	defer cancel()
	var doc expiringDoc
	// Served by _id.
	err := t.db.db.Collection(t.collection).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr("read "+t.collection, err)
	}
	if doc.ExpiresAt != nil && !t.now().Before(*doc.ExpiresAt) {
		return nil, nil
	}
	return doc.Value, nil
}

// Set stores val under key for exp (0: no expiry).
func (t *Expiring) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(val) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), expiringOpTimeout)
	defer cancel()
	doc := expiringDoc{ID: key, Value: val}
	if exp > 0 {
		at := t.now().Add(exp).UTC()
		doc.ExpiresAt = &at
	}
	// Served by _id.
	_, err := t.db.db.Collection(t.collection).ReplaceOne(ctx, bson.D{{Key: "_id", Value: key}}, doc,
		options.Replace().SetUpsert(true))
	if isDuplicate(err) {
		// Two requests set the same new key at once; either value is the
		// token both were given, so the first one stands.
		return nil
	}
	return mapErr("store "+t.collection, err)
}

// Delete removes key; a missing key is not an error.
func (t *Expiring) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), expiringOpTimeout)
	defer cancel()
	// Served by _id.
	_, err := t.db.db.Collection(t.collection).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}})
	return mapErr("delete "+t.collection, err)
}

// Reset deletes every value.
func (t *Expiring) Reset() error {
	ctx, cancel := context.WithTimeout(context.Background(), expiringOpTimeout)
	defer cancel()
	_, err := t.db.db.Collection(t.collection).DeleteMany(ctx, bson.D{})
	return mapErr("reset "+t.collection, err)
}

// Close does nothing: the database is closed with the DB.
func (t *Expiring) Close() error { return nil }

// Sweep deletes the values expired at now and returns how many; the periodic
// sweep job runs it.
func (t *Expiring) Sweep(ctx context.Context, now time.Time) (int64, error) {
	return t.db.sweepExpired(ctx, t.collection, now)
}
