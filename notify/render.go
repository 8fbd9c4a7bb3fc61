package notify

import (
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"parceltrack/ru"
	"parceltrack/tracking"
)

// Vars are what a text's placeholders stand for.
type Vars struct {
	Name, Order, Track, Shop, Link string
	Products                       []string
	OfficeIndex, OfficeName        string
	// Deadline is the end of the last day of storage in the office's offset
	// (tracking.Status.Deadline); zero: unknown.
	Deadline time.Time
	// Days and DaysLeft are whole days waiting and days of storage left.
	Days, DaysLeft int
	// Balance is the shop's balance in kopecks (the balance alerts).
	Balance int64
	// Zone is the buyer's zone. The deadline is a date of its office and is
	// read in the office's offset, which it carries; Zone reads one that
	// carries none (UTC, e.g. from a store that dropped the offset).
	Zone *time.Location
}

// placeholderNames are the placeholders a text may use, in the order the
// editor lists them. Only read.
var placeholderNames = [...]string{
	"name", "order", "products", "track", "office", "deadline",
	"days", "days_left", "shop", "link", "balance",
}

// Placeholders lists the placeholders a text may use, as they are written
// ("{name}"), in a fresh slice.
func Placeholders() []string {
	out := make([]string, len(placeholderNames))
	for i, n := range placeholderNames {
		out[i] = "{" + n + "}"
	}
	return out
}

// TextError is why Validate refused a text. Its message is in Russian and
// lists the allowed placeholders: the cabinet's editor shows it to the
// merchant as it is.
type TextError struct {
	// Offset is the byte offset of the offending brace in the text.
	Offset int
	// Problem says what is wrong, in Russian.
	Problem string
}

func (e *TextError) Error() string {
	return e.Problem + ". Можно использовать: " + strings.Join(Placeholders(), ", ")
}

// Validate refuses a text with an unknown placeholder, an unclosed "{" or a
// "}" that closes nothing: a typo must be caught in the editor, not reach a
// buyer as "{nmae}". There is no escape for braces; texts do not need them.
func Validate(body string) error {
	_, err := fill(body, func(string) string { return "" })
	return err
}

// Render fills a text's placeholders from v. It refuses what Validate
// refuses. The values are written the way a buyer reads them:
//   - {products}: the names joined by ", ", shortened to maxProducts runes as
//     "Чехол для телефона и ещё 2 товара", a single long name cut with "…"
//     (maxProducts ≤ 0: no limit);
//   - {days}, {days_left}: a number with its word, "5 дней";
//   - {deadline}: "25 марта", the date of the office's last day, written to
//     follow "до"; unknown, "конца срока хранения";
//   - {office}: "name, index", or the name alone when it already carries the
//     index ("Москва 127018");
//   - {balance}: roubles, "1 234,50 ₽".
func Render(body string, v Vars, maxProducts int) (string, error) {
	return fill(body, v.values(maxProducts, func(s string) string { return s }))
}

// RenderHTML is Render for an e-mail's HTML part: every value is escaped, so
// a buyer named "<b>" or a product with "&" cannot break the markup.
func RenderHTML(body string, v Vars, maxProducts int) (string, error) {
	return fill(body, v.values(maxProducts, html.EscapeString))
}

// MinSMSProducts is the least room RenderSMS gives {products}: a typical
// product name whole (docs: "one product up to 20 characters").
const MinSMSProducts = 20

// RenderSMS renders an SMS so it costs as few segments as it can: {products}
// gets what the rest of the text leaves free in its last segment, and never
// less than MinSMSProducts runes. A default SMS for a typical order is then
// one segment, and a long order list is cut rather than paid for.
func RenderSMS(body string, v Vars) (string, error) {
	n := strings.Count(body, "{products}")
	if n == 0 {
		return Render(body, v, 0)
	}
	rest, err := Render(strings.ReplaceAll(body, "{products}", ""), v, 0)
	if err != nil {
		return "", err
	}
	used := 0
	for _, r := range rest {
		used += utf16.RuneLen(r)
	}
	// The products are Cyrillic more often than not, so count in UCS-2.
	for parts := 1; ; parts++ {
		capacity := ucs2Single
		if parts > 1 {
			capacity = parts * ucs2Part // each part of a long SMS carries a header
		}
		if room := (capacity - used) / n; room >= MinSMSProducts {
			return Render(body, v, room)
		}
	}
}

