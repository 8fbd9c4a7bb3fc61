package insalessandbox

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/tracking"
)

// Id ranges. Seeded records use fixed ids below each base, so seeding is
// idempotent; NextID numbers are added to the base. The values look like
// the real ones (some beyond 32 bits).
const (
	idBaseOrders      = 1434100100
	numberBaseOrders  = 1100
	idBaseClients     = 160400100
	idBaseLines       = 1168900100
	idBaseFieldValues = 456300000
	idBaseFields      = 80300000
	idBaseWebhooks    = 5000
	idBaseWidgets     = 100
	idBaseStatuses    = 6100000

	seedOrderID     = 1434100000 // + 1..8
	seedNumber      = 1000       // + 1..8
	seedClientID    = 160400000
	seedAddressID   = 520200000
	seedLineID      = 1168900000
	seedProductBase = 318200000

	// seedVersion changes when the demo data does; a store seeded with an
	// older version gets what is missing.
	seedVersion = 1
)

// product is a catalogue item of the demo shop. Price is in kopecks.
type product struct {
	ID, VariantID int64
	SKU, Title    string
	Price         int64
}

var catalog = []product{
	{seedProductBase + 1, 546700001, "TK-450-BLK", "Термокружка «Походная» 450 мл, чёрная", 149000},
	{seedProductBase + 2, 546700002, "KN-SET-5", "Набор кухонных ножей, 5 предметов, с подставкой", 389000},
	{seedProductBase + 3, 546700003, "PL-150-GR", "Плед флисовый 150×200 см, серый", 129900},
	{seedProductBase + 4, 546700004, "KM-CER-01", "Кофемолка ручная с керамическими жерновами", 245000},
	{seedProductBase + 5, 546700005, "LMP-LED-QI", "Настольная лампа LED с беспроводной зарядкой", 459000},
	{seedProductBase + 6, 546700006, "BP-25-BLK", "Рюкзак городской 25 л, чёрный", 379000},
	{seedProductBase + 7, 546700007, "BK-RUS-KUH", "Книга «Русская кухня. Домашние рецепты»", 89000},
	{seedProductBase + 8, 546700008, "VS-ZIM-LES", "Набор для вышивания «Зимний лес»", 64900},
	{seedProductBase + 9, 546700009, "ORG-SP-12", "Органайзер для специй, 12 баночек", 179950},
	{seedProductBase + 10, 546700010, "TEA-ALT-100", "Чай «Алтайский сбор», 100 г", 45000},
}

// deliveries are the demo shop's delivery variants.
var deliveries = []Delivery{
	{VariantID: 12090001, Title: "Почта России — посылка", Price: 35000, Company: "Почта России", CompanyHandle: "pochta", TariffID: "pochta_parcel"},
	{VariantID: 12090002, Title: "Почта России — EMS", Price: 69000, Company: "Почта России", CompanyHandle: "pochta", TariffID: "pochta_ems"},
	{VariantID: 12090003, Title: "Курьерская доставка СДЭК", Price: 49050, Company: "СДЭК", CompanyHandle: "cdek", TariffID: "cdek_parcel_courier"},
	{VariantID: 12090004, Title: "Самовывоз из магазина", Price: 0},
}

var payments = []string{"Оплата онлайн", "Наложенный платёж"}

// city is a destination: the postcode is where InSales keeps it
// (location.kladr_zip).
type city struct {
	Name, State, Zip, RegionZip string
}

var cities = []city{
	{"Москва", "Москва", "101000", "101000"},
	{"Санкт-Петербург", "Санкт-Петербург", "190000", "190000"},
	{"Екатеринбург", "Свердловская обл", "620014", "620000"},
	{"Новосибирск", "Новосибирская обл", "630099", "630000"},
	{"Казань", "Респ Татарстан", "420111", "420000"},
	{"Нижний Новгород", "Нижегородская обл", "603000", "603000"},
	{"Краснодар", "Краснодарский край", "350000", "350000"},
	{"Самара", "Самарская обл", "443099", "443000"},
	{"Воронеж", "Воронежская обл", "394036", "394000"},
	{"Томск", "Томская обл", "634050", "634000"},
}

