package shopapp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"parceltrack/tracking"
)

// linkAlphabet and linkLen make the buyer's link token: 8 characters of
// 62 are 47 random bits — short enough for an SMS, and with the page
// rate-limited per address, out of reach of guessing.
const (
	linkAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	linkLen      = 8
)

// newLinkToken draws a token without the modulo bias of a plain remainder.
func newLinkToken() (string, error) {
	out := make([]byte, 0, linkLen)
	buf := make([]byte, 2*linkLen)
	for len(out) < linkLen {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("shopapp: link token: %w", err)
		}
		for _, b := range buf {
			// 248 = 4 × 62: bytes above it would favour the first letters.
			if b < 248 && len(out) < linkLen {
				out = append(out, linkAlphabet[int(b)%len(linkAlphabet)])
			}
		}
	}
	return string(out), nil
}

// IsLinkToken reports whether s has the shape of a link token, so a
// malformed one costs no database read.
func IsLinkToken(s string) bool {
	if len(s) != linkLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// createLink gives a new parcel its buyer's link. It runs before the
// parcel is stored: a crash in between leaves a link to a parcel not there
// yet, which opens nothing until the import's retry stores it.
func (a *App) createLink(ctx context.Context, p *Parcel) error {
	for range 3 {
		token, err := newLinkToken()
		if err != nil {
			return err
		}
		err = a.o.Parcels.CreateLink(ctx, token, p.ID, p.ShopID, a.o.Now())
		if errors.Is(err, ErrConflict) {
			continue // another parcel drew the same token: draw again
		}
		if err != nil {
			return fmt.Errorf("shopapp: link for %s: %w", p.ID, err)
		}
		p.Link = token
		return nil
	}
	return fmt.Errorf("shopapp: link for %s: three tokens taken in a row", p.ID)
}

// Link returns the token of the parcel's tracking page, making one for a
// parcel stored before links existed.
func (a *App) Link(ctx context.Context, p Parcel) (string, error) {
	if p.Link != "" {
		return p.Link, nil
	}
	if err := a.createLink(ctx, &p); err != nil {
		return "", err
	}
	if err := a.o.Parcels.SetLink(ctx, p.ID, p.Link); err != nil {
		return "", fmt.Errorf("shopapp: link for %s: %w", p.ID, err)
	}
	return p.Link, nil
}

// BuyerView is what the buyer's tracking page shows: one parcel, its shop's
// name, and nothing about other parcels or the shop.
type BuyerView struct {
	ShopName    string
	OrderNumber string
	Track       string
	// Status is the parcel classified at Now (the tracking clock).
	Status tracking.Status
	Now    time.Time
}

// BuyerView opens the parcel of a buyer's link. A token nobody was given,
// a parcel no longer followed (stopped, cleared) and an uninstalled shop
// are all ErrNotFound: the page says nothing about why.
func (a *App) BuyerView(ctx context.Context, token string) (BuyerView, error) {
	if !IsLinkToken(token) {
		return BuyerView{}, ErrNotFound
	}
	p, err := a.o.Parcels.LinkedParcel(ctx, token)
	if err != nil {
		return BuyerView{}, fmt.Errorf("shopapp: buyer page: %w", err)
	}
	shop, err := a.o.Shops.Shop(ctx, p.ShopID)
	if err != nil {
		return BuyerView{}, fmt.Errorf("shopapp: buyer page: %w", err)
	}
	if p.Stopped() || shop.Uninstalled() {
		return BuyerView{}, fmt.Errorf("shopapp: buyer page: parcel %s is not followed: %w", p.ID, ErrNotFound)
	}
	now := a.o.TrackingClock()
	return BuyerView{ShopName: shop.Title(), OrderNumber: p.OrderNumber, Track: p.Track,
		Status: p.Tracking(now, a.rules(shop)), Now: now}, nil
}
