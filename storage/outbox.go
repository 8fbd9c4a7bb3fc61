package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/sandbox/outbox"
)

// colSandboxOutbox records what the sandbox stand-ins for Twilio and SMTP
// received, for the /sandbox/outbox page. Only sandbox mode writes it.
const colSandboxOutbox = "sandbox_outbox"

// SandboxOutbox is the sandbox_outbox collection; it implements
// outbox.Recorder.
type SandboxOutbox struct{ db *DB }

// SandboxOutbox returns the sandbox outbox store.
func (d *DB) SandboxOutbox() *SandboxOutbox { return &SandboxOutbox{db: d} }

var _ outbox.Recorder = (*SandboxOutbox)(nil)

// Record implements outbox.Recorder: an upsert by the provider's id that
// keeps the first CreatedAt when a later record (a status change) has none.
// One primary-key write.
func (o *SandboxOutbox) Record(ctx context.Context, r outbox.Record) error {
	if r.ID == "" {
		return outbox.ErrNoID
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
		// Served by _id.
		_, err = o.db.db.Collection(colSandboxOutbox).UpdateOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, update,
			options.Update().SetUpsert(true))
		if !isDuplicate(err) {
			break
		}
	}
	return mapErr("record outbox "+r.ID, err)
}

// List returns up to limit records, newest first.
func (o *SandboxOutbox) List(ctx context.Context, limit int) ([]outbox.Record, error) {
	cur, err := o.db.db.Collection(colSandboxOutbox).Find(ctx, bson.D{},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("list outbox", err)
	}
	var out []outbox.Record
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapErr("list outbox", err)
	}
	return out, nil
}
