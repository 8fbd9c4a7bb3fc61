package notify

import (
	"html"
	"strings"
)

// Trigger names what makes a message due (docs/state-model.md, "Messages").
// The values are stored in the outbox and appear in message keys, so they
// must never change.
type Trigger string

// The buyer's triggers, in the order a parcel meets them.
const (
	TriggerShipped         Trigger = "shipped"
	TriggerArrived         Trigger = "arrived"
	TriggerProbablyArrived Trigger = "probably_arrived"
	TriggerReminder        Trigger = "reminder"
	TriggerDelivered       Trigger = "delivered"
)

// The merchant's alerts: parcels that need the shop's attention, and the
// balance that pays for everything.
const (
	TriggerReturned         Trigger = "returned"
	TriggerTrackError       Trigger = "track_error"
	TriggerStale            Trigger = "stale"
	TriggerLowBalance       Trigger = "low_balance"
	TriggerBalanceExhausted Trigger = "balance_exhausted"
)

// Triggers lists every trigger, the buyer's first (a fresh slice).
func Triggers() []Trigger {
	return []Trigger{
		TriggerShipped, TriggerArrived, TriggerProbablyArrived, TriggerReminder, TriggerDelivered,
		TriggerReturned, TriggerTrackError, TriggerStale, TriggerLowBalance, TriggerBalanceExhausted,
	}
}

// Valid reports whether t is one of the known triggers.
func (t Trigger) Valid() bool {
	for _, k := range Triggers() {
		if t == k {
			return true
		}
	}
	return false
}

// ToMerchant reports whether the trigger's messages go to the shop rather
// than to the buyer.
func (t Trigger) ToMerchant() bool {
	switch t {
	case TriggerReturned, TriggerTrackError, TriggerStale, TriggerLowBalance, TriggerBalanceExhausted:
		return true
	}
	return false
}

// Text is one message text: a trigger on one channel. Subject, Body and HTML
// use {placeholders} only (see Placeholders and Render); the cabinet's
// editor will change them per shop.
type Text struct {
	Trigger Trigger
	Channel ChannelKind
	// Title names the trigger for the merchant, in Russian.
	Title string
	// Subject is the e-mail's subject (e-mail only).
	Subject string
	// Body is the SMS, the words a call speaks, or the e-mail's plain part.
	Body string
	// HTML is the e-mail's HTML part; render it with RenderHTML, which
	// escapes every value.
	HTML string
	// ToMerchant: the text goes to the shop, not to the buyer.
	ToMerchant bool
}

// ChannelTitle names the channel for the merchant.
func (t Text) ChannelTitle() string {
	switch t.Channel {
	case KindSMS:
		return "SMS"
	case KindVoice:
		return "Звонок"
	case KindEmail:
		return "E-mail"
	}
	return string(t.Channel)
}

// DefaultText is the default text for a trigger on a channel.
func DefaultText(trigger Trigger, channel ChannelKind) (Text, bool) {
	for _, t := range DefaultTexts() {
		if t.Trigger == trigger && t.Channel == channel {
			return t, true
		}
	}
	return Text{}, false
}

