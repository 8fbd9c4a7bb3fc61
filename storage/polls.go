package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"parceltrack/tracking"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// scheduleDoc is the storage mapping of tracking.Schedule (the polls
// collection, same _id as the parcel). It is written on every poll, so it
// stays small: on the embedded server an update costs a pass over the
// collection's bytes.
type scheduleDoc struct {
	ID           string    `bson:"_id"`
	ShopID       string    `bson:"shop_id"`
	Track        string    `bson:"track"`
	Carrier      string    `bson:"carrier"`
	EnteredAt    time.Time `bson:"entered_at"`
	DestPostcode string    `bson:"dest_postcode,omitempty"`
	MailKind     string    `bson:"mail_kind,omitempty"`
	StorageDays  int       `bson:"storage_days,omitempty"`
	State        string    `bson:"state"`
	EventsHash   string    `bson:"events_hash,omitempty"`
	// NextPollAt is nil when the parcel is no longer polled; it then drops
	// out of the "due" index range.
	NextPollAt   *time.Time `bson:"next_poll_at"`
	PollPriority int        `bson:"poll_priority"`
	Failures     int        `bson:"failures"`
	LastError    string     `bson:"last_error,omitempty"`
	LastPolledAt *time.Time `bson:"last_polled_at,omitempty"`
	PollCount    int        `bson:"poll_count"`
}

func (d scheduleDoc) schedule() tracking.Schedule {
	return tracking.Schedule{
		ID: d.ID, ShopID: d.ShopID, Track: d.Track, Carrier: d.Carrier, EnteredAt: d.EnteredAt,
		DestPostcode: d.DestPostcode, MailKind: tracking.MailKind(d.MailKind), StorageDays: d.StorageDays,
		State: tracking.State(d.State), EventsHash: d.EventsHash, NextPollAt: derefTime(d.NextPollAt),
		Priority: d.PollPriority, Failures: d.Failures, LastError: d.LastError,
		LastPolledAt: derefTime(d.LastPolledAt), PollCount: d.PollCount,
	}
}

func toScheduleDoc(s tracking.Schedule) scheduleDoc {
	return scheduleDoc{
		ID: s.ID, ShopID: s.ShopID, Track: s.Track, Carrier: s.Carrier, EnteredAt: s.EnteredAt.UTC(),
		DestPostcode: s.DestPostcode, MailKind: string(s.MailKind), StorageDays: s.StorageDays,
		State: string(s.State), EventsHash: s.EventsHash, NextPollAt: optTime(s.NextPollAt),
		PollPriority: s.Priority, Failures: s.Failures, LastError: s.LastError,
		LastPolledAt: optTime(s.LastPolledAt), PollCount: s.PollCount,
	}
}

// Polls is the polling schedule collection, with its lease companion
// poll_leases (see pollLease).
type Polls struct{ db *DB }

// Polls returns the schedule store.
func (d *DB) Polls() *Polls { return &Polls{db: d} }

func (p *Polls) col() *mongo.Collection { return p.db.db.Collection(colPolls) }

// Schedule writes (creates or updates) a parcel's schedule in one upsert
// that keeps the row's history fingerprint and poll count, and starts its
// failures over.
func (p *Polls) Schedule(ctx context.Context, s tracking.Schedule) error {
	// Served by _id.
	_, err := p.col().UpdateOne(ctx, bson.D{{Key: "_id", Value: s.ID}},
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "shop_id", Value: s.ShopID},
				{Key: "track", Value: s.Track},
				{Key: "carrier", Value: s.Carrier},
				{Key: "entered_at", Value: s.EnteredAt.UTC()},
				{Key: "dest_postcode", Value: s.DestPostcode},
				{Key: "mail_kind", Value: string(s.MailKind)},
				{Key: "storage_days", Value: s.StorageDays},
				{Key: "state", Value: string(s.State)},
				{Key: "next_poll_at", Value: optTime(s.NextPollAt)},
				{Key: "poll_priority", Value: s.Priority},
				{Key: "failures", Value: 0},
				{Key: "last_error", Value: ""},
			}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "poll_count", Value: 0}}},
		}, options.Update().SetUpsert(true))
	return mapErr("schedule "+s.ID, err)
}

