package tracking

import (
	"regexp"
	"testing"
)

func TestStates(t *testing.T) {
	t.Parallel()
	hex := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	terminal := map[State]bool{StateDelivered: true, StateReturned: true, StateLost: true}
	notPolled := map[State]bool{
		StateDelivered: true, StateReturned: true, StateLost: true, StateStale: true,
		StateStopped: true, StateTrackError: true, StateNoTrack: true, StateNoBalance: true,
	}
	waiting := map[State]bool{StateArrived: true, StateWaiting: true, StateWaitingLong: true}
	colours := map[string]State{}
	all := States()
	if len(all) != 14 {
		t.Fatalf("States() has %d states, want 14", len(all))
	}
	// The subtests run one after another: they share the colours map.
	for _, s := range all {
		t.Run(string(s), func(t *testing.T) {
			if got, ok := ParseState(string(s)); !ok || got != s {
				t.Errorf("ParseState(%q) = %q, %v", s, got, ok)
			}
			if s.Terminal() != terminal[s] {
				t.Errorf("Terminal() = %v", s.Terminal())
			}
			if s.Polled() == notPolled[s] {
				t.Errorf("Polled() = %v", s.Polled())
			}
			if s.Waiting() != waiting[s] {
				t.Errorf("Waiting() = %v", s.Waiting())
			}
			bg, fg := s.Palette()
			if !hex.MatchString(bg) || !hex.MatchString(fg) {
				t.Errorf("colours %q / %q are not #rrggbb", bg, fg)
			}
			if other, dup := colours[bg]; dup {
				t.Errorf("background %s shared with %q", bg, other)
			}
			colours[bg] = s
			if s.Label() == "" || s.Label() == State("x").Label() {
				t.Errorf("no Russian label: %q", s.Label())
			}
		})
	}
	if StateArrived.Label() != "Прибыло в отделение" {
		t.Errorf("arrived label = %q", StateArrived.Label())
	}
	if _, ok := ParseState("bogus"); ok {
		t.Error("ParseState accepted an unknown state")
	}
}