// seedOrder describes one demo order.
type seedOrder struct {
	surname, name, middle string
	phone, email          string
	city                  int
	address               string
	zipInAddress          bool // the address form had a zip field
	lines                 []struct{ product, qty int }
	delivery, payment     int
	fulfillment           string
	paid                  bool
	ageHours              int
	scenario              string // Russian Post sandbox scenario of the prepared track
}

type ln = struct{ product, qty int }

var seedOrders = []seedOrder{
	{"Смирнова", "Анна", "Викторовна", "+79000001234", "anna.smirnova@example.ru", 0, "ул. Профсоюзная, д. 12, кв. 48", false,
		[]ln{{0, 1}, {9, 2}}, 0, 0, "dispatched", true, 120, rpsandbox.Collected},
	{"Кузнецов", "Дмитрий", "Сергеевич", "8 (900) 000-23-45", "d.kuznetsov@example.ru", 2, "ул. Малышева, д. 51, кв. 7", true,
		[]ln{{1, 1}}, 0, 0, "dispatched", true, 110, rpsandbox.DeliveredFast},
	{"Попова", "Елена", "Андреевна", "+7(900)000-34-56", "", 4, "ул. Баумана, д. 19, кв. 3", false,
		[]ln{{2, 2}, {7, 1}, {6, 1}}, 0, 1, "dispatched", false, 100, rpsandbox.Returned},
	{"Васильев", "Игорь", "Николаевич", "", "igor.vasiliev@example.ru", 3, "Красный проспект, д. 77, кв. 15", false,
		[]ln{{4, 1}}, 1, 0, "approved", true, 50, ""},
	{"Соколова", "Мария", "Павловна", "89000004567", "m.sokolova@example.ru", 1, "Невский проспект, д. 88, кв. 21", true,
		[]ln{{3, 1}, {9, 1}}, 0, 0, "new", false, 6, ""},
	{"Морозов", "Алексей", "Игоревич", "+7 900 000-56-78", "alexey.morozov@example.ru", 5, "ул. Большая Покровская, д. 4, кв. 9", false,
		[]ln{{5, 1}}, 0, 1, "dispatched", false, 90, rpsandbox.Stuck},
	{"Новикова", "Ольга", "Дмитриевна", "+79000006789", "olga.novikova@example.ru", 6, "ул. Красная, д. 130, кв. 56", false,
		[]ln{{8, 3}}, 0, 0, "dispatched", true, 110, rpsandbox.Forwarded}, // the same updated_at as order 2: from_id matters
	{"Фёдоров", "Павел", "Андреевич", "8-900-000-78-90", "pavel.fedorov@example.ru", 8, "ул. Плехановская, д. 22, кв. 31", false,
		[]ln{{6, 1}, {0, 1}}, 2, 0, "accepted", false, 20, ""},
}

// seedStatuses are InSales' default custom statuses (permalinks and colours
// as a real shop has them).
var seedStatuses = []CustomStatus{
	{ID: 1066434, SystemStatus: "new", Permalink: "novyy", Title: "Новый", Color: "#DC5F59", Position: 1, IsDefault: true},
	{ID: 1066435, SystemStatus: "accepted", Permalink: "v-obrabotke", Title: "В обработке", Color: "#85C5E0", Position: 2, IsDefault: true},
	{ID: 1066436, SystemStatus: "approved", Permalink: "soglasovan", Title: "Согласован", Color: "#86AA60", Position: 3, IsDefault: true},
	{ID: 1066437, SystemStatus: "dispatched", Permalink: "otgruzhen", Title: "Отгружен", Color: "#3A9FC9", Position: 4, IsDefault: true},
	{ID: 1066438, SystemStatus: "delivered", Permalink: "dostavlen", Title: "Доставлен", Color: "#249641", Position: 5, IsDefault: true},
	{ID: 1066439, SystemStatus: "returning", Permalink: "v-protsesse-vozvrata", Title: "В процессе возврата", Color: "#686A69", Position: 6, IsDefault: true},
	{ID: 1066440, SystemStatus: "declined", Permalink: "otmenen", Title: "Отменен", Color: "#929594", Position: 7, IsDefault: true},
	{ID: 1066441, SystemStatus: "returned", Permalink: "vozvrat", Title: "Возврат", Color: "#A69196", Position: 8, IsDefault: true},
}

