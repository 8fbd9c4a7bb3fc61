package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/shopapp"
)

// colLinks maps the token of a buyer's tracking link (/t/<token>) to its
// parcel: the token is the _id, so opening a link is one primary-key read.
const colLinks = "links"

type linkDoc struct {
	Token     string    `bson:"_id"`
	ParcelID  string    `bson:"parcel_id"`
	ShopID    string    `bson:"shop_id"`
	CreatedAt time.Time `bson:"created_at"`
}

// CreateLink implements shopapp.ParcelStore; a token taken already is
// ErrConflict.
func (p *Parcels) CreateLink(ctx context.Context, token, parcelID, shopID string, now time.Time) error {
	_, err := p.db.db.Collection(colLinks).InsertOne(ctx, linkDoc{Token: token, ParcelID: parcelID, ShopID: shopID,
		CreatedAt: now.UTC().Truncate(time.Millisecond)})
	return mapErr("create link", err)
}

// SetLink implements shopapp.ParcelStore.
func (p *Parcels) SetLink(ctx context.Context, parcelID, token string) error {
	return p.update(ctx, "set link", parcelID, bson.D{{Key: "$set", Value: bson.D{{Key: "link", Value: token}}}})
}

// LinkedParcel implements shopapp.ParcelStore: the parcel a link opens;
// ErrNotFound for a token nobody was given.
func (p *Parcels) LinkedParcel(ctx context.Context, token string) (shopapp.Parcel, error) {
	var d linkDoc
	// Served by _id.
	if err := p.db.db.Collection(colLinks).FindOne(ctx, bson.D{{Key: "_id", Value: token}}).Decode(&d); err != nil {
		return shopapp.Parcel{}, mapErr("open link", err)
	}
	return p.Parcel(ctx, d.ParcelID)
}
