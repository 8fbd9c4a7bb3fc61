package storage

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/messages"
	"parceltrack/notify"
)

// The outbox and its leases (see Notifications).
const (
	colNotifications      = "notifications"
	colNotificationLeases = "notification_leases"
)

// notificationDoc is the storage mapping of messages.Notification; _id is
// the message key, so a key is stored once by construction.
type notificationDoc struct {
	Key        string     `bson:"_id"`
	ShopID     string     `bson:"shop_id"`
	ParcelID   string     `bson:"parcel_id,omitempty"`
	Trigger    string     `bson:"trigger"`
	Channel    string     `bson:"channel"`
	Step       string     `bson:"step"`
	ToMerchant bool       `bson:"to_merchant,omitempty"`
	Due        time.Time  `bson:"due"`
	SendAt     time.Time  `bson:"send_at"`
	Zone       string     `bson:"zone,omitempty"`
	Status     string     `bson:"status"`
	NextAt     *time.Time `bson:"next_at"`
	Attempts   int        `bson:"attempts"`
	To         string     `bson:"to,omitempty"`
	Subject    string     `bson:"subject,omitempty"`
	Text       string     `bson:"text,omitempty"`
	Segments   int        `bson:"segments,omitempty"`
	Price      int64      `bson:"price,omitempty"`
	Charged    bool       `bson:"charged,omitempty"`
	Refunded   bool       `bson:"refunded,omitempty"`
	ProviderID string     `bson:"provider_id,omitempty"`
	Delivery   string     `bson:"delivery,omitempty"`
	Error      string     `bson:"error,omitempty"`
	CreatedAt  time.Time  `bson:"created_at"`
	UpdatedAt  time.Time  `bson:"updated_at"`
	SentAt     *time.Time `bson:"sent_at,omitempty"`
}

func toNotificationDoc(n messages.Notification) notificationDoc {
	return notificationDoc{
		Key: n.Key, ShopID: n.ShopID, ParcelID: n.ParcelID, Trigger: string(n.Trigger), Channel: string(n.Channel),
		Step: n.Step, ToMerchant: n.ToMerchant, Due: n.Due.UTC(), SendAt: n.SendAt.UTC(), Zone: n.Zone,
		Status: string(n.Status), NextAt: optTime(n.NextAt), Attempts: n.Attempts, To: n.To, Subject: n.Subject,
		Text: n.Text, Segments: n.Segments, Price: n.Price, Charged: n.Charged, Refunded: n.Refunded,
		ProviderID: n.ProviderID, Delivery: n.Delivery, Error: n.Error, CreatedAt: n.CreatedAt.UTC(),
		UpdatedAt: n.UpdatedAt.UTC(), SentAt: optTime(n.SentAt),
	}
}

func (d notificationDoc) notification() messages.Notification {
	n := messages.Notification{
		Key: d.Key, ShopID: d.ShopID, ParcelID: d.ParcelID, Trigger: notify.Trigger(d.Trigger),
		Channel: notify.ChannelKind(d.Channel), Step: d.Step, ToMerchant: d.ToMerchant, Zone: d.Zone,
		Status: messages.Status(d.Status), NextAt: derefTime(d.NextAt), Attempts: d.Attempts, To: d.To,
		Subject: d.Subject, Text: d.Text, Segments: d.Segments, Price: d.Price, Charged: d.Charged,
		Refunded: d.Refunded, ProviderID: d.ProviderID, Delivery: d.Delivery, Error: d.Error,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, SentAt: derefTime(d.SentAt),
	}
	// Times come back in UTC; the recipient's zone is what they were
	// planned in.
	loc := n.Location()
	n.Due, n.SendAt = d.Due.In(loc), d.SendAt.In(loc)
	return n
}

// stateUpdate is the $set of Save: a row's state, never its plan.
func (d notificationDoc) stateUpdate() bson.D {
	return bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: d.Status},
		{Key: "next_at", Value: d.NextAt},
		{Key: "attempts", Value: d.Attempts},
		{Key: "to", Value: d.To},
		{Key: "subject", Value: d.Subject},
		{Key: "text", Value: d.Text},
		{Key: "segments", Value: d.Segments},
		{Key: "price", Value: d.Price},
		{Key: "charged", Value: d.Charged},
		{Key: "refunded", Value: d.Refunded},
		{Key: "provider_id", Value: d.ProviderID},
		{Key: "delivery", Value: d.Delivery},
		{Key: "error", Value: d.Error},
		{Key: "updated_at", Value: d.UpdatedAt},
		{Key: "sent_at", Value: d.SentAt},
	}}}
}

// Notifications is the outbox (package messages): one row per message key,
// leased to dispatchers through notification_leases the way polls are
// (see pollLease): claiming inserts leases under the rows' keys, so no row
// is ever worked by two dispatchers, and writes go by the bare _id, the
// only filter the embedded server serves without reading the collection.
type Notifications struct{ db *DB }

