package storage

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/billing"
)

// Ledger is the money store: the shops' balances, the changes pending on them
// and the ledger collection. It implements billing.Store; billing holds the
// protocol (see the billing package comment), this file the atomic steps.
type Ledger struct {
	db *DB
	// findEach says LedgerByRefs reads one ref per round trip: the embedded
	// server answers only a filter of exactly {_id: <string>} without
	// reading the whole collection (see LedgerByRefs).
	findEach bool
}

// Ledger returns the money store.
func (d *DB) Ledger() *Ledger { return &Ledger{db: d, findEach: d.tuneDir != ""} }

// actorDoc is billing.Actor as stored.
type actorDoc struct {
	Type   string `bson:"type"`
	ID     string `bson:"id,omitempty"`
	Reason string `bson:"reason,omitempty"`
}

// pendingDoc is a change applied to shops.balance but perhaps not yet in the
// ledger; it carries the whole future ledger entry so anyone can record it.
type pendingDoc struct {
	Op             string    `bson:"op"`
	Ref            string    `bson:"ref"`
	Kind           string    `bson:"kind"`
	Amount         int64     `bson:"amount"`
	BalanceAfter   int64     `bson:"balance_after"`
	Seq            int64     `bson:"seq"`
	Actor          actorDoc  `bson:"actor"`
	ParcelID       string    `bson:"parcel_id,omitempty"`
	NotificationID string    `bson:"notification_id,omitempty"`
	At             time.Time `bson:"at"`
}

// ledgerDoc is one ledger row. Its _id is LedgerKey(shop, ref): a lookup by
// ref is then a primary-key read, the one query the embedded server pushes
// down to SQLite. The same key is stored in ref, because the ref_unique index
// (migration 0001) needs the field; scoping it by shop keeps two shops' refs
// apart.
type ledgerDoc struct {
	ID             string    `bson:"_id"`
	Ref            string    `bson:"ref"`
	ShopID         string    `bson:"shop_id"`
	Kind           string    `bson:"kind"`
	Amount         int64     `bson:"amount"`
	BalanceAfter   int64     `bson:"balance_after"`
	Seq            int64     `bson:"seq"`
	Actor          actorDoc  `bson:"actor"`
	ParcelID       string    `bson:"parcel_id,omitempty"`
	NotificationID string    `bson:"notification_id,omitempty"`
	CreatedAt      time.Time `bson:"created_at"`
}

// accountDoc is the part of a shop the ledger reads.
type accountDoc struct {
	ID         string       `bson:"_id"`
	Balance    int64        `bson:"balance"`
	BalanceSeq int64        `bson:"balance_seq"`
	Pending    []pendingDoc `bson:"pending"`
}

// LedgerKey is the stored key of a shop's ref.
func LedgerKey(shopID, ref string) string { return shopID + ":" + ref }

func toActorDoc(a billing.Actor) actorDoc {
	return actorDoc{Type: string(a.Type), ID: a.ID, Reason: a.Reason}
}

func (a actorDoc) actor() billing.Actor {
	return billing.Actor{Type: billing.ActorType(a.Type), ID: a.ID, Reason: a.Reason}
}

func toPendingDoc(p billing.Pending) pendingDoc {
	return pendingDoc{
		Op: p.Op, Ref: p.Ref, Kind: string(p.Kind), Amount: p.Amount, BalanceAfter: p.BalanceAfter,
		Seq: p.Seq, Actor: toActorDoc(p.Actor), ParcelID: p.ParcelID, NotificationID: p.NotificationID,
		At: p.CreatedAt.UTC().Truncate(time.Millisecond),
	}
}

func (p pendingDoc) pending(shopID string) billing.Pending {
	return billing.Pending{Op: p.Op, Entry: billing.Entry{
		ShopID: shopID, Ref: p.Ref, Kind: billing.Kind(p.Kind), Amount: p.Amount,
		BalanceAfter: p.BalanceAfter, Seq: p.Seq, Actor: p.Actor.actor(),
		ParcelID: p.ParcelID, NotificationID: p.NotificationID, CreatedAt: p.At,
	}}
}

