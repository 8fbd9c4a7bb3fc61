package storage

import (
	"context"
	"errors"
	"time"

	"parceltrack/tracking"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

const colTickets = "tickets"

// ticketDoc is the storage mapping of tracking.Ticket. The collection stays
// small (one document per 500 parcels in flight), so its conditional
// updates are cheap even where the embedded server scans.
type ticketDoc struct {
	ID          string            `bson:"_id"`
	Carrier     string            `bson:"carrier"`
	Token       string            `bson:"token"`
	Submitter   string            `bson:"submitter"`
	Parcels     []ticketParcelDoc `bson:"parcels"`
	SubmittedAt time.Time         `bson:"submitted_at"`
	NextTryAt   time.Time         `bson:"next_try_at"`
	Tries       int               `bson:"tries"`
	RowsUntil   time.Time         `bson:"rows_until"`
	Owner       string            `bson:"owner,omitempty"`
	LeaseUntil  time.Time         `bson:"lease_until"`
}

type ticketParcelDoc struct {
	ID    string `bson:"id"`
	Track string `bson:"track"`
}

func toTicketDoc(t tracking.Ticket) ticketDoc {
	d := ticketDoc{ID: t.ID, Carrier: t.Carrier, Token: t.Token, Submitter: t.Submitter,
		SubmittedAt: t.SubmittedAt, NextTryAt: t.NextTryAt, Tries: t.Tries, RowsUntil: t.RowsUntil,
		Owner: t.Owner, LeaseUntil: t.LeaseUntil, Parcels: make([]ticketParcelDoc, len(t.Parcels))}
	for i, p := range t.Parcels {
		d.Parcels[i] = ticketParcelDoc(p)
	}
	return d
}

func (d ticketDoc) ticket() tracking.Ticket {
	t := tracking.Ticket{ID: d.ID, Carrier: d.Carrier, Token: d.Token, Submitter: d.Submitter,
		SubmittedAt: d.SubmittedAt, NextTryAt: d.NextTryAt, Tries: d.Tries, RowsUntil: d.RowsUntil,
		Owner: d.Owner, LeaseUntil: d.LeaseUntil, Parcels: make([]tracking.TicketParcel, len(d.Parcels))}
	for i, p := range d.Parcels {
		t.Parcels[i] = tracking.TicketParcel(p)
	}
	return t
}

// Tickets is the batch ticket collection.
type Tickets struct{ db *DB }

// Tickets returns the ticket store.
func (d *DB) Tickets() *Tickets { return &Tickets{db: d} }

// Insert stores a freshly submitted ticket.
func (s *Tickets) Insert(ctx context.Context, t tracking.Ticket) error {
	_, err := s.db.db.Collection(colTickets).InsertOne(ctx, toTicketDoc(t))
	return mapErr("insert ticket "+t.ID, err)
}

// Get reads one ticket.
func (s *Tickets) Get(ctx context.Context, id string) (tracking.Ticket, error) {
	// Served by _id.
	var d ticketDoc
	err := s.db.db.Collection(colTickets).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	return d.ticket(), mapErr("get ticket "+id, err)
}

// List returns every outstanding ticket (there are few), for operators and
// tests.
func (s *Tickets) List(ctx context.Context) ([]tracking.Ticket, error) {
	cur, err := s.db.db.Collection(colTickets).Find(ctx, bson.D{})
	if err != nil {
		return nil, mapErr("list tickets", err)
	}
	var docs []ticketDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr("list tickets", err)
	}
	out := make([]tracking.Ticket, len(docs))
	for i, d := range docs {
		out[i] = d.ticket()
	}
	return out, nil
}

// ClaimDue leases the ticket whose answer is due longest (NextTryAt at or
// before dueBy, on the tracking clock) and that nobody collects at leaseNow
// (wall clock) to owner until leaseNow+lease, in one conditional
// findOneAndUpdate, so two workers never collect one ticket at once. It
// reports false when no ticket is due.
func (s *Tickets) ClaimDue(ctx context.Context, owner string, dueBy, leaseNow time.Time, lease time.Duration) (tracking.Ticket, bool, error) {
	// Served by index next_try (next_try_at).
	var d ticketDoc
	err := s.db.db.Collection(colTickets).FindOneAndUpdate(ctx,
		bson.D{
			{Key: "next_try_at", Value: bson.D{{Key: "$lte", Value: dueBy}}},
			{Key: "lease_until", Value: bson.D{{Key: "$lte", Value: leaseNow}}},
		},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "owner", Value: owner},
			{Key: "lease_until", Value: leaseNow.Add(lease)},
		}}},
		options.FindOneAndUpdate().
			SetSort(bson.D{{Key: "next_try_at", Value: 1}}).
			SetReturnDocument(options.After),
	).Decode(&d)
	if err == mongo.ErrNoDocuments {
		return tracking.Ticket{}, false, nil
	}
	if err != nil {
		return tracking.Ticket{}, false, mapErr("claim ticket", err)
	}
	return d.ticket(), true, nil
}

