package shopapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"parceltrack/billing"
	"parceltrack/insales"
	"parceltrack/notify"
	"parceltrack/tracking"
)

// Source says where an order event came from.
type Source string

// Event sources.
const (
	SourceWebhook   Source = "webhook"
	SourceReconcile Source = "reconcile"
)

// Outcome says what importing an order event did.
type Outcome string

// Import outcomes.
const (
	// OutcomeIgnored: nothing to do (no track and no parcel, setup not done,
	// shop uninstalled).
	OutcomeIgnored Outcome = "ignored"
	// OutcomeDuplicate: this (order, updated_at) was handled before.
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeStale: the event is older than what the parcel already reflects.
	OutcomeStale Outcome = "stale"
	// OutcomeUnchanged: the order's track and buyer are as stored.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeUpdated: the buyer or order details changed on the parcel.
	OutcomeUpdated Outcome = "updated"
	// OutcomeCreated: the order's first track became a parcel.
	OutcomeCreated Outcome = "created"
	// OutcomeReplaced: a new track replaced the order's previous one.
	OutcomeReplaced Outcome = "replaced"
	// OutcomeReactivated: a track the order had before is its track again.
	OutcomeReactivated Outcome = "reactivated"
	// OutcomeStopped: the track was cleared; its parcel stopped.
	OutcomeStopped Outcome = "stopped"
)

// ImportResult reports what ImportOrder did.
type ImportResult struct {
	Outcome Outcome
	// ParcelID and State describe the order's current parcel afterwards
	// (empty when there is none).
	ParcelID string
	State    tracking.State
	// Charged is true when this import paid for a parcel.
	Charged bool
}

// maxTrackRunes caps what is kept of a track field's value; anything longer
// is not a track number anyway.
const maxTrackRunes = 64

// ParcelID is the id of the parcel for one track of one order. It is derived
// from the three, so a retried or duplicated import writes the same documents
// and charges the same ref instead of making a second parcel.
func ParcelID(shopID string, orderID int64, track string) string {
	sum := sha256.Sum256([]byte(shopID + "\x00" + strconv.FormatInt(orderID, 10) + "\x00" + track))
	return hex.EncodeToString(sum[:12])
}

// ChargeRef is the ledger ref of a parcel's tracking charge: one per parcel,
// however often its import runs.
func ChargeRef(parcelID string) string { return "track:" + parcelID }

// EventKey identifies one state of an order for deduplication: the same
// (shop, order, updated_at) delivered twice is one event. It is "" when the
// order carries no updated_at.
func EventKey(shopID string, orderID int64, updatedAt time.Time) string {
	if updatedAt.IsZero() {
		return ""
	}
	return shopID + ":" + strconv.FormatInt(orderID, 10) + ":" + strconv.FormatInt(updatedAt.UnixMicro(), 10)
}

// ImportOrder applies one order event (a webhook delivery or an order the
// reconciler read) to the order's parcels:
//   - a track in the app's field creates the parcel (charged as a track) with
//     the buyer's name, phone, e-mail, the order number, product names and
//     destination postcode, or updates those on the existing parcel;
//   - a different track stops the old parcel and creates a new one, charged
//     again as a track change;
//   - a cleared track stops the parcel.
//
// The same event twice changes nothing (events_seen, and every write and
// charge is keyed by the parcel id). A parcel the balance cannot pay for is
// stored in state no_balance and not polled until ResumeNoBalance.
func (a *App) ImportOrder(ctx context.Context, shop Shop, o insales.Order, src Source) (ImportResult, error) {
	if shop.Uninstalled() || shop.Settings.TrackFieldID == 0 || o.ID == 0 {
		return ImportResult{Outcome: OutcomeIgnored}, nil
	}
	key := EventKey(shop.ID, o.ID, o.UpdatedAt)
	if key != "" {
		seen, err := a.o.Events.Seen(ctx, key)
		if err != nil {
			return ImportResult{}, fmt.Errorf("shopapp: import %s: %w", o, err)
		}
		if seen {
			return ImportResult{Outcome: OutcomeDuplicate}, nil
		}
	}
	res, err := a.applyOrder(ctx, shop, o)
	if err != nil {
		return ImportResult{}, fmt.Errorf("shopapp: import %s: %w", o, err)
	}
	if key != "" && res.Outcome != OutcomeIgnored {
		if err := a.o.Events.MarkSeen(ctx, key, a.o.Now()); err != nil {
			return res, fmt.Errorf("shopapp: import %s: %w", o, err)
		}
	}
	if res.Outcome != OutcomeIgnored && res.Outcome != OutcomeUnchanged && res.Outcome != OutcomeStale {
		a.log.Info("order imported", slog.String("shop_id", shop.ID), slog.Int64("order_id", o.ID),
			slog.String("source", string(src)), slog.String("outcome", string(res.Outcome)),
			slog.String("parcel_id", res.ParcelID), slog.String("state", string(res.State)), slog.Bool("charged", res.Charged))
	}
	return res, nil
}

