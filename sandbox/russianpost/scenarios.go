package rpsandbox

import (
	"fmt"
	"strings"
	"time"
)

// Office is a post office or sorting centre as the tracking service names it.
type Office struct {
	Index     string // postcode
	Name      string // the service's description, e.g. "Екатеринбург МСЦ"
	UTCOffset int    // hours east of UTC; OperDate is written in this offset
}

// Step is one operation of a scenario.
type Step struct {
	// After is the step's OperDate as an offset from the scenario's start, in
	// scenario (virtual) time.
	After time.Duration
	// Shown, when non-zero, is the later offset at which a record that the post
	// registered late appears in answers (after records with later OperDates).
	Shown              time.Duration
	Type, Attr         int
	TypeName, AttrName string
	Office             Office
}

// visibleAt is the offset from which the step is in answers.
func (s Step) visibleAt() time.Duration {
	if s.Shown > s.After {
		return s.Shown
	}
	return s.After
}

// Scenario is a scripted parcel history.
type Scenario struct {
	ID          string // stable identifier, e.g. "delivered_fast"
	Title       string // Russian title for the demo page
	Description string // Russian one-line description of what happens
	Item        string // ComplexItemName, e.g. "Посылка обыкновенная"
	MassGrams   int
	Origin      Office // where the item is accepted; its postcode starts minted numbers
	Destination Office
	Steps       []Step // in response order

	fixedStart time.Time // non-zero: steps happen at fixed instants (the official test number)
	malformed  bool      // numbers of a wrong shape
}

// Scenario identifiers.
const (
	DeliveredFast  = "delivered_fast"
	Collected      = "collected"
	Returned       = "returned"
	ReturnedPacket = "returned_packet"
	Stuck          = "stuck"
	Lost           = "lost"
	Unknown        = "unknown"
	Forwarded      = "forwarded"
	Refused        = "refused"
	Quirks         = "quirks"
	Malformed      = "malformed"
	TestNumber     = "test_number"
)

// selectable holds the scenarios picked by the selector digit, in digit order.
const selectable = 10

var (
	ekb14     = Office{"620014", "Екатеринбург 14", 5}
	ekbSC     = Office{"620960", "Екатеринбург МСЦ", 5}
	mskASC    = Office{"140983", "Московский АСЦ Цех Посылок", 3}
	mskLog    = Office{"140980", "Московский АСЦ Цех Логистики", 3}
	msk127018 = Office{"127018", "Москва 127018", 3}
	msk109012 = Office{"109012", "Москва 109012", 3}
	spb195027 = Office{"195027", "Санкт-Петербург 195027", 3}
	spbSC     = Office{"196960", "Санкт-Петербург МСЦ", 3}
	kazanSC   = Office{"420960", "Казань МСЦ", 3}
	kazan111  = Office{"420111", "Казань 111", 3}
	nsk99     = Office{"630099", "Новосибирск 99", 7}
	nskSC     = Office{"630960", "Новосибирск МСЦ", 7}
	krdSC     = Office{"350960", "Краснодар МСЦ", 3}
	krd20     = Office{"350020", "Краснодар 20", 3}
	podolsk   = Office{"142100", "Подольск 100", 3}
	samara63  = Office{"443063", "Самара 63", 4}
	samaraSC  = Office{"443960", "Самара МСЦ", 4}
	tverSC    = Office{"170960", "Тверь МСЦ", 3}
	tver100   = Office{"170100", "Тверь 100", 3}
	omskSC    = Office{"644960", "Омск МСЦ", 6}
	omsk8     = Office{"644008", "Омск 8", 6}
	// The official test data reports Omsk offices at +03:00; keep it verbatim.
	testOmsk1   = Office{"644001", "Омск 1", 3}
	testOmsk8   = Office{"644008", "Омск 8", 3}
	defaultMass = 1250
)

// at builds an offset of days, hours and minutes.
func at(days, hours, minutes int) time.Duration {
	return time.Duration(days)*24*time.Hour + time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute
}

