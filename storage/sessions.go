package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// colSessions holds server-side browser sessions.
const colSessions = "sessions"

// Session kinds.
const (
	// SessionLogin is a login in progress: it carries the autologin nonce
	// and is consumed by the autologin callback.
	SessionLogin = "login"
	// SessionApp is a merchant signed in to the app for one shop.
	SessionApp = "app"
)

// Session is one server-side session. ID is a hash of the cookie value, so
// the database never holds a usable cookie.
type Session struct {
	ID        string    `bson:"_id"`
	Kind      string    `bson:"kind"`
	ShopID    string    `bson:"shop_id"`
	InsalesID int64     `bson:"insales_id,omitempty"`
	Nonce     string    `bson:"nonce,omitempty"`
	UserID    string    `bson:"user_id,omitempty"`
	UserEmail string    `bson:"user_email,omitempty"`
	UserName  string    `bson:"user_name,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// Sessions is the sessions collection. Every lookup is by _id.
type Sessions struct{ db *DB }

// Sessions returns the session store.
func (d *DB) Sessions() *Sessions { return &Sessions{db: d} }

// Create stores a new session; an existing ID is ErrConflict.
func (s *Sessions) Create(ctx context.Context, sess Session) error {
	sess.CreatedAt = sess.CreatedAt.UTC().Truncate(time.Millisecond)
	sess.ExpiresAt = sess.ExpiresAt.UTC().Truncate(time.Millisecond)
	_, err := s.db.db.Collection(colSessions).InsertOne(ctx, sess)
	return mapErr("create session", err)
}

// Get reads a session that has not expired at now; anything else is
// ErrNotFound.
func (s *Sessions) Get(ctx context.Context, id string, now time.Time) (Session, error) {
	// Served by _id.
	var out Session
	err := s.db.db.Collection(colSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	if err != nil {
		return Session{}, mapErr("get session", err)
	}
	if !now.Before(out.ExpiresAt) {
		return Session{}, mapErr("get session", ErrNotFound)
	}
	return out, nil
}

// Take deletes the session and returns it, so it can be used once only (a
// pending login's nonce). Two racing takers: one gets it, the other
// ErrNotFound. An expired session is deleted and reported as ErrNotFound.
func (s *Sessions) Take(ctx context.Context, id string, now time.Time) (Session, error) {
	// Served by _id.
	var out Session
	err := s.db.db.Collection(colSessions).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	if err != nil {
		return Session{}, mapErr("take session", err)
	}
	if !now.Before(out.ExpiresAt) {
		return Session{}, mapErr("take session", ErrNotFound)
	}
	return out, nil
}

// Delete removes a session (logout); a missing one is not an error.
func (s *Sessions) Delete(ctx context.Context, id string) error {
	// Served by _id.
	_, err := s.db.db.Collection(colSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mapErr("delete session", err)
}

// Sweep deletes the sessions expired at now and returns how many; a periodic
// job runs it.
func (s *Sessions) Sweep(ctx context.Context, now time.Time) (int64, error) {
	return s.db.sweepExpired(ctx, colSessions, now)
}

// sweepExpired deletes the documents of collection whose expires_at is at or
// before now and returns how many (the embedded server has no TTL indexes,
// so a periodic job sweeps). Readers treat such documents as gone already.
func (d *DB) sweepExpired(ctx context.Context, collection string, now time.Time) (int64, error) {
	// Served by expires_at (migrations 0004 and 0006 give both collections one).
	res, err := d.db.Collection(collection).DeleteMany(ctx,
		bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}})
	if err != nil {
		return 0, mapErr("sweep "+collection, err)
	}
	return res.DeletedCount, nil
}
