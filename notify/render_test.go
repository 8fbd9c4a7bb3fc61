package notify_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"parceltrack/notify"
)

func TestRender(t *testing.T) {
	t.Parallel()
	kgd := time.FixedZone("", 2*60*60)
	base := notify.Vars{
		Name: "Анна", Order: "1024", Track: "80092063905992", Shop: "Уют", Link: "https://pt.example/t/AbC123xy",
		Products:    []string{"Плед"},
		OfficeIndex: "127018", OfficeName: "Москва 127018",
		Deadline: time.Date(2026, 3, 25, 23, 59, 59, 0, time.FixedZone("", 3*60*60)),
		Days:     5, DaysLeft: 2, Balance: 123450,
	}
	with := func(f func(v *notify.Vars)) notify.Vars { v := base; f(&v); return v }
	tests := []struct {
		name, body string
		v          notify.Vars
		max        int
		want       string
	}{
		{"plain values", "{name}, заказ №{order}, трек {track}. {shop} {link}", base, 0,
			"Анна, заказ №1024, трек 80092063905992. Уют https://pt.example/t/AbC123xy"},
		{"no placeholders", "Спасибо!", base, 0, "Спасибо!"},
		{"a placeholder twice", "{name} {name}", base, 0, "Анна Анна"},
		{"days with their word", "{days} / {days_left}", base, 0, "5 дней / 2 дня"},
		{"one day", "{days}", with(func(v *notify.Vars) { v.Days = 21 }), 0, "21 день"},
		{"deadline in genitive", "до {deadline}", base, 0, "до 25 марта"},
		// The office's own offset decides the date: 23:59:59 in Kaliningrad is
		// already the next day in Moscow, and must not be written as it.
		{"deadline in the office's offset", "до {deadline}", with(func(v *notify.Vars) {
			v.Deadline = time.Date(2026, 3, 25, 23, 59, 59, 0, kgd)
			v.Zone = time.FixedZone("", 10*60*60)
		}), 0, "до 25 марта"},
		{"a deadline without offset in the buyer's zone", "до {deadline}", with(func(v *notify.Vars) {
			v.Deadline = time.Date(2026, 3, 25, 20, 59, 59, 0, time.UTC)
			v.Zone = time.FixedZone("", 7*60*60)
		}), 0, "до 26 марта"},
		{"unknown deadline", "до {deadline}", with(func(v *notify.Vars) { v.Deadline = time.Time{} }), 0, "до конца срока хранения"},
		{"office name carries the index", "{office}", base, 0, "Москва 127018"},
		{"office name and index", "{office}", with(func(v *notify.Vars) { v.OfficeName = "Почтамт" }), 0, "Почтамт, 127018"},
		{"office index only", "{office}", with(func(v *notify.Vars) { v.OfficeName = "" }), 0, "127018"},
		{"office name only", "{office}", with(func(v *notify.Vars) { v.OfficeIndex = "" }), 0, "Москва 127018"},
		{"balance in roubles", "{balance}", base, 0, "1\u00a0234,50\u00a0₽"},
		{"products: one", "{products}", base, 20, "Плед"},
		{"products: all fit", "{products}", with(func(v *notify.Vars) { v.Products = []string{"Плед", "Кружка"} }), 20, "Плед, Кружка"},
		{"products: no limit", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Плед шерстяной", "Кружка керамическая", "Свеча"}
		}), 0, "Плед шерстяной, Кружка керамическая, Свеча"},
		{"products: the rest counted", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Чехол для телефона", "Защитное стекло", "Кабель USB-C"}
		}), 40, "Чехол для телефона и ещё 2 товара"},
		{"products: two whole names and one more", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Чехол", "Стекло", "Кабель USB-C 2 м"}
		}), 30, "Чехол, Стекло и ещё 1 товар"},
		{"products: five more", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Чехол", "Стекло", "Кабель", "Зарядка", "Наушники", "Сумка"}
		}), 21, "Чехол и ещё 5 товаров"},
		{"products: a long first name cut, with the count", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Плед шерстяной «Уют» 140×200", "Кружка", "Свеча"}
		}), 30, "Плед шерстяной… и ещё 2 товара"},
		{"products: a single long name cut at a word", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Плед шерстяной «Уют» 140×200"}
		}), 20, "Плед шерстяной…"},
		{"products: a long word cut inside", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Электрочайник-термопот"}
		}), 10, "Электроча…"},
		// The others are left out, and the ellipsis says so.
		{"products: too little room for the count", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"Плед шерстяной", "Кружка"}
		}), 16, "Плед шерстяной…"},
		{"products: spaces and empty names", "{products}", with(func(v *notify.Vars) {
			v.Products = []string{"  Плед \n шерстяной ", "", "Кружка"}
		}), 0, "Плед шерстяной, Кружка"},
		{"products: none", "[{products}]", with(func(v *notify.Vars) { v.Products = nil }), 20, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := notify.Render(tt.body, tt.v, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.body, got, tt.want)
			}
			if strings.Contains(tt.body, "{products}") && tt.max > 0 {
				if p, _ := notify.Render("{products}", tt.v, tt.max); utf8.RuneCountInString(p) > tt.max {
					t.Errorf("{products} = %q: %d runes, over %d", p, utf8.RuneCountInString(p), tt.max)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		offset     int    // of the offending brace; -1: valid
		problem    string // part of the Russian message
	}{
		{"every placeholder", strings.Join(notify.Placeholders(), " "), -1, ""},
		{"plain text", "Спасибо за покупку!", -1, ""},
		{"empty", "", -1, ""},
		{"unknown placeholder", "Привет, {nmae}!", len("Привет, "), "Неизвестная подстановка «{nmae}»"},
		{"upper case is another name", "{Name}", 0, "Неизвестная подстановка «{Name}»"},
		{"spaces are not trimmed", "{ name }", 0, "Неизвестная подстановка «{ name }»"},
		{"empty braces", "a {} b", 2, "Неизвестная подстановка «{}»"},
		{"unclosed at the end", "Заказ {order", len("Заказ "), "не закрыта"},
		{"unclosed before another", "{name {order}", 0, "не закрыта"},
		{"a stray closing brace", "Заказ} {order}", len("Заказ"), "Лишняя закрывающая скобка"},
		{"template code", "{{.Name}}", 0, "не закрыта"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := notify.Validate(tt.body)
			if tt.offset < 0 {
				if err != nil {
					t.Fatalf("Validate(%q) = %v, want nil", tt.body, err)
				}
				return
			}
			var te *notify.TextError
			if !errors.As(err, &te) {
				t.Fatalf("Validate(%q) = %v, want a *TextError", tt.body, err)
			}
			if te.Offset != tt.offset || !strings.Contains(te.Problem, tt.problem) {
				t.Errorf("Validate(%q) = offset %d %q, want offset %d with %q", tt.body, te.Offset, te.Problem, tt.offset, tt.problem)
			}
			// The merchant is told what is allowed.
			for _, p := range []string{"{name}", "{days_left}", "{link}"} {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("the error %q does not list %s", err, p)
				}
			}
			if _, rerr := notify.Render(tt.body, notify.Vars{}, 0); rerr == nil {
				t.Errorf("Render accepted %q", tt.body)
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	t.Parallel()
	want := []string{"{name}", "{order}", "{products}", "{track}", "{office}", "{deadline}", "{days}", "{days_left}", "{shop}", "{link}", "{balance}"}
	got := notify.Placeholders()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Placeholders() = %v, want %v", got, want)
	}
	got[0] = "{changed}"
	if notify.Placeholders()[0] != "{name}" {
		t.Fatal("Placeholders shares its slice")
	}
}

func TestRenderHTMLEscapes(t *testing.T) {
	t.Parallel()
	v := notify.Vars{
		Name: `<script>alert("x")</script>`, Shop: "Tom & Jerry", Link: `https://pt.example/t/a"onmouseover="x`,
		Products: []string{"<b>Плед</b>"}, OfficeName: "Почтамт <1>",
	}
	got, err := notify.RenderHTML(`<p>{name}, {products} — {office}</p><a href="{link}">{shop}</a>`, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;, &lt;b&gt;Плед&lt;/b&gt; — Почтамт &lt;1&gt;</p>` +
		`<a href="https://pt.example/t/a&#34;onmouseover=&#34;x">Tom &amp; Jerry</a>`
	if got != want {
		t.Errorf("RenderHTML =\n%s\nwant\n%s", got, want)
	}
	// The plain part is not escaped: "&" is what the buyer reads.
	if plain, _ := notify.Render("{shop}", v, 0); plain != "Tom & Jerry" {
		t.Errorf("Render = %q", plain)
	}
}

func TestRenderSMS(t *testing.T) {
	t.Parallel()
	v := notify.Vars{
		Products:    []string{"Плед шерстяной «Уют» 140×200", "Кружка керамическая 350 мл", "Свеча ароматическая «Лаванда»"},
		OfficeIndex: "101000", OfficeName: "Москва 101000",
		Deadline: time.Date(2026, 5, 25, 23, 59, 59, 0, time.FixedZone("", 3*60*60)),
		Name:     "Анна", Shop: "Уютный дом",
	}
	long := v
	long.Products = []string{strings.Repeat("Очень длинное название ", 10)}
	tests := []struct {
		name, body string
		v          notify.Vars
		want       string
		segments   int
	}{
		// The rest of the text takes 35 of 70: the first name, cut at a word,
		// and the count fill what is left.
		{"the list fills one segment", "{products} — на почте {office} до {deadline}", v,
			"Плед шерстяной… и ещё 2 товара — на почте Москва 101000 до 25 мая", 1},
		{"no products in the text", "{name}, спасибо! {shop}", v, "Анна, спасибо! Уютный дом", 1},
		// 61 of 70 taken: a typical product would not fit, so the message
		// takes a second segment and the products what is left of it.
		{"never less than a typical product", strings.Repeat("я", 60) + " {products}", long,
			strings.Repeat("я", 60) + " Очень длинное название Очень длинное название Очень длинное название…", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := notify.RenderSMS(tt.body, tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("RenderSMS =\n%q\nwant\n%q", got, tt.want)
			}
			if _, chars, segs := notify.Segments(got); segs != tt.segments {
				t.Errorf("RenderSMS = %q: %d chars, %d segments, want %d", got, chars, segs, tt.segments)
			}
		})
	}
	if _, err := notify.RenderSMS("{products} {nope}", v); err == nil {
		t.Error("RenderSMS accepted an unknown placeholder")
	}
}
