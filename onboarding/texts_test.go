package onboarding_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"parceltrack/billing"
	"parceltrack/onboarding"
)

func TestRenderText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, tmpl, want string
	}{
		{"placeholders", "{name}, заказ №{order}", "Анна, заказ №7"},
		{"unknown stays", "{name} {nope}", "Анна {nope}"},
		{"unclosed brace", "{name} {order", "Анна {order"},
		{"no placeholders", "Привет", "Привет"},
	}
	for _, tt := range tests {
		if got := onboarding.RenderText(tt.tmpl, map[string]string{"name": "Анна", "order": "7"}); got != tt.want {
			t.Errorf("%s: %q", tt.name, got)
		}
	}
}

func TestProductList(t *testing.T) {
	t.Parallel()
	short := onboarding.ProductList([]string{"Плед", "Кружка"}, 60)
	long := onboarding.ProductList([]string{strings.Repeat("Плед ", 20), "Кружка"}, 60)
	if short != "Плед, Кружка" || utf8.RuneCountInString(long) > 60 || !strings.HasSuffix(long, "…") {
		t.Fatalf("short %q long %q", short, long)
	}
}

func TestHowItWorksSample(t *testing.T) {
	t.Parallel()
	h := onboarding.SampleHowItWorks(billing.DefaultPrices(), "shop.myinsales.ru")
	for _, want := range []string{"Анна", "1024", "Плед шерстяной", "Москва 101000", "shop.myinsales.ru"} {
		if !strings.Contains(h.SMS, want) {
			t.Errorf("sample SMS %q lacks %q", h.SMS, want)
		}
	}
	if strings.Contains(h.SMS, "{") || h.SMSEncoding != "UCS-2" || h.SMSSegments < 2 ||
		h.SMSPrice != billing.FormatRub(billing.DefaultPrices().SMS(h.SMSSegments)) || h.TrackPrice != billing.FormatRub(500) {
		t.Fatalf("sample %+v", h)
	}
	for _, tx := range onboarding.DefaultTexts() {
		if tx.Body == "" || tx.Title == "" || tx.ChannelTitle() == "" {
			t.Errorf("default text %+v", tx)
		}
	}
}