func (d ledgerDoc) entry() billing.Entry {
	return billing.Entry{
		ShopID: d.ShopID, Ref: strings.TrimPrefix(d.Ref, d.ShopID+":"), Kind: billing.Kind(d.Kind), Amount: d.Amount,
		BalanceAfter: d.BalanceAfter, Seq: d.Seq, Actor: d.Actor.actor(),
		ParcelID: d.ParcelID, NotificationID: d.NotificationID, CreatedAt: d.CreatedAt,
	}
}

// Account reads a shop's balance, balance version and pending changes.
func (l *Ledger) Account(ctx context.Context, shopID string) (billing.Account, bool, error) {
	// Served by _id.
	var doc accountDoc
	err := l.db.db.Collection(colShops).FindOne(ctx, bson.D{{Key: "_id", Value: shopID}},
		options.FindOne().SetProjection(bson.D{
			{Key: "balance", Value: 1}, {Key: "balance_seq", Value: 1}, {Key: "pending", Value: 1},
		})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return billing.Account{}, false, nil
	}
	if err != nil {
		return billing.Account{}, false, mapErr("read account "+shopID, err)
	}
	acc := billing.Account{ShopID: doc.ID, Balance: doc.Balance, Seq: doc.BalanceSeq}
	for _, p := range doc.Pending {
		acc.Pending = append(acc.Pending, p.pending(doc.ID))
	}
	return acc, true, nil
}

// ApplyPending changes the balance by p.Amount and records p as pending, in
// one atomic update, only if the balance version is still seq, p.Ref is not
// pending, and a debit leaves the balance non-negative.
func (l *Ledger) ApplyPending(ctx context.Context, shopID string, seq int64, p billing.Pending) (bool, error) {
	return l.ApplyPendingMany(ctx, shopID, seq, []billing.Pending{p})
}

// ApplyPendingMany is ApplyPending for several changes in one atomic update:
// only if the balance version is still seq, none of ps' refs is pending and
// the balance, taking the changes in order, never goes below zero, it adds
// their amounts, advances the version by len(ps) and appends ps. The caller
// gives ps distinct refs and the seqs seq+1, seq+2, ….
func (l *Ledger) ApplyPendingMany(ctx context.Context, shopID string, seq int64, ps []billing.Pending) (bool, error) {
	if len(ps) == 0 {
		return false, errors.New("apply balance changes: none given")
	}
	var version any = seq
	if seq == 0 {
		// A shop written before balance_seq existed has no such field.
		version = bson.D{{Key: "$in", Value: bson.A{int64(0), nil}}}
	}
	refs := make(bson.A, len(ps))
	docs := make(bson.A, len(ps))
	var total, lowest int64
	for i, p := range ps {
		refs[i], docs[i] = p.Ref, toPendingDoc(p)
		total += p.Amount
		lowest = min(lowest, total)
	}
	filter := bson.D{
		{Key: "_id", Value: shopID},
		{Key: "balance_seq", Value: version},
		// Not {pending.ref: {$nin: refs}}: the embedded server matches $nin
		// and $ne on an array of documents when any element differs.
		{Key: "$nor", Value: bson.A{bson.D{{Key: "pending.ref", Value: bson.D{{Key: "$in", Value: refs}}}}}},
	}
	if lowest < 0 {
		filter = append(filter, bson.E{Key: "balance", Value: bson.D{{Key: "$gte", Value: -lowest}}})
	}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "balance", Value: total}, {Key: "balance_seq", Value: int64(len(ps))}}},
		{Key: "$push", Value: bson.D{{Key: "pending", Value: bson.D{{Key: "$each", Value: docs}}}}},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: ps[len(ps)-1].CreatedAt}}},
	}
	// Served by _id; the other conditions are checked on that one document.
	res, err := l.db.db.Collection(colShops).UpdateOne(ctx, filter, update)
	if err != nil {
		return false, mapErr("apply balance change "+ps[0].Ref, err)
	}
	return res.MatchedCount == 1, nil
}

