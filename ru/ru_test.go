package ru

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPlural(t *testing.T) {
	t.Parallel()
	days := [3]string{"день", "дня", "дней"}
	parcels := [3]string{"посылка", "посылки", "посылок"}
	tests := []struct {
		n     int
		forms [3]string
		want  string
	}{
		{0, days, "дней"},
		{1, days, "день"},
		{2, days, "дня"},
		{3, days, "дня"},
		{4, days, "дня"},
		{5, days, "дней"},
		{10, days, "дней"},
		{11, days, "дней"},
		{12, days, "дней"},
		{13, days, "дней"},
		{14, days, "дней"},
		{15, days, "дней"},
		{20, days, "дней"},
		{21, days, "день"},
		{22, days, "дня"},
		{24, days, "дня"},
		{25, days, "дней"},
		{100, days, "дней"},
		{101, days, "день"},
		{102, days, "дня"},
		{111, days, "дней"},
		{112, days, "дней"},
		{121, days, "день"},
		{1001, days, "день"},
		{1011, days, "дней"},
		{-1, days, "день"},
		{-2, days, "дня"},
		{-5, days, "дней"},
		{-11, days, "дней"},
		{-21, days, "день"},
		{math.MaxInt, days, "дней"},     // …807
		{math.MinInt, days, "дней"},     // -…808, whose absolute value does not fit an int
		{math.MinInt + 7, days, "день"}, // -…801
		{1, parcels, "посылка"},
		{3, parcels, "посылки"},
		{7, parcels, "посылок"},
		{12, parcels, "посылок"},
		{31, parcels, "посылка"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.n)+" "+tt.want, func(t *testing.T) {
			t.Parallel()
			if got := Plural(tt.n, tt.forms[0], tt.forms[1], tt.forms[2]); got != tt.want {
				t.Errorf("Plural(%d, %v) = %q, want %q", tt.n, tt.forms, got, tt.want)
			}
		})
	}
}

func TestDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{0, "0 дней"},
		{1, "1 день"},
		{2, "2 дня"},
		{4, "4 дня"},
		{5, "5 дней"},
		{11, "11 дней"},
		{14, "14 дней"},
		{21, "21 день"},
		{22, "22 дня"},
		{25, "25 дней"},
		{101, "101 день"},
		{111, "111 дней"},
		{112, "112 дней"},
		{-3, "-3 дня"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := Days(tt.n); got != tt.want {
				t.Errorf("Days(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestDayMonth(t *testing.T) {
	t.Parallel()
	msk := time.FixedZone("MSK", 3*60*60)
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"first of january", time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), "1 января"},
		{"march", time.Date(2026, 3, 25, 23, 59, 59, 0, msk), "25 марта"},
		{"may keeps its form", time.Date(2026, 5, 9, 0, 0, 0, 0, msk), "9 мая"},
		{"longest month name", time.Date(2026, 9, 30, 8, 0, 0, 0, msk), "30 сентября"},
		{"december", time.Date(2026, 12, 31, 8, 0, 0, 0, msk), "31 декабря"},
		// The date is read in the instant's own location: 23:30 in Moscow on
		// 31 March is already 1 April in Vladivostok.
		{"own location decides", time.Date(2026, 3, 31, 23, 30, 0, 0, msk).In(time.FixedZone("VLAT", 10*60*60)), "1 апреля"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := DayMonth(tt.at); got != tt.want {
				t.Errorf("DayMonth(%v) = %q, want %q", tt.at, got, tt.want)
			}
		})
	}
}

func TestRub(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kopecks int64
		want    string // ordinary spaces here stand for no-break spaces
	}{
		{0, "0,00 ₽"},
		{1, "0,01 ₽"},
		{10, "0,10 ₽"},
		{100, "1,00 ₽"},
		{123450, "1 234,50 ₽"},
		{100000000, "1 000 000,00 ₽"},
		{-1, "-0,01 ₽"},
		{-99999, "-999,99 ₽"},
		{math.MaxInt64, "92 233 720 368 547 758,07 ₽"},
		{math.MinInt64, "-92 233 720 368 547 758,08 ₽"},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.kopecks, 10), func(t *testing.T) {
			t.Parallel()
			got := Rub(tt.kopecks)
			if want := strings.ReplaceAll(tt.want, " ", "\u00a0"); got != want {
				t.Errorf("Rub(%d) = %q, want %q", tt.kopecks, got, want)
			}
		})
	}
}
