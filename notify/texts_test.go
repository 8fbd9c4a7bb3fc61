package notify_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"parceltrack/notify"
)

// typicalOrder is the longest typical order docs/state-model.md and the
// brief promise one SMS segment for: a 10-letter name, one product of 20
// characters, a 6-digit order number, a 14-digit track, an office named by
// its city and index, a 12-character shop, a short link, the longest month
// name in a deadline and two-digit day counts.
func typicalOrder() notify.Vars {
	return notify.Vars{
		Name: "Александра", Order: "102456", Track: "80092063905992", Shop: "Уютный домик",
		Link:        "https://pt.example/t/AbC123xy",
		Products:    []string{"Чехол для телефона X"},
		OfficeIndex: "127018", OfficeName: "Москва 127018",
		Deadline: time.Date(2026, 9, 30, 23, 59, 59, 0, time.FixedZone("", 3*60*60)),
		Days:     25, DaysLeft: 14, Balance: 123456789,
	}
}

func TestDefaultSMSFitOneSegment(t *testing.T) {
	t.Parallel()
	v := typicalOrder()
	if n := []rune(v.Products[0]); len(n) != notify.MinSMSProducts {
		t.Fatalf("the typical product has %d runes, want %d", len(n), notify.MinSMSProducts)
	}
	n := 0
	for _, tx := range notify.DefaultTexts() {
		if tx.Channel != notify.KindSMS {
			continue
		}
		n++
		t.Run(string(tx.Trigger), func(t *testing.T) {
			t.Parallel()
			// A fixed product budget, so a text that grows fails here rather
			// than quietly cutting the products.
			got, err := notify.Render(tx.Body, v, notify.MinSMSProducts)
			if err != nil {
				t.Fatal(err)
			}
			enc, chars, segs := notify.Segments(got)
			if enc != notify.EncodingUCS2 || chars > 70 || segs != 1 {
				t.Errorf("%q: %s, %d characters, %d segments; want one UCS-2 segment (≤ 70)", got, enc, chars, segs)
			}
			if strings.Contains(tx.Body, "{products}") && !strings.Contains(got, v.Products[0]) {
				t.Errorf("%q does not name the product whole", got)
			}
			if sms, _ := notify.RenderSMS(tx.Body, v); sms != got {
				t.Errorf("RenderSMS = %q, Render = %q: a typical order should need no cut", sms, got)
			}
		})
	}
	if n != 5 {
		t.Errorf("%d default SMS texts, want 5", n)
	}
}

