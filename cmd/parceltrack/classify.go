package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"parceltrack/carriers"
	"parceltrack/carriers/russianpost"
	"parceltrack/tracking"
)

// classify answers "why is this parcel in this state?" from a saved carrier
// response: it prints the classifier's verdict as one JSON object.
func classify(_ context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	carrier := fs.String("carrier", "russianpost", "carrier whose response FILE holds")
	nowFlag := fs.String("now", "", "classify as of this instant (RFC 3339; default: now)")
	enteredFlag := fs.String("entered-at", "", "when the track was entered (RFC 3339; default: 30 days before --now)")
	trackFlag := fs.String("track", "", "track number (default: the one in the response)")
	postcode := fs.String("postcode", "", "destination postcode (sharpens probably_arrived)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v (classify --carrier russianpost [--now T] [--entered-at T] FILE)", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one FILE (classify --carrier russianpost [--now T] [--entered-at T] FILE)", errUsage)
	}
	if *carrier != "russianpost" {
		return fmt.Errorf("%w: unknown carrier %q (known: russianpost)", errUsage, *carrier)
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339, *nowFlag)
		if err != nil {
			return fmt.Errorf("%w: --now: want RFC 3339 such as 2026-11-28T12:00:00+03:00", errUsage)
		}
		now = t
	}
	entered := now.Add(-30 * 24 * time.Hour)
	if *enteredFlag != "" {
		t, err := time.Parse(time.RFC3339, *enteredFlag)
		if err != nil {
			return fmt.Errorf("%w: --entered-at: want RFC 3339 such as 2026-11-01T10:00:00+03:00", errUsage)
		}
		entered = t
	}
	h, err := readHistory("classify", fs.Arg(0))
	if err != nil {
		return err
	}
	track := *trackFlag
	if track == "" {
		track = h.barcode
	}
	if track == "" {
		// An empty history or a fault names no item; the number decides
		// between registered and track_error, so it must be given.
		return fmt.Errorf("%w: the response names no barcode: pass --track NUMBER", errUsage)
	}
	facts := tracking.Facts{Track: track, EnteredAt: entered, DestinationPostcode: *postcode, TrackError: h.trackError}
	events := h.events
	st := tracking.Classify(facts, events, now, tracking.DefaultRules())
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return enc.Encode(st.Report(track))
}

// history is what a saved carrier response says about one parcel.
type history struct {
	barcode string
	events  []tracking.Event
	// trackError: the carrier rejected the number itself, a state to show.
	trackError bool
}

// readHistory reads a saved Russian Post response for an operator command.
// A response that gives no verdict on the parcel (an account fault, a
// temporary error) is an error that says so.
func readHistory(cmd, path string) (history, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return history{}, fmt.Errorf("%s: %w", cmd, err)
	}
	h := history{barcode: russianpost.HistoryBarcode(body)}
	h.events, err = russianpost.ParseHistory(body)
	switch kind := carriers.KindOf(err); {
	case err == nil:
	case kind == carriers.Permanent:
		h.trackError = true
	default:
		var ce *carriers.Error
		if errors.As(err, &ce) && kind == carriers.Account {
			return history{}, fmt.Errorf("%s: the carrier refused the account, not the parcel (%s: %s); the parcel keeps its state", cmd, ce.Code, ce.Message)
		}
		return history{}, fmt.Errorf("%s: no verdict from this response, the poll would be retried: %w", cmd, err)
	}
	return h, nil
}