func (a *App) applyOrder(ctx context.Context, shop Shop, o insales.Order) (ImportResult, error) {
	raw, _ := o.FieldValue(shop.Settings.TrackFieldID)
	track := tracking.Normalize(raw)
	if r := []rune(track); len(r) > maxTrackRunes {
		track = string(r[:maxTrackRunes])
	}
	parcels, err := a.o.Parcels.OrderParcels(ctx, shop.ID, o.ID)
	if err != nil {
		return ImportResult{}, err
	}
	cur := currentParcel(parcels)
	if cur == nil && track == "" {
		return ImportResult{Outcome: OutcomeIgnored}, nil
	}
	if cur != nil && !o.UpdatedAt.IsZero() && o.UpdatedAt.Before(cur.OrderUpdatedAt) {
		return ImportResult{Outcome: OutcomeStale, ParcelID: cur.ID, State: cur.State}, nil
	}
	facts := orderFacts(o)
	now := a.o.Now()

	switch {
	case track == "":
		n, err := a.stopOthers(ctx, parcels, "", StopTrackCleared, o.UpdatedAt, now)
		if err != nil {
			return ImportResult{}, err
		}
		if n == 0 {
			return ImportResult{Outcome: OutcomeUnchanged}, nil
		}
		return ImportResult{Outcome: OutcomeStopped, ParcelID: cur.ID, State: tracking.StateStopped}, nil

	case cur != nil && cur.Track == track && !cur.Stopped():
		// Finish a replacement a crash may have interrupted.
		if _, err := a.stopOthers(ctx, parcels, cur.ID, StopTrackChanged, o.UpdatedAt, now); err != nil {
			return ImportResult{}, err
		}
		res := ImportResult{Outcome: OutcomeUnchanged, ParcelID: cur.ID, State: cur.State}
		if factsChanged(cur.OrderFacts, facts) {
			if err := a.o.Parcels.UpdateFacts(ctx, cur.ID, facts, cur.DestPostcode != facts.DestPostcode, now); err != nil {
				return ImportResult{}, err
			}
			res.Outcome = OutcomeUpdated
		}
		return res, nil

	case cur != nil && cur.Track == track:
		// The order's stopped parcel: a re-entered track follows it again;
		// one stopped by an uninstall waits for the reinstall (resumeUninstalled).
		if cur.StopReason != StopTrackCleared && cur.StopReason != StopTrackChanged {
			return ImportResult{Outcome: OutcomeUnchanged, ParcelID: cur.ID, State: cur.State}, nil
		}
		return a.reactivate(ctx, shop, *cur, parcels, facts, now)
	}

	// A new track for the order.
	if i := slices.IndexFunc(parcels, func(p Parcel) bool { return p.Track == track }); i >= 0 {
		return a.reactivate(ctx, shop, parcels[i], parcels, facts, now)
	}
	kind := billing.KindTrack
	if slices.ContainsFunc(parcels, func(p Parcel) bool { return p.Charged }) {
		kind = billing.KindTrackChange
	}
	p := Parcel{
		ID: ParcelID(shop.ID, o.ID, track), ShopID: shop.ID, OrderID: o.ID, Track: track, Carrier: CarrierRussianPost,
		OrderFacts: facts, ChargeKind: kind, TrackSetAt: now, CreatedAt: now, UpdatedAt: now,
	}
	charged, err := a.payAndSchedule(ctx, shop, &p)
	if err != nil {
		return ImportResult{}, err
	}
	if err := a.createLink(ctx, &p); err != nil {
		return ImportResult{}, err
	}
	// The parcel is written last: until it exists a retry redoes the steps
	// above, which are idempotent.
	if err := a.o.Parcels.InsertParcel(ctx, p, now); err != nil && !errors.Is(err, ErrConflict) {
		return ImportResult{}, err
	}
	if _, err := a.stopOthers(ctx, parcels, p.ID, StopTrackChanged, o.UpdatedAt, now); err != nil {
		return ImportResult{}, err
	}
	out := OutcomeCreated
	if len(parcels) > 0 {
		out = OutcomeReplaced
	}
	return ImportResult{Outcome: out, ParcelID: p.ID, State: p.State, Charged: charged}, nil
}

