package notify

import (
	"slices"
	"time"

	"parceltrack/tracking"
)

// replayTick is how often Replay looks at a parcel between its events, as a
// worker polling it would: often enough to see every state the clock alone
// brings (probably arrived, stale) the hour it starts. The messages' times
// come from the states' own instants, not from the tick.
const replayTick = time.Hour

// Replay answers support's "what does this buyer get, and when?" for a saved
// carrier history, with the code the worker and the dispatcher run: it
// classifies the history as if each event were seen the moment it happened
// (and every hour between, for the states the clock brings), plans at each
// of those moments with Plan, keeps the first message planned under each
// key, and then, at each message's SendAt, classifies again and keeps it
// only if StillDue. It returns the messages that would be sent, in time
// order, up to until.
//
// plan supplies the parcel id, contacts, settings and zones; its Status is
// replaced at each moment, and its EnteredAt, when zero, is f.EnteredAt.
// The history starts at f.EnteredAt, or at the first event when that is
// zero.
func Replay(plan PlanInput, f tracking.Facts, events []tracking.Event, r tracking.Rules, until time.Time) []Planned {
	evs := tracking.SortEvents(events)
	if plan.EnteredAt.IsZero() {
		plan.EnteredAt = f.EnteredAt
	}
	start := f.EnteredAt
	if len(evs) > 0 && (start.IsZero() || evs[0].At.Before(start)) {
		start = evs[0].At
	}
	if start.IsZero() {
		return nil
	}
	// seen is the history as known at t: the events up to t.
	seen := func(t time.Time) []tracking.Event {
		n, _ := slices.BinarySearchFunc(evs, t, func(e tracking.Event, t time.Time) int {
			if e.At.After(t) {
				return 1
			}
			return -1
		})
		return evs[:n]
	}
	moments := make([]time.Time, 0, len(evs)+int(until.Sub(start)/replayTick)+1)
	for _, e := range evs {
		if !e.At.After(until) {
			moments = append(moments, e.At)
		}
	}
	for t := start; !t.After(until); t = t.Add(replayTick) {
		moments = append(moments, t)
	}
	slices.SortFunc(moments, time.Time.Compare)

	byKey := map[string]bool{}
	var queued []Planned
	for _, t := range moments {
		plan.Status = tracking.Classify(f, seen(t), t, r)
		for _, p := range Plan(plan) {
			if !byKey[p.Key] {
				byKey[p.Key] = true
				queued = append(queued, p)
			}
		}
	}
	slices.SortStableFunc(queued, func(a, b Planned) int { return a.SendAt.Compare(b.SendAt) })

	var sent []Planned
	for _, p := range queued {
		if p.SendAt.After(until) {
			break
		}
		if ok, _ := StillDue(p, tracking.Classify(f, seen(p.SendAt), p.SendAt, r), p.SendAt); ok {
			sent = append(sent, p)
		}
	}
	return sent
}
