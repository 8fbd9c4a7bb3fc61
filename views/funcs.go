package views

import (
	"html/template"

	"parceltrack/tracking"
)

// funcs are the template functions that need nothing from a request; the
// handlers add the ones that do (asset URLs, CSRF fields).
func funcs() template.FuncMap {
	return template.FuncMap{
		// lastEvent is the newest event of a sorted history, or nil.
		"lastEvent": func(events []tracking.Event) *tracking.Event {
			if len(events) == 0 {
				return nil
			}
			return &events[len(events)-1]
		},
	}
}
