package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
)

// browser starts Debian's headless Chromium (the test command installs it;
// no browser is ever downloaded) and returns a page helper.
func browser(t *testing.T) *rod.Browser {
	t.Helper()
	bin := os.Getenv("PARCELTRACK_CHROMIUM")
	if bin == "" {
		bin = "/usr/bin/chromium"
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("chromium not found at %s: run the tests with `make test`, which installs it", bin)
	}
	l := launcher.New().Bin(bin).Headless(true).NoSandbox(true).Leakless(false).
		UserDataDir(t.TempDir()).
		Set("disable-gpu").Set("disable-quic").Set("no-first-run").
		Set("disable-background-networking").Set("disable-component-update").Set("disable-sync")
	u, err := l.Launch()
	if err != nil {
		t.Fatalf("launch chromium: %v", err)
	}
	b := rod.New().ControlURL(u).Timeout(60 * time.Second)
	if err := b.Connect(); err != nil {
		t.Fatalf("connect chromium: %v", err)
	}
	t.Cleanup(func() { _ = b.Close(); l.Cleanup() })
	return b
}

func screenshot(t *testing.T, p *rod.Page, name string) {
	t.Helper()
	png, err := p.Screenshot(true, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(t.ArtifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowserSandboxParcels is the sandbox journey a person takes: open the
// sandbox, see the demo parcels with their states, add a parcel by track
// number (a mistyped one first), and watch the table refresh itself.
func TestBrowserSandboxParcels(t *testing.T) {
	base, cancel, code, _ := startServe(t, map[string]string{"POLL_INTERVAL": "1s", "SANDBOX_SPEED": "60"})
	defer stop(t, cancel, code)
	waitReady(t, base, 10*time.Second)

	p := browser(t).MustPage(base + "/sandbox/")
	p.MustWaitLoad()
	rows := p.MustElements("#sandbox-parcels tbody tr[data-track]")
	if len(rows) < 9 {
		t.Fatalf("sandbox shows %d demo parcels, want one per scenario", len(rows))
	}
	if !strings.Contains(p.MustElement("body").MustText(), "Песочница") {
		t.Fatal("sandbox banner or heading missing")
	}
	screenshot(t, p, "01-sandbox")

	// A number of the wrong shape is refused with the reason, in Russian.
	p.MustElement("#track").MustInput("12345")
	p.MustElement("form[action='/sandbox/parcels'] button").MustClick()
	p.MustElementR("#track-problem", "14 цифр")
	screenshot(t, p, "02-bad-number")

	// A good number appears in the table.
	const track = "80092063905992"
	p.MustElement("#track").MustSelectAllText().MustInput(track)
	p.MustElement("form[action='/sandbox/parcels'] button").MustClick()
	p.MustElement(`tr[data-track="` + track + `"]`)
	screenshot(t, p, "03-added")

	// The table refreshes itself; the sandbox runs an hour of parcel time per
	// real second here, so some state moves on without a reload.
	before := p.MustElement("#sandbox-parcels").MustText()
	deadline := time.Now().Add(30 * time.Second)
	for p.MustElement("#sandbox-parcels").MustText() == before {
		if time.Now().After(deadline) {
			t.Fatal("the parcel table did not change within 30 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
	screenshot(t, p, "04-moved-on")
}