// Get reads one schedule.
func (p *Polls) Get(ctx context.Context, id string) (tracking.Schedule, error) {
	// Served by _id.
	var out scheduleDoc
	err := p.col().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	return out.schedule(), mapErr("get schedule "+id, err)
}

// List returns up to limit schedules in id order, for operators and tests.
func (p *Polls) List(ctx context.Context, limit int) ([]tracking.Schedule, error) {
	// Served by _id.
	cur, err := p.col().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("list schedules", err)
	}
	var docs []scheduleDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr("list schedules", err)
	}
	out := make([]tracking.Schedule, len(docs))
	for i, d := range docs {
		out[i] = d.schedule()
	}
	return out, nil
}

// setPostcode follows a changed destination postcode.
func (p *Polls) setPostcode(ctx context.Context, id, postcode string) error {
	// Served by _id.
	_, err := p.col().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "dest_postcode", Value: postcode}}}})
	return mapErr("schedule postcode "+id, err)
}

// unschedule takes the matching schedules out of the poller's reach by
// deleting them: a poll in flight then finds no row to write its outcome
// to, and Schedule creates the row anew if the parcel is tracked again.
func (p *Polls) unschedule(ctx context.Context, filter bson.D) error {
	_, err := p.col().DeleteMany(ctx, filter)
	return mapErr("unschedule", err)
}