// ClearPending removes the pending change p from the shop, if still there.
func (l *Ledger) ClearPending(ctx context.Context, p billing.Pending) error {
	return l.ClearPendingMany(ctx, p.ShopID, []billing.Pending{p})
}

// ClearPendingMany removes the pending changes ps from the shop, those still
// there.
func (l *Ledger) ClearPendingMany(ctx context.Context, shopID string, ps []billing.Pending) error {
	if len(ps) == 0 {
		return nil
	}
	docs := make(bson.A, len(ps))
	for i, p := range ps {
		docs[i] = toPendingDoc(p)
	}
	// Served by _id. The whole elements are given, not a condition on op:
	// the embedded server's $pull and $pullAll only remove elements equal to
	// a value.
	_, err := l.db.db.Collection(colShops).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: shopID}},
		bson.D{{Key: "$pullAll", Value: bson.D{{Key: "pending", Value: docs}}}})
	return mapErr("clear pending "+ps[0].Ref, err)
}

// InsertLedger records e; it reports false when the shop's ledger already has
// an entry with e.Ref.
func (l *Ledger) InsertLedger(ctx context.Context, e billing.Entry) (bool, error) {
	// The unique _id (and ref_unique) turn a repeat into a duplicate key.
	_, err := l.db.db.Collection(colLedger).InsertOne(ctx, toLedgerDoc(e))
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr("insert ledger "+e.Ref, err)
	}
	return true, nil
}

// InsertLedgerMany records es in one round trip; inserted[i] is false when
// the shop's ledger already has an entry with es[i].Ref.
func (l *Ledger) InsertLedgerMany(ctx context.Context, es []billing.Entry) ([]bool, error) {
	if len(es) == 0 {
		return nil, nil
	}
	docs := make([]any, len(es))
	inserted := make([]bool, len(es))
	for i, e := range es {
		docs[i], inserted[i] = toLedgerDoc(e), true
	}
	// Unordered, so that a repeat (an entry someone else recorded first)
	// does not stop the entries after it; each repeat comes back as a
	// duplicate key at its index.
	_, err := l.db.db.Collection(colLedger).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil && len(bwe.WriteErrors) > 0 {
		for _, we := range bwe.WriteErrors {
			if !isDuplicate(we.WriteError) || we.Index < 0 || we.Index >= len(es) {
				return nil, mapErr("insert ledger "+es[0].Ref, err)
			}
			inserted[we.Index] = false
		}
		return inserted, nil
	}
	if err != nil {
		return nil, mapErr("insert ledger "+es[0].Ref, err)
	}
	return inserted, nil
}

func toLedgerDoc(e billing.Entry) ledgerDoc {
	key := LedgerKey(e.ShopID, e.Ref)
	return ledgerDoc{
		ID: key, Ref: key, ShopID: e.ShopID, Kind: string(e.Kind), Amount: e.Amount,
		BalanceAfter: e.BalanceAfter, Seq: e.Seq, Actor: toActorDoc(e.Actor),
		ParcelID: e.ParcelID, NotificationID: e.NotificationID, CreatedAt: e.CreatedAt,
	}
}

