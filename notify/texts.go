package notify

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
func DefaultTexts() []Text {
	const (
		shipped  = "Посылка отправлена"
		arrived  = "Посылка прибыла в отделение"
		reminder = "Напоминание забрать посылку"
		// The merchant's e-mails end with the service's name: they come from
		// us, not from the shop.
		signature = "\n\n— parceltrack"
		htmlSign  = "\n<p>— parceltrack</p>"
	)
	return []Text{
		{Trigger: TriggerShipped, Channel: KindSMS, Title: shipped,
			Body: "{shop}: заказ {order} отправлен: {link}"},
		{Trigger: TriggerShipped, Channel: KindEmail, Title: shipped,
			Subject: "Заказ №{order} отправлен",
			Body: "Здравствуйте, {name}!\n\n" +
				"Ваш заказ №{order} отправлен Почтой России.\n" +
				"В заказе: {products}.\n" +
				"Трек-номер: {track}.\n\n" +
				"Где сейчас посылка, видно здесь: {link}\n" +
				"Когда она придёт в отделение, мы вам напишем.\n\n" +
				"С уважением,\n{shop}",
			HTML: "<p>Здравствуйте, {name}!</p>\n" +
				"<p>Ваш заказ №{order} отправлен Почтой России.<br>\n" +
				"В заказе: {products}.<br>\n" +
				"Трек-номер: <strong>{track}</strong>.</p>\n" +
				"<p><a href=\"{link}\">Где сейчас посылка</a>. Когда она придёт в отделение, мы вам напишем.</p>\n" +
				"<p>С уважением,<br>\n{shop}</p>"},
		{Trigger: TriggerArrived, Channel: KindSMS, Title: arrived,
			Body: "{products} — ждёт на почте {office} до {deadline}"},
		{Trigger: TriggerArrived, Channel: KindEmail, Title: arrived,
			Subject: "Заказ №{order} ждёт вас в отделении",
			Body: "Здравствуйте, {name}!\n\n" +
				"Ваш заказ №{order} прибыл в отделение Почты России {office}.\n" +
				"В заказе: {products}.\n" +
				"Заберите его до {deadline}, иначе посылку вернут отправителю.\n\n" +
				"Возьмите с собой паспорт и назовите в отделении трек-номер {track}.\n" +
				"Адрес отделения и всё о посылке: {link}\n\n" +
				"С уважением,\n{shop}",
			HTML: "<p>Здравствуйте, {name}!</p>\n" +
				"<p>Ваш заказ №{order} прибыл в отделение Почты России <strong>{office}</strong>.<br>\n" +
				"В заказе: {products}.<br>\n" +
				"Заберите его <strong>до {deadline}</strong>, иначе посылку вернут отправителю.</p>\n" +
				"<p>Возьмите с собой паспорт и назовите в отделении трек-номер <strong>{track}</strong>.</p>\n" +
				"<p><a href=\"{link}\">Адрес отделения и всё о посылке</a></p>\n" +
				"<p>С уважением,<br>\n{shop}</p>"},
		{Trigger: TriggerProbablyArrived, Channel: KindSMS, Title: "Посылка, скорее всего, уже в отделении",
			Body: "{products} — скорее всего, уже ждёт вас в отделении почты"},
		{Trigger: TriggerReminder, Channel: KindSMS, Title: reminder,
			Body: "{products} — ждёт вас уже {days}, заберите до {deadline}"},
		{Trigger: TriggerReminder, Channel: KindEmail, Title: reminder,
			Subject: "Напоминаем: заказ №{order} ждёт вас на почте",
			Body: "Здравствуйте, {name}!\n\n" +
				"Ваш заказ №{order} ждёт вас в отделении {office} уже {days}.\n" +
				"В заказе: {products}.\n" +
				"Заберите его до {deadline}, иначе посылку вернут отправителю.\n\n" +
				"Возьмите с собой паспорт и назовите в отделении трек-номер {track}.\n" +
				"Адрес отделения и всё о посылке: {link}\n\n" +
				"Если вы уже забрали заказ, не обращайте внимания на это письмо.\n\n" +
				"С уважением,\n{shop}",
			HTML: "<p>Здравствуйте, {name}!</p>\n" +
				"<p>Ваш заказ №{order} ждёт вас в отделении <strong>{office}</strong> уже {days}.<br>\n" +
				"В заказе: {products}.<br>\n" +
				"Заберите его <strong>до {deadline}</strong>, иначе посылку вернут отправителю.</p>\n" +
				"<p>Возьмите с собой паспорт и назовите в отделении трек-номер <strong>{track}</strong>.</p>\n" +
				"<p><a href=\"{link}\">Адрес отделения и всё о посылке</a></p>\n" +
				"<p>Если вы уже забрали заказ, не обращайте внимания на это письмо.</p>\n" +
				"<p>С уважением,<br>\n{shop}</p>"},
		{Trigger: TriggerReminder, Channel: KindVoice, Title: reminder,
			Body: "Здравствуйте, {name}! Это магазин {shop}. " +
				"Ваш заказ ждёт вас в почтовом отделении {office} уже {days}. " +
				"Пожалуйста, заберите его до {deadline}. С собой нужен паспорт. Спасибо!"},
		{Trigger: TriggerDelivered, Channel: KindSMS, Title: "Спасибо за покупку (выключено по умолчанию)",
			Body: "{shop}: {name}, спасибо, что забрали заказ! Ждём вас снова"},

		{Trigger: TriggerReturned, Channel: KindEmail, Title: "Посылка возвращается", ToMerchant: true,
			Subject: "Заказ №{order}: посылка возвращается к вам",
			Body: "Здравствуйте!\n\n" +
				"Посылка по заказу №{order} (покупатель {name}, трек-номер {track}) возвращается отправителю: " +
				"покупатель её не забрал или отказался от неё.\n\n" +
				"История посылки: {link}" + signature,
			HTML: "<p>Здравствуйте!</p>\n" +
				"<p>Посылка по заказу №{order} (покупатель {name}, трек-номер {track}) возвращается отправителю: " +
				"покупатель её не забрал или отказался от неё.</p>\n" +
				"<p><a href=\"{link}\">История посылки</a></p>" + htmlSign},
		{Trigger: TriggerTrackError, Channel: KindEmail, Title: "Ошибка в трек-номере", ToMerchant: true,
			Subject: "Заказ №{order}: ошибка в трек-номере",
			Body: "Здравствуйте!\n\n" +
				"Почта России не знает трек-номер {track} из заказа №{order} (покупатель {name}). " +
				"Проверьте номер и исправьте его в заказе: отслеживание и сообщения покупателю начнутся сами.\n\n" +
				"Подробнее: {link}" + signature,
			HTML: "<p>Здравствуйте!</p>\n" +
				"<p>Почта России не знает трек-номер <strong>{track}</strong> из заказа №{order} (покупатель {name}). " +
				"Проверьте номер и исправьте его в заказе: отслеживание и сообщения покупателю начнутся сами.</p>\n" +
				"<p><a href=\"{link}\">Подробнее</a></p>" + htmlSign},
		{Trigger: TriggerStale, Channel: KindEmail, Title: "Посылка давно не движется", ToMerchant: true,
			Subject: "Заказ №{order}: посылка давно не движется",
			Body: "Здравствуйте!\n\n" +
				"По посылке заказа №{order} (покупатель {name}, трек-номер {track}) Почта России давно не сообщает ничего нового. " +
				"Посылка могла потеряться: спросите о ней в отделении, где её отправили, или подайте заявление на розыск.\n\n" +
				"История посылки: {link}" + signature,
			HTML: "<p>Здравствуйте!</p>\n" +
				"<p>По посылке заказа №{order} (покупатель {name}, трек-номер {track}) Почта России давно не сообщает ничего нового. " +
				"Посылка могла потеряться: спросите о ней в отделении, где её отправили, или подайте заявление на розыск.</p>\n" +
				"<p><a href=\"{link}\">История посылки</a></p>" + htmlSign},
		{Trigger: TriggerLowBalance, Channel: KindEmail, Title: "Баланс заканчивается", ToMerchant: true,
			Subject: "{shop}: баланс заканчивается",
			Body: "Здравствуйте!\n\n" +
				"На балансе магазина {shop} осталось {balance}. " +
				"Пополните его, чтобы отслеживание посылок и сообщения покупателям не остановились." + signature,
			HTML: "<p>Здравствуйте!</p>\n" +
				"<p>На балансе магазина {shop} осталось <strong>{balance}</strong>. " +
				"Пополните его, чтобы отслеживание посылок и сообщения покупателям не остановились.</p>" + htmlSign},
		{Trigger: TriggerBalanceExhausted, Channel: KindEmail, Title: "Баланс исчерпан", ToMerchant: true,
			Subject: "{shop}: баланс исчерпан",
			Body: "Здравствуйте!\n\n" +
				"На балансе магазина {shop} {balance}: новые посылки не отслеживаются, а сообщения покупателям ждут. " +
				"Пополните баланс — всё продолжится само, ничего не потеряется." + signature,
			HTML: "<p>Здравствуйте!</p>\n" +
				"<p>На балансе магазина {shop} <strong>{balance}</strong>: новые посылки не отслеживаются, а сообщения покупателям ждут. " +
				"Пополните баланс — всё продолжится само, ничего не потеряется.</p>" + htmlSign},
	}
}
