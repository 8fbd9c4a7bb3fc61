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
type Ledger struct{ db *DB }

// Ledger returns the money store.
func (d *DB) Ledger() *Ledger { return &Ledger{db: d} }

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
	var version any = seq
	if seq == 0 {
		// A shop written before balance_seq existed has no such field.
		version = bson.D{{Key: "$in", Value: bson.A{int64(0), nil}}}
	}
	filter := bson.D{
		{Key: "_id", Value: shopID},
		{Key: "balance_seq", Value: version},
		{Key: "pending.ref", Value: bson.D{{Key: "$ne", Value: p.Ref}}},
	}
	if p.Amount < 0 {
		filter = append(filter, bson.E{Key: "balance", Value: bson.D{{Key: "$gte", Value: -p.Amount}}})
	}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "balance", Value: p.Amount}, {Key: "balance_seq", Value: int64(1)}}},
		{Key: "$push", Value: bson.D{{Key: "pending", Value: toPendingDoc(p)}}},
		{Key: "$set", Value: bson.D{{Key: "updated_at", Value: p.CreatedAt}}},
	}
	// Served by _id; the other conditions are checked on that one document.
	res, err := l.db.db.Collection(colShops).UpdateOne(ctx, filter, update)
	if err != nil {
		return false, mapErr("apply balance change "+p.Ref, err)
	}
	return res.MatchedCount == 1, nil
}

// ClearPending removes the pending change p from the shop, if still there.
func (l *Ledger) ClearPending(ctx context.Context, p billing.Pending) error {
	// Served by _id. The whole element is given, not a condition on op: the
	// embedded server's $pull only removes elements equal to the value.
	_, err := l.db.db.Collection(colShops).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: p.ShopID}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "pending", Value: toPendingDoc(p)}}}})
	return mapErr("clear pending "+p.Ref, err)
}

// InsertLedger records e; it reports false when the shop's ledger already has
// an entry with e.Ref.
func (l *Ledger) InsertLedger(ctx context.Context, e billing.Entry) (bool, error) {
	key := LedgerKey(e.ShopID, e.Ref)
	// The unique _id (and ref_unique) turn a repeat into a duplicate key.
	_, err := l.db.db.Collection(colLedger).InsertOne(ctx, ledgerDoc{
		ID: key, Ref: key, ShopID: e.ShopID, Kind: string(e.Kind), Amount: e.Amount,
		BalanceAfter: e.BalanceAfter, Seq: e.Seq, Actor: toActorDoc(e.Actor),
		ParcelID: e.ParcelID, NotificationID: e.NotificationID, CreatedAt: e.CreatedAt,
	})
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, mapErr("insert ledger "+e.Ref, err)
	}
	return true, nil
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
