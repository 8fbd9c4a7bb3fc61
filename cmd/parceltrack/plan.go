package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"parceltrack/notify"
	"parceltrack/tracking"
)

// planUsage is the plan command's synopsis.
const planUsage = "plan --carrier russianpost [--entered-at T] [--until T] [--postcode P] FILE"

// plannedMessage is one line of the plan command's answer.
type plannedMessage struct {
	Trigger string `json:"trigger"`
	Channel string `json:"channel"`
	Step    string `json:"step"`
	SendAt  string `json:"send_at"`
}

// plan answers support's "what does this buyer get, and when?" from a saved
// carrier response: notify.Replay plays the history as if each event were
// seen the moment it happened, under a shop's default settings, with the
// planner's and the dispatcher's own rules (Plan, StillDue), and the
// buyer's messages are printed as one JSON array in time order.
func plan(_ context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	carrier := fs.String("carrier", "russianpost", "carrier whose response FILE holds")
	enteredFlag := fs.String("entered-at", "", "when the track was entered (RFC 3339; default: the first event)")
	untilFlag := fs.String("until", "", "replay up to this instant (RFC 3339; default: 90 days after --entered-at)")
	postcode := fs.String("postcode", "", "destination postcode (the buyer's time zone)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v (%s)", errUsage, err, planUsage)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one FILE (%s)", errUsage, planUsage)
	}
	if *carrier != "russianpost" {
		return fmt.Errorf("%w: unknown carrier %q (known: russianpost)", errUsage, *carrier)
	}
	h, err := readHistory("plan", fs.Arg(0))
	if err != nil {
		return err
	}
	facts := tracking.Facts{Track: h.barcode, DestinationPostcode: *postcode, TrackError: h.trackError}
	events := h.events
	events = tracking.SortEvents(events)
	if *enteredFlag != "" {
		if facts.EnteredAt, err = time.Parse(time.RFC3339, *enteredFlag); err != nil {
			return fmt.Errorf("%w: --entered-at: want RFC 3339 such as 2026-11-01T10:00:00+03:00", errUsage)
		}
	} else if len(events) > 0 {
		facts.EnteredAt = events[0].At
	} else {
		return fmt.Errorf("%w: the response has no events: pass --entered-at", errUsage)
	}
	if facts.Track == "" {
		facts.Track = "unknown"
	}
	until := facts.EnteredAt.Add(90 * 24 * time.Hour)
	if *untilFlag != "" {
		if until, err = time.Parse(time.RFC3339, *untilFlag); err != nil {
			return fmt.Errorf("%w: --until: want RFC 3339 such as 2026-12-31T00:00:00+03:00", errUsage)
		}
	}
	zone := notify.BuyerZone(*postcode, events, nil)
	in := notify.PlanInput{ParcelID: "parcel", EnteredAt: facts.EnteredAt,
		Contacts: notify.Contacts{Phone: true, Email: true}, Settings: notify.DefaultSettings(), Zone: zone}
	lines := []plannedMessage{}
	for _, p := range notify.Replay(in, facts, events, tracking.DefaultRules(), until) {
		if p.ToMerchant {
			continue
		}
		lines = append(lines, plannedMessage{Trigger: string(p.Trigger), Channel: string(p.Channel), Step: p.Step,
			SendAt: p.SendAt.In(zone).Format(time.RFC3339)})
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(lines); err != nil {
		return errors.Join(errors.New("plan: write"), err)
	}
	return nil
}
