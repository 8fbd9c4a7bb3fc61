package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	insalessandbox "parceltrack/sandbox/insales"
)

// Collections of the sandbox InSales shop. They hold demo data only and are
// small: every document is found by its natural _id (the id as a string, so
// the embedded server pushes the lookup down), lists read the whole
// collection.
const (
	colSandboxInsalesShop     = "sandbox_insales_shop"
	colSandboxInsalesCounters = "sandbox_insales_counters"
	colSandboxInsalesOrders   = "sandbox_insales_orders"
	colSandboxInsalesFields   = "sandbox_insales_fields"
	colSandboxInsalesWebhooks = "sandbox_insales_webhooks"
	colSandboxInsalesWidgets  = "sandbox_insales_widgets"
	colSandboxInsalesStatuses = "sandbox_insales_statuses"

	sandboxShopID = "shop"
)

// SandboxInsales is the MongoDB store of the sandbox InSales shop; it
// implements insalessandbox.Store. Its errors match both this package's
// sentinels and insalessandbox.ErrNotFound / ErrConflict.
type SandboxInsales struct {
	db *DB

	fields   sbTable[insalessandbox.Field]
	webhooks sbTable[insalessandbox.Webhook]
	widgets  sbTable[insalessandbox.Widget]
	statuses sbTable[insalessandbox.CustomStatus]
}

// SandboxInsales returns the sandbox shop's store.
func (d *DB) SandboxInsales() *SandboxInsales {
	col := d.db.Collection
	return &SandboxInsales{db: d,
		fields:   sbTable[insalessandbox.Field]{col(colSandboxInsalesFields), "field", "fields"},
		webhooks: sbTable[insalessandbox.Webhook]{col(colSandboxInsalesWebhooks), "webhook", "webhooks"},
		widgets:  sbTable[insalessandbox.Widget]{col(colSandboxInsalesWidgets), "widget", "widgets"},
		statuses: sbTable[insalessandbox.CustomStatus]{col(colSandboxInsalesStatuses), "status", "statuses"},
	}
}

var _ insalessandbox.Store = (*SandboxInsales)(nil)

// sbDoc stores a sandbox record under a string _id.
type sbDoc[T any] struct {
	ID string `bson:"_id"`
	V  T      `bson:",inline"`
}

func sbID(id int64) string { return strconv.FormatInt(id, 10) }

// sbErr maps a driver error and adds the sandbox's own sentinel.
func sbErr(op string, err error) error {
	err = mapErr("sandbox insales: "+op, err)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w (%w)", err, insalessandbox.ErrNotFound)
	case errors.Is(err, ErrConflict):
		return fmt.Errorf("%w (%w)", err, insalessandbox.ErrConflict)
	}
	return err
}

func (s *SandboxInsales) col(name string) *mongo.Collection { return s.db.db.Collection(name) }

// NextID implements insalessandbox.Store with one atomic $inc upsert.
func (s *SandboxInsales) NextID(ctx context.Context, seq string) (int64, error) {
	var out struct {
		N int64 `bson:"n"`
	}
	err := s.col(colSandboxInsalesCounters).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: seq}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&out)
	if err != nil {
		return 0, sbErr("next id "+seq, err)
	}
	return out.N, nil
}

// LoadShop implements insalessandbox.Store.
func (s *SandboxInsales) LoadShop(ctx context.Context) (insalessandbox.ShopState, error) {
	var d sbDoc[insalessandbox.ShopState]
	err := s.col(colSandboxInsalesShop).FindOne(ctx, bson.D{{Key: "_id", Value: sandboxShopID}}).Decode(&d)
	if err != nil {
		return insalessandbox.ShopState{}, sbErr("load shop", err)
	}
	return d.V, nil
}

// SaveShop implements insalessandbox.Store.
func (s *SandboxInsales) SaveShop(ctx context.Context, st insalessandbox.ShopState) error {
	return sbPut(ctx, s.col(colSandboxInsalesShop), sandboxShopID, st, "save shop")
}

// InsertOrder implements insalessandbox.Store.
func (s *SandboxInsales) InsertOrder(ctx context.Context, o insalessandbox.Order) error {
	_, err := s.col(colSandboxInsalesOrders).InsertOne(ctx, sbDoc[insalessandbox.Order]{ID: sbID(o.ID), V: o})
	return sbErr("insert order "+sbID(o.ID), err)
}

// GetOrder implements insalessandbox.Store.
func (s *SandboxInsales) GetOrder(ctx context.Context, id int64) (insalessandbox.Order, error) {
	var d sbDoc[insalessandbox.Order]
	if err := s.col(colSandboxInsalesOrders).FindOne(ctx, bson.D{{Key: "_id", Value: sbID(id)}}).Decode(&d); err != nil {
		return insalessandbox.Order{}, sbErr("get order "+sbID(id), err)
	}
	return d.V, nil
}

// ReplaceOrder implements insalessandbox.Store.
func (s *SandboxInsales) ReplaceOrder(ctx context.Context, o insalessandbox.Order) error {
	res, err := s.col(colSandboxInsalesOrders).ReplaceOne(ctx, bson.D{{Key: "_id", Value: sbID(o.ID)}},
		sbDoc[insalessandbox.Order]{ID: sbID(o.ID), V: o})
	if err != nil {
		return sbErr("replace order "+sbID(o.ID), err)
	}
	if res.MatchedCount == 0 {
		return sbErr("replace order "+sbID(o.ID), mongo.ErrNoDocuments)
	}
	return nil
}