// reactivate makes a stopped parcel of the order its current one again. A
// parcel paid for before is not charged again.
func (a *App) reactivate(ctx context.Context, shop Shop, p Parcel, all []Parcel, facts OrderFacts, now time.Time) (ImportResult, error) {
	p.OrderFacts = facts
	p.StoppedAt, p.StopReason = time.Time{}, ""
	p.TrackSetAt, p.UpdatedAt = now, now
	charged, err := a.payAndSchedule(ctx, shop, &p)
	if err != nil {
		return ImportResult{}, err
	}
	if err := a.o.Parcels.Reactivate(ctx, p, now); err != nil {
		return ImportResult{}, err
	}
	if _, err := a.stopOthers(ctx, all, p.ID, StopTrackChanged, facts.OrderUpdatedAt, now); err != nil {
		return ImportResult{}, err
	}
	return ImportResult{Outcome: OutcomeReactivated, ParcelID: p.ID, State: p.State, Charged: charged}, nil
}

// payAndSchedule decides the parcel's starting state — track_error for a
// number of the wrong shape (never charged, never polled), registered once
// paid, no_balance when the balance cannot pay — and writes its polling row.
// It reports whether this call charged.
func (a *App) payAndSchedule(ctx context.Context, shop Shop, p *Parcel) (bool, error) {
	charged := false
	switch _, verr := tracking.Validate(p.Track); {
	case verr != nil:
		p.State = tracking.StateTrackError
	case p.Charged:
		p.State = tracking.StateRegistered
	default:
		err := a.charge(ctx, *p)
		switch {
		case errors.Is(err, billing.ErrInsufficientFunds):
			p.State = tracking.StateNoBalance
		case err != nil:
			return false, err
		default:
			p.State, p.Charged, charged = tracking.StateRegistered, true, true
		}
	}
	p.EnteredAt = a.o.TrackingClock()
	if err := a.o.Parcels.Schedule(ctx, a.schedule(shop, *p)); err != nil {
		return false, err
	}
	return charged, nil
}

// charge pays for tracking the parcel, once per parcel whatever the retries.
func (a *App) charge(ctx context.Context, p Parcel) error {
	prices := a.o.Billing.Prices()
	amount := prices.Track
	if p.ChargeKind == billing.KindTrackChange {
		amount = prices.TrackChange
	}
	if amount <= 0 {
		return nil
	}
	_, err := a.o.Billing.Charge(ctx, p.ShopID, ChargeRef(p.ID), amount, p.ChargeKind, billing.Meta{
		Actor:    billing.Actor{Type: billing.ActorSystem, Reason: "tracking order " + strconv.FormatInt(p.OrderID, 10)},
		ParcelID: p.ID,
	})
	return err
}

// CarrierRussianPost names the carrier of every imported parcel for now.
const CarrierRussianPost = "russianpost"

// schedule is the polling schedule of a parcel in its state, tracked from
// its EnteredAt: a registered parcel is polled at once (on the tracking
// clock), others not at all.
func (a *App) schedule(shop Shop, p Parcel) tracking.Schedule {
	s := tracking.Schedule{
		ID: p.ID, ShopID: p.ShopID, Track: p.Track, Carrier: CarrierRussianPost, EnteredAt: p.EnteredAt,
		DestPostcode: p.DestPostcode, StorageDays: shop.Settings.StorageDays, State: p.State,
	}
	if p.State == tracking.StateRegistered {
		s.NextPollAt = a.o.TrackingClock()
		s.Priority = tracking.Priority(tracking.Status{State: p.State})
	}
	return s
}

