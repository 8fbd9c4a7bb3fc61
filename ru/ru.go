// Package ru holds Russian wording for people: plural forms, dates as
// people write them.
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

// Date writes t's calendar day, in t's own location, as people write it in
// a sentence: "25 марта" (the month in the genitive).
func Date(t time.Time) string {
	months := [12]string{"января", "февраля", "марта", "апреля", "мая", "июня",
		"июля", "августа", "сентября", "октября", "ноября", "декабря"}
	return strconv.Itoa(t.Day()) + " " + months[t.Month()-1]
}
