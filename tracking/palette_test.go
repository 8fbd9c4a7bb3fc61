package tracking

import (
	"math"
	"slices"
	"strconv"
	"testing"
)

// rgb splits "#rrggbb" into channels in [0, 1].
func rgb(t *testing.T, hex string) [3]float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("colour %q is not #rrggbb", hex)
	}
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		c[i] = float64(v) / 255
	}
	return c
}

// luminance is the WCAG 2.x relative luminance of an sRGB colour.
func luminance(c [3]float64) float64 {
	var lin [3]float64
	for i, v := range c {
		if v <= 0.04045 {
			lin[i] = v / 12.92
		} else {
			lin[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*lin[0] + 0.7152*lin[1] + 0.0722*lin[2]
}

// contrast is the WCAG 2.x contrast ratio of two "#rrggbb" colours.
func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(rgb(t, a)), luminance(rgb(t, b))
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// hsl returns the hue in degrees [0, 360), the saturation and the lightness.
func hsl(t *testing.T, hex string) (h, s, l float64) {
	c := rgb(t, hex)
	hi, lo := max(c[0], c[1], c[2]), min(c[0], c[1], c[2])
	l = (hi + lo) / 2
	d := hi - lo
	if d == 0 {
		return 0, 0, l
	}
	s = d / (1 - math.Abs(2*l-1))
	switch hi {
	case c[0]:
		h = math.Mod((c[1]-c[2])/d+6, 6)
	case c[1]:
		h = (c[2]-c[0])/d + 2
	default:
		h = (c[0]-c[1])/d + 4
	}
	return h * 60, s, l
}

// hueDistance is the angle between two hues, at most 180°.
func hueDistance(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 360)
	return min(d, 360-d)
}

// The contrast test below is only as good as this formula: check it against
// published ratios.
func TestContrastFormula(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"black on white", "#000000", "#ffffff", 21},
		{"white on black, order does not matter", "#ffffff", "#000000", 21},
		{"same colour", "#1e63c4", "#1e63c4", 1},
		{"darkest grey passing on white", "#767676", "#ffffff", 4.54},
		{"lightest grey failing on white", "#777777", "#ffffff", 4.48},
		{"pure red on white", "#ff0000", "#ffffff", 4.00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := contrast(t, tt.a, tt.b); math.Abs(got-tt.want) > 0.005 {
				t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestPaletteContrast(t *testing.T) {
	t.Parallel()
	all := States()
	if !slices.Contains(all, StateNoTrack) {
		t.Fatal("States() lacks no_track: add it to this test by hand")
	}
	for _, s := range all {
		t.Run(string(s), func(t *testing.T) {
			t.Parallel()
			bg, fg := s.Palette()
			if r := contrast(t, bg, fg); r < 4.5 {
				t.Errorf("%s on %s: contrast %.2f:1, want at least 4.5:1", fg, bg, r)
			}
		})
	}
	// The widget also writes its problem line in track_error's background
	// colour on white (.widget-problem in app.css).
	if bg, _ := StateTrackError.Palette(); contrast(t, bg, "#ffffff") < 4.5 {
		t.Errorf("track_error %s as text on white: contrast %.2f:1, want at least 4.5:1", bg, contrast(t, bg, "#ffffff"))
	}
}

// TestPaletteMeaning pins the colour meaning of docs/state-model.md, so a contrast
// fix cannot quietly turn "delivered" brown.
func TestPaletteMeaning(t *testing.T) {
	t.Parallel()
	const grey = -1 // hue: no hue at all
	tests := []struct {
		state      State
		hue        float64 // degrees, or grey
		lMin, lMax float64 // lightness bounds
	}{
		{StateStopped, grey, 0.75, 0.95},      // light grey
		{StateNoBalance, grey, 0, 0.1},        // black
		{StateNoTrack, grey, 0.4, 0.7},        // grey
		{StateStale, grey, 0.25, 0.4},         // dark grey
		{StateTrackError, 320, 0.3, 0.6},      // magenta
		{StateDelivered, 120, 0.2, 0.6},       // green
		{StateReturned, 0, 0.4, 0.65},         // red
		{StateLost, 0, 0.1, 0.3},              // dark red
		{StateArrived, 36, 0.7, 0.9},          // light amber
		{StateWaiting, 36, 0.45, 0.7},         // amber
		{StateWaitingLong, 36, 0.2, 0.4},      // dark amber / brown
		{StateProbablyArrived, 270, 0.3, 0.7}, // violet
		{StateInTransit, 215, 0.3, 0.6},       // blue
		{StateRegistered, 210, 0.7, 0.9},      // light blue
	}
	if len(tests) != len(States()) {
		t.Fatalf("%d states described, States() has %d", len(tests), len(States()))
	}
	for _, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			t.Parallel()
			bg, _ := tt.state.Palette()
			h, s, l := hsl(t, bg)
			if l < tt.lMin || l > tt.lMax {
				t.Errorf("%s: lightness %.2f, want %.2f–%.2f", bg, l, tt.lMin, tt.lMax)
			}
			if tt.hue == grey {
				if s > 0.05 {
					t.Errorf("%s: saturation %.2f, want a grey", bg, s)
				}
				return
			}
			if d := hueDistance(h, tt.hue); d > 15 || s < 0.3 {
				t.Errorf("%s: hue %.0f° saturation %.2f, want about %.0f° and clearly coloured", bg, h, s, tt.hue)
			}
		})
	}
}

// The waiting states tell how long the parcel has waited: one hue, each
// shade darker than the one before.
func TestPaletteWaitingShades(t *testing.T) {
	t.Parallel()
	var prevL = 2.0
	var firstHue float64
	for i, st := range []State{StateArrived, StateWaiting, StateWaitingLong} {
		bg, _ := st.Palette()
		h, _, l := hsl(t, bg)
		if i == 0 {
			firstHue = h
		} else if d := hueDistance(h, firstHue); d > 2 {
			t.Errorf("%s %s: hue %.1f°, %.1f° away from arrived's", st, bg, h, d)
		}
		if l >= prevL {
			t.Errorf("%s %s: lightness %.2f, not darker than the state before (%.2f)", st, bg, l, prevL)
		}
		prevL = l
	}
}

func TestPaletteUnknownStateIsNoTrack(t *testing.T) {
	t.Parallel()
	bg, fg := State("bogus").Palette()
	wantBg, wantFg := StateNoTrack.Palette()
	if bg != wantBg || fg != wantFg {
		t.Errorf("unknown state = %s/%s, want no_track's %s/%s", bg, fg, wantBg, wantFg)
	}
}