// Operation constructors with the service's own names (opcodes.tsv).
func accepted(d time.Duration, o Office) Step {
	return Step{After: d, Type: 1, Attr: 1, TypeName: "Прием", AttrName: "Единичный", Office: o}
}
func op8(d time.Duration, attr int, o Office) Step {
	names := map[int]string{
		1: "Покинуло место приёма", 2: "Прибыло в место вручения", 3: "Прибыло в сортировочный центр",
		4: "Покинуло сортировочный центр", 20: "Покинуло место возврата/досылки", 24: "Направлено извещение",
		25: "Доставлено извещение", 27: "Истекает срок хранения (осталось 25 дней)",
		28: "Истекает срок хранения (осталось 5 дней)", 33: "Истекает срок хранения (осталось 23 дня)",
		35: "Истекает срок хранения (осталось 10 дней)", 40: "Истек срок хранения", 41: "Возврат скомплектован",
		42: "Истекает срок хранения (остался 1 день)",
	}
	return Step{After: d, Type: 8, Attr: attr, TypeName: "Обработка", AttrName: names[attr], Office: o}
}
func handed(d time.Duration, attr int, o Office) Step {
	name := "Вручение адресату"
	if attr == 2 {
		name = "Вручение отправителю"
	}
	return Step{After: d, Type: 2, Attr: attr, TypeName: "Вручение", AttrName: name, Office: o}
}
func returning(d time.Duration, attr int, o Office) Step {
	name := map[int]string{1: "Истёк срок хранения", 4: "Отказ адресата"}[attr]
	return Step{After: d, Type: 3, Attr: attr, TypeName: "Возврат", AttrName: name, Office: o}
}

// transit is the usual acceptance → sorting centre → sorting centre chain.
func transit(from, fromSC, toSC Office, toSCArrive time.Duration) []Step {
	return []Step{
		accepted(at(0, 12, 0), from),
		op8(at(0, 20, 0), 1, from),
		op8(at(1, 4, 0), 3, fromSC),
		op8(at(1, 10, 0), 4, fromSC),
		op8(toSCArrive, 3, toSC),
		op8(toSCArrive+6*time.Hour, 4, toSC),
	}
}

