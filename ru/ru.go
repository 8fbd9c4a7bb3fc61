// Package ru holds Russian wording for people: plural forms, dates as
// buyers write them, amounts in roubles.
package ru

import (
	"strconv"
	"time"
)

// Plural picks the form of a noun that agrees with n by the Russian rules:
// one for 1, 21, 101 ("день"), few for 2–4, 22–24 ("дня"), many for 0, 5–20,
// 25–30, 111 ("дней"). The last two digits decide, so 11–14 take many; a
// negative n agrees like its absolute value ("-1 день").
func Plural(n int, one, few, many string) string {
	// Work on the remainder, not on -n: -n overflows for the smallest int.
	n100 := n % 100
	if n100 < 0 {
		n100 = -n100
	}
	n10 := n100 % 10
	switch {
	case n100 >= 11 && n100 <= 14:
		return many
	case n10 == 1:
		return one
	case n10 >= 2 && n10 <= 4:
		return few
	}
	return many
}

// Days returns n with the agreeing form of "день": "1 день", "2 дня", "5 дней".
func Days(n int) string {
	return strconv.Itoa(n) + " " + Plural(n, "день", "дня", "дней")
}

// monthsGenitive are the month names in the form a date takes after its day
// number ("25 марта"), January first.
var monthsGenitive = [12]string{
	"января", "февраля", "марта", "апреля", "мая", "июня",
	"июля", "августа", "сентября", "октября", "ноября", "декабря",
}

// DayMonth writes t's calendar date, read in t's own location, the way people
// write it in a letter: "25 марта", "1 сентября" — no leading zero, no year
// (a reminder is about the next few weeks).
func DayMonth(t time.Time) string {
	_, m, d := t.Date()
	return strconv.Itoa(d) + " " + monthsGenitive[m-1]
}

// nbsp is the no-break space between digit groups and before the rouble
// sign: an amount never wraps across lines, and it is the form a merchant can
// paste into a spreadsheet set to the Russian locale.
const nbsp = "\u00a0"

// Rub shows kopecks as roubles the Russian way: "1 234,50 ₽" with no-break
// spaces (U+00A0) between thousands and before the sign, a decimal comma,
// always two kopeck digits, and a leading "-" for negative amounts.
func Rub(kopecks int64) string {
	neg := kopecks < 0
	// Through uint64 so that the smallest int64 has a magnitude too.
	mag := uint64(kopecks)
	if neg {
		mag = -mag
	}
	rub := strconv.FormatUint(mag/100, 10)
	out := make([]byte, 0, len(rub)+16)
	if neg {
		out = append(out, '-')
	}
	for i := range len(rub) {
		if i > 0 && (len(rub)-i)%3 == 0 {
			out = append(out, nbsp...)
		}
		out = append(out, rub[i])
	}
	out = append(out, ',', byte('0'+mag%100/10), byte('0'+mag%10))
	out = append(out, nbsp+"₽"...)
	return string(out)
}
