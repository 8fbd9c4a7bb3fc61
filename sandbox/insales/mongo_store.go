package insalessandbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Collections of the sandbox InSales shop in the app's database. They hold
// demo data only and are small: every document is found by its natural _id
// (the id as a string, so the embedded server pushes the lookup down), lists
// read the whole collection.
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

// Collections lists them, so the wiring layer can create (and tune) them up
// front as it does the app's own.
func Collections() []string {
	return []string{colSandboxInsalesShop, colSandboxInsalesCounters, colSandboxInsalesOrders,
		colSandboxInsalesFields, colSandboxInsalesWebhooks, colSandboxInsalesWidgets, colSandboxInsalesStatuses}
}

// MongoStore is the database-backed Store, for the default run: the shop
// outlives a restart.
type MongoStore struct {
	db *mongo.Database

	fields   sbTable[Field]
	webhooks sbTable[Webhook]
	widgets  sbTable[Widget]
	statuses sbTable[CustomStatus]
}

// NewMongoStore returns the store on db.
func NewMongoStore(db *mongo.Database) *MongoStore {
	col := db.Collection
	return &MongoStore{db: db,
		fields:   sbTable[Field]{col(colSandboxInsalesFields), "field", "fields"},
		webhooks: sbTable[Webhook]{col(colSandboxInsalesWebhooks), "webhook", "webhooks"},
		widgets:  sbTable[Widget]{col(colSandboxInsalesWidgets), "widget", "widgets"},
		statuses: sbTable[CustomStatus]{col(colSandboxInsalesStatuses), "status", "statuses"},
	}
}

var _ Store = (*MongoStore)(nil)

// sbDoc stores a sandbox record under a string _id.
type sbDoc[T any] struct {
	ID string `bson:"_id"`
	V  T      `bson:",inline"`
}

func sbID(id int64) string { return strconv.FormatInt(id, 10) }

// sbErr maps a driver error to the package's sentinels (inserts and
// upserts report a duplicate _id as E11000, on MongoDB and the embedded
// server alike).
func sbErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("sandbox insales: %s: %w", op, ErrNotFound)
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("sandbox insales: %s: %w: %v", op, ErrConflict, err)
	}
	return fmt.Errorf("sandbox insales: %s: %w", op, err)
}

func (s *MongoStore) col(name string) *mongo.Collection { return s.db.Collection(name) }

// NextID implements Store with one atomic $inc upsert.
func (s *MongoStore) NextID(ctx context.Context, seq string) (int64, error) {
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

// LoadShop implements Store.
func (s *MongoStore) LoadShop(ctx context.Context) (ShopState, error) {
	var d sbDoc[ShopState]
	err := s.col(colSandboxInsalesShop).FindOne(ctx, bson.D{{Key: "_id", Value: sandboxShopID}}).Decode(&d)
	if err != nil {
		return ShopState{}, sbErr("load shop", err)
	}
	return d.V, nil
}

// SaveShop implements Store.
func (s *MongoStore) SaveShop(ctx context.Context, st ShopState) error {
	return sbPut(ctx, s.col(colSandboxInsalesShop), sandboxShopID, st, "save shop")
}

// InsertOrder implements Store.
func (s *MongoStore) InsertOrder(ctx context.Context, o Order) error {
	_, err := s.col(colSandboxInsalesOrders).InsertOne(ctx, sbDoc[Order]{ID: sbID(o.ID), V: o})
	return sbErr("insert order "+sbID(o.ID), err)
}

// GetOrder implements Store.
func (s *MongoStore) GetOrder(ctx context.Context, id int64) (Order, error) {
	var d sbDoc[Order]
	if err := s.col(colSandboxInsalesOrders).FindOne(ctx, bson.D{{Key: "_id", Value: sbID(id)}}).Decode(&d); err != nil {
		return Order{}, sbErr("get order "+sbID(id), err)
	}
	return d.V, nil
}

// ReplaceOrder implements Store.
func (s *MongoStore) ReplaceOrder(ctx context.Context, o Order) error {
	res, err := s.col(colSandboxInsalesOrders).ReplaceOne(ctx, bson.D{{Key: "_id", Value: sbID(o.ID)}},
		sbDoc[Order]{ID: sbID(o.ID), V: o})
	if err != nil {
		return sbErr("replace order "+sbID(o.ID), err)
	}
	if res.MatchedCount == 0 {
		return sbErr("replace order "+sbID(o.ID), mongo.ErrNoDocuments)
	}
	return nil
}

// ListOrders implements Store. On MongoDB the incremental
// query wants an index on (updated_at, id); the sandbox shop is small, so
// none is declared.
func (s *MongoStore) ListOrders(ctx context.Context, q OrderQuery) ([]Order, error) {
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
	docs, err := sbFind[Order](ctx, s.col(colSandboxInsalesOrders), filter, opts)
	if err != nil {
		return nil, sbErr("list orders", err)
	}
	return docs, nil
}

// CountOrders implements Store.
func (s *MongoStore) CountOrders(ctx context.Context) (int, error) {
	n, err := s.col(colSandboxInsalesOrders).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, sbErr("count orders", err)
	}
	return int(n), nil
}

// ListFields implements Store.
func (s *MongoStore) ListFields(ctx context.Context) ([]Field, error) {
	return s.fields.list(ctx)
}

// PutField implements Store.
func (s *MongoStore) PutField(ctx context.Context, f Field) error {
	return s.fields.put(ctx, f.ID, f)
}

// DeleteField implements Store.
func (s *MongoStore) DeleteField(ctx context.Context, id int64) error {
	return s.fields.delete(ctx, id)
}

// ListWebhooks implements Store.
func (s *MongoStore) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	return s.webhooks.list(ctx)
}

// PutWebhook implements Store.
func (s *MongoStore) PutWebhook(ctx context.Context, w Webhook) error {
	return s.webhooks.put(ctx, w.ID, w)
}

// DeleteWebhook implements Store.
func (s *MongoStore) DeleteWebhook(ctx context.Context, id int64) error {
	return s.webhooks.delete(ctx, id)
}

// ListWidgets implements Store.
func (s *MongoStore) ListWidgets(ctx context.Context) ([]Widget, error) {
	return s.widgets.list(ctx)
}

// PutWidget implements Store.
func (s *MongoStore) PutWidget(ctx context.Context, w Widget) error {
	return s.widgets.put(ctx, w.ID, w)
}

// DeleteWidget implements Store.
func (s *MongoStore) DeleteWidget(ctx context.Context, id int64) error {
	return s.widgets.delete(ctx, id)
}

// ListStatuses implements Store.
func (s *MongoStore) ListStatuses(ctx context.Context) ([]CustomStatus, error) {
	return s.statuses.list(ctx)
}

// PutStatus implements Store.
func (s *MongoStore) PutStatus(ctx context.Context, st CustomStatus) error {
	return s.statuses.put(ctx, st.ID, st)
}

// DeleteStatus implements Store.
func (s *MongoStore) DeleteStatus(ctx context.Context, id int64) error {
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
