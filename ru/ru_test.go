package ru

import (
	"math"
	"strconv"
	"testing"
)

func TestPlural(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{0, "дней"},
		{1, "день"},
		{2, "дня"},
		{3, "дня"},
		{4, "дня"},
		{5, "дней"},
		{10, "дней"},
		{11, "дней"},
		{12, "дней"},
		{13, "дней"},
		{14, "дней"},
		{15, "дней"},
		{20, "дней"},
		{21, "день"},
		{22, "дня"},
		{24, "дня"},
		{25, "дней"},
		{100, "дней"},
		{101, "день"},
		{102, "дня"},
		{111, "дней"},
		{112, "дней"},
		{121, "день"},
		{1001, "день"},
		{1011, "дней"},
		{-1, "день"},
		{-2, "дня"},
		{-5, "дней"},
		{-11, "дней"},
		{-21, "день"},
		{math.MaxInt, "дней"},     // …807
		{math.MinInt, "дней"},     // -…808, whose absolute value does not fit an int
		{math.MinInt + 7, "день"}, // -…801
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.n), func(t *testing.T) {
			t.Parallel()
			if got := Plural(tt.n, "день", "дня", "дней"); got != tt.want {
				t.Errorf("Plural(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestPluralOtherNoun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{1, "посылка"},
		{3, "посылки"},
		{7, "посылок"},
		{12, "посылок"},
		{31, "посылка"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := Plural(tt.n, "посылка", "посылки", "посылок"); got != tt.want {
				t.Errorf("Plural(%d) = %q, want %q", tt.n, got, tt.want)
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
