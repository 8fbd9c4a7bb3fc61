package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// colAPIUsers maps public API User IDs to shops: the _id is the User ID, so
// the unique claim and the API's lookup are both primary-key operations (a
// unique index on shops.user_id would refuse the many shops that have none:
// the embedded server ignores sparse and partial indexes).
const colAPIUsers = "api_users"

// APIUser is one claimed User ID.
type APIUser struct {
	UserID    string    `bson:"_id"`
	ShopID    string    `bson:"shop_id"`
	CreatedAt time.Time `bson:"created_at"`
}

// APIUsers is the api_users collection.
type APIUsers struct{ db *DB }

// APIUsers returns the User ID store.
func (d *DB) APIUsers() *APIUsers { return &APIUsers{db: d} }

// Reserve claims userID for shopID; ErrConflict when it is taken.
func (a *APIUsers) Reserve(ctx context.Context, userID, shopID string, now time.Time) error {
	_, err := a.db.db.Collection(colAPIUsers).InsertOne(ctx, APIUser{
		UserID: userID, ShopID: shopID, CreatedAt: now.UTC().Truncate(time.Millisecond),
	})
	return mapErr("reserve user id", err)
}

// Get returns who holds userID; ErrNotFound when nobody does.
func (a *APIUsers) Get(ctx context.Context, userID string) (APIUser, error) {
	var out APIUser
	// Served by _id.
	err := a.db.db.Collection(colAPIUsers).FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&out)
	return out, mapErr("get api user", err)
}
