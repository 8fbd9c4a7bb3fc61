package messages

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"parceltrack/notify"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// Planner stores what a parcel's change makes due. It is the poller's
// hook: the poll is finished only once the rows are stored, so a change is
// never lost, and the rows' unique keys make seeing it twice harmless.
type Planner struct {
	store   Store
	parcels Parcels
	shops   Shops
	log     *slog.Logger
	now     func() time.Time
	wake    func()
}

// PlannerOptions configure a Planner.
type PlannerOptions struct {
	Store   Store
	Parcels Parcels
	Shops   Shops
	Logger  *slog.Logger
	// Clock stamps the rows (wall clock); nil: time.Now.
	Clock func() time.Time
	// Wake, when set, is called after new rows were stored (the
	// dispatcher's nudge).
	Wake func()
}

// NewPlanner builds a Planner.
func NewPlanner(o PlannerOptions) *Planner {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return &Planner{store: o.Store, parcels: o.Parcels, shops: o.Shops, log: o.Logger, now: o.Clock, wake: o.Wake}
}

// OnChange plans the parcel's messages for its new status: two reads (the
// parcel's contacts, the shop's settings) and one insert of whatever is
// new. Messages already out of date at c.At (a reminder for a day long
// past, for a parcel first seen waiting) are not stored at all.
func (p *Planner) OnChange(ctx context.Context, c tracking.Change) error {
	parcel, err := p.parcels.Parcel(ctx, c.Schedule.ID)
	if isNotFound(err) {
		return nil // cleared meanwhile: nothing to tell anyone
	}
	if err != nil {
		return fmt.Errorf("messages: plan %s: %w", c.Schedule.ID, err)
	}
	if parcel.Stopped() {
		return nil
	}
	shop, err := p.shops.Shop(ctx, parcel.ShopID)
	if err != nil {
		return fmt.Errorf("messages: plan %s: %w", parcel.ID, err)
	}
	if shop.Uninstalled() {
		return nil
	}
	rows := planRows(shop, parcel, c.Status, c.At, p.now())
	if len(rows) == 0 {
		return nil
	}
	added, err := p.store.Add(ctx, rows)
	if err != nil {
		return fmt.Errorf("messages: plan %s: %w", parcel.ID, err)
	}
	if added > 0 {
		p.log.Info("messages planned", slog.String("parcel_id", parcel.ID), slog.String("state", string(c.Status.State)),
			slog.Int("added", added), slog.Int("planned", len(rows)))
		if p.wake != nil {
			p.wake()
		}
	}
	return nil
}

// planRows is the pure part of OnChange: the rows a status makes due and
// still due at at.
func planRows(shop shopapp.Shop, parcel shopapp.Parcel, st tracking.Status, at, stamp time.Time) []Notification {
	zone := notify.BuyerZone(parcel.DestPostcode, st.Events, nil)
	in := notify.PlanInput{
		ParcelID: parcel.ID, EnteredAt: parcel.EnteredAt, Status: st,
		Contacts: notify.Contacts{Phone: parcel.Buyer.PhoneOK, Email: parcel.Buyer.EmailOK,
			MerchantEmail: shop.Owner.Email != ""},
		Settings: SettingsFor(shop), Zone: zone,
	}
	var rows []Notification
	for _, planned := range notify.Plan(in) {
		if ok, _ := notify.StillDue(planned, st, at); !ok {
			continue
		}
		loc := zone
		if planned.ToMerchant {
			loc = tracking.Moscow
		}
		rows = append(rows, newNotification(shop.ID, planned, loc, stamp))
	}
	return rows
}