// stopOthers stops every parcel of the order that is not stopped, except
// keep, and returns how many it stopped.
func (a *App) stopOthers(ctx context.Context, parcels []Parcel, keep, reason string, orderUpdatedAt, now time.Time) (int, error) {
	n := 0
	for _, p := range parcels {
		if p.ID == keep || p.Stopped() {
			continue
		}
		if err := a.o.Parcels.StopParcel(ctx, p.ID, reason, orderUpdatedAt, now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ResumeNoBalance charges the shop's parcels waiting in no_balance, oldest
// first, and schedules each one paid for, until the balance runs out. Call it
// after every credit to the shop. It returns how many parcels it resumed.
func (a *App) ResumeNoBalance(ctx context.Context, shopID string) (int, error) {
	shop, err := a.shopByID(ctx, shopID)
	if err != nil {
		return 0, err
	}
	if shop.Uninstalled() {
		return 0, nil
	}
	const batch = 50
	n := 0
	for {
		waiting, err := a.o.Parcels.NoBalanceParcels(ctx, shopID, batch)
		if err != nil {
			return n, fmt.Errorf("shopapp: resume %s: %w", shopID, err)
		}
		for _, p := range waiting {
			err := a.charge(ctx, p)
			if errors.Is(err, billing.ErrInsufficientFunds) {
				a.logResumed(shopID, n, true)
				return n, nil
			}
			if err != nil {
				return n, fmt.Errorf("shopapp: resume %s: %w", p.ID, err)
			}
			p.State, p.EnteredAt = tracking.StateRegistered, a.o.TrackingClock()
			if err := a.o.Parcels.Schedule(ctx, a.schedule(shop, p)); err != nil {
				return n, fmt.Errorf("shopapp: resume %s: %w", p.ID, err)
			}
			if err := a.o.Parcels.MarkCharged(ctx, p.ID, p.State, p.EnteredAt, a.o.Now()); err != nil {
				return n, fmt.Errorf("shopapp: resume %s: %w", p.ID, err)
			}
			n++
		}
		if len(waiting) < batch {
			a.logResumed(shopID, n, false)
			return n, nil
		}
	}
}

// resumeUninstalled tracks again, after a reinstall, the parcels the
// uninstall stopped: the reminders are what the merchant installed the app
// for. A parcel paid for before is not charged again and keeps its entry
// date; it is polled at once, which brings its state up to date. One never
// paid for (it waited for money, or its number is wrong) starts over as a
// new import would. It returns how many parcels it resumed.
func (a *App) resumeUninstalled(ctx context.Context, shop Shop) (int, error) {
	const batch = 50
	n := 0
	for {
		stopped, err := a.o.Parcels.StoppedParcels(ctx, shop.ID, StopUninstalled, batch)
		if err != nil {
			return n, fmt.Errorf("resume after reinstall: %w", err)
		}
		for _, p := range stopped {
			p.StoppedAt, p.StopReason = time.Time{}, ""
			p.UpdatedAt = a.o.Now()
			if p.Charged {
				// Keeps its entry date: it was tracked (and paid for) then.
				p.State = tracking.StateRegistered
				err = a.o.Parcels.Schedule(ctx, a.schedule(shop, p))
			} else {
				_, err = a.payAndSchedule(ctx, shop, &p)
			}
			if err == nil {
				err = a.o.Parcels.Reactivate(ctx, p, p.UpdatedAt)
			}
			if err != nil {
				return n, fmt.Errorf("resume %s after reinstall: %w", p.ID, err)
			}
			n++
		}
		if len(stopped) < batch {
			if n > 0 {
				a.log.Info("parcels tracked again after reinstall", slog.String("shop_id", shop.ID), slog.Int("parcels", n))
			}
			return n, nil
		}
	}
}

func (a *App) logResumed(shopID string, n int, short bool) {
	if n > 0 || short {
		a.log.Info("no_balance parcels resumed", slog.String("shop_id", shopID), slog.Int("parcels", n), slog.Bool("balance_short", short))
	}
}

// currentParcel is the parcel whose track the order carries or carried last:
// the one whose track was set most recently.
func currentParcel(ps []Parcel) *Parcel {
	var cur *Parcel
	for i := range ps {
		p := &ps[i]
		if cur == nil || p.TrackSetAt.After(cur.TrackSetAt) || (p.TrackSetAt.Equal(cur.TrackSetAt) && p.CreatedAt.After(cur.CreatedAt)) {
			cur = p
		}
	}
	return cur
}

// orderFacts copies what a parcel keeps from its order. The phone becomes
// E.164 when it can receive messages; otherwise it is kept as written and
// flagged, like an e-mail address net/mail cannot parse.
func orderFacts(o insales.Order) OrderFacts {
	f := OrderFacts{
		Buyer:          Buyer{Name: o.BuyerName(), Greeting: o.BuyerGreeting()},
		Products:       o.ProductNames(),
		DestPostcode:   o.DestinationZip(),
		OrderUpdatedAt: o.UpdatedAt,
	}
	if o.Number != 0 {
		f.OrderNumber = strconv.FormatInt(o.Number, 10)
	}
	if raw := o.BuyerPhone(); raw != "" {
		if e164, err := notify.NormalizePhone(raw, "RU"); err == nil {
			f.Buyer.Phone, f.Buyer.PhoneOK = e164, true
		} else {
			f.Buyer.Phone = raw
		}
	}
	f.Buyer.Email, f.Buyer.EmailOK = checkEmail(o.BuyerEmail())
	return f
}

// checkEmail returns the address to store and whether mail can be sent to
// it: net/mail must parse it, and its domain must have a dot.
func checkEmail(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", false
	}
	addr, err := mail.ParseAddress(raw)
	if err != nil {
		return raw, false
	}
	at := strings.LastIndexByte(addr.Address, '@')
	if at < 1 || !strings.Contains(addr.Address[at+1:], ".") {
		return raw, false
	}
	return addr.Address, true
}

func factsChanged(old, cur OrderFacts) bool {
	return old.OrderNumber != cur.OrderNumber || old.Buyer != cur.Buyer ||
		!slices.Equal(old.Products, cur.Products) || old.DestPostcode != cur.DestPostcode
}
