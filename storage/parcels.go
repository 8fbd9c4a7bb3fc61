package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/tracking"
)

// Buyer is who the parcel goes to, as the shop wrote it.
type Buyer struct {
	Name string `bson:"name,omitempty"`
	// Phone is E.164 when PhoneOK; otherwise it is kept exactly as written.
	Phone   string `bson:"phone,omitempty"`
	PhoneOK bool   `bson:"phone_ok"`
	Email   string `bson:"email,omitempty"`
	EmailOK bool   `bson:"email_ok"`
}

// Parcel is one tracked shipment: what the shop told us, what the carrier said,
// the state we derived, and the polling schedule with its lease.
type Parcel struct {
	ID           string           `bson:"_id"`
	ShopID       string           `bson:"shop_id"`
	OrderID      int64            `bson:"order_id"`
	OrderNumber  string           `bson:"order_number,omitempty"`
	Track        string           `bson:"track"`
	Carrier      string           `bson:"carrier"`
	Buyer        Buyer            `bson:"buyer"`
	Products     []string         `bson:"products,omitempty"`
	DestPostcode string           `bson:"dest_postcode,omitempty"`
	EnteredAt    time.Time        `bson:"entered_at"`
	Events       []tracking.Event `bson:"events"`
	State        string           `bson:"state"`
	StateSince   time.Time        `bson:"state_since"`
	ArrivedAt    *time.Time       `bson:"arrived_at,omitempty"`
	Deadline     *time.Time       `bson:"deadline,omitempty"`
	LastEventAt  *time.Time       `bson:"last_event_at,omitempty"`
	StoppedAt    *time.Time       `bson:"stopped_at,omitempty"`
	CreatedAt    time.Time        `bson:"created_at"`
	UpdatedAt    time.Time        `bson:"updated_at"`
}

// Parcels is the parcels collection.
type Parcels struct{ db *DB }

// Parcels returns the parcel store.
func (d *DB) Parcels() *Parcels { return &Parcels{db: d} }

// NewID returns a fresh document id: an ObjectID in hex, which sorts by
// creation time and is pushed down to SQLite by the embedded server.
func NewID() string { return primitive.NewObjectID().Hex() }

// Insert stores a new parcel; a parcel for the same shop, order and track
// already there is ErrConflict.
func (p *Parcels) Insert(ctx context.Context, parcel Parcel) error {
	// Unique index shop_order_track_unique rejects the duplicate.
	if parcel.ID == "" {
		parcel.ID = NewID()
	}
	if parcel.Events == nil {
		parcel.Events = []tracking.Event{}
	}
	_, err := p.db.db.Collection(colParcels).InsertOne(ctx, parcel)
	return mapErr("insert parcel", err)
}

// Get reads one parcel by id.
func (p *Parcels) Get(ctx context.Context, id string) (Parcel, error) {
	// Served by _id.
	var out Parcel
	err := p.db.db.Collection(colParcels).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	return out, mapErr("get parcel "+id, err)
}

// TrackingUpdate is the carrier-derived part of a parcel.
type TrackingUpdate struct {
	Events      []tracking.Event
	State       string
	StateSince  time.Time
	ArrivedAt   *time.Time
	Deadline    *time.Time
	LastEventAt *time.Time
	UpdatedAt   time.Time
}

// ApplyTracking stores a new history and state. The poller calls it only when
// the history or the state changed, so an unchanged answer costs no write.
//
// The filter is the bare _id: on the embedded server any other filter makes an
// update read the collection while it writes, which can stall FerretDB v1 for
// minutes. A parcel stopped while its poll was in flight is put back by
// KeepStopped, which the poller calls when it finds the polling row gone.
func (p *Parcels) ApplyTracking(ctx context.Context, id string, u TrackingUpdate) error {
	if u.Events == nil {
		u.Events = []tracking.Event{}
	}
	// Served by _id.
	_, err := p.db.db.Collection(colParcels).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "events", Value: u.Events},
			{Key: "state", Value: u.State},
			{Key: "state_since", Value: u.StateSince},
			{Key: "arrived_at", Value: u.ArrivedAt},
			{Key: "deadline", Value: u.Deadline},
			{Key: "last_event_at", Value: u.LastEventAt},
			{Key: "updated_at", Value: u.UpdatedAt},
		}}})
	return mapErr("apply tracking "+id, err)
}

// KeepStopped restores the stopped state of a parcel that a poll in flight
// wrote over: its state_since goes back to the moment it was stopped. A parcel
// that is not stopped is left alone.
func (p *Parcels) KeepStopped(ctx context.Context, id string) error {
	parcel, err := p.Get(ctx, id)
	if err != nil || parcel.StoppedAt == nil {
		return err
	}
	// Served by _id.
	_, err = p.db.db.Collection(colParcels).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "state", Value: string(tracking.StateStopped)},
			{Key: "state_since", Value: *parcel.StoppedAt},
		}}})
	return mapErr("keep stopped "+id, err)
}

// Create stores a new parcel and then its poll row. The row is what makes the
// parcel pollable, so a crash between the two leaves only an unpolled parcel
// that a retry of the same import completes (ErrConflict on the parcel, then
// the row is inserted).
func (p *Parcels) Create(ctx context.Context, parcel Parcel, poll Poll) error {
	if parcel.ID == "" {
		parcel.ID = NewID()
	}
	poll.ID = parcel.ID
	if err := p.Insert(ctx, parcel); err != nil {
		return err
	}
	_, err := p.db.db.Collection(colPolls).InsertOne(ctx, poll)
	return mapErr("insert poll", err)
}

// ListByShop returns a shop's most recently updated parcels.
func (p *Parcels) ListByShop(ctx context.Context, shopID string, limit int) ([]Parcel, error) {
	// Served by index shop_updated (shop_id, updated_at desc).
	cur, err := p.db.db.Collection(colParcels).Find(ctx, bson.D{{Key: "shop_id", Value: shopID}},
		options.Find().SetSort(bson.D{{Key: "updated_at", Value: -1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("list parcels", err)
	}
	var out []Parcel
	if err := cur.All(ctx, &out); err != nil {
		return nil, mapErr("list parcels", err)
	}
	return out, nil
}