// pollLease is the lease on one schedule row, kept in its own small
// collection under the row's _id. Claiming is an insert — the unique _id
// makes it atomic on MongoDB and on the embedded server alike — and giving
// back is a delete. No claim ever updates many rows at once: FerretDB v1
// runs a multi-document update while it still reads the collection, which
// at times stalls it for minutes.
type pollLease struct {
	ID    string    `bson:"_id"`
	Token string    `bson:"token"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
}

// ClaimDue leases up to limit rows whose poll is due by dueBy, highest
// priority first, then the longest overdue. Leases that ended by leaseNow
// are dropped first. (The two instants differ in sandbox mode, where parcels
// live on the sandbox's fast clock while leases run on the wall clock.)
// Four round trips per batch whatever its size: drop ended leases, read the
// live ones, pick due rows that have none, insert their leases; a row whose
// lease insert collides was taken by another worker in between and is not
// won, so no row is ever handed to two claimers.
func (p *Polls) ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration, limit int) (tracking.Claim, error) {
	leases := p.db.db.Collection(colPollLeases)
	// A scan, but of the small leases collection.
	if _, err := leases.DeleteMany(ctx, bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: leaseNow}}}}); err != nil {
		return tracking.Claim{}, mapErr("claim: drop ended leases", err)
	}
	c := tracking.Claim{Token: owner + "/" + randomToken(), Until: leaseNow.Add(lease)}
	// Claimers starting together pick the same top rows; one that loses them
	// all looks again past the winner's leases instead of going idle.
	for range 3 {
		held, err := leasedIDs(ctx, p.db.db.Collection(colPollLeases))
		if err != nil {
			return tracking.Claim{}, mapErr("claim: read leases", err)
		}
		won, lost, err := p.claimOnce(ctx, c, owner, dueBy, held, limit)
		if err != nil {
			return tracking.Claim{}, err
		}
		c.Rows = won
		if len(won) > 0 || lost == 0 {
			break
		}
	}
	return c, nil
}

// leasedIDs lists the _ids of a lease collection: what is leased now (the
// claims drop ended leases first).
func leasedIDs(ctx context.Context, leases *mongo.Collection) ([]string, error) {
	// A scan, but of a small leases collection.
	cur, err := leases.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var live []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &live); err != nil {
		return nil, err
	}
	ids := make([]string, len(live))
	for i, l := range live {
		ids[i] = l.ID
	}
	return ids, nil
}

// claimOnce picks due rows outside held and inserts their leases; it returns
// the rows won and how many another claimer took first.
func (p *Polls) claimOnce(ctx context.Context, c tracking.Claim, owner string, dueBy time.Time, held []string, limit int) ([]tracking.Schedule, int, error) {
	// Served by index "due" (poll_priority desc, next_poll_at).
	cur, err := p.db.db.Collection(colPolls).Find(ctx,
		bson.D{
			{Key: "next_poll_at", Value: bson.D{{Key: "$lte", Value: dueBy}}},
			{Key: "_id", Value: bson.D{{Key: "$nin", Value: held}}},
		},
		options.Find().
			SetSort(bson.D{{Key: "poll_priority", Value: -1}, {Key: "next_poll_at", Value: 1}}).
			SetLimit(int64(limit)))
	if err != nil {
		return nil, 0, mapErr("claim: find due", err)
	}
	var due []scheduleDoc
	if err := cur.All(ctx, &due); err != nil {
		return nil, 0, mapErr("claim: find due", err)
	}
	if len(due) == 0 {
		return nil, 0, nil
	}
	docs := make([]any, len(due))
	for i, row := range due {
		docs[i] = pollLease{ID: row.ID, Token: c.Token, Owner: owner, Until: c.Until}
	}
	lost, err := insertLeases(ctx, p.db.db.Collection(colPollLeases), docs)
	if err != nil {
		return nil, 0, mapErr("claim: lease", err)
	}
	won := make([]tracking.Schedule, 0, len(due)-len(lost))
	for i, row := range due {
		if !lost[i] {
			won = append(won, row.schedule())
		}
	}
	return won, len(lost), nil
}

// insertLeases inserts lease documents whose _id is the thing leased and
// returns the indexes of those another claimer holds already: the unique _id
// refuses them, which makes taking a lease atomic on MongoDB and on the
// embedded server alike. Any other failure is returned as it is.
func insertLeases(ctx context.Context, leases *mongo.Collection, docs []any) (map[int]bool, error) {
	_, err := leases.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	lost := map[int]bool{}
	var bwe mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
		for _, we := range bwe.WriteErrors {
			if we.Code != 11000 && !isDuplicate(we) {
				return nil, err
			}
			lost[we.Index] = true
		}
	default:
		return nil, err
	}
	return lost, nil
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}

// Complete records a poll's outcome (the lease is given back with the batch,
// by Release). It reports false when the row is gone, e.g. because the parcel was stopped
// meanwhile (stopping deletes the row, so a poll in flight cannot revive it).
//
// The filter is the bare _id on purpose: the embedded server evaluates any
// other filter by reading the collection (25 ms a poll at 1,000 parcels
// instead of 1 ms), and this write happens once per polled parcel. So the
// caller must still hold the lease with time to spare; the poller checks its
// claim's deadline, with a quarter of the lease as margin, right before.
func (p *Polls) Complete(ctx context.Context, id string, o tracking.PollOutcome) (bool, error) {
	// Served by _id.
	res, err := p.db.db.Collection(colPolls).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "state", Value: string(o.State)},
				{Key: "events_hash", Value: o.EventsHash},
				{Key: "next_poll_at", Value: optTime(o.NextPollAt)},
				{Key: "poll_priority", Value: o.Priority},
				{Key: "failures", Value: o.Failures},
				{Key: "last_error", Value: o.LastError},
				{Key: "last_polled_at", Value: o.PolledAt.UTC()},
			}},
			{Key: "$inc", Value: bson.D{{Key: "poll_count", Value: 1}}},
		})
	if err != nil {
		return false, mapErr("complete poll "+id, err)
	}
	return res.MatchedCount == 1, nil
}

// Release gives the claim's leases back: the poller calls it once a batch is
// done, for the rows it stored and for those it left untouched (they are then
// due again at once, as they were).
func (p *Polls) Release(ctx context.Context, token string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	// A scan, but of the small leases collection.
	_, err := p.db.db.Collection(colPollLeases).DeleteMany(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "token", Value: token},
	})
	return mapErr("release leases", err)
}