// ListOrders implements insalessandbox.Store. On MongoDB the incremental
// query wants an index on (updated_at, id); the sandbox shop is small, so
// none is declared.
func (s *SandboxInsales) ListOrders(ctx context.Context, q insalessandbox.OrderQuery) ([]insalessandbox.Order, error) {
	filter := bson.D{}
	sort := bson.D{{Key: "id", Value: 1}}
	if !q.UpdatedSince.IsZero() {
		since := q.UpdatedSince
		filter = bson.D{{Key: "updated_at", Value: bson.D{{Key: "$gte", Value: since}}}}
		if q.FromID > 0 {
			filter = bson.D{{Key: "$or", Value: bson.A{
				bson.D{{Key: "updated_at", Value: bson.D{{Key: "$gt", Value: since}}}},
				bson.D{{Key: "updated_at", Value: since}, {Key: "id", Value: bson.D{{Key: "$gt", Value: q.FromID}}}},
			}}}
		}
		sort = bson.D{{Key: "updated_at", Value: 1}, {Key: "id", Value: 1}}
	}
	opts := options.Find().SetSort(sort)
	if q.Offset > 0 {
		opts.SetSkip(int64(q.Offset))
	}
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	docs, err := sbFind[insalessandbox.Order](ctx, s.col(colSandboxInsalesOrders), filter, opts)
	if err != nil {
		return nil, sbErr("list orders", err)
	}
	return docs, nil
}

// CountOrders implements insalessandbox.Store.
func (s *SandboxInsales) CountOrders(ctx context.Context) (int, error) {
	n, err := s.col(colSandboxInsalesOrders).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, sbErr("count orders", err)
	}
	return int(n), nil
}

// ListFields implements insalessandbox.Store.
func (s *SandboxInsales) ListFields(ctx context.Context) ([]insalessandbox.Field, error) {
	return s.fields.list(ctx)
}

// PutField implements insalessandbox.Store.
func (s *SandboxInsales) PutField(ctx context.Context, f insalessandbox.Field) error {
	return s.fields.put(ctx, f.ID, f)
}

// DeleteField implements insalessandbox.Store.
func (s *SandboxInsales) DeleteField(ctx context.Context, id int64) error {
	return s.fields.delete(ctx, id)
}

// ListWebhooks implements insalessandbox.Store.
func (s *SandboxInsales) ListWebhooks(ctx context.Context) ([]insalessandbox.Webhook, error) {
	return s.webhooks.list(ctx)
}

// PutWebhook implements insalessandbox.Store.
func (s *SandboxInsales) PutWebhook(ctx context.Context, w insalessandbox.Webhook) error {
	return s.webhooks.put(ctx, w.ID, w)
}

// DeleteWebhook implements insalessandbox.Store.
func (s *SandboxInsales) DeleteWebhook(ctx context.Context, id int64) error {
	return s.webhooks.delete(ctx, id)
}

// ListWidgets implements insalessandbox.Store.
func (s *SandboxInsales) ListWidgets(ctx context.Context) ([]insalessandbox.Widget, error) {
	return s.widgets.list(ctx)
}

// PutWidget implements insalessandbox.Store.
func (s *SandboxInsales) PutWidget(ctx context.Context, w insalessandbox.Widget) error {
	return s.widgets.put(ctx, w.ID, w)
}

// DeleteWidget implements insalessandbox.Store.
func (s *SandboxInsales) DeleteWidget(ctx context.Context, id int64) error {
	return s.widgets.delete(ctx, id)
}

// ListStatuses implements insalessandbox.Store.
func (s *SandboxInsales) ListStatuses(ctx context.Context) ([]insalessandbox.CustomStatus, error) {
	return s.statuses.list(ctx)
}

// PutStatus implements insalessandbox.Store.
func (s *SandboxInsales) PutStatus(ctx context.Context, st insalessandbox.CustomStatus) error {
	return s.statuses.put(ctx, st.ID, st)
}

// DeleteStatus implements insalessandbox.Store.
func (s *SandboxInsales) DeleteStatus(ctx context.Context, id int64) error {
	return s.statuses.delete(ctx, id)
}

// sbTable is one of the shop's small collections: each record under its id
// as a string _id, read whole in id order. one and many name a record and
// the collection in errors ("put field 7", "list fields").
type sbTable[T any] struct {
	col       *mongo.Collection
	one, many string
}

func (t sbTable[T]) list(ctx context.Context) ([]T, error) {
	out, err := sbFind[T](ctx, t.col, bson.D{}, options.Find().SetSort(bson.D{{Key: "id", Value: 1}}))
	if err != nil {
		return nil, sbErr("list "+t.many, err)
	}
	return out, nil
}

func (t sbTable[T]) put(ctx context.Context, id int64, v T) error {
	return sbPut(ctx, t.col, sbID(id), v, "put "+t.one)
}

// delete removes one record by _id; ErrNotFound when there is none.
func (t sbTable[T]) delete(ctx context.Context, id int64) error {
	op := "delete " + t.one + " " + sbID(id)
	res, err := t.col.DeleteOne(ctx, bson.D{{Key: "_id", Value: sbID(id)}})
	if err != nil {
		return sbErr(op, err)
	}
	if res.DeletedCount == 0 {
		return sbErr(op, mongo.ErrNoDocuments)
	}
	return nil
}

// sbPut inserts or replaces the document with _id id.
func sbPut[T any](ctx context.Context, col *mongo.Collection, id string, v T, op string) error {
	_, err := col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, sbDoc[T]{ID: id, V: v},
		options.Replace().SetUpsert(true))
	return sbErr(op+" "+id, err)
}

func sbFind[T any](ctx context.Context, col *mongo.Collection, filter bson.D, opts *options.FindOptions) ([]T, error) {
	cur, err := col.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var out []T
	for cur.Next(ctx) {
		var d sbDoc[T]
		if err := cur.Decode(&d); err != nil {
			return nil, err
		}
		out = append(out, d.V)
	}
	return out, cur.Err()
}
