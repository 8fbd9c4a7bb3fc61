package onboarding

import (
	"strings"
	"unicode/utf8"

	"parceltrack/billing"
	"parceltrack/notify"
)

// Text is one default message text: a trigger on one channel. Bodies use
// {placeholders} (docs/state-model.md, "Messages"); the cabinet's editor will change them per
// shop. {days} and {days_left} stand for a number with its word in the
// right form ("5 дней", ru.Days), so no text abbreviates "дн.".
type Text struct {
	Trigger string
	// Title names the trigger for the merchant.
	Title   string
	Channel notify.ChannelKind
	// Subject is the e-mail subject (e-mail only).
	Subject string
	Body    string
}

// ChannelTitle names the channel for the merchant.
func (t Text) ChannelTitle() string {
	switch t.Channel {
	case notify.KindSMS:
		return "SMS"
	case notify.KindVoice:
		return "Звонок"
	case notify.KindEmail:
		return "E-mail"
	}
	return string(t.Channel)
}

// DefaultTexts are the texts every shop starts with, in the order a parcel
// meets its triggers.
func DefaultTexts() []Text {
	return []Text{
		{Trigger: "shipped", Title: "Посылка отправлена", Channel: notify.KindSMS,
			Body: "{name}, ваш заказ №{order} ({products}) отправлен Почтой России. Трек-номер {track}. {shop}"},
		{Trigger: "shipped", Title: "Посылка отправлена", Channel: notify.KindEmail,
			Subject: "Заказ №{order} отправлен",
			Body:    "Здравствуйте, {name}!\n\nВаш заказ №{order} ({products}) отправлен Почтой России. Трек-номер: {track}.\nСледить за посылкой: {link}\n\n{shop}"},
		{Trigger: "arrived", Title: "Посылка прибыла в отделение", Channel: notify.KindSMS,
			Body: "{name}, заказ №{order} ({products}) ждёт вас в отделении {office}. Заберите до {deadline}. Трек {track}. {shop}"},
		{Trigger: "arrived", Title: "Посылка прибыла в отделение", Channel: notify.KindEmail,
			Subject: "Заказ №{order} ждёт вас на почте",
			Body:    "Здравствуйте, {name}!\n\nВаш заказ №{order} ({products}) прибыл в отделение {office}. Его можно забрать до {deadline}.\nТрек-номер: {track}.\n\n{shop}"},
		{Trigger: "probably_arrived", Title: "Посылка скорее всего уже в отделении", Channel: notify.KindSMS,
			Body: "{name}, заказ №{order} ({products}) скорее всего уже в вашем почтовом отделении. Трек {track}. {shop}"},
		{Trigger: "reminder", Title: "Напоминание забрать посылку", Channel: notify.KindSMS,
			Body: "{name}, заказ №{order} ({products}) ждёт вас в отделении {office} уже {days}, хранение ещё {days_left}. {shop}"},
		{Trigger: "reminder", Title: "Напоминание забрать посылку", Channel: notify.KindVoice,
			Body: "Здравствуйте, {name}! Это магазин {shop}. Ваш заказ номер {order} ждёт вас в почтовом отделении {office}. Пожалуйста, заберите его до {deadline}."},
		{Trigger: "delivered", Title: "Спасибо за покупку (выключено по умолчанию)", Channel: notify.KindSMS,
			Body: "{name}, спасибо, что забрали заказ №{order}! Будем рады видеть вас снова. {shop}"},
	}
}

// RenderText fills {placeholders} from vars; unknown ones stay as written.
func RenderText(tmpl string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		if v, ok := vars[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}

// ProductList joins product names for {products}, cut at maxRunes with "…"
// so a long order does not make an SMS cost several segments more.
func ProductList(names []string, maxRunes int) string {
	s := strings.Join(names, ", ")
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:maxRunes-1]), " ,") + "…"
}

// SampleOrder is the made-up order the "how it works" page shows.
type SampleOrder struct {
	Number   string
	Buyer    string
	Products []string
	Track    string
	Office   string
	Deadline string
	Shop     string
}

// HowItWorks is what the "how it works" page shows: a sample message for a
// sample order, the rules and the prices.
type HowItWorks struct {
	Order SampleOrder
	// SMS is the "arrived" SMS for the sample order, with its size and cost.
	SMS         string
	SMSEncoding string
	SMSChars    int
	SMSSegments int
	SMSPrice    string
	// Prices formatted in roubles.
	TrackPrice   string
	SegmentPrice string
	VoicePrice   string
	EmailPrice   string
	// QuietFrom and QuietTo bound the default sending window (buyer's time).
	QuietFrom, QuietTo string
}

// productsMaxRunes is how long {products} may get in an SMS.
const productsMaxRunes = 60

// HowItWorks builds the page's content for shop (its domain names the shop
// in the sample).
func (s *Service) HowItWorks(shop string) HowItWorks {
	return SampleHowItWorks(s.o.Prices, shop)
}

// SampleHowItWorks is HowItWorks for any prices.
func SampleHowItWorks(p billing.Prices, shop string) HowItWorks {
	o := SampleOrder{
		Number: "1024", Buyer: "Анна",
		Products: []string{"Плед шерстяной «Уют» 140×200", "Кружка керамическая 350 мл", "Свеча ароматическая «Лаванда»"},
		Track:    "80092063905992", Office: "Москва 101000", Deadline: "25.05", Shop: shop,
	}
	var arrived string
	for _, t := range DefaultTexts() {
		if t.Trigger == "arrived" && t.Channel == notify.KindSMS {
			arrived = t.Body
		}
	}
	sms := RenderText(arrived, map[string]string{
		"name": o.Buyer, "order": o.Number, "products": ProductList(o.Products, productsMaxRunes),
		"office": o.Office, "deadline": o.Deadline, "track": o.Track, "shop": o.Shop,
	})
	enc, chars, segs := notify.Segments(sms)
	return HowItWorks{
		Order: o, SMS: sms, SMSEncoding: enc, SMSChars: chars, SMSSegments: segs,
		SMSPrice:   billing.FormatRub(p.SMS(segs)),
		TrackPrice: billing.FormatRub(p.Track), SegmentPrice: billing.FormatRub(p.SMSSegment),
		VoicePrice: billing.FormatRub(p.Voice), EmailPrice: billing.FormatRub(p.Email),
		QuietFrom: "09:00", QuietTo: "21:00",
	}
}
