package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

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
