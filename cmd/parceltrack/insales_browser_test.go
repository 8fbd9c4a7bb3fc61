package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// TestBrowserInstallAndTrack is the merchant's first journey in the default
// run: install the app into the sandbox InSales shop, type a track number
// into an order, and see the parcel appear and get polled.
func TestBrowserInstallAndTrack(t *testing.T) {
	base, cancel, code, _ := startServe(t, map[string]string{"POLL_INTERVAL": "1s", "SANDBOX_SPEED": "60"})
	defer stop(t, cancel, code)
	waitReady(t, base, 10*time.Second)

	p := browser(t).MustPage(base + "/sandbox/insales/")
	const track = "80092063905992"
	installAndType(t, p, base, 1434100001, track)

	// The parcel appears for the shop and is polled: its row leaves the
	// "registered" state or shows a carrier event within a few seconds.
	p.MustNavigate(base + "/sandbox/").MustWaitLoad()
	row := `tr[data-track="` + track + `"]`
	deadline := time.Now().Add(30 * time.Second)
	for {
		if els, err := p.Elements(row); err == nil && len(els) > 0 {
			text := els[0].MustText()
			if regexp.MustCompile(`\d{2}\.\d{2}\.\d{4}`).MatchString(text) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("parcel %s not imported and polled within 30 s; page:\n%s", track,
				strings.TrimSpace(p.MustElement("#sandbox-parcels").MustText()))
		}
		time.Sleep(500 * time.Millisecond)
		p.MustReload().MustWaitLoad()
	}
	screenshot(t, p, "03-polled")
}

// installAndType installs the app into the sandbox shop and types track
// into the order's track-number field once the setup job created it.
func installAndType(t *testing.T, p *rod.Page, base string, order int, track string) {
	t.Helper()
	p.MustNavigate(base + "/sandbox/insales/").MustWaitLoad()
	p.MustElementR("button", "Установить приложение").MustClick()
	p.MustWaitLoad()
	p.MustElementR("button", "Удалить приложение")
	screenshot(t, p, "01-installed")

	var field string
	deadline := time.Now().Add(20 * time.Second)
	for {
		p.MustNavigate(fmt.Sprintf("%s/sandbox/insales/orders/%d", base, order)).MustWaitLoad()
		if els, err := p.Elements(`input[id^="field_"]`); err == nil && len(els) > 0 {
			field = *els[0].MustAttribute("id")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the track-number field never appeared on the order page")
		}
		time.Sleep(300 * time.Millisecond)
	}
	p.MustElement("#" + field).MustSelectAllText().MustInput(track)
	screenshot(t, p, "02-track-typed")
	// Wait for the save to land (the shop redirects to ?saved=1): the next
	// navigation would otherwise cancel the form post.
	wait := p.WaitNavigation(proto.PageLifecycleEventNameLoad)
	p.MustElementR("button", "Сохранить").MustClick()
	wait()
	if u := p.MustInfo().URL; !strings.Contains(u, "saved=1") {
		t.Fatalf("after saving the order the shop shows %s", u)
	}
}
