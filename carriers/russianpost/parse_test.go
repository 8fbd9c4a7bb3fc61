package russianpost

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"parceltrack/carriers"
	"parceltrack/tracking"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ev is the part of an event the tests compare; at is RFC 3339 with the
// expected offset.
type ev struct {
	at          string
	typ, attr   int
	name, index string
	office      string
}

func checkEvents(t *testing.T, got []tracking.Event, want []ev) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		wantAt, err := time.Parse(time.RFC3339Nano, w.at)
		if err != nil {
			t.Fatal(err)
		}
		_, gotOff := g.At.Zone()
		_, wantOff := wantAt.Zone()
		if !g.At.Equal(wantAt) || gotOff != wantOff {
			t.Errorf("event %d: At = %s, want %s", i, g.At.Format(time.RFC3339Nano), w.at)
		}
		if g.Type != w.typ || g.Attr != w.attr || g.Name != w.name || g.OfficeIndex != w.index || g.OfficeName != w.office {
			t.Errorf("event %d: got %d/%d %q %q %q, want %d/%d %q %q %q", i,
				g.Type, g.Attr, g.Name, g.OfficeIndex, g.OfficeName, w.typ, w.attr, w.name, w.index, w.office)
		}
	}
}

func TestParseHistorySamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		want    []ev
		wantRaw string // Raw of the first event
	}{
		{
			name: "go example: 8 records, mixed offsets, sparse later records",
			file: "rtm34_resp_44334455667733_goexample.xml",
			want: []ev{
				{"2016-07-16T12:01:00+04:00", 1, 1, "Единичный", "443063", "Самара 63"},
				{"2016-07-18T20:31:27.001+04:00", 8, 3, "Прибыло в сортировочный центр", "443960", "Самара МСЦ"},
				{"2016-07-19T06:37:22.001+04:00", 8, 4, "Покинуло сортировочный центр", "443960", "Самара МСЦ"},
				{"2016-07-20T19:33:00+03:00", 8, 0, "Сортировка", "140983", "Московский АСЦ Цех Посылок"},
				{"2016-07-21T02:53:00+03:00", 8, 4, "Покинуло сортировочный центр", "140980", "Московский АСЦ Цех Логистики"},
				{"2016-07-21T12:24:00+03:00", 8, 4, "Покинуло сортировочный центр", "170000", "Тверь Почтамт"},
				{"2016-07-21T12:39:00+03:00", 8, 2, "Прибыло в место вручения", "170100", "Тверь 100"},
				{"2016-07-21T12:49:00+03:00", 2, 1, "Вручение адресату", "170100", "Тверь 100"},
			},
			wantRaw: "Прием / Единичный; Посылка обыкновенная; 291 г; назначение 170971 Тверь-ДТИ",
		},
		{
			name: "official test barcode RA644000001RU with the late 1/1",
			file: "rtm34_resp_RA644000001RU_testbarcode_RUS.xml",
			want: []ev{
				{"2015-03-23T10:01:00+03:00", 1, 1, "Единичный", "644001", "Омск 1"},
				{"2015-03-24T10:01:00+03:00", 8, 3, "Прибыло в сортировочный центр", "644001", "Омск 1"},
				{"2015-03-24T10:01:00+03:00", 8, 4, "Покинуло сортировочный центр", "644001", "Омск 1"},
				{"2015-03-26T10:08:00+03:00", 8, 2, "Прибыло в место вручения", "644008", "Омск 8"},
				{"2015-08-28T03:00:00+03:00", 1, 1, "Единичный", "644001", "Омск 1"},
			},
			wantRaw: "Прием / Единичный; Отправление EMS с объявл. ценностью и налож. платежом; 101 г; назначение 644008 Омск 8",
		},
		{
			name: "quirks: other prefixes, unsorted, index 0 and empty, attr 0 without name, unknown code",
			file: "rtm34_resp_quirks.xml",
			want: []ev{
				{"2024-03-02T09:15:00+05:00", 8, 0, "Обработка", "", ""},
				{"2024-03-01T18:40:12.5+05:00", 1, 1, "Единичный", "620014", "Екатеринбург 14"},
				{"2024-03-03T11:00:00+03:00", 77, 9, "", "", ""},
			},
			wantRaw: "Обработка",
		},
		{
			name: "empty history",
			file: "rtm34_resp_empty.xml",
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseHistory(readTestdata(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, got, tc.want)
			if tc.wantRaw != "" && got[0].Raw != tc.wantRaw {
				t.Errorf("Raw = %q, want %q", got[0].Raw, tc.wantRaw)
			}
		})
	}
}

func TestParseHistoryFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     []byte
		wantKind carriers.Kind
		wantCode string
		wantMsg  string
	}{
		{"bad barcode", readTestdata(t, "rtm34_fault_bad_barcode.xml"), carriers.Permanent, CodeBadBarcode,
			"Формат данных запроса не соответствует установленному в регламенте обмена"},
		{"bad credentials", readTestdata(t, "rtm34_fault_auth.xml"), carriers.Account, CodeAuthorization,
			"Ошибка авторизации: неверный логин или пароль"},
		{"daily limit", readTestdata(t, "rtm34_fault_limit.xml"), carriers.Account, CodeLimit,
			"Ошибка авторизации: Превышен лимит количества запросов"},
		{"language", readTestdata(t, "rtm34_fault_language.xml"), carriers.Account, CodeLanguage, "Язык не поддерживается"},
		{"internal error", readTestdata(t, "rtm34_fault_internal.xml"), carriers.Temporary, CodeFault,
			"S:Receiver Внутренняя ошибка сервиса"},
		{"internal error inside the format fault", []byte(`<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body><Fault><Detail><OperationHistoryFaultReason xmlns="http://russianpost.org/operationhistory/data">Внутренняя ошибка сервиса</OperationHistoryFaultReason></Detail></Fault></Body></Envelope>`),
			carriers.Temporary, CodeFault, "Внутренняя ошибка сервиса"},
		{"soap 1.1 fault", []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>boom</faultstring></s:Fault></s:Body></s:Envelope>`),
			carriers.Temporary, CodeFault, "s:Server boom"},
		{"html error page", []byte("<html><body><h1>502 Bad Gateway</h1></body></html>"), carriers.Temporary, codeBadResponse, ""},
		{"not xml", []byte("upstream connect error"), carriers.Temporary, codeBadResponse, ""},
		{"envelope without response", []byte(`<S:Envelope xmlns:S="http://www.w3.org/2003/05/soap-envelope"><S:Body/></S:Envelope>`), carriers.Temporary, codeBadResponse, ""},
		{"garbage date", []byte(`<E:Envelope xmlns:E="x"><E:Body><getOperationHistoryResponse><OperationHistoryData><historyRecord><OperationParameters><OperType><Id>1</Id></OperType><OperDate>yesterday</OperDate></OperationParameters></historyRecord></OperationHistoryData></getOperationHistoryResponse></E:Body></E:Envelope>`),
			carriers.Temporary, codeBadResponse, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			events, err := ParseHistory(tc.body)
			if err == nil {
				t.Fatalf("no error, events %+v", events)
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *carriers.Error", err)
			}
			if ce.Kind != tc.wantKind || ce.Code != tc.wantCode {
				t.Fatalf("got %v/%q, want %v/%q (%v)", ce.Kind, ce.Code, tc.wantKind, tc.wantCode, err)
			}
			if tc.wantMsg != "" && ce.Message != tc.wantMsg {
				t.Fatalf("message %q, want %q", ce.Message, tc.wantMsg)
			}
			// Only the day's limit rests the account until Moscow midnight.
			if ce.DailyLimit != (tc.wantCode == CodeLimit) {
				t.Fatalf("daily limit %v for %s", ce.DailyLimit, tc.wantCode)
			}
		})
	}
}

func TestParseTicket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       []byte
		wantTicket string
		wantKind   carriers.Kind
		wantCode   string
	}{
		{"doc sample", readTestdata(t, "fc_ticketResponse_docsample_bliss.xml"), "20150917162048476CLIENTID", 0, ""},
		{"limit exceeded", readTestdata(t, "fc_ticketResponse_error3_limit_exceeded_real.xml"), "", carriers.Account, "3"},
		{"internal", []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:ticketResponse xmlns:ns2="http://fclient.russianpost.org/postserver"><error ErrorTypeID="16" ErrorName="Внутренняя ошибка"/></ns2:ticketResponse></S:Body></S:Envelope>`), "", carriers.Temporary, "16"},
		{"too many", []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:ticketResponse xmlns:ns2="http://fclient.russianpost.org/postserver"><error ErrorTypeID="18" ErrorName="Превышено количество"/></ns2:ticketResponse></S:Body></S:Envelope>`), "", carriers.Permanent, "18"},
		{"bad format", []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:ticketResponse xmlns:ns2="http://fclient.russianpost.org/postserver"><error ErrorTypeID="2" ErrorName="Неверный формат"/></ns2:ticketResponse></S:Body></S:Envelope>`), "", carriers.Permanent, "2"},
		{"bad language", []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:ticketResponse xmlns:ns2="http://fclient.russianpost.org/postserver"><error ErrorTypeID="20" ErrorName="Язык"/></ns2:ticketResponse></S:Body></S:Envelope>`), "", carriers.Account, "20"},
		{"empty value", []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:ticketResponse xmlns:ns2="http://fclient.russianpost.org/postserver"><value> </value></ns2:ticketResponse></S:Body></S:Envelope>`), "", carriers.Temporary, codeBadResponse},
		{"not xml", []byte(`Service Unavailable`), "", carriers.Temporary, codeBadResponse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ticket, err := ParseTicket(tc.body)
			if tc.wantKind == 0 {
				if err != nil || ticket != tc.wantTicket {
					t.Fatalf("got %q, %v; want %q", ticket, err, tc.wantTicket)
				}
				return
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Kind != tc.wantKind || ce.Code != tc.wantCode {
				t.Fatalf("got %q, %v; want %v/%q", ticket, err, tc.wantKind, tc.wantCode)
			}
		})
	}
}

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	got, err := ParseAnswer(readTestdata(t, "fc_answerByTicketResponse_officialdoc_withError.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d items, want 3: %v", len(got), got)
	}
	checkEvents(t, got["10725878901235"].Events, []ev{
		{"2015-09-12T09:26:00+03:00", 1, 1, "Прием", "107258", ""},
		{"2015-09-12T09:26:00+03:00", 8, 1, "Обработка", "107258", ""},
		{"2015-09-12T23:14:00+03:00", 8, 4, "Обработка", "111974", ""},
		{"2015-09-16T09:09:00+03:00", 8, 15, "Обработка", "130203", ""},
		{"2015-09-16T13:45:00+03:00", 2, 8, "Вручение", "130203", ""},
	})
	if r := got["45008378901234"]; r.Err != nil || len(r.Events) != 8 || r.Events[6].Type != 4 || r.Events[6].Attr != 3 {
		t.Fatalf("forwarded item: %+v", r)
	}
	if r, ok := got["RA123456789RU"]; !ok || r.Err != nil || len(r.Events) != 0 {
		t.Fatalf("not-found item must be present with no events and no error: %+v", r)
	}

	bliss, err := ParseAnswer(readTestdata(t, "fc_answerByTicketResponse_docsample_bliss.xml"))
	if err != nil || len(bliss) != 2 || len(bliss["ZB005012591HK"].Events) != 8 {
		t.Fatalf("bliss sample: %v %v", bliss, err)
	}
}

