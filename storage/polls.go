package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// Poll is the polling schedule of one parcel (same _id), kept apart from the
// parcel itself: it is written on every poll, so it stays small — on the
// embedded server an update costs a pass over the collection's bytes — and it
// carries every fact the classifier needs, so a poll never reads the parcel.
type Poll struct {
	ID           string    `bson:"_id"`
	ShopID       string    `bson:"shop_id"`
	Track        string    `bson:"track"`
	Carrier      string    `bson:"carrier"`
	EnteredAt    time.Time `bson:"entered_at"`
	DestPostcode string    `bson:"dest_postcode,omitempty"`
	MailKind     string    `bson:"mail_kind,omitempty"`
	StorageDays  int       `bson:"storage_days,omitempty"`
	State        string    `bson:"state"`
	// EventsHash fingerprints the stored history, so an unchanged carrier
	// answer costs no write to the parcel.
	EventsHash string `bson:"events_hash,omitempty"`
	// NextPollAt is nil when the parcel is no longer polled (terminal, stale,
	// stopped, waiting for money); it then drops out of the "due" index range.
	NextPollAt   *time.Time `bson:"next_poll_at"`
	PollPriority int        `bson:"poll_priority"`
	LeaseOwner   string     `bson:"lease_owner,omitempty"`
	LeaseToken   string     `bson:"lease_token,omitempty"`
	LeaseUntil   time.Time  `bson:"lease_until"`
	Failures     int        `bson:"failures"`
	LastError    string     `bson:"last_error,omitempty"`
	LastPolledAt *time.Time `bson:"last_polled_at,omitempty"`
	PollCount    int        `bson:"poll_count"`
}

// Polls is the polling schedule collection.
type Polls struct{ db *DB }

// Polls returns the schedule store.
func (d *DB) Polls() *Polls { return &Polls{db: d} }

// Insert adds a schedule row.
func (p *Polls) Insert(ctx context.Context, poll Poll) error {
	_, err := p.db.db.Collection(colPolls).InsertOne(ctx, poll)
	return mapErr("insert poll", err)
}

// Get reads one schedule row.
func (p *Polls) Get(ctx context.Context, id string) (Poll, error) {
	// Served by _id.
	var out Poll
	err := p.db.db.Collection(colPolls).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	return out, mapErr("get poll "+id, err)
}

// Claim is a batch of schedule rows leased to one owner until Until.
type Claim struct {
	Token string
	Until time.Time
	Polls []Poll
}

// ClaimDue leases up to limit rows whose poll is due by dueBy and whose lease
// has expired at leaseNow, highest priority first, then the longest overdue.
// The two instants differ in sandbox mode, where parcels live on the sandbox's
// fast clock while leases always run on the wall clock. It costs three
// round trips per batch whatever its size: pick candidates, stamp them with a
// claim token in one conditional update, read back what this claim won. A row
// another worker stamped in between fails the update's lease condition and is
// simply not won, so no row is ever handed to two claimers.
func (p *Polls) ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration, limit int) (Claim, error) {
	col := p.db.db.Collection(colPolls)
	due := bson.D{
		{Key: "next_poll_at", Value: bson.D{{Key: "$lte", Value: dueBy}}},
		{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: leaseNow}}},
	}
	// Served by index "due" (poll_priority desc, next_poll_at).
	cur, err := col.Find(ctx, due, options.Find().
		SetSort(bson.D{{Key: "poll_priority", Value: -1}, {Key: "next_poll_at", Value: 1}}).
		SetLimit(int64(limit)).
		SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return Claim{}, mapErr("claim: find due", err)
	}
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return Claim{}, mapErr("claim: find due", err)
	}
	c := Claim{Token: owner + "/" + randomToken(), Until: leaseNow.Add(lease)}
	if len(rows) == 0 {
		return c, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}

	// Served by _id; the lease condition is checked again per document.
	filter := append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, due...)
	if _, err := col.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{
		{Key: "lease_owner", Value: owner},
		{Key: "lease_token", Value: c.Token},
		{Key: "lease_until", Value: c.Until},
	}}}); err != nil {
		return Claim{}, mapErr("claim: lease", err)
	}

	// Served by _id.
	cur, err = col.Find(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "lease_token", Value: c.Token},
	})
	if err != nil {
		return Claim{}, mapErr("claim: read back", err)
	}
	if err := cur.All(ctx, &c.Polls); err != nil {
		return Claim{}, mapErr("claim: read back", err)
	}
	return c, nil
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}

// PollOutcome is what one poll decided for a row.
type PollOutcome struct {
	State      string
	EventsHash string
	// NextPollAt nil stops polling.
	NextPollAt   *time.Time
	PollPriority int
	Failures     int
	LastError    string
	PolledAt     time.Time
}

// Complete records a poll's outcome and gives the lease back in one write.
// It reports false when the row is gone, e.g. because the parcel was stopped
// meanwhile (stopping deletes the row, so a poll in flight cannot revive it).
//
// The filter is the bare _id on purpose: the embedded server evaluates any
// other filter by reading the collection (25 ms a poll at 1,000 parcels
// instead of 1 ms), and this write happens once per polled parcel. So the
// caller must still hold the lease with time to spare; the poller checks its
// claim's deadline, with a quarter of the lease as margin, right before.
func (p *Polls) Complete(ctx context.Context, id string, o PollOutcome) (bool, error) {
	// Served by _id.
	res, err := p.db.db.Collection(colPolls).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "state", Value: o.State},
				{Key: "events_hash", Value: o.EventsHash},
				{Key: "next_poll_at", Value: o.NextPollAt},
				{Key: "poll_priority", Value: o.PollPriority},
				{Key: "failures", Value: o.Failures},
				{Key: "last_error", Value: o.LastError},
				{Key: "last_polled_at", Value: o.PolledAt},
				{Key: "lease_owner", Value: ""},
				{Key: "lease_token", Value: ""},
				{Key: "lease_until", Value: time.Time{}},
			}},
			{Key: "$inc", Value: bson.D{{Key: "poll_count", Value: 1}}},
		})
	if err != nil {
		return false, mapErr("complete poll "+id, err)
	}
	return res.MatchedCount == 1, nil
}

// Release gives leases back untouched, e.g. when the carrier refused the
// whole account and the rows must wait for the next attempt as they were.
func (p *Polls) Release(ctx context.Context, token string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	// Served by _id.
	_, err := p.db.db.Collection(colPolls).UpdateMany(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "lease_token", Value: token}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "lease_owner", Value: ""},
			{Key: "lease_token", Value: ""},
			{Key: "lease_until", Value: time.Time{}},
		}}})
	return mapErr("release polls", err)
}
