package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/shopapp"
)

// colSessions holds server-side browser sessions.
const colSessions = "sessions"

// sessionDoc is the storage mapping of shopapp.Session.
type sessionDoc struct {
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

func (d sessionDoc) session() shopapp.Session {
	return shopapp.Session{ID: d.ID, Kind: shopapp.SessionKind(d.Kind), ShopID: d.ShopID, InsalesID: d.InsalesID,
		Nonce: d.Nonce, UserID: d.UserID, UserEmail: d.UserEmail, UserName: d.UserName,
		CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt}
}

// Sessions is the sessions collection. Every lookup is by _id.
type Sessions struct{ db *DB }

// Sessions returns the session store.
func (d *DB) Sessions() *Sessions { return &Sessions{db: d} }

// Create stores a new session; an existing ID is ErrConflict.
func (s *Sessions) Create(ctx context.Context, sess shopapp.Session) error {
	d := sessionDoc{ID: sess.ID, Kind: string(sess.Kind), ShopID: sess.ShopID, InsalesID: sess.InsalesID,
		Nonce: sess.Nonce, UserID: sess.UserID, UserEmail: sess.UserEmail, UserName: sess.UserName,
		CreatedAt: sess.CreatedAt.UTC().Truncate(time.Millisecond), ExpiresAt: sess.ExpiresAt.UTC().Truncate(time.Millisecond)}
	_, err := s.db.db.Collection(colSessions).InsertOne(ctx, d)
	return mapErr("create session", err)
}

// Get reads a session that has not expired at now; anything else is
// ErrNotFound.
func (s *Sessions) Get(ctx context.Context, id string, now time.Time) (shopapp.Session, error) {
	// Served by _id.
	var d sessionDoc
	if err := s.db.db.Collection(colSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return shopapp.Session{}, mapErr("get session", err)
	}
	if !now.Before(d.ExpiresAt) {
		return shopapp.Session{}, mapErr("get session", ErrNotFound)
	}
	return d.session(), nil
}

// Take deletes the session and returns it, so it can be used once only (a
// pending login's nonce). Two racing takers: one gets it, the other
// ErrNotFound. An expired session is deleted and reported as ErrNotFound.
func (s *Sessions) Take(ctx context.Context, id string, now time.Time) (shopapp.Session, error) {
	// Served by _id.
	var d sessionDoc
	if err := s.db.db.Collection(colSessions).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return shopapp.Session{}, mapErr("take session", err)
	}
	if !now.Before(d.ExpiresAt) {
		return shopapp.Session{}, mapErr("take session", ErrNotFound)
	}
	return d.session(), nil
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
	// Served by expires_at (every expiring collection has one).
	res, err := d.db.Collection(collection).DeleteMany(ctx,
		bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: now.UTC()}}}})
	if err != nil {
		return 0, mapErr("sweep "+collection, err)
	}
	return res.DeletedCount, nil
}
