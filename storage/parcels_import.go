package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/tracking"
)

// carrierRussianPost is the carrier of every imported parcel for now.
const carrierRussianPost = "russianpost"

// ParcelImports is the parcels and polls collections as the InSales
// importer and status sync see them; it implements insales.ParcelStore.
// Its errors match this package's sentinels and insales' ones.
type ParcelImports struct{ db *DB }

// ParcelImports returns the importer's parcel store.
func (d *DB) ParcelImports() *ParcelImports { return &ParcelImports{db: d} }

var _ insales.ParcelStore = (*ParcelImports)(nil)

// importedDoc is a parcel with the fields only the importer and status sync
// write.
type importedDoc struct {
	Parcel `bson:",inline"`
	// Charged: the parcel's tracking charge (ref track:<id>) was paid;
	// ChargeKind is track or track_change.
	Charged    bool   `bson:"charged"`
	ChargeKind string `bson:"charge_kind,omitempty"`
	// TrackSetAt orders an order's parcels: the newest is the current one.
	TrackSetAt time.Time `bson:"track_set_at"`
	StopReason string    `bson:"stop_reason,omitempty"`
	// OrderUpdatedAt is the order's updated_at the parcel last took facts
	// from; older events are stale.
	OrderUpdatedAt time.Time      `bson:"order_updated_at"`
	OrderStatus    orderStatusDoc `bson:"order_status"`
}

