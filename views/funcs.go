package views

import (
	"html/template"
	"time"

	"parceltrack/tracking"
)

// funcs are the template functions that need nothing from a request; the
// handlers add the ones that do (asset URLs, CSRF fields).
func funcs() template.FuncMap {
	return template.FuncMap{
		// daysSince counts whole days from *from to now, as the state model does.
		"daysSince": func(from *time.Time, now time.Time) int {
			if from == nil || now.Before(*from) {
				return 0
			}
			return int(now.Sub(*from) / (24 * time.Hour))
		},
		// lastEvent is the newest event of a sorted history, or nil.
		"lastEvent": func(events []tracking.Event) *tracking.Event {
			if len(events) == 0 {
				return nil
			}
			return &events[len(events)-1]
		},
	}
}
