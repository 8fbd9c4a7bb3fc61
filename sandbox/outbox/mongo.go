package outbox

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Collection is where Mongo keeps the records, in the app's database. Only
// sandbox mode writes it.
const Collection = "sandbox_outbox"

// Mongo is the database-backed Recorder: the sandbox_outbox collection of
// the app's database (the app's /sandbox/outbox page lists it, and a
// restart keeps it).
type Mongo struct{ col *mongo.Collection }

// NewMongo returns the store on db.
func NewMongo(db *mongo.Database) *Mongo { return &Mongo{col: db.Collection(Collection)} }

var _ Recorder = (*Mongo)(nil)

// Record implements Recorder: an upsert by the provider's id that
// keeps the first CreatedAt when a later record (a status change) has none.
// One primary-key write.
func (o *Mongo) Record(ctx context.Context, r Record) error {
	if r.ID == "" {
		return ErrNoID
	}
	// Every field is replaced, as outbox.Memory does; only created_at
	// survives a record that carries none.
	set := bson.D{
		{Key: "channel", Value: r.Channel},
		{Key: "to", Value: r.To},
		{Key: "from", Value: r.From},
		{Key: "subject", Value: r.Subject},
		{Key: "text", Value: r.Text},
		{Key: "html", Value: r.HTML},
		{Key: "status", Value: r.Status},
		{Key: "error", Value: r.Error},
		{Key: "raw", Value: r.Raw},
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	update := bson.D{
		{Key: "$set", Value: set},
		{Key: "$setOnInsert", Value: bson.D{{Key: "created_at", Value: created.UTC().Truncate(time.Millisecond)}}},
	}
	if !r.CreatedAt.IsZero() {
		// An explicit time wins over the stored one.
		update = bson.D{{Key: "$set", Value: append(set, bson.E{Key: "created_at", Value: r.CreatedAt.UTC().Truncate(time.Millisecond)})}}
	}
	var err error
	for range 2 {
		// Served by _id. Two first records of one ID race on the insert;
		// the loser's retry updates.
		_, err = o.col.UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, update, options.Update().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("outbox: record %s: %w", r.ID, err)
	}
	return nil
}

// List returns up to limit records, newest first.
func (o *Mongo) List(ctx context.Context, limit int) ([]Record, error) {
	cur, err := o.col.Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	var out []Record
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	return out, nil
}