// seedFields are the shop's system fields (they have a system name and no
// handle); the app's own order field is added through the API.
var seedFields = []Field{
	{ID: 22034309, Destiny: 1, Position: 1, OfficeTitle: "Страна", SystemName: "country", Type: "Field::Country", ForBuyer: true},
	{ID: 22034310, Destiny: 1, Position: 2, OfficeTitle: "Населенный пункт", SystemName: "full_locality_name", Type: "Field::Locality", Active: true, ForBuyer: true, Obligatory: true, ShowInCheckout: true, ShowInResult: true},
	{ID: 22034319, Destiny: 1, Position: 3, OfficeTitle: "Адрес", SystemName: "address", Type: "Field::SystemTextArea", Active: true, ForBuyer: true, Obligatory: true, ShowInCheckout: true, ShowInResult: true},
	{ID: 22034312, Destiny: 2, Position: 1, OfficeTitle: "Имя", SystemName: "name", Type: "Field::ObligatoryTextField", Active: true, ForBuyer: true, Obligatory: true, ShowInCheckout: true, ShowInResult: true},
	{ID: 22034314, Destiny: 2, Position: 2, OfficeTitle: "Телефон", SystemName: "phone", Type: "Field::Phone", Active: true, ForBuyer: true, Obligatory: true, ShowInCheckout: true, ShowInResult: true},
	{ID: 22034320, Destiny: 2, Position: 3, OfficeTitle: "E-mail", SystemName: "email", Type: "Field::SystemTextField", Active: true, ForBuyer: true, ShowInCheckout: true, ShowInResult: true},
	{ID: 22034311, Destiny: 6, Position: 1, Title: "Имя", OfficeTitle: "Имя", SystemName: "contact_name", Type: "Field::ObligatoryTextField", Active: true, ForBuyer: true, Obligatory: true, ShowInCheckout: true, ShowInResult: true},
	{ID: 22034316, Destiny: 6, Position: 2, OfficeTitle: "Телефон", SystemName: "phone", Type: "Field::Phone", Active: true, ForBuyer: true, Obligatory: true, ShowInCheckout: true, ShowInResult: true},
}

