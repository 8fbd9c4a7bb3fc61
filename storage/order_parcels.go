package storage

import (
	"context"
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/shopapp"
)

// colOrderParcels lists, per InSales order, the ids of its parcels. The
// importer reads an order's parcels on every webhook and the order-page
// widget on every refresh; on the embedded server a query by shop and order
// reads the whole parcels collection (223 ms a refresh at 1,000 parcels),
// while this document and the parcels themselves are read by _id alone.
const colOrderParcels = "order_parcels"

type orderParcelsDoc struct {
	ID        string   `bson:"_id"`
	ShopID    string   `bson:"shop_id"`
	OrderID   int64    `bson:"order_id"`
	ParcelIDs []string `bson:"parcel_ids"`
}

func orderKey(shopID string, orderID int64) string {
	return shopID + ":" + strconv.FormatInt(orderID, 10)
}

// listOrderParcel adds parcelID to its order's list. It runs before the
// parcel is inserted, so a crash in between leaves an id without a parcel
// (skipped when read) rather than a parcel its order does not list.
func (d *DB) listOrderParcel(ctx context.Context, shopID string, orderID int64, parcelID string) error {
	update := func() error {
		// Served by _id.
		_, err := d.db.Collection(colOrderParcels).UpdateOne(ctx,
			bson.D{{Key: "_id", Value: orderKey(shopID, orderID)}},
			bson.D{
				{Key: "$addToSet", Value: bson.D{{Key: "parcel_ids", Value: parcelID}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "shop_id", Value: shopID}, {Key: "order_id", Value: orderID}}},
			},
			options.Update().SetUpsert(true))
		return err
	}
	err := update()
	if isDuplicate(err) {
		// Two first parcels of one order at once: the other upsert created
		// the document, which this update now finds.
		err = update()
	}
	return mapErr("list order parcel "+parcelID, err)
}

// OrderParcels implements shopapp.ParcelStore.
func (p *Parcels) OrderParcels(ctx context.Context, shopID string, orderID int64) ([]shopapp.Parcel, error) {
	var idx orderParcelsDoc
	// Served by _id.
	err := p.db.db.Collection(colOrderParcels).FindOne(ctx, bson.D{{Key: "_id", Value: orderKey(shopID, orderID)}}).Decode(&idx)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, mapErr("order parcels", err)
	}
	out := make([]shopapp.Parcel, 0, len(idx.ParcelIDs))
	for _, id := range idx.ParcelIDs {
		var d parcelDoc
		// Served by _id; one read per parcel, as a filter on several ids
		// would read the whole collection on the embedded server.
		err := p.db.db.Collection(colParcels).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // listed, then the insert did not happen (yet)
		}
		if err != nil {
			return nil, mapErr("order parcels", err)
		}
		out = append(out, d.parcel())
	}
	return out, nil
}

// backfillOrderParcels lists every parcel stored before the order_parcels
// collection existed (migration 0008). Idempotent: two processes migrating
// at once add the same ids.
func backfillOrderParcels(ctx context.Context, d *DB) error {
	cur, err := d.db.Collection(colParcels).Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "shop_id", Value: 1}, {Key: "order_id", Value: 1}}))
	if err != nil {
		return mapErr("backfill order parcels", err)
	}
	var rows []struct {
		ID      string `bson:"_id"`
		ShopID  string `bson:"shop_id"`
		OrderID int64  `bson:"order_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return mapErr("backfill order parcels", err)
	}
	for _, r := range rows {
		if r.ShopID == "" {
			continue
		}
		if err := d.listOrderParcel(ctx, r.ShopID, r.OrderID, r.ID); err != nil {
			return err
		}
	}
	return nil
}