func TestParseAnswerErrors(t *testing.T) {
	t.Parallel()
	wrap := func(inner string) []byte {
		return []byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:answerByTicketResponse xmlns:ns2="http://fclient.russianpost.org/postserver" xmlns:ns3="http://fclient.russianpost.org">` + inner + `</ns2:answerByTicketResponse></S:Body></S:Envelope>`)
	}
	tests := []struct {
		name     string
		body     []byte
		wantKind carriers.Kind
		wantCode string
		wantIs   error
	}{
		{"not ready", wrap(`<error ErrorTypeID="6" ErrorName="Ответ для ФК еще не готов"/>`), carriers.Temporary, "6", carriers.ErrNotReady},
		{"expired", wrap(`<error ErrorTypeID="17" ErrorName="Истекло время хранения ответа"/>`), carriers.Temporary, "17", carriers.ErrExpired},
		{"auth", wrap(`<error ErrorTypeID="3" ErrorName="Ошибка авторизации"/>`), carriers.Account, "3", nil},
		{"internal", wrap(`<error ErrorTypeID="16" ErrorName="Внутренняя ошибка"/>`), carriers.Temporary, "16", nil},
		{"no value", wrap(``), carriers.Temporary, codeBadResponse, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseAnswer(tc.body)
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Kind != tc.wantKind || ce.Code != tc.wantCode {
				t.Fatalf("got %v; want %v/%q", err, tc.wantKind, tc.wantCode)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("%v does not wrap %v", err, tc.wantIs)
			}
		})
	}

	t.Run("per-item errors", func(t *testing.T) {
		t.Parallel()
		got, err := ParseAnswer(wrap(`<value><ns3:Item Barcode="123456789012345678901234"><ns3:Error ErrorTypeID="21" ErrorName="Слишком длинный ШПИ"/></ns3:Item><ns3:Item Barcode="62009147017544"><ns3:Operation OperTypeID="1" OperCtgID="1" OperName="Прием" DateOper="01.02.2024 10:00" IndexOper="0"/><ns3:Operation OperTypeID="x" DateOper="01.02.2024 10:00:00"/></ns3:Item></value>`))
		if err != nil {
			t.Fatal(err)
		}
		if k := carriers.KindOf(got["123456789012345678901234"].Err); k != carriers.Permanent {
			t.Fatalf("too-long item kind %v", k)
		}
		r := got["62009147017544"]
		if len(r.Events) != 1 || r.Events[0].OfficeIndex != "" || carriers.KindOf(r.Err) != carriers.Temporary {
			t.Fatalf("partly bad item: %+v", r)
		}
	})
}

func BenchmarkParseHistory(b *testing.B) {
	body := readTestdata(b, "rtm34_resp_44334455667733_goexample.xml")
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseHistory(body); err != nil {
			b.Fatal(err)
		}
	}
}
