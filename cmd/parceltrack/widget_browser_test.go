package main

import (
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// TestBrowserOrderWidget is what a merchant sees on the InSales order card:
// install the app into the sandbox shop, type a track number into an order,
// and find the parcel's state in the app's widget, framed twice as InSales
// frames it (the widget code's frame, then the app's page inside it).
func TestBrowserOrderWidget(t *testing.T) {
	// BASE_URL is the address the browser uses, so the widget's frame comes
	// from the same origin as the sandbox shop, as it does for a person who
	// opens the sandbox at BASE_URL.
	addr := freeAddr(t)
	base := "http://" + addr
	_, cancel, code, stderr := startServe(t, map[string]string{"HTTP_ADDR": addr, "BASE_URL": base, "POLL_INTERVAL": "1s", "SANDBOX_SPEED": "60"})
	defer stop(t, cancel, code)
	waitReady(t, base, 10*time.Second)

	b := browser(t)
	p := b.MustPage(base + "/sandbox/insales/")
	p.MustWaitLoad()
	p.MustElementR("button", "Установить приложение").MustClick()
	p.MustWaitLoad()
	p.MustElementR("button", "Удалить приложение")

	// The setup job creates the track field, then the widget.
	const order = "/sandbox/insales/orders/1434100001"
	var field string
	deadline := time.Now().Add(20 * time.Second)
	for {
		p.MustNavigate(base + order).MustWaitLoad()
		fields, _ := p.Elements(`input[id^="field_"]`)
		frames, _ := p.Elements("iframe.widget")
		if len(fields) > 0 && len(frames) > 0 {
			field = *fields[0].MustAttribute("id")
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the track field and the widget never appeared on the order page")
		}
		time.Sleep(300 * time.Millisecond)
	}

	// Before a track is typed the widget says so.
	badge := widgetBadge(t, p)
	if got := badge.MustText(); got != "Трек-номер не указан" {
		t.Fatalf("widget before a track: %q", got)
	}

	const track = "80092063905992"
	p.MustElement("#" + field).MustSelectAllText().MustInput(track)
	// Wait for the save to land (the shop redirects to ?saved=1) before
	// navigating again: an earlier navigation would cancel the form post.
	wait := p.WaitNavigation(proto.PageLifecycleEventNameLoad)
	p.MustElementR("button", "Сохранить").MustClick()
	wait()
	if u := p.MustInfo().URL; !strings.Contains(u, "saved=1") {
		t.Fatalf("after saving the order the shop shows %s", u)
	}

	// After the save the order page shows the parcel's state in the widget.
	deadline = time.Now().Add(30 * time.Second)
	for {
		p.MustNavigate(base + order).MustWaitLoad()
		badge = widgetBadge(t, p)
		class := badge.MustAttribute("class")
		if class != nil && strings.HasPrefix(*class, "state state-") && !strings.Contains(*class, "no_track") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the widget shows %q (class %q), want the parcel's state; order page:\n%s\nlog:\n%s", badge.MustText(), derefStr(class),
				p.MustElement("body").MustText(), stderr)
		}
		time.Sleep(500 * time.Millisecond)
	}
	inner := widgetFrame(t, p)
	link := inner.MustElement("a.widget-track")
	if link.MustText() != track || *link.MustAttribute("href") != "https://www.pochta.ru/tracking#"+track {
		t.Fatalf("track link %q → %v", link.MustText(), link.MustAttribute("href"))
	}
	if text := inner.MustElement("body").MustText(); strings.Contains(text, "не найдена") || !strings.Contains(text, "Отслеживается с") {
		t.Fatalf("widget text:\n%s", text)
	}
	p.MustElement("iframe.widget").MustScrollIntoView()
	screenshot(t, p, "widget-order-page")

	// The page alone at the frame's size: everything fits in 290 px.
	url := p.MustElement("iframe.widget").MustFrame().MustElement("iframe").MustProperty("src").String()
	if !strings.HasPrefix(url, base+"/widget/") {
		t.Fatalf("the widget frames %q", url)
	}
	solo := b.MustPage("")
	solo.MustSetViewport(360, 290, 1, false)
	solo.MustNavigate(url).MustWaitLoad()
	height := solo.MustEval(`() => document.documentElement.scrollHeight`).Int()
	screenshot(t, solo, "widget-frame")
	if height > 290 {
		t.Errorf("the widget is %d px high at 360 px wide; the frame shows 290", height)
	}
}

// widgetFrame returns the app's page inside the sandbox's widget frame.
func widgetFrame(t *testing.T, p *rod.Page) *rod.Page {
	t.Helper()
	outer := p.MustElement("iframe.widget").MustFrame()
	inner, err := outer.Timeout(15 * time.Second).Element("iframe")
	if err != nil {
		t.Fatalf("the widget code made no frame: %v", err)
	}
	return inner.MustFrame()
}

// widgetBadge returns the state badge in the widget's panel.
func widgetBadge(t *testing.T, p *rod.Page) *rod.Element {
	t.Helper()
	el, err := widgetFrame(t, p).Timeout(15 * time.Second).Element("#widget-panel .state")
	if err != nil {
		t.Fatalf("no state badge in the widget (framing refused or page missing): %v", err)
	}
	return el
}

func derefStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