// DefaultTexts are the texts every shop starts with (a fresh slice), in the
// order a parcel meets their triggers, the merchant's alerts last.
//
// Every SMS fits one UCS-2 segment (70 characters) for a typical order
// (TestDefaultSMSFitOneSegment pins it), which leaves room for only the most
// useful facts: the shipped SMS carries the shop and the link (the page shows
// the rest); the others lead with {products}, how the buyer recognises a
// parcel, and leave out the shop. The dash after {products} keeps a list
// ("Плед и ещё 2 товара") from having to agree with the verb. {deadline} always
// follows "до": unknown, it reads "до конца срока хранения".
//
// The voice text is said once (the channel repeats it), names the office
// and the deadline rather than numbers a listener must note, and has no
// abbreviations a speech engine would spell out.
// E-mails are written once, as plain text; their HTML part is made from it
// (plainToHTML), so the two cannot drift apart.
func DefaultTexts() []Text {
	const (
		shipped  = "Посылка отправлена"
		arrived  = "Посылка прибыла в отделение"
		reminder = "Напоминание забрать посылку"
		// What a buyer needs at the counter, and where the rest is.
		collect = "Возьмите с собой паспорт и назовите в отделении трек-номер {track}.\n" +
			"Адрес отделения и всё о посылке: {link}"
		inTime = "Заберите его до {deadline}, иначе посылку вернут отправителю.\n\n"
	)
	// letter is an e-mail to the buyer: a greeting and the shop's signature.
	letter := func(tr Trigger, title, subject, text string) Text {
		return email(tr, title, subject, "Здравствуйте, {name}!\n\n"+text+"\n\nС уважением,\n{shop}")
	}
	// alert is an e-mail to the merchant: it comes from the service, not
	// from the shop, and says so.
	alert := func(tr Trigger, title, subject, text string) Text {
		return email(tr, title, subject, "Здравствуйте!\n\n"+text+"\n\n— parceltrack")
	}
	sms := func(tr Trigger, title, body string) Text {
		return Text{Trigger: tr, Channel: KindSMS, Title: title, Body: body}
	}
	return []Text{
		sms(TriggerShipped, shipped, "{shop}: заказ {order} отправлен: {link}"),
		letter(TriggerShipped, shipped, "Заказ №{order} отправлен",
			"Ваш заказ №{order} отправлен Почтой России.\n"+
				"В заказе: {products}.\n"+
				"Трек-номер: {track}.\n\n"+
				"Где сейчас посылка, видно здесь: {link}\n"+
				"Когда она придёт в отделение, мы вам напишем."),
		sms(TriggerArrived, arrived, "{products} — ждёт на почте {office} до {deadline}"),
		letter(TriggerArrived, arrived, "Заказ №{order} ждёт вас в отделении",
			"Ваш заказ №{order} прибыл в отделение Почты России {office}.\n"+
				"В заказе: {products}.\n"+inTime+collect),
		sms(TriggerProbablyArrived, "Посылка, скорее всего, уже в отделении",
			"{products} — скорее всего, уже ждёт вас в отделении почты"),
		sms(TriggerReminder, reminder, "{products} — ждёт вас уже {days}, заберите до {deadline}"),
		letter(TriggerReminder, reminder, "Напоминаем: заказ №{order} ждёт вас на почте",
			"Ваш заказ №{order} ждёт вас в отделении {office} уже {days}.\n"+
				"В заказе: {products}.\n"+inTime+collect+"\n\n"+
				"Если вы уже забрали заказ, не обращайте внимания на это письмо."),
		{Trigger: TriggerReminder, Channel: KindVoice, Title: reminder,
			Body: "Здравствуйте, {name}! Это магазин {shop}. " +
				"Ваш заказ ждёт вас в почтовом отделении {office} уже {days}. " +
				"Пожалуйста, заберите его до {deadline}. С собой нужен паспорт. Спасибо!"},
		sms(TriggerDelivered, "Спасибо за покупку (выключено по умолчанию)",
			"{shop}: {name}, спасибо, что забрали заказ! Ждём вас снова"),

		alert(TriggerReturned, "Посылка возвращается", "Заказ №{order}: посылка возвращается к вам",
			"Посылка по заказу №{order} (покупатель {name}, трек-номер {track}) возвращается отправителю: "+
				"покупатель её не забрал или отказался от неё.\n\n"+
				"История посылки: {link}"),
		alert(TriggerTrackError, "Ошибка в трек-номере", "Заказ №{order}: ошибка в трек-номере",
			"Почта России не знает трек-номер {track} из заказа №{order} (покупатель {name}). "+
				"Проверьте номер и исправьте его в заказе: отслеживание и сообщения покупателю начнутся сами.\n\n"+
				"Подробнее: {link}"),
		alert(TriggerStale, "Посылка давно не движется", "Заказ №{order}: посылка давно не движется",
			"По посылке заказа №{order} (покупатель {name}, трек-номер {track}) Почта России давно не сообщает ничего нового. "+
				"Посылка могла потеряться: спросите о ней в отделении, где её отправили, или подайте заявление на розыск.\n\n"+
				"История посылки: {link}"),
		alert(TriggerLowBalance, "Баланс заканчивается", "{shop}: баланс заканчивается",
			"На балансе магазина {shop} осталось {balance}. "+
				"Пополните его, чтобы отслеживание посылок и сообщения покупателям не остановились."),
		alert(TriggerBalanceExhausted, "Баланс исчерпан", "{shop}: баланс исчерпан",
			"На балансе магазина {shop} {balance}: новые посылки не отслеживаются, а сообщения покупателям ждут. "+
				"Пополните баланс — всё продолжится само, ничего не потеряется."),
	}
}

// email is an e-mail text with its HTML part made from the plain one.
func email(tr Trigger, title, subject, body string) Text {
	return Text{
		Trigger: tr, Channel: KindEmail, Title: title, Subject: subject,
		Body: body, HTML: plainToHTML(body), ToMerchant: tr.ToMerchant(),
	}
}

// plainToHTML turns a plain text with placeholders into the same text as
// HTML: the words escaped, a blank line a new paragraph, a line break a
// <br>, and {link} a link. The placeholders pass through for RenderHTML,
// which escapes their values.
func plainToHTML(body string) string {
	var b strings.Builder
	for i, para := range strings.Split(body, "\n\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		text := html.EscapeString(para)
		text = strings.ReplaceAll(text, "\n", "<br>\n")
		text = strings.ReplaceAll(text, "{link}", `<a href="{link}">{link}</a>`)
		b.WriteString("<p>" + text + "</p>")
	}
	return b.String()
}