// values returns the lookup fill uses, each value passed through esc.
func (v Vars) values(maxProducts int, esc func(string) string) func(string) string {
	return func(name string) string {
		var s string
		switch name {
		case "name":
			s = v.Name
		case "order":
			s = v.Order
		case "track":
			s = v.Track
		case "shop":
			s = v.Shop
		case "link":
			s = v.Link
		case "products":
			s = productList(v.Products, maxProducts)
		case "office":
			s = officeText(v.OfficeName, v.OfficeIndex)
		case "deadline":
			s = deadlineText(v.Deadline, v.Zone)
		case "days":
			s = ru.Days(v.Days)
		case "days_left":
			s = ru.Days(v.DaysLeft)
		case "balance":
			s = ru.Rub(v.Balance)
		}
		return esc(s)
	}
}

// fill copies body, replacing each {placeholder} with value(name), and
// refuses what Validate refuses.
func fill(body string, value func(string) string) (string, error) {
	var b strings.Builder
	b.Grow(len(body) + 64)
	for i := 0; i < len(body); {
		switch body[i] {
		case '}':
			return "", &TextError{Offset: i, Problem: "Лишняя закрывающая скобка «}»"}
		case '{':
			end := strings.IndexAny(body[i+1:], "{}")
			if end < 0 || body[i+1+end] == '{' {
				return "", &TextError{Offset: i, Problem: "Фигурная скобка «{» не закрыта"}
			}
			name := body[i+1 : i+1+end]
			if !slices.Contains(placeholderNames[:], name) {
				return "", &TextError{Offset: i, Problem: "Неизвестная подстановка «{" + name + "}»"}
			}
			b.WriteString(value(name))
			i += end + 2
		default:
			j := strings.IndexAny(body[i:], "{}")
			if j < 0 {
				j = len(body) - i
			}
			b.WriteString(body[i : i+j])
			i += j
		}
	}
	return b.String(), nil
}

// productList joins product names for {products} within maxRunes: as many
// whole names as fit with "и ещё N товаров" for the rest, at least the first
// (cut with "…" when it alone is too long).
func productList(names []string, maxRunes int) string {
	clean := make([]string, 0, len(names))
	for _, n := range names {
		if n = strings.Join(strings.Fields(n), " "); n != "" {
			clean = append(clean, n)
		}
	}
	all := strings.Join(clean, ", ")
	if len(clean) == 0 || maxRunes <= 0 || utf8.RuneCountInString(all) <= maxRunes {
		return all
	}
	more := func(k int) string {
		n := len(clean) - k
		return " и ещё " + strconv.Itoa(n) + " " + ru.Plural(n, "товар", "товара", "товаров")
	}
	for k := len(clean) - 1; k >= 1; k-- {
		if s := strings.Join(clean[:k], ", ") + more(k); utf8.RuneCountInString(s) <= maxRunes {
			return s
		}
	}
	if len(clean) > 1 {
		// The first name, cut, with the count — unless so little of the
		// name would be left that the buyer could not recognise it.
		rest := more(1)
		if room := maxRunes - utf8.RuneCountInString(rest); room >= maxRunes/2 {
			return cut(clean[0], room) + rest
		}
		// Else the first name alone, and an ellipsis for the others.
		if utf8.RuneCountInString(clean[0]) < maxRunes {
			return clean[0] + "…"
		}
	}
	return cut(clean[0], maxRunes)
}

// cut shortens s to at most n runes ending in "…", at a word boundary when
// that keeps at least half of it, without a dangling space or punctuation
// before the ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	switch {
	case n <= 0:
		return ""
	case n == 1:
		return "…"
	}
	keep := r[:n-1]
	if !unicode.IsSpace(r[n-1]) {
		for i := len(keep) - 1; i >= (n-1)/2; i-- {
			if unicode.IsSpace(keep[i]) {
				keep = keep[:i]
				break
			}
		}
	}
	out := strings.TrimRightFunc(string(keep), func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsPunct(c) && c != ')' && c != '»' && c != '"'
	})
	return out + "…"
}

// officeText writes the office as "name, index", without the index when the
// name already carries it.
func officeText(name, index string) string {
	name, index = strings.TrimSpace(name), strings.TrimSpace(index)
	switch {
	case name == "":
		return index
	case index == "" || strings.Contains(name, index):
		return name
	}
	return name + ", " + index
}

// deadlineText writes the last day of storage to follow "до".
func deadlineText(deadline time.Time, zone *time.Location) string {
	if deadline.IsZero() {
		return "конца срока хранения"
	}
	if _, off := deadline.Zone(); off == 0 && zone != nil {
		deadline = deadline.In(zone)
	}
	return ru.DayMonth(tracking.StorageDay(deadline))
}
