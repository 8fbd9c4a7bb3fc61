package static

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parceltrack/tracking"
)

// statesCSS renders the badge stylesheet from tracking.State.Palette, the one
// palette of the product. The variables keep their state name with dashes
// ("--state-track-error-bg") so app.css can borrow a colour (.widget-problem).
func statesCSS() string {
	var vars, classes strings.Builder
	for _, s := range tracking.States() {
		bg, fg := s.Palette()
		v := "--state-" + strings.ReplaceAll(string(s), "_", "-")
		vars.WriteString("\t" + v + "-bg: " + bg + "; " + v + "-fg: " + fg + ";\n")
		classes.WriteString(".state-" + string(s) + " { background: var(" + v + "-bg); color: var(" + v + "-fg); }\n")
	}
	return "/*\n" +
		" * Parcel state badges (docs/state-model.md). Generated from tracking.State.Palette\n" +
		" * by static/states_css_test.go: do not edit; run go generate ./static/.\n" +
		" * Every pair keeps at least 4.5:1 contrast (tracking/palette_test.go).\n" +
		" */\n\n" +
		":root {\n" + vars.String() + "}\n\n" + classes.String()
}

// TestStatesCSSMatchesPalette keeps css/states.css in step with the Go
// palette. Run with UPDATE_STATES_CSS=1 (what go generate does) to rewrite it.
func TestStatesCSSMatchesPalette(t *testing.T) {
	t.Parallel()
	want := statesCSS()
	path := filepath.Join("css", "states.css")
	if os.Getenv("UPDATE_STATES_CSS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("css/states.css is out of date: run go generate ./static/")
	}
}