// orderStatusDoc is the InSales status the app last set on the order.
type orderStatusDoc struct {
	Permalink      string     `bson:"permalink,omitempty"`
	State          string     `bson:"state,omitempty"`
	OrderUpdatedAt *time.Time `bson:"order_updated_at,omitempty"`
	At             *time.Time `bson:"at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func (d importedDoc) imported() insales.ImportedParcel {
	p := insales.ImportedParcel{
		ID:      d.ID,
		ShopID:  d.ShopID,
		OrderID: d.OrderID,
		Track:   d.Track,
		State:   tracking.State(d.State),
		OrderFacts: insales.OrderFacts{
			OrderNumber:    d.OrderNumber,
			Buyer:          insales.Buyer(d.Buyer),
			Products:       d.Products,
			DestPostcode:   d.DestPostcode,
			OrderUpdatedAt: d.OrderUpdatedAt,
		},
		Charged:    d.Charged,
		ChargeKind: billing.Kind(d.ChargeKind),
		TrackSetAt: d.TrackSetAt,
		EnteredAt:  d.EnteredAt,
		StoppedAt:  d.StoppedAt,
		StopReason: d.StopReason,
		Status: insales.StatusWrite{
			Permalink: d.OrderStatus.Permalink,
			State:     tracking.State(d.OrderStatus.State),
		},
		CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt,
		Tracking: insales.TrackingDetails{
			ArrivedAt:   derefTime(d.ArrivedAt),
			Deadline:    derefTime(d.Deadline),
			LastEventAt: derefTime(d.LastEventAt),
			Events:      d.Events,
		},
	}
	if d.OrderStatus.OrderUpdatedAt != nil {
		p.Status.OrderUpdatedAt = *d.OrderStatus.OrderUpdatedAt
	}
	if d.OrderStatus.At != nil {
		p.Status.At = *d.OrderStatus.At
	}
	return p
}

func factsSet(f insales.OrderFacts) bson.D {
	products := f.Products
	if products == nil {
		products = []string{}
	}
	return bson.D{
		{Key: "order_number", Value: f.OrderNumber},
		{Key: "buyer", Value: Buyer(f.Buyer)},
		{Key: "products", Value: products},
		{Key: "dest_postcode", Value: f.DestPostcode},
		{Key: "order_updated_at", Value: f.OrderUpdatedAt.UTC()},
	}
}

func (p *ParcelImports) list(ctx context.Context, op string, filter bson.D, opts *options.FindOptions) ([]insales.ImportedParcel, error) {
	cur, err := p.db.db.Collection(colParcels).Find(ctx, filter, opts)
	if err != nil {
		return nil, appErr(op, err)
	}
	var docs []importedDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, appErr(op, err)
	}
	out := make([]insales.ImportedParcel, len(docs))
	for i, d := range docs {
		out[i] = d.imported()
	}
	return out, nil
}

// SchedulePoll implements insales.ParcelStore: one upsert of the polling
// row, which keeps the row's lease and history fingerprint.
func (p *ParcelImports) SchedulePoll(ctx context.Context, parcel insales.ImportedParcel, plan insales.PollPlan) error {
	// Served by _id.
	_, err := p.db.db.Collection(colPolls).UpdateOne(ctx, bson.D{{Key: "_id", Value: parcel.ID}},
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "shop_id", Value: parcel.ShopID},
				{Key: "track", Value: parcel.Track},
				{Key: "carrier", Value: carrierRussianPost},
				{Key: "entered_at", Value: plan.EnteredAt.UTC()},
				{Key: "dest_postcode", Value: parcel.DestPostcode},
				{Key: "storage_days", Value: plan.StorageDays},
				{Key: "state", Value: string(plan.State)},
				{Key: "next_poll_at", Value: optTime(derefTime(plan.NextPollAt))},
				{Key: "poll_priority", Value: plan.Priority},
				{Key: "failures", Value: 0},
				{Key: "last_error", Value: ""},
			}},
			{Key: "$setOnInsert", Value: bson.D{
				{Key: "lease_until", Value: time.Time{}},
				{Key: "poll_count", Value: 0},
			}},
		}, options.Update().SetUpsert(true))
	return appErr("schedule poll "+parcel.ID, err)
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// InsertParcel implements insales.ParcelStore.
func (p *ParcelImports) InsertParcel(ctx context.Context, parcel insales.ImportedParcel, now time.Time) error {
	now = now.UTC()
	products := parcel.Products
	if products == nil {
		products = []string{}
	}
	d := importedDoc{
		Parcel: Parcel{
			ID:           parcel.ID,
			ShopID:       parcel.ShopID,
			OrderID:      parcel.OrderID,
			OrderNumber:  parcel.OrderNumber,
			Track:        parcel.Track,
			Carrier:      carrierRussianPost,
			Buyer:        Buyer(parcel.Buyer),
			Products:     products,
			DestPostcode: parcel.DestPostcode,
			EnteredAt:    parcel.EnteredAt.UTC(),
			Events:       []tracking.Event{},
			State:        string(parcel.State),
			StateSince:   parcel.EnteredAt.UTC(),
			CreatedAt:    now,
			UpdatedAt:    now,
		},
		Charged:        parcel.Charged,
		ChargeKind:     string(parcel.ChargeKind),
		TrackSetAt:     parcel.TrackSetAt.UTC(),
		OrderUpdatedAt: parcel.OrderUpdatedAt.UTC(),
	}
	if err := p.db.listOrderParcel(ctx, parcel.ShopID, parcel.OrderID, parcel.ID); err != nil {
		return err
	}
	// Unique _id and shop_order_track_unique reject a duplicate.
	_, err := p.db.db.Collection(colParcels).InsertOne(ctx, d)
	return appErr("insert parcel "+parcel.ID, err)
}

// UpdateFacts implements insales.ParcelStore.
func (p *ParcelImports) UpdateFacts(ctx context.Context, id string, f insales.OrderFacts, postcodeChanged bool, now time.Time) error {
	set := append(factsSet(f), bson.E{Key: "updated_at", Value: now.UTC()})
	if err := p.updateParcel(ctx, "update facts", id, bson.D{{Key: "$set", Value: set}}); err != nil {
		return err
	}
	if !postcodeChanged {
		return nil
	}
	// Served by _id.
	_, err := p.db.db.Collection(colPolls).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "dest_postcode", Value: f.DestPostcode}}}})
	return appErr("update poll postcode "+id, err)
}

// StopParcel implements insales.ParcelStore. The polling row is deleted, so
// a poll in flight cannot schedule it again (Polls.Complete never inserts).
func (p *ParcelImports) StopParcel(ctx context.Context, id, reason string, orderUpdatedAt, now time.Time) error {
	now = now.UTC()
	set := bson.D{
		{Key: "state", Value: string(tracking.StateStopped)},
		{Key: "state_since", Value: now},
		{Key: "stopped_at", Value: now},
		{Key: "stop_reason", Value: reason},
		{Key: "updated_at", Value: now},
	}
	if !orderUpdatedAt.IsZero() {
		set = append(set, bson.E{Key: "order_updated_at", Value: orderUpdatedAt.UTC()})
	}
	if err := p.updateParcel(ctx, "stop parcel", id, bson.D{{Key: "$set", Value: set}}); err != nil {
		return err
	}
	return p.unschedule(ctx, bson.D{{Key: "_id", Value: id}})
}

// unschedule takes the matching polling rows out of the poller's reach by
// deleting them: a poll in flight then finds no row to write its outcome to,
// and SchedulePoll creates the row anew if the parcel is tracked again.
func (p *ParcelImports) unschedule(ctx context.Context, filter bson.D) error {
	_, err := p.db.db.Collection(colPolls).DeleteMany(ctx, filter)
	return appErr("unschedule polls", err)
}

// Reactivate implements insales.ParcelStore.
func (p *ParcelImports) Reactivate(ctx context.Context, parcel insales.ImportedParcel, now time.Time) error {
	now = now.UTC()
	set := append(factsSet(parcel.OrderFacts),
		bson.E{Key: "state", Value: string(parcel.State)},
		bson.E{Key: "state_since", Value: parcel.EnteredAt.UTC()},
		bson.E{Key: "entered_at", Value: parcel.EnteredAt.UTC()},
		bson.E{Key: "charged", Value: parcel.Charged},
		bson.E{Key: "charge_kind", Value: string(parcel.ChargeKind)},
		bson.E{Key: "track_set_at", Value: parcel.TrackSetAt.UTC()},
		bson.E{Key: "updated_at", Value: now},
	)
	return p.updateParcel(ctx, "reactivate parcel", parcel.ID, bson.D{
		{Key: "$set", Value: set},
		{Key: "$unset", Value: bson.D{{Key: "stopped_at", Value: ""}, {Key: "stop_reason", Value: ""}}},
	})
}

// MarkCharged implements insales.ParcelStore.
func (p *ParcelImports) MarkCharged(ctx context.Context, id string, state tracking.State, enteredAt, now time.Time) error {
	return p.updateParcel(ctx, "mark charged", id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "charged", Value: true},
		{Key: "state", Value: string(state)},
		{Key: "state_since", Value: enteredAt.UTC()},
		{Key: "entered_at", Value: enteredAt.UTC()},
		{Key: "updated_at", Value: now.UTC()},
	}}})
}

// NoBalanceParcels implements insales.ParcelStore.
func (p *ParcelImports) NoBalanceParcels(ctx context.Context, shopID string, limit int) ([]insales.ImportedParcel, error) {
	// Served by shop_state.
	return p.list(ctx, "no balance parcels",
		bson.D{{Key: "shop_id", Value: shopID}, {Key: "state", Value: string(tracking.StateNoBalance)}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// StoppedParcels implements insales.ParcelStore.
func (p *ParcelImports) StoppedParcels(ctx context.Context, shopID, reason string, limit int) ([]insales.ImportedParcel, error) {
	// Served by shop_state.
	return p.list(ctx, "stopped parcels",
		bson.D{{Key: "shop_id", Value: shopID}, {Key: "state", Value: string(tracking.StateStopped)}, {Key: "stop_reason", Value: reason}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// Parcel implements insales.ParcelStore.
func (p *ParcelImports) Parcel(ctx context.Context, id string) (insales.ImportedParcel, error) {
	// Served by _id.
	var d importedDoc
	if err := p.db.db.Collection(colParcels).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return insales.ImportedParcel{}, appErr("get parcel "+id, err)
	}
	return d.imported(), nil
}

// ShopParcels implements insales.ParcelStore.
func (p *ParcelImports) ShopParcels(ctx context.Context, shopID string, limit int) ([]insales.ImportedParcel, error) {
	// Served by shop_updated.
	return p.list(ctx, "shop parcels", bson.D{{Key: "shop_id", Value: shopID}},
		options.Find().SetSort(bson.D{{Key: "updated_at", Value: -1}}).SetLimit(int64(limit)).
			SetProjection(bson.D{{Key: "events", Value: 0}}))
}

// SaveStatusWrite implements insales.ParcelStore.
func (p *ParcelImports) SaveStatusWrite(ctx context.Context, id string, w insales.StatusWrite) error {
	return p.updateParcel(ctx, "save status write", id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "order_status", Value: orderStatusDoc{
			Permalink: w.Permalink, State: string(w.State),
			OrderUpdatedAt: optTime(w.OrderUpdatedAt), At: optTime(w.At),
		}},
	}}})
}

// StopShopParcels implements insales.ParcelStore: two writes whatever the
// number of parcels. Parcels that reached a final state keep it.
func (p *ParcelImports) StopShopParcels(ctx context.Context, shopID, reason string, now time.Time) (int, error) {
	now = now.UTC()
	// Served by shop_state (prefix shop_id).
	res, err := p.db.db.Collection(colParcels).UpdateMany(ctx, bson.D{
		{Key: "shop_id", Value: shopID},
		{Key: "stopped_at", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "state", Value: bson.D{{Key: "$nin", Value: bson.A{
			string(tracking.StateDelivered), string(tracking.StateReturned), string(tracking.StateLost),
		}}}},
	}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: string(tracking.StateStopped)},
		{Key: "state_since", Value: now},
		{Key: "stopped_at", Value: now},
		{Key: "stop_reason", Value: reason},
		{Key: "updated_at", Value: now},
	}}})
	if err != nil {
		return 0, appErr("stop shop parcels", err)
	}
	// Every polling row of the shop. Served by index polls.shop.
	if err := p.unschedule(ctx, bson.D{{Key: "shop_id", Value: shopID}}); err != nil {
		return 0, err
	}
	return int(res.ModifiedCount), nil
}

func (p *ParcelImports) updateParcel(ctx context.Context, op, id string, update bson.D) error {
	// Served by _id.
	res, err := p.db.db.Collection(colParcels).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	if err != nil {
		return appErr(op+" "+id, err)
	}
	if res.MatchedCount == 0 {
		return appErr(op+" "+id, ErrNotFound)
	}
	return nil
}
