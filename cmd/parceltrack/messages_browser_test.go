package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	rpsandbox "parceltrack/sandbox/russianpost"
)

// TestBrowserBuyerMessages is what merchants pay for, in the default run:
// the app installed in the sandbox shop and a track typed into an order,
// the buyer gets the shipped, arrived and reminder messages — SMS, e-mail
// and a call — in the sandbox outbox as sandbox days pass, each at an
// allowed hour of the buyer's sandbox time, and the shop's ledger shows a
// charge for each.
func TestBrowserBuyerMessages(t *testing.T) {
	base, cancel, code, _ := startServe(t, map[string]string{"POLL_INTERVAL": "1s", "SANDBOX_SPEED": "30",
		"DISPATCH_INTERVAL": "500ms"})
	defer stop(t, cancel, code)
	waitReady(t, base, 10*time.Second)

	var returned rpsandbox.Scenario
	for _, s := range rpsandbox.Scenarios() {
		if s.ID == rpsandbox.Returned {
			returned = s
		}
	}
	track := rpsandbox.Barcode(returned, 7)
	p := browser(t).MustPage(base + "/sandbox/insales/")
	installAndType(t, p, base, 1434100001, track)

	// The buyer of order 1434100001 is Anna in Moscow.
	const phone = "+79000001234"
	want := []string{"sms/shipped", "sms/arrived", "email/arrived", "sms/reminder", "voice/reminder"}
	p.MustNavigate(base + "/sandbox/outbox").MustWaitLoad()
	deadline := time.Now().Add(100 * time.Second)
	var keys []string
	for {
		got := map[string]bool{}
		keys = keys[:0]
		for _, el := range p.MustElements("article.outbox-item[data-key]") {
			key := *el.MustAttribute("data-key")
			if key == "" {
				continue // a wizard message, not a buyer's
			}
			keys = append(keys, key)
			hour, err := strconv.Atoi(*el.MustAttribute("data-local-hour"))
			if err != nil || hour < 9 || hour >= 21 {
				t.Fatalf("%s went at %d o'clock of the buyer's time:\n%s", key, hour, el.MustText())
			}
			ch, trigger := *el.MustAttribute("data-channel"), *el.MustAttribute("data-trigger")
			if to := *el.MustAttribute("data-to"); ch != "email" && to != phone {
				t.Fatalf("%s went to %s", key, to)
			}
			got[ch+"/"+trigger] = true
		}
		all := true
		for _, w := range want {
			all = all && got[w]
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 100 s the outbox has %v, want %v:\n%s", got, want, p.MustElement("#outbox-list").MustText())
		}
		time.Sleep(time.Second)
		p.MustReload().MustWaitLoad()
	}
	screenshot(t, p, "04-outbox")
	if twiml := p.MustElement(`article[data-channel="voice"] .outbox-twiml`).MustProperty("textContent").String(); !strings.Contains(twiml, `language="ru-RU"`) {
		t.Fatalf("call without its TwiML: %s", twiml)
	}

	// Every message is on the shop's ledger under its key.
	p.MustNavigate(base + "/sandbox/").MustWaitLoad()
	for _, key := range keys {
		if _, err := p.Timeout(5 * time.Second).Element(`#sandbox-ledger tr[data-ref="` + key + `"]`); err != nil {
			t.Fatalf("no ledger entry for %s:\n%s", key, p.MustElement("#sandbox-ledger").MustText())
		}
	}
	screenshot(t, p, "05-ledger")
}
