package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/onboarding"
)

// colVerifications holds the wizard's SMS codes and daily send counters, one
// small document each with a natural _id, so every operation on it is a
// primary-key operation: "code:<shop id>" is a shop's only pending code (its
// hash), "count:<key>" a counter such as "phone:+79123456789:20250301".
// Both carry expires_at for Sweep (no TTL indexes on the embedded server).
const colVerifications = "verifications"

// Verifications is the verifications collection; it implements
// onboarding.CodeStore.
type Verifications struct{ db *DB }

// Verifications returns the code store.
func (d *DB) Verifications() *Verifications { return &Verifications{db: d} }

var _ onboarding.CodeStore = (*Verifications)(nil)

type codeDoc struct {
	ID        string    `bson:"_id"`
	Kind      string    `bson:"kind"`
	ShopID    string    `bson:"shop_id"`
	Phone     string    `bson:"phone"`
	Hash      string    `bson:"hash"`
	SentAt    time.Time `bson:"sent_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	Tries     int       `bson:"tries"`
}

func (d codeDoc) code() onboarding.Code {
	return onboarding.Code{ShopID: d.ShopID, Phone: d.Phone, Hash: d.Hash, SentAt: d.SentAt, ExpiresAt: d.ExpiresAt, Tries: d.Tries}
}

func codeID(shopID string) string { return "code:" + shopID }

func (v *Verifications) col() *mongo.Collection { return v.db.db.Collection(colVerifications) }

// PendingCode implements onboarding.CodeStore.
func (v *Verifications) PendingCode(ctx context.Context, shopID string) (onboarding.Code, error) {
	var d codeDoc
	// Served by _id.
	if err := v.col().FindOne(ctx, bson.D{{Key: "_id", Value: codeID(shopID)}}).Decode(&d); err != nil {
		return onboarding.Code{}, mapErr("pending code "+shopID, err)
	}
	return d.code(), nil
}

// SaveCode implements onboarding.CodeStore.
func (v *Verifications) SaveCode(ctx context.Context, c onboarding.Code) error {
	d := codeDoc{ID: codeID(c.ShopID), Kind: "code", ShopID: c.ShopID, Phone: c.Phone, Hash: c.Hash,
		SentAt: c.SentAt.UTC().Truncate(time.Millisecond), ExpiresAt: c.ExpiresAt.UTC().Truncate(time.Millisecond), Tries: c.Tries}
	// Served by _id.
	_, err := v.col().ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	return mapErr("save code "+c.ShopID, err)
}

// AddTry implements onboarding.CodeStore in one atomic update.
func (v *Verifications) AddTry(ctx context.Context, shopID string) (onboarding.Code, error) {
	var d codeDoc
	// Served by _id.
	err := v.col().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: codeID(shopID)}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "tries", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return onboarding.Code{}, mapErr("count code try "+shopID, err)
	}
	return d.code(), nil
}

// DeleteCode implements onboarding.CodeStore; a missing code is not an error.
func (v *Verifications) DeleteCode(ctx context.Context, shopID string) error {
	// Served by _id.
	_, err := v.col().DeleteOne(ctx, bson.D{{Key: "_id", Value: codeID(shopID)}})
	return mapErr("delete code "+shopID, err)
}

// CountSend implements onboarding.CodeStore with one atomic upsert.
func (v *Verifications) CountSend(ctx context.Context, key string, delta int, expires time.Time) (int, error) {
	var out struct {
		N int `bson:"n"`
	}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "n", Value: delta}}},
		{Key: "$set", Value: bson.D{{Key: "kind", Value: "count"}, {Key: "expires_at", Value: expires.UTC().Truncate(time.Millisecond)}}},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	var err error
	// Two first counts racing on MongoDB may both try the insert; the
	// loser's retry updates.
	for range 2 {
		// Served by _id.
		err = v.col().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "count:" + key}}, update, opts).Decode(&out)
		if !isDuplicate(err) {
			break
		}
	}
	if err != nil {
		return 0, mapErr("count send", err)
	}
	return out.N, nil
}

// Sweep deletes codes and counters that expired before now and returns how
// many; a periodic job runs it. It reads the whole (small) collection.
func (v *Verifications) Sweep(ctx context.Context, now time.Time) (int64, error) {
	res, err := v.col().DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now.UTC()}}}})
	if err != nil {
		return 0, mapErr("sweep verifications", err)
	}
	return res.DeletedCount, nil
}