// Retry gives owner's lease on the ticket back and sets when to ask for the
// answer next. It reports false when owner no longer holds the ticket.
func (s *Tickets) Retry(ctx context.Context, id, owner string, next time.Time) (bool, error) {
	// Served by _id; the owner condition is checked on that one document.
	res, err := s.db.db.Collection(colTickets).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}},
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "next_try_at", Value: next},
				{Key: "owner", Value: ""},
				{Key: "lease_until", Value: time.Time{}},
			}},
			{Key: "$inc", Value: bson.D{{Key: "tries", Value: 1}}},
		})
	if err != nil {
		return false, mapErr("retry ticket "+id, err)
	}
	return res.MatchedCount == 1, nil
}

// Delete removes a ticket owner holds, once its answer is stored or given up.
func (s *Tickets) Delete(ctx context.Context, id, owner string) error {
	// Served by _id.
	_, err := s.db.db.Collection(colTickets).DeleteOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}})
	return mapErr("delete ticket "+id, err)
}

// HeldRows reads the ticket's schedule rows that are still leased with its
// token: rows stopped meanwhile (deleted) or taken over by another worker
// after the lease ran out are left out, so an answer is never stored over a
// newer poll. Two round trips whatever the ticket's size.
func (s *Tickets) HeldRows(ctx context.Context, t tracking.Ticket) ([]tracking.Schedule, error) {
	// A scan, but of the small leases collection.
	cur, err := s.db.db.Collection(colPollLeases).Find(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: t.IDs()}}},
		{Key: "token", Value: t.Token},
	}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr("ticket "+t.ID+": read leases", err)
	}
	var leased []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &leased); err != nil {
		return nil, mapErr("ticket "+t.ID+": read leases", err)
	}
	if len(leased) == 0 {
		return nil, nil
	}
	ids := make([]string, len(leased))
	for i, l := range leased {
		ids[i] = l.ID
	}
	// Served by _id.
	cur, err = s.db.db.Collection(colPolls).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, mapErr("ticket "+t.ID+": read rows", err)
	}
	var docs []scheduleDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr("ticket "+t.ID+": read rows", err)
	}
	rows := make([]tracking.Schedule, len(docs))
	for i, d := range docs {
		rows[i] = d.schedule()
	}
	return rows, nil
}

// HoldRows moves the end of the lease on the ticket's rows still leased with
// its token to until (wall clock) and records it on the ticket, so the rows
// are not submitted again while a late answer is awaited. Call it while the
// lease still runs. The leases are replaced (delete, then insert) rather than
// updated, as claims are (see pollLease): a row claimed by another worker in
// the instant between is simply no longer the ticket's. It returns how many
// rows the ticket still holds.
func (s *Tickets) HoldRows(ctx context.Context, t tracking.Ticket, until time.Time) (int, error) {
	leases := s.db.db.Collection(colPollLeases)
	// A scan, but of the small leases collection.
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: t.IDs()}}}, {Key: "token", Value: t.Token}}
	cur, err := leases.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, mapErr("ticket "+t.ID+": hold rows", err)
	}
	var leased []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &leased); err != nil {
		return 0, mapErr("ticket "+t.ID+": hold rows", err)
	}
	held := 0
	if len(leased) > 0 {
		if _, err := leases.DeleteMany(ctx, filter); err != nil {
			return 0, mapErr("ticket "+t.ID+": hold rows", err)
		}
		docs := make([]any, len(leased))
		for i, l := range leased {
			docs[i] = pollLease{ID: l.ID, Token: t.Token, Owner: t.Submitter, Until: until}
		}
		_, err = leases.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		var bwe mongo.BulkWriteException
		switch {
		case err == nil:
		case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
			for _, we := range bwe.WriteErrors {
				if we.Code != 11000 && !isDuplicate(we) {
					return 0, mapErr("ticket "+t.ID+": hold rows", err)
				}
			}
		default:
			return 0, mapErr("ticket "+t.ID+": hold rows", err)
		}
		held = len(leased) - len(bwe.WriteErrors)
	}
	// Served by _id.
	_, err = s.db.db.Collection(colTickets).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: t.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "rows_until", Value: until}}}})
	return held, mapErr("ticket "+t.ID+": hold rows", err)
}