// LedgerByRef reads the shop's ledger entry with ref.
func (l *Ledger) LedgerByRef(ctx context.Context, shopID, ref string) (billing.Entry, bool, error) {
	// Served by _id (the key also serves ref_unique on MongoDB).
	var doc ledgerDoc
	err := l.db.db.Collection(colLedger).FindOne(ctx, bson.D{{Key: "_id", Value: LedgerKey(shopID, ref)}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return billing.Entry{}, false, nil
	}
	if err != nil {
		return billing.Entry{}, false, mapErr("read ledger "+ref, err)
	}
	return doc.entry(), true, nil
}

// LedgerByRefs reads the shop's ledger entries with the given refs, by ref;
// a ref with no entry is not in the map.
//
// On MongoDB that is one find of the keys, served by _id. On the embedded
// server a filter other than exactly {_id: <string>} reads the whole ledger
// — every shop's, which grows with every message — so there it is one find
// by _id per ref: more round trips, each costing the same however big the
// ledger. Measured with BenchmarkLedgerByRefs (50 refs, half of them there,
// 2 cores): at 1,000 ledger entries $in takes 72–80 ms and 50 finds by _id
// 23–25 ms; at 10,000 entries $in takes 540–670 ms and the 50 finds 31–38
// ms. Every other request waits behind such a scan on the embedded server's
// one connection.
func (l *Ledger) LedgerByRefs(ctx context.Context, shopID string, refs []string) (map[string]billing.Entry, error) {
	out := make(map[string]billing.Entry, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	if l.findEach {
		for _, ref := range refs {
			e, found, err := l.LedgerByRef(ctx, shopID, ref)
			if err != nil {
				return nil, err
			}
			if found {
				out[ref] = e
			}
		}
		return out, nil
	}
	keys := make(bson.A, len(refs))
	for i, ref := range refs {
		keys[i] = LedgerKey(shopID, ref)
	}
	// Served by _id.
	cur, err := l.db.db.Collection(colLedger).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}})
	if err != nil {
		return nil, mapErr("read ledger "+refs[0], err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc ledgerDoc
		if err := cur.Decode(&doc); err != nil {
			return nil, mapErr("decode ledger", err)
		}
		e := doc.entry()
		out[e.Ref] = e
	}
	return out, mapErr("read ledger "+refs[0], cur.Err())
}

// ListLedger returns the shop's entries, newest first, skipping offset.
func (l *Ledger) ListLedger(ctx context.Context, shopID string, offset, limit int) ([]billing.Entry, error) {
	// Served by shop_seq (migration 0003): seq orders a shop's changes
	// exactly, where created_at (taken before the compare-and-set) may not.
	cur, err := l.db.db.Collection(colLedger).Find(ctx, bson.D{{Key: "shop_id", Value: shopID}},
		options.Find().SetSort(bson.D{{Key: "seq", Value: -1}}).
			SetSkip(int64(offset)).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("list ledger "+shopID, err)
	}
	defer cur.Close(ctx)
	out := []billing.Entry{}
	for cur.Next(ctx) {
		var doc ledgerDoc
		if err := cur.Decode(&doc); err != nil {
			return nil, mapErr("decode ledger", err)
		}
		out = append(out, doc.entry())
	}
	return out, mapErr("list ledger "+shopID, cur.Err())
}

// SumLedger adds up the shop's ledger amounts on the server. One accumulator
// only: the embedded server computes wrong values with more (see "The
// embedded database" in docs/architecture.md).
func (l *Ledger) SumLedger(ctx context.Context, shopID string) (int64, error) {
	// $match served by shop_created.
	cur, err := l.db.db.Collection(colLedger).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "shop_id", Value: shopID}}}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: nil},
			{Key: "total", Value: bson.D{{Key: "$sum", Value: "$amount"}}},
		}}},
	})
	if err != nil {
		return 0, mapErr("sum ledger "+shopID, err)
	}
	defer cur.Close(ctx)
	var rows []struct {
		Total int64 `bson:"total"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return 0, mapErr("sum ledger "+shopID, err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].Total, nil
}

// ShopsWithPending lists the shops with a change pending since before before.
func (l *Ledger) ShopsWithPending(ctx context.Context, before time.Time) ([]string, error) {
	// Served by pending_at (migration 0003); almost always an empty range.
	cur, err := l.db.db.Collection(colShops).Find(ctx,
		bson.D{{Key: "pending.at", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, mapErr("find pending", err)
	}
	defer cur.Close(ctx)
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, mapErr("find pending", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// ShopIDs pages through every shop id; see Shops.IDs.
func (l *Ledger) ShopIDs(ctx context.Context, after string, limit int) ([]string, error) {
	return l.db.Shops().ShopIDs(ctx, after, limit)
}