func join(parts ...[]Step) []Step {
	var out []Step
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// scenarioTable is built once and never modified; Scenarios hands out copies.
var scenarioTable = buildScenarios()

func buildScenarios() []Scenario {
	parcel := "Посылка обыкновенная"
	testStart := time.Date(2015, 3, 23, 10, 1, 0, 0, time.FixedZone("", 3*3600))
	since := func(y int, m time.Month, d, h, mi int) time.Duration {
		return time.Date(y, m, d, h, mi, 0, 0, time.FixedZone("", 3*3600)).Sub(testStart)
	}
	return []Scenario{
		{
			ID: DeliveredFast, Title: "Вручено быстро",
			Description: "Екатеринбург → Москва: 3 дня в пути, на следующий день вручено адресату.",
			Item:        parcel, MassGrams: defaultMass, Origin: ekb14, Destination: msk127018,
			Steps: join(transit(ekb14, ekbSC, mskASC, at(2, 12, 0)), []Step{
				op8(at(3, 8, 0), 2, msk127018),
				op8(at(3, 9, 0), 24, msk127018),
				handed(at(4, 11, 0), 1, msk127018),
			}),
		},
		{
			ID: Collected, Title: "Ждёт в отделении, потом вручено",
			Description: "Санкт-Петербург → Казань: прибыло на 3-й день, 8 дней ждёт в отделении, затем вручено.",
			Item:        parcel, MassGrams: defaultMass, Origin: spb195027, Destination: kazan111,
			Steps: join(transit(spb195027, spbSC, kazanSC, at(2, 14, 0)), []Step{
				op8(at(3, 9, 0), 2, kazan111),
				op8(at(3, 10, 0), 24, kazan111),
				op8(at(4, 12, 0), 25, kazan111),
				op8(at(9, 10, 0), 35, kazan111),
				handed(at(11, 15, 0), 1, kazan111),
			}),
		},
		{
			ID: Returned, Title: "Не забрали: возврат отправителю",
			Description: "Новосибирск → Краснодар: 15 дней хранения с напоминаниями «осталось N дней», срок истёк, возврат и вручение отправителю.",
			Item:        parcel, MassGrams: defaultMass, Origin: nsk99, Destination: krd20,
			Steps: join(transit(nsk99, nskSC, krdSC, at(4, 4, 0)), []Step{
				op8(at(5, 9, 0), 2, krd20),
				op8(at(5, 10, 0), 24, krd20),
				op8(at(6, 12, 0), 25, krd20),
				op8(at(11, 10, 0), 35, krd20),
				op8(at(16, 10, 0), 28, krd20),
				op8(at(20, 10, 0), 42, krd20),
				op8(at(21, 19, 0), 40, krd20),
				op8(at(22, 10, 0), 41, krd20),
				returning(at(22, 11, 0), 1, krd20),
				op8(at(22, 20, 0), 3, krdSC),
				op8(at(23, 4, 0), 4, krdSC),
				op8(at(25, 8, 0), 3, nskSC),
				op8(at(25, 14, 0), 4, nskSC),
				op8(at(26, 9, 0), 2, nsk99),
				handed(at(27, 13, 0), 2, nsk99),
			}),
		},
		{
			ID: ReturnedPacket, Title: "Мелкий пакет: 30 дней хранения и возврат",
			Description: "Подольск → Самара: мелкий пакет ждёт 30 дней (уведомления 25, 23, 10, 5 и 1 день), затем возврат.",
			Item:        "Мелкий пакет заказной", MassGrams: 180, Origin: podolsk, Destination: samara63,
			Steps: join([]Step{
				{After: at(0, 12, 0), Type: 1, Attr: 2, TypeName: "Прием", AttrName: "Партионный", Office: podolsk},
				op8(at(0, 20, 0), 1, podolsk),
				op8(at(1, 2, 0), 3, mskASC),
				op8(at(1, 9, 0), 4, mskLog),
				op8(at(2, 20, 0), 3, samaraSC),
				op8(at(3, 4, 0), 4, samaraSC),
				op8(at(3, 11, 0), 2, samara63),
				op8(at(3, 12, 0), 24, samara63),
				op8(at(9, 9, 0), 27, samara63),
				op8(at(11, 9, 0), 33, samara63),
				op8(at(24, 9, 0), 35, samara63),
				op8(at(29, 9, 0), 28, samara63),
				op8(at(33, 9, 0), 42, samara63),
				op8(at(34, 19, 0), 40, samara63),
				op8(at(35, 9, 0), 41, samara63),
				returning(at(35, 10, 0), 1, samara63),
				op8(at(36, 2, 0), 3, samaraSC),
				op8(at(36, 8, 0), 4, samaraSC),
				op8(at(37, 14, 0), 3, mskASC),
				op8(at(37, 20, 0), 4, mskLog),
				op8(at(38, 11, 0), 2, podolsk),
				handed(at(39, 12, 0), 2, podolsk),
			}),
		},
		{
			ID: Stuck, Title: "Застряло после сортировочного центра",
			Description: "Екатеринбург → Тверь: последняя операция «Покинуло сортировочный центр» в Твери, дальше тишина.",
			Item:        parcel, MassGrams: defaultMass, Origin: ekb14, Destination: tver100,
			Steps: transit(ekb14, ekbSC, tverSC, at(2, 22, 0)),
		},
		{
			ID: Lost, Title: "Утеряно",
			Description: "Краснодар → Санкт-Петербург: после сортировки в Москве 20 дней без движения, затем «Утрачено».",
			Item:        parcel, MassGrams: defaultMass, Origin: krd20, Destination: spb195027,
			Steps: join(transit(krd20, krdSC, mskASC, at(3, 3, 0)), []Step{
				{After: at(23, 14, 0), Type: 5, Attr: 1, TypeName: "Невручение", AttrName: "Утрачено", Office: mskASC},
			}),
		},
		{
			ID: Unknown, Title: "Номер не найден",
			Description: "Правильный номер, о котором почта ничего не знает: история всегда пустая.",
			Item:        parcel, Origin: Office{"101000", "Москва Почтамт", 3},
		},
		{
			ID: Forwarded, Title: "Досылка и повторное прибытие",
			Description: "Екатеринбург → Москва: ждёт в отделении 127018, по заявлению досылается в 109012 и вручается там.",
			Item:        parcel, MassGrams: defaultMass, Origin: ekb14, Destination: msk127018,
			Steps: join(transit(ekb14, ekbSC, mskASC, at(2, 16, 0)), []Step{
				op8(at(3, 10, 0), 2, msk127018),
				op8(at(3, 11, 0), 24, msk127018),
				{After: at(6, 12, 0), Type: 4, Attr: 1, TypeName: "Досылка почты", AttrName: "По заявлению пользователя", Office: msk127018},
				op8(at(6, 20, 0), 20, msk127018),
				op8(at(7, 6, 0), 3, mskASC),
				op8(at(7, 12, 0), 4, mskLog),
				op8(at(8, 9, 0), 2, msk109012),
				op8(at(8, 10, 0), 24, msk109012),
				handed(at(10, 15, 0), 1, msk109012),
			}),
		},
		{
			ID: Refused, Title: "Отказ адресата",
			Description: "Самара → Новосибирск: адресат отказался на 2-й день ожидания, посылка вернулась отправителю.",
			Item:        parcel, MassGrams: defaultMass, Origin: samara63, Destination: nsk99,
			Steps: join(transit(samara63, samaraSC, nskSC, at(3, 2, 0)), []Step{
				op8(at(3, 20, 0), 2, nsk99),
				op8(at(3, 21, 0), 24, nsk99),
				returning(at(5, 12, 0), 4, nsk99),
				op8(at(5, 20, 0), 3, nskSC),
				op8(at(6, 2, 0), 4, nskSC),
				op8(at(8, 0, 0), 3, samaraSC),
				op8(at(8, 8, 0), 4, samaraSC),
				op8(at(8, 18, 0), 2, samara63),
				handed(at(10, 11, 0), 2, samara63),
			}),
		},
		{
			ID: Quirks, Title: "Странности ответа: неизвестный код, запоздавшая запись",
			Description: "Подольск → Омск: операция с незнакомым кодом, две записи в одну минуту и запись о сортировке, пришедшая после прибытия.",
			Item:        parcel, MassGrams: 640, Origin: podolsk, Destination: omsk8,
			Steps: []Step{
				accepted(at(0, 12, 0), podolsk),
				op8(at(0, 20, 0), 1, podolsk),
				op8(at(1, 9, 0), 4, mskLog),
				{After: at(2, 0, 0), Type: 99, Attr: 1, TypeName: "Служебная операция", Office: mskLog},
				op8(at(3, 18, 0), 3, omskSC),
				op8(at(4, 1, 0), 4, omskSC),
				op8(at(4, 12, 0), 2, omsk8),
				op8(at(4, 12, 0), 24, omsk8),
				withShown(op8(at(1, 2, 0), 3, mskASC), at(4, 14, 0)),
				handed(at(6, 16, 0), 1, omsk8),
			},
		},
		{
			ID: Malformed, Title: "Неверный формат номера",
			Description: "Номер неправильной длины: почта отвечает ошибкой формата, посылка получает статус «ошибка трека».",
			Origin:      Office{"101000", "Москва Почтамт", 3}, malformed: true,
		},
		{
			ID: TestNumber, Title: "Тестовый номер Почты России",
			Description: "RA644000001RU: неизменная тестовая история 2015 года из документации Почты.",
			Item:        "Отправление EMS с объявл. ценностью и налож. платежом", MassGrams: 101,
			Origin: testOmsk1, Destination: testOmsk8, fixedStart: testStart,
			Steps: []Step{
				accepted(0, testOmsk1),
				op8(since(2015, 3, 24, 10, 1), 3, testOmsk1),
				op8(since(2015, 3, 24, 10, 1), 4, testOmsk1),
				op8(since(2015, 3, 26, 10, 8), 2, testOmsk8),
				accepted(since(2015, 8, 28, 3, 0), testOmsk1),
			},
		},
	}
}

func withShown(s Step, shown time.Duration) Step {
	s.Shown = shown
	return s
}

// Scenarios returns every scenario, the barcode-selectable ones first in
// selector-digit order, then Malformed and TestNumber. The result is a copy.
func Scenarios() []Scenario {
	out := make([]Scenario, len(scenarioTable))
	for i, s := range scenarioTable {
		s.Steps = append([]Step(nil), s.Steps...)
		out[i] = s
	}
	return out
}

// ScenarioFor returns the scenario that answers for barcode (see the package
// comment for the rule).
func ScenarioFor(barcode string) Scenario {
	return scenarioFor(strings.TrimSpace(barcode))
}

// scenarioFor returns the table entry itself; callers must not modify it.
func scenarioFor(barcode string) Scenario {
	switch {
	case barcode == testBarcode:
		return scenarioTable[selectable+1]
	case !isDomestic(barcode) && !isS10(barcode):
		return scenarioTable[selectable]
	case !validCheck(barcode):
		return scenarioTable[6] // unknown
	}
	return scenarioTable[selector(barcode)%selectable]
}

// Barcode mints the n-th number (n ≥ 0; numbers repeat after 900 000) that
// selects scenario s: a valid domestic number made of the scenario origin's
// postcode, a two-digit month counter, a serial ending in the selector digit
// and the check digit. Malformed gets a 10-digit number, TestNumber always
// RA644000001RU, and an unknown scenario ID "".
func Barcode(s Scenario, n int) string {
	idx := -1
	for i, sc := range scenarioTable {
		if sc.ID == s.ID {
			idx = i
		}
	}
	if n < 0 {
		n = -(n + 1)
	}
	n %= 900000
	switch {
	case idx < 0:
		return ""
	case idx == selectable:
		return fmt.Sprintf("%s%04d", scenarioTable[idx].Origin.Index, n%10000)
	case idx == selectable+1:
		return testBarcode
	}
	body := fmt.Sprintf("%s%02d%04d%d", scenarioTable[idx].Origin.Index, 10+n/10000, n%10000, idx)
	return body + string(domesticCheck(body+"0"))
}
