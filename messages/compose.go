package messages

import (
	"fmt"

	"parceltrack/billing"
	"parceltrack/notify"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// letter is a message rendered for its recipient.
type letter struct {
	To, Subject, Text, HTML string
	Segments                int
}

// about is what a message can say: the shop, the parcel (nil for the
// shop's balance alerts) classified now, the buyer's page and the balance.
type about struct {
	shop    shopapp.Shop
	parcel  *shopapp.Parcel
	status  tracking.Status
	link    string
	balance int64
}

// compose renders n's text for its channel from the default texts. An
// empty To means the recipient has no address for the channel.
func compose(n Notification, a about) (letter, error) {
	text, ok := notify.DefaultText(n.Trigger, n.Channel)
	if !ok {
		return letter{}, fmt.Errorf("messages: no text for %s by %s", n.Trigger, n.Channel)
	}
	v := notify.Vars{Shop: a.shop.Title(), Link: a.link, Balance: a.balance, Zone: n.Location()}
	if p := a.parcel; p != nil {
		v.Name, v.Order, v.Track, v.Products = p.Buyer.Addressed(), p.OrderNumber, p.Track, p.Products
		st := a.status
		v.OfficeIndex, v.OfficeName, v.Deadline, v.Days, v.DaysLeft = st.OfficeIndex, st.OfficeName, st.Deadline, st.Days, st.DaysLeft
	}
	var out letter
	out.To = recipient(n, a)
	var err error
	switch n.Channel {
	case notify.KindSMS:
		out.Text, err = notify.RenderSMS(text.Body, v)
		_, _, out.Segments = notify.Segments(out.Text)
	case notify.KindVoice:
		out.Text, err = notify.Render(text.Body, v, voiceProducts)
	case notify.KindEmail:
		if out.Subject, err = notify.Render(text.Subject, v, emailProducts); err != nil {
			break
		}
		if out.Text, err = notify.Render(text.Body, v, 0); err != nil {
			break
		}
		out.HTML, err = notify.RenderHTML(text.HTML, v, 0)
	}
	if err != nil {
		return letter{}, fmt.Errorf("messages: render %s: %w", n.Key, err)
	}
	return out, nil
}

// How much of the product list a call reads and a subject line shows.
const (
	voiceProducts = 60
	emailProducts = 60
)

// recipient is n's address: the buyer's phone or e-mail, or the shop
// owner's e-mail for the merchant's alerts; empty when unusable.
func recipient(n Notification, a about) string {
	if n.ToMerchant {
		if n.Channel == notify.KindEmail {
			return a.shop.Owner.Email
		}
		return ""
	}
	if a.parcel == nil {
		return ""
	}
	b := a.parcel.Buyer
	switch n.Channel {
	case notify.KindSMS, notify.KindVoice:
		if b.PhoneOK {
			return b.Phone
		}
	case notify.KindEmail:
		if b.EmailOK {
			return b.Email
		}
	}
	return ""
}

// price is what the message costs and the ledger kind it is charged as.
// The merchant's own alerts are free: the service tells the shop about its
// parcels and its balance at no charge.
func price(n Notification, l letter, p billing.Prices) (int64, billing.Kind) {
	if n.ToMerchant {
		return 0, ""
	}
	switch n.Channel {
	case notify.KindSMS:
		return p.SMS(l.Segments), billing.KindSMS
	case notify.KindVoice:
		return p.Voice, billing.KindVoice
	case notify.KindEmail:
		return p.Email, billing.KindEmail
	}
	return 0, ""
}