// Notifications returns the outbox store.
func (d *DB) Notifications() *Notifications { return &Notifications{db: d} }

func (s *Notifications) col() *mongo.Collection { return s.db.db.Collection(colNotifications) }

// Add inserts the rows whose keys are new, in one unordered insert; the
// unique _id refuses the others, which stay exactly as they were.
func (s *Notifications) Add(ctx context.Context, rows []messages.Notification) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	docs := make([]any, len(rows))
	for i, n := range rows {
		docs[i] = toNotificationDoc(n)
	}
	dup, err := insertLeases(ctx, s.col(), docs)
	if err != nil {
		return 0, mapErr("add notifications", err)
	}
	return len(rows) - len(dup), nil
}

// ClaimDue leases up to limit rows whose next_at is at or before dueBy,
// the earliest first, in the four round trips of Polls.ClaimDue: drop
// ended leases, read the live ones, pick due rows without one, insert their
// leases (a collision means another dispatcher won the row).
func (s *Notifications) ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration, limit int) (messages.Claim, error) {
	leases := s.db.db.Collection(colNotificationLeases)
	// Served by index "until".
	if _, err := leases.DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: leaseNow}}}}); err != nil {
		return messages.Claim{}, mapErr("claim notifications: drop ended leases", err)
	}
	c := messages.Claim{Token: owner + "/" + randomToken(), Until: leaseNow.Add(lease)}
	for range 3 {
		held, err := leasedIDs(ctx, leases)
		if err != nil {
			return messages.Claim{}, mapErr("claim notifications: read leases", err)
		}
		won, lost, err := s.claimOnce(ctx, c, owner, dueBy, held, limit)
		if err != nil {
			return messages.Claim{}, err
		}
		c.Rows = won
		if len(won) > 0 || lost == 0 {
			break
		}
	}
	return c, nil
}

func (s *Notifications) claimOnce(ctx context.Context, c messages.Claim, owner string, dueBy time.Time, held []string, limit int) ([]messages.Notification, int, error) {
	// Served by index "next_at".
	cur, err := s.col().Find(ctx,
		bson.D{
			{Key: "next_at", Value: bson.D{{Key: "$lte", Value: dueBy.UTC()}}},
			{Key: "_id", Value: bson.D{{Key: "$nin", Value: held}}},
		},
		options.Find().SetSort(bson.D{{Key: "next_at", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, 0, mapErr("claim notifications: find due", err)
	}
	var due []notificationDoc
	if err := cur.All(ctx, &due); err != nil {
		return nil, 0, mapErr("claim notifications: find due", err)
	}
	if len(due) == 0 {
		return nil, 0, nil
	}
	docs := make([]any, len(due))
	for i, row := range due {
		docs[i] = pollLease{ID: row.Key, Token: c.Token, Owner: owner, Until: c.Until}
	}
	lost, err := insertLeases(ctx, s.db.db.Collection(colNotificationLeases), docs)
	if err != nil {
		return nil, 0, mapErr("claim notifications: lease", err)
	}
	won := make([]messages.Notification, 0, len(due)-len(lost))
	for i, row := range due {
		if !lost[i] {
			won = append(won, row.notification())
		}
	}
	return won, len(lost), nil
}

// Save writes the row's state by key.
func (s *Notifications) Save(ctx context.Context, n messages.Notification) error {
	d := toNotificationDoc(n)
	// Served by _id.
	res, err := s.col().UpdateOne(ctx, bson.D{{Key: "_id", Value: d.Key}}, d.stateUpdate())
	if err != nil {
		return mapErr("save notification "+n.Key, err)
	}
	if res.MatchedCount == 0 {
		return mapErr("save notification "+n.Key, mongo.ErrNoDocuments)
	}
	return nil
}

// maxBulkUpdates keeps a bulk write under the 100 matching updates that
// hang the embedded server (docs/architecture.md).
const maxBulkUpdates = 99

// SaveMany writes several rows' states, in one round trip per 99 rows.
func (s *Notifications) SaveMany(ctx context.Context, rows []messages.Notification) error {
	for len(rows) > 0 {
		n := min(len(rows), maxBulkUpdates)
		models := make([]mongo.WriteModel, n)
		for i, row := range rows[:n] {
			d := toNotificationDoc(row)
			// Served by _id.
			models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: d.Key}}).SetUpdate(d.stateUpdate())
		}
		if _, err := s.col().BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false)); err != nil {
			return mapErr("save notifications", err)
		}
		rows = rows[n:]
	}
	return nil
}

// MarkSent records a send and returns the row after it. Its $set leaves
// the delivery report alone: one that came before this write is kept, and
// the caller sees it in the row returned.
func (s *Notifications) MarkSent(ctx context.Context, n messages.Notification) (messages.Notification, error) {
	d := toNotificationDoc(n)
	return s.findAndSet(ctx, "mark sent "+n.Key, n.Key, bson.D{
		{Key: "status", Value: d.Status},
		{Key: "provider_id", Value: d.ProviderID},
		{Key: "sent_at", Value: d.SentAt},
		{Key: "next_at", Value: d.NextAt},
		{Key: "segments", Value: d.Segments},
		{Key: "attempts", Value: d.Attempts},
		{Key: "error", Value: d.Error},
		{Key: "updated_at", Value: d.UpdatedAt},
	})
}

