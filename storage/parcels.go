package storage

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/billing"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// parcelDoc is the storage mapping of shopapp.Parcel (the parcels
// collection).
type parcelDoc struct {
	ID           string     `bson:"_id"`
	ShopID       string     `bson:"shop_id"`
	OrderID      int64      `bson:"order_id"`
	OrderNumber  string     `bson:"order_number,omitempty"`
	Track        string     `bson:"track"`
	Carrier      string     `bson:"carrier"`
	Buyer        buyerDoc   `bson:"buyer"`
	Products     []string   `bson:"products"`
	DestPostcode string     `bson:"dest_postcode,omitempty"`
	EnteredAt    time.Time  `bson:"entered_at"`
	Events       []eventDoc `bson:"events"`
	State        string     `bson:"state"`
	StateSince   time.Time  `bson:"state_since"`
	ArrivedAt    *time.Time `bson:"arrived_at,omitempty"`
	Deadline     *time.Time `bson:"deadline,omitempty"`
	LastEventAt  *time.Time `bson:"last_event_at,omitempty"`
	StoppedAt    *time.Time `bson:"stopped_at,omitempty"`
	StopReason   string     `bson:"stop_reason,omitempty"`
	// Charged: the parcel's tracking charge (ref track:<id>) was paid.
	Charged    bool      `bson:"charged"`
	ChargeKind string    `bson:"charge_kind,omitempty"`
	TrackSetAt time.Time `bson:"track_set_at"`
	// OrderUpdatedAt is the order's updated_at the parcel last took facts
	// from.
	OrderUpdatedAt time.Time      `bson:"order_updated_at"`
	OrderStatus    orderStatusDoc `bson:"order_status"`
	// Link is the token of the buyer's tracking link (links.go).
	Link      string    `bson:"link,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

type buyerDoc struct {
	Name     string `bson:"name,omitempty"`
	Greeting string `bson:"greeting,omitempty"`
	Phone    string `bson:"phone,omitempty"`
	PhoneOK  bool   `bson:"phone_ok"`
	Email    string `bson:"email,omitempty"`
	EmailOK  bool   `bson:"email_ok"`
}

type orderStatusDoc struct {
	Permalink      string     `bson:"permalink,omitempty"`
	State          string     `bson:"state,omitempty"`
	OrderUpdatedAt *time.Time `bson:"order_updated_at,omitempty"`
	At             *time.Time `bson:"at,omitempty"`
}

// eventDoc is the storage mapping of tracking.Event. A BSON date is an
// instant, so the office's UTC offset is kept beside it: the office's local
// day decides the storage deadline, and the widget classifies stored events
// again. Events stored before the offset was kept read back in UTC.
type eventDoc struct {
	At          time.Time `bson:"at"`
	Offset      int       `bson:"offset,omitempty"` // seconds east of UTC
	Type        int       `bson:"type"`
	Attr        int       `bson:"attr"`
	Name        string    `bson:"name,omitempty"`
	OfficeIndex string    `bson:"office_index,omitempty"`
	OfficeName  string    `bson:"office_name,omitempty"`
	Raw         string    `bson:"raw,omitempty"`
}

func eventDocs(events []tracking.Event) []eventDoc {
	out := make([]eventDoc, len(events))
	for i, e := range events {
		_, off := e.At.Zone()
		out[i] = eventDoc{At: e.At, Offset: off, Type: e.Type, Attr: e.Attr, Name: e.Name,
			OfficeIndex: e.OfficeIndex, OfficeName: e.OfficeName, Raw: e.Raw}
	}
	return out
}

func (d eventDoc) event() tracking.Event {
	at := d.At.UTC()
	if d.Offset != 0 {
		at = at.In(time.FixedZone("", d.Offset))
	}
	return tracking.Event{At: at, Type: d.Type, Attr: d.Attr, Name: d.Name,
		OfficeIndex: d.OfficeIndex, OfficeName: d.OfficeName, Raw: d.Raw}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toParcelDoc(p shopapp.Parcel) parcelDoc {
	return parcelDoc{
		ID: p.ID, ShopID: p.ShopID, OrderID: p.OrderID, OrderNumber: p.OrderNumber, Track: p.Track,
		Carrier: p.Carrier, Buyer: buyerDoc(p.Buyer), Products: nonNil(p.Products), DestPostcode: p.DestPostcode,
		EnteredAt: p.EnteredAt.UTC(), Events: eventDocs(p.Events), State: string(p.State), StateSince: p.StateSince.UTC(),
		ArrivedAt: optTime(p.ArrivedAt), Deadline: optTime(p.Deadline), LastEventAt: optTime(p.LastEventAt),
		StoppedAt: optTime(p.StoppedAt), StopReason: p.StopReason, Charged: p.Charged, ChargeKind: string(p.ChargeKind),
		TrackSetAt: p.TrackSetAt.UTC(), OrderUpdatedAt: p.OrderUpdatedAt.UTC(),
		OrderStatus: orderStatusDoc{Permalink: p.OrderStatus.Permalink, State: string(p.OrderStatus.State),
			OrderUpdatedAt: optTime(p.OrderStatus.OrderUpdatedAt), At: optTime(p.OrderStatus.At)},
		Link: p.Link, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

func (d parcelDoc) parcel() shopapp.Parcel {
	p := shopapp.Parcel{
		ID: d.ID, ShopID: d.ShopID, OrderID: d.OrderID, Track: d.Track, Carrier: d.Carrier,
		OrderFacts: shopapp.OrderFacts{OrderNumber: d.OrderNumber, Buyer: shopapp.Buyer(d.Buyer), Products: d.Products,
			DestPostcode: d.DestPostcode, OrderUpdatedAt: d.OrderUpdatedAt},
		State: tracking.State(d.State), StateSince: d.StateSince,
		Charged: d.Charged, ChargeKind: billing.Kind(d.ChargeKind), TrackSetAt: d.TrackSetAt, EnteredAt: d.EnteredAt,
		StoppedAt: derefTime(d.StoppedAt), StopReason: d.StopReason,
		OrderStatus: shopapp.StatusWrite{Permalink: d.OrderStatus.Permalink, State: tracking.State(d.OrderStatus.State),
			OrderUpdatedAt: derefTime(d.OrderStatus.OrderUpdatedAt), At: derefTime(d.OrderStatus.At)},
		ArrivedAt: derefTime(d.ArrivedAt), Deadline: derefTime(d.Deadline), LastEventAt: derefTime(d.LastEventAt),
		Link: d.Link, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
	if len(d.Events) > 0 {
		p.Events = make([]tracking.Event, len(d.Events))
		for i, e := range d.Events {
			p.Events[i] = e.event()
		}
	}
	return p
}

// Parcels is the parcels collection. It implements shopapp.ParcelStore (the
// importer, status sync, the widget) and the poller's parcel store
// (ApplyTracking, KeepStopped). Hot writes are by _id alone: on the embedded
// server any other filter makes an update read the collection while it
// writes, which can stall FerretDB v1 for minutes.
type Parcels struct{ db *DB }

// Parcels returns the parcel store.
func (d *DB) Parcels() *Parcels { return &Parcels{db: d} }

var _ shopapp.ParcelStore = (*Parcels)(nil)

// NewID returns a fresh document id: an ObjectID in hex, which sorts by
// creation time and is pushed down to SQLite by the embedded server.
func NewID() string { return primitive.NewObjectID().Hex() }

func (p *Parcels) col() *mongo.Collection { return p.db.db.Collection(colParcels) }

// InsertParcel implements shopapp.ParcelStore. The parcel is listed on its
// order first (order_parcels.go); unique _id and shop_order_track_unique
// reject a duplicate (ErrConflict).
func (p *Parcels) InsertParcel(ctx context.Context, parcel shopapp.Parcel, now time.Time) error {
	now = now.UTC()
	d := toParcelDoc(parcel)
	if d.ID == "" {
		d.ID = NewID()
	}
	d.CreatedAt, d.UpdatedAt = now, now
	if d.StateSince.IsZero() {
		d.StateSince = d.EnteredAt
	}
	if err := p.db.listOrderParcel(ctx, d.ShopID, d.OrderID, d.ID); err != nil {
		return err
	}
	_, err := p.col().InsertOne(ctx, d)
	return mapErr("insert parcel "+d.ID, err)
}

// Parcel implements shopapp.ParcelStore.
func (p *Parcels) Parcel(ctx context.Context, id string) (shopapp.Parcel, error) {
	// Served by _id.
	var d parcelDoc
	if err := p.col().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return shopapp.Parcel{}, mapErr("get parcel "+id, err)
	}
	return d.parcel(), nil
}

func (p *Parcels) list(ctx context.Context, op string, filter bson.D, opts *options.FindOptions) ([]shopapp.Parcel, error) {
	cur, err := p.col().Find(ctx, filter, opts)
	if err != nil {
		return nil, mapErr(op, err)
	}
	var docs []parcelDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(op, err)
	}
	out := make([]shopapp.Parcel, len(docs))
	for i, d := range docs {
		out[i] = d.parcel()
	}
	return out, nil
}

// ShopParcels implements shopapp.ParcelStore.
func (p *Parcels) ShopParcels(ctx context.Context, shopID string, limit int) ([]shopapp.Parcel, error) {
	// Served by shop_updated.
	return p.list(ctx, "shop parcels", bson.D{{Key: "shop_id", Value: shopID}},
		options.Find().SetSort(bson.D{{Key: "updated_at", Value: -1}}).SetLimit(int64(limit)))
}

// NoBalanceParcels implements shopapp.ParcelStore.
func (p *Parcels) NoBalanceParcels(ctx context.Context, shopID string, limit int) ([]shopapp.Parcel, error) {
	// Served by shop_state.
	return p.list(ctx, "no balance parcels",
		bson.D{{Key: "shop_id", Value: shopID}, {Key: "state", Value: string(tracking.StateNoBalance)}},
		options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// StoppedParcels implements shopapp.ParcelStore.
func (p *Parcels) StoppedParcels(ctx context.Context, shopID, reason string, limit int) ([]shopapp.Parcel, error) {
	// Served by shop_state.
	return p.list(ctx, "stopped parcels",
		bson.D{{Key: "shop_id", Value: shopID}, {Key: "state", Value: string(tracking.StateStopped)}, {Key: "stop_reason", Value: reason}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

func factsSet(f shopapp.OrderFacts) bson.D {
	return bson.D{
		{Key: "order_number", Value: f.OrderNumber},
		{Key: "buyer", Value: buyerDoc(f.Buyer)},
		{Key: "products", Value: nonNil(f.Products)},
		{Key: "dest_postcode", Value: f.DestPostcode},
		{Key: "order_updated_at", Value: f.OrderUpdatedAt.UTC()},
	}
}

// Schedule implements shopapp.ParcelStore with Polls.Schedule.
func (p *Parcels) Schedule(ctx context.Context, s tracking.Schedule) error {
	return p.db.Polls().Schedule(ctx, s)
}

// UpdateFacts implements shopapp.ParcelStore.
func (p *Parcels) UpdateFacts(ctx context.Context, id string, f shopapp.OrderFacts, postcodeChanged bool, now time.Time) error {
	set := append(factsSet(f), bson.E{Key: "updated_at", Value: now.UTC()})
	if err := p.update(ctx, "update facts", id, bson.D{{Key: "$set", Value: set}}); err != nil {
		return err
	}
	if !postcodeChanged {
		return nil
	}
	return p.db.Polls().setPostcode(ctx, id, f.DestPostcode)
}

// StopParcel implements shopapp.ParcelStore. The schedule is deleted, so a
// poll in flight cannot schedule the parcel again (Polls.Complete never
// inserts).
func (p *Parcels) StopParcel(ctx context.Context, id, reason string, orderUpdatedAt, now time.Time) error {
	set := stopSet(reason, now)
	if !orderUpdatedAt.IsZero() {
		set = append(set, bson.E{Key: "order_updated_at", Value: orderUpdatedAt.UTC()})
	}
	if err := p.update(ctx, "stop parcel", id, bson.D{{Key: "$set", Value: set}}); err != nil {
		return err
	}
	return p.db.Polls().unschedule(ctx, bson.D{{Key: "_id", Value: id}})
}

func stopSet(reason string, now time.Time) bson.D {
	now = now.UTC()
	return bson.D{
		{Key: "state", Value: string(tracking.StateStopped)},
		{Key: "state_since", Value: now},
		{Key: "stopped_at", Value: now},
		{Key: "stop_reason", Value: reason},
		{Key: "updated_at", Value: now},
	}
}

// StopShopParcels implements shopapp.ParcelStore: two writes whatever the
// number of parcels. Parcels that reached a final state keep it.
func (p *Parcels) StopShopParcels(ctx context.Context, shopID, reason string, now time.Time) (int, error) {
	// Served by shop_state (prefix shop_id).
	res, err := p.col().UpdateMany(ctx, bson.D{
		{Key: "shop_id", Value: shopID},
		{Key: "stopped_at", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "state", Value: bson.D{{Key: "$nin", Value: bson.A{
			string(tracking.StateDelivered), string(tracking.StateReturned), string(tracking.StateLost),
		}}}},
	}, bson.D{{Key: "$set", Value: stopSet(reason, now)}})
	if err != nil {
		return 0, mapErr("stop shop parcels", err)
	}
	// Every schedule of the shop. Served by index polls.shop.
	if err := p.db.Polls().unschedule(ctx, bson.D{{Key: "shop_id", Value: shopID}}); err != nil {
		return 0, err
	}
	return int(res.ModifiedCount), nil
}

// Reactivate implements shopapp.ParcelStore.
func (p *Parcels) Reactivate(ctx context.Context, parcel shopapp.Parcel, now time.Time) error {
	set := append(factsSet(parcel.OrderFacts),
		bson.E{Key: "state", Value: string(parcel.State)},
		bson.E{Key: "state_since", Value: parcel.EnteredAt.UTC()},
		bson.E{Key: "entered_at", Value: parcel.EnteredAt.UTC()},
		bson.E{Key: "charged", Value: parcel.Charged},
		bson.E{Key: "charge_kind", Value: string(parcel.ChargeKind)},
		bson.E{Key: "track_set_at", Value: parcel.TrackSetAt.UTC()},
		bson.E{Key: "updated_at", Value: now.UTC()},
	)
	return p.update(ctx, "reactivate parcel", parcel.ID, bson.D{
		{Key: "$set", Value: set},
		{Key: "$unset", Value: bson.D{{Key: "stopped_at", Value: ""}, {Key: "stop_reason", Value: ""}}},
	})
}

// MarkCharged implements shopapp.ParcelStore.
func (p *Parcels) MarkCharged(ctx context.Context, id string, state tracking.State, enteredAt, now time.Time) error {
	return p.update(ctx, "mark charged", id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "charged", Value: true},
		{Key: "state", Value: string(state)},
		{Key: "state_since", Value: enteredAt.UTC()},
		{Key: "entered_at", Value: enteredAt.UTC()},
		{Key: "updated_at", Value: now.UTC()},
	}}})
}

// SaveStatusWrite implements shopapp.ParcelStore.
func (p *Parcels) SaveStatusWrite(ctx context.Context, id string, w shopapp.StatusWrite) error {
	return p.update(ctx, "save status write", id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "order_status", Value: orderStatusDoc{
			Permalink: w.Permalink, State: string(w.State),
			OrderUpdatedAt: optTime(w.OrderUpdatedAt), At: optTime(w.At),
		}},
	}}})
}

// ApplyTracking stores a new history and state, as the poller classified
// them at at. The poller calls it only when the history or the state
// changed, so an unchanged answer costs no write. A parcel stopped while
// its poll was in flight is put back by KeepStopped, which the poller calls
// when it finds the schedule gone. A schedule whose parcel is not stored
// yet (an import that crashed between the two) writes nothing: the import's
// retry stores the parcel, and its next poll the history.
func (p *Parcels) ApplyTracking(ctx context.Context, id string, st tracking.Status, at time.Time) error {
	// Served by _id.
	_, err := p.col().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "events", Value: eventDocs(st.Events)},
		{Key: "state", Value: string(st.State)},
		{Key: "state_since", Value: st.Since.UTC()},
		{Key: "arrived_at", Value: optTime(st.ArrivedAt)},
		{Key: "deadline", Value: optTime(st.Deadline)},
		{Key: "last_event_at", Value: optTime(st.LastEventAt)},
		{Key: "updated_at", Value: at.UTC()},
	}}})
	return mapErr("apply tracking "+id, err)
}

// KeepStopped restores the stopped state of a parcel that a poll in flight
// wrote over: its state_since goes back to the moment it was stopped. A
// parcel that is not stopped is left alone.
func (p *Parcels) KeepStopped(ctx context.Context, id string) error {
	parcel, err := p.Parcel(ctx, id)
	if err != nil || !parcel.Stopped() {
		return err
	}
	return p.update(ctx, "keep stopped", id, bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: string(tracking.StateStopped)},
		{Key: "state_since", Value: parcel.StoppedAt.UTC()},
	}}})
}

// update applies update to one parcel by _id; ErrNotFound when there is
// none.
func (p *Parcels) update(ctx context.Context, op, id string, update bson.D) error {
	// Served by _id.
	res, err := p.col().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
	if err != nil {
		return mapErr(op+" "+id, err)
	}
	if res.MatchedCount == 0 {
		return mapErr(op+" "+id, ErrNotFound)
	}
	return nil
}