// TestDefaultTextsCover: the defaults are exactly the brief's set — SMS for
// the buyer's five triggers, e-mail for shipped, arrived and reminder, a call
// for reminders, and an e-mail to the merchant for each alert.
func TestDefaultTextsCover(t *testing.T) {
	t.Parallel()
	want := []string{
		"shipped/sms", "shipped/email", "arrived/sms", "arrived/email", "probably_arrived/sms",
		"reminder/sms", "reminder/email", "reminder/voice", "delivered/sms",
		"returned/email", "track_error/email", "stale/email", "low_balance/email", "balance_exhausted/email",
	}
	var got []string
	for _, tx := range notify.DefaultTexts() {
		got = append(got, string(tx.Trigger)+"/"+string(tx.Channel))
		if tx.ToMerchant != tx.Trigger.ToMerchant() || !tx.Trigger.Valid() || !tx.Channel.Valid() {
			t.Errorf("%s/%s: ToMerchant %v, trigger valid %v", tx.Trigger, tx.Channel, tx.ToMerchant, tx.Trigger.Valid())
		}
		if tx.Title == "" || tx.ChannelTitle() == "" || tx.Body == "" {
			t.Errorf("%s/%s lacks a title or a body", tx.Trigger, tx.Channel)
		}
		isMail := tx.Channel == notify.KindEmail
		if isMail != (tx.Subject != "") || isMail != (tx.HTML != "") {
			t.Errorf("%s/%s: subject %q, HTML %d bytes: only e-mails have them, and every e-mail has both", tx.Trigger, tx.Channel, tx.Subject, len(tx.HTML))
		}
		if d, ok := notify.DefaultText(tx.Trigger, tx.Channel); !ok || d.Body != tx.Body {
			t.Errorf("DefaultText(%s, %s) = %v", tx.Trigger, tx.Channel, ok)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("default texts %v\nwant %v", got, want)
	}
	if _, ok := notify.DefaultText(notify.TriggerDelivered, notify.KindEmail); ok {
		t.Error("a delivered e-mail is not a default")
	}
}

// TestDefaultTextsRender: every part of every default validates and renders
// to words, with the variables each kind of message needs.
func TestDefaultTextsRender(t *testing.T) {
	t.Parallel()
	needs := func(tx notify.Text) []string {
		switch {
		case tx.Trigger == notify.TriggerLowBalance || tx.Trigger == notify.TriggerBalanceExhausted:
			return []string{"{balance}", "{shop}"}
		case tx.ToMerchant:
			return []string{"{order}", "{track}", "{name}", "{link}"}
		case tx.Channel == notify.KindEmail:
			return []string{"{name}", "{order}", "{track}", "{link}", "{shop}", "{products}"}
		}
		return nil
	}
	v := typicalOrder()
	for _, tx := range notify.DefaultTexts() {
		for part, body := range map[string]string{"subject": tx.Subject, "body": tx.Body, "html": tx.HTML} {
			if err := notify.Validate(body); err != nil {
				t.Errorf("%s/%s %s: %v", tx.Trigger, tx.Channel, part, err)
			}
			got, err := notify.Render(body, v, 0)
			if err != nil || strings.ContainsAny(got, "{}") {
				t.Errorf("%s/%s %s renders %q, %v", tx.Trigger, tx.Channel, part, got, err)
			}
		}
		for _, p := range needs(tx) {
			if !strings.Contains(tx.Body, p) || !strings.Contains(tx.HTML, p) {
				t.Errorf("%s/%s: the plain and HTML parts must both use %s", tx.Trigger, tx.Channel, p)
			}
		}
		if tx.Channel == notify.KindEmail && !tx.ToMerchant && !strings.HasPrefix(tx.Body, "Здравствуйте, {name}!") {
			t.Errorf("%s e-mail does not greet the buyer", tx.Trigger)
		}
	}
}

// TestDefaultHTMLEscapesEveryVariable: a hostile value cannot reach any
// default e-mail's HTML as markup.
func TestDefaultHTMLEscapesEveryVariable(t *testing.T) {
	t.Parallel()
	const evil = `<i>"x"&</i>`
	v := notify.Vars{Name: evil, Order: evil, Track: evil, Shop: evil, Link: evil, Products: []string{evil}, OfficeName: evil, OfficeIndex: evil}
	for _, tx := range notify.DefaultTexts() {
		if tx.HTML == "" {
			continue
		}
		got, err := notify.RenderHTML(tx.HTML, v, 0)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got, "<i>") || strings.Contains(got, `"x"`) || !strings.Contains(got, "&lt;i&gt;&#34;x&#34;&amp;&lt;/i&gt;") {
			t.Errorf("%s HTML lets a value through unescaped:\n%s", tx.Trigger, got)
		}
	}
}

// TestVoiceTextReadsAloud: the call's words hold nothing a speech engine
// would spell out or a listener would have to write down.
func TestVoiceTextReadsAloud(t *testing.T) {
	t.Parallel()
	abbrev := regexp.MustCompile(`(?i)(^|[\s(])(д|ул|г|кв|стр|пр|тел|руб|коп|обл|р-н)\.`)
	for _, tx := range notify.DefaultTexts() {
		if tx.Channel != notify.KindVoice {
			continue
		}
		words := regexp.MustCompile(`\{\w+\}`).ReplaceAllString(tx.Body, "")
		switch {
		case strings.ContainsAny(words, "№0123456789/"):
			t.Errorf("the voice text has signs or digits of its own: %q", tx.Body)
		case abbrev.MatchString(words):
			t.Errorf("the voice text abbreviates: %q", tx.Body)
		case strings.Contains(tx.Body, "{track}") || strings.Contains(tx.Body, "{link}") || strings.Contains(tx.Body, "{order}"):
			t.Errorf("the voice text reads out a number nobody can note: %q", tx.Body)
		case !strings.Contains(tx.Body, "{office}") || !strings.Contains(tx.Body, "{deadline}"):
			t.Errorf("the voice text must name the office and the deadline: %q", tx.Body)
		}
		got, _ := notify.Render(tx.Body, typicalOrder(), 0)
		if c := strings.Count(got, "Москва 127018"); c != 1 {
			t.Errorf("the call names the office %d times; the channel repeats the text, so once: %q", c, got)
		}
	}
}

func TestTriggers(t *testing.T) {
	t.Parallel()
	merchant := map[notify.Trigger]bool{
		notify.TriggerReturned: true, notify.TriggerTrackError: true, notify.TriggerStale: true,
		notify.TriggerLowBalance: true, notify.TriggerBalanceExhausted: true,
	}
	all := notify.Triggers()
	if len(all) != 10 {
		t.Fatalf("%d triggers", len(all))
	}
	for _, tr := range all {
		if !tr.Valid() || tr.ToMerchant() != merchant[tr] {
			t.Errorf("%s: valid %v, to merchant %v", tr, tr.Valid(), tr.ToMerchant())
		}
	}
	if notify.Trigger("arrivd").Valid() {
		t.Error("a typo is a valid trigger")
	}
}