// SetDelivery stores a delivery report on the row and returns the row
// after it.
func (s *Notifications) SetDelivery(ctx context.Context, key, delivery string, at time.Time) (messages.Notification, error) {
	return s.findAndSet(ctx, "set delivery "+key, key, bson.D{
		{Key: "delivery", Value: delivery},
		{Key: "updated_at", Value: at.UTC()},
	})
}

func (s *Notifications) findAndSet(ctx context.Context, op, key string, fields bson.D) (messages.Notification, error) {
	var d notificationDoc
	// Served by _id.
	err := s.col().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$set", Value: fields}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err != nil {
		return messages.Notification{}, mapErr(op, err)
	}
	return d.notification(), nil
}

// Release gives the claim's leases on keys back.
func (s *Notifications) Release(ctx context.Context, token string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	// A scan, but of the small leases collection.
	_, err := s.db.db.Collection(colNotificationLeases).DeleteMany(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}},
		{Key: "token", Value: token},
	})
	return mapErr("release notification leases", err)
}

// Get reads one row.
func (s *Notifications) Get(ctx context.Context, key string) (messages.Notification, error) {
	var d notificationDoc
	// Served by _id.
	err := s.col().FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	return d.notification(), mapErr("get notification "+key, err)
}

// Waiting lists up to limit rows waiting for a credit, of one shop or of
// all (shopID empty), the earliest first.
func (s *Notifications) Waiting(ctx context.Context, shopID string, limit int) ([]messages.Notification, error) {
	filter := bson.D{{Key: "status", Value: string(messages.StatusNoBalance)}}
	if shopID != "" {
		filter = bson.D{{Key: "shop_id", Value: shopID}, filter[0]}
	}
	// Served by index "shop_status" (and its status part for all shops).
	return s.find(ctx, "waiting notifications", filter,
		options.Find().SetSort(bson.D{{Key: "send_at", Value: 1}}).SetLimit(int64(limit)))
}

// ByParcel lists a parcel's messages, the earliest planned first: the
// cabinet's and support's "what did this buyer get".
func (s *Notifications) ByParcel(ctx context.Context, parcelID string) ([]messages.Notification, error) {
	// Served by index "parcel".
	return s.find(ctx, "notifications of "+parcelID, bson.D{{Key: "parcel_id", Value: parcelID}},
		options.Find().SetSort(bson.D{{Key: "send_at", Value: 1}, {Key: "_id", Value: 1}}))
}

// ByProviderIDs finds the rows the providers know by these ids, keyed by
// provider id: the sandbox outbox page's link from what a stand-in
// received to what the app planned.
func (s *Notifications) ByProviderIDs(ctx context.Context, ids []string) (map[string]messages.Notification, error) {
	if len(ids) == 0 {
		return map[string]messages.Notification{}, nil
	}
	// Served by index "provider".
	rows, err := s.find(ctx, "notifications by provider id", bson.D{{Key: "provider_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find())
	if err != nil {
		return nil, err
	}
	out := make(map[string]messages.Notification, len(rows))
	for _, n := range rows {
		out[n.ProviderID] = n
	}
	return out, nil
}

// ByShop lists up to limit of a shop's messages, the newest planned first.
func (s *Notifications) ByShop(ctx context.Context, shopID string, limit int) ([]messages.Notification, error) {
	// Served by index "shop_status" (its shop part).
	return s.find(ctx, "notifications of shop "+shopID, bson.D{{Key: "shop_id", Value: shopID}},
		options.Find().SetSort(bson.D{{Key: "send_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

func (s *Notifications) find(ctx context.Context, op string, filter bson.D, o *options.FindOptions) ([]messages.Notification, error) {
	cur, err := s.col().Find(ctx, filter, o)
	if err != nil {
		return nil, mapErr(op, err)
	}
	var docs []notificationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr(op, err)
	}
	out := make([]messages.Notification, len(docs))
	for i, d := range docs {
		out[i] = d.notification()
	}
	return out, nil
}

// Count reports how many rows each status has, for operators and tests.
func (s *Notifications) Count(ctx context.Context) (map[messages.Status]int, error) {
	// A scan, aggregated in Go (the embedded server's $group is unreliable).
	cur, err := s.col().Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "status", Value: 1}}))
	if err != nil {
		return nil, mapErr("count notifications", err)
	}
	defer cur.Close(ctx)
	out := map[messages.Status]int{}
	for cur.Next(ctx) {
		var d struct {
			Status string `bson:"status"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, mapErr("count notifications", err)
		}
		out[messages.Status(d.Status)]++
	}
	if err := cur.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return nil, mapErr("count notifications", err)
	}
	return out, nil
}