// seed writes the demo shop once per store; records that exist are kept.
func (s *Server) seed(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.State().SeedVersion >= seedVersion {
		return nil
	}
	now := s.now()
	created := time.Date(2022, 8, 11, 13, 10, 4, 0, tracking.Moscow)
	if err := seedEmpty(ctx, s.statusesAPI(), seedStatuses, created); err != nil {
		return err
	}
	if err := seedEmpty(ctx, s.fieldsAPI(), seedFields, created); err != nil {
		return err
	}
	for i, so := range seedOrders {
		o := buildSeedOrder(i, so, now)
		if err := s.store.InsertOrder(ctx, o); err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return s.updateShop(ctx, func(st *ShopState) { st.SeedVersion = seedVersion })
}

// seedEmpty writes recs, created and updated at, into c while c has no
// records; a collection with records is left as it is.
func seedEmpty[T, J any](ctx context.Context, c collection[T, J], recs []T, at time.Time) error {
	have, err := c.list(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	for _, rec := range recs {
		createdAt, updatedAt := c.times(&rec)
		*createdAt, *updatedAt = at, at
		if err := c.put(ctx, rec); err != nil {
			return err
		}
	}
	return nil
}

func buildSeedOrder(i int, so seedOrder, now time.Time) Order {
	n := int64(i + 1)
	at := now.Add(-time.Duration(so.ageHours) * time.Hour).Truncate(time.Second)
	c := cities[so.city]
	o := Order{
		ID:                seedOrderID + n,
		Number:            seedNumber + n,
		Key:               orderKey(seedOrderID + n),
		CreatedAt:         at,
		UpdatedAt:         at.Add(40 * time.Minute),
		FulfillmentStatus: so.fulfillment,
		FinancialStatus:   "pending",
		Client: Client{ID: seedClientID + n, Name: so.name, Surname: so.surname, Middlename: so.middle,
			Email: so.email, Phone: so.phone},
		Shipping: Address{ID: seedAddressID + n, Name: so.name, Surname: so.surname, Phone: so.phone,
			KladrZip: c.Zip, RegionZip: c.RegionZip, State: c.State, City: c.Name, Address: so.address},
		Delivery:     deliveries[so.delivery],
		PaymentTitle: payments[so.payment],
		FieldsValues: []FieldValue{},
	}
	if so.paid {
		o.FinancialStatus = "paid"
	}
	if so.zipInAddress {
		o.Shipping.Zip = c.Zip
	}
	if st, ok := defaultStatus(seedStatuses, so.fulfillment); ok {
		o.CustomStatus = &StatusRef{Permalink: st.Permalink, Title: st.Title}
	}
	for j, l := range so.lines {
		p := catalog[l.product]
		o.Lines = append(o.Lines, Line{ID: seedLineID + n*10 + int64(j), ProductID: p.ID, VariantID: p.VariantID,
			Title: p.Title, SKU: p.SKU, Quantity: l.qty, SalePrice: p.Price})
	}
	if so.scenario != "" {
		o.DemoTrack = demoTrack(so.scenario, i+1)
	}
	return o
}

// demoTrack mints a Russian Post sandbox number that plays scenario id.
func demoTrack(id string, n int) string {
	for _, sc := range rpsandbox.Scenarios() {
		if sc.ID == id {
			return rpsandbox.Barcode(sc, n)
		}
	}
	return ""
}

// orderKey is the order's secret key (32 hex digits, like InSales').
func orderKey(id int64) string {
	sum := md5.Sum([]byte("insales-sandbox-order-" + strconv.FormatInt(id, 10)))
	return hex.EncodeToString(sum[:])
}

// looksLikeTrackField reports whether f is an order text field meant for
// track numbers.
func looksLikeTrackField(f Field) bool {
	if f.Destiny != 3 || f.Type != "Field::TextField" {
		return false
	}
	t := strings.ToLower(f.Title + " " + f.OfficeTitle + " " + f.Handle)
	return strings.Contains(t, "трек") || strings.Contains(t, "track")
}

// fillDemoTracks writes the prepared track numbers into field f on the orders
// that have one and no value yet, as if the merchant had typed them. The
// caller holds s.mu.
func (s *Server) fillDemoTracks(ctx context.Context, f Field) error {
	orders, err := s.store.ListOrders(ctx, OrderQuery{})
	if err != nil {
		return fmt.Errorf("insalessandbox: demo tracks: %w", err)
	}
	for _, o := range orders {
		if o.DemoTrack == "" {
			continue
		}
		now := s.now()
		n, err := s.store.NextID(ctx, SeqFieldValues)
		if err != nil {
			return fmt.Errorf("insalessandbox: demo tracks: %w", err)
		}
		o.FieldsValues = append(o.FieldsValues, FieldValue{
			ID: idBaseFieldValues + n, FieldID: f.ID, Name: fieldName(f), Handle: f.Handle,
			Type: fieldTypeLabel(f.Type), Value: o.DemoTrack, CreatedAt: now, UpdatedAt: now,
		})
		o.DemoTrack = ""
		o.UpdatedAt = nextUpdatedAt(o.UpdatedAt, now)
		if err := s.store.ReplaceOrder(ctx, o); err != nil {
			return fmt.Errorf("insalessandbox: demo tracks: order %d: %w", o.ID, err)
		}
	}
	return nil
}
