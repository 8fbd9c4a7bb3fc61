package rpsandbox

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parceltrack/tracking"
)

const (
	nsPostServer = "http://fclient.russianpost.org/postserver"
	nsFClient    = "http://fclient.russianpost.org"

	// maxItems is the service's limit per ticket.
	maxItems = 3000
	// answerDelay is the service's preparation time, in virtual time.
	answerDelay = 15 * time.Minute
	// answerKept is the service's retention, in WALL-CLOCK time: a worker that
	// honours the client's 15-minute RetryAfter hint must still find the answer
	// however fast the virtual clock runs.
	answerKept = 32 * time.Hour
)

// ticket is a submitted batch.
type ticket struct {
	created  time.Time // wall clock
	login    string
	barcodes []string
}

type fcRequest struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Ticket *struct {
			Request struct {
				Items []struct {
					Barcode string `xml:"Barcode,attr"`
				} `xml:"http://fclient.russianpost.org Item"`
			} `xml:"request"`
			Login    string `xml:"login"`
			Password string `xml:"password"`
			Language string `xml:"language"`
		} `xml:"http://fclient.russianpost.org/postserver ticketRequest"`
		Answer *struct {
			Ticket   string `xml:"ticket"`
			Login    string `xml:"login"`
			Password string `xml:"password"`
		} `xml:"http://fclient.russianpost.org/postserver answerByTicketRequest"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

func (s *Server) serveFC(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/xml" {
		http.Error(w, "Unsupported Content-Type: "+r.Header.Get("Content-Type")+
			" Supported ones are: [text/xml]", http.StatusUnsupportedMediaType)
		return
	}
	body, err := readBody(w, r, maxRequest)
	if err != nil {
		writeFault11(w, "Couldn't read the request: "+err.Error())
		return
	}
	var req fcRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		writeFault11(w, "Couldn't create SOAP message due to exception: XML reader error: "+err.Error())
		return
	}
	switch {
	case req.Body.Ticket != nil:
		t := req.Body.Ticket
		barcodes := make([]string, 0, len(t.Request.Items))
		for _, it := range t.Request.Items {
			barcodes = append(barcodes, strings.TrimSpace(it.Barcode))
		}
		s.serveTicket(w, r, t.Login, t.Password, strings.TrimSpace(t.Language), barcodes)
	case req.Body.Answer != nil:
		a := req.Body.Answer
		s.serveAnswer(w, r, a.Login, a.Password, strings.TrimSpace(a.Ticket))
	default:
		writeFault11(w, "Cannot find dispatch method for the request")
	}
}

func (s *Server) serveTicket(w http.ResponseWriter, r *http.Request, login, password, lang string, barcodes []string) {
	switch {
	case !s.authorized(login, password):
		writeFCError(w, "ticketResponse", 3, "Ошибка авторизации")
		return
	case lang != "" && lang != "RUS" && lang != "ENG":
		writeFCError(w, "ticketResponse", 20, "Неверный язык")
		return
	case len(barcodes) == 0:
		writeFCError(w, "ticketResponse", 2, "Неверный формат запроса")
		return
	case len(barcodes) > maxItems:
		writeFCError(w, "ticketResponse", 18, "Превышено количество запрашиваемых отправлений")
		return
	}
	// Asking about a number starts its scenario, as single access does.
	for _, bc := range barcodes {
		if sc := scenarioFor(bc); !sc.malformed && len(sc.Steps) > 0 && sc.fixedStart.IsZero() {
			if _, err := s.Register(r.Context(), bc); err != nil {
				s.logger().ErrorContext(r.Context(), "rpsandbox: scenario start", "track", bc, "error", err)
				writeFCError(w, "ticketResponse", 16, "Внутренняя ошибка")
				return
			}
		}
	}
	now := s.clock()
	vnow := s.Virtual(now)
	s.mu.Lock()
	for id, t := range s.tickets { // sweep answers past retention
		if now.Sub(t.created) > answerKept {
			delete(s.tickets, id)
		}
	}
	s.seq++
	id := vnow.In(tracking.Moscow).Format("20060102150405") + fmt.Sprintf("%03dSANDBOX%d", vnow.Nanosecond()/1e6, s.seq)
	s.tickets[id] = &ticket{created: now, login: strings.TrimSpace(login), barcodes: barcodes}
	s.mu.Unlock()

	var b bytes.Buffer
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="` + nsSOAP11 + `"><S:Body>` +
		`<ns2:ticketResponse xmlns:ns2="` + nsPostServer + `" xmlns:ns3="` + nsFClient + `"><value>`)
	esc(&b, id)
	b.WriteString(`</value></ns2:ticketResponse></S:Body></S:Envelope>`)
	writeXML11(w, b.Bytes())
}

func (s *Server) serveAnswer(w http.ResponseWriter, r *http.Request, login, password, id string) {
	if !s.authorized(login, password) {
		writeFCError(w, "answerByTicketResponse", 3, "Ошибка авторизации")
		return
	}
	now := s.clock()
	vnow := s.Virtual(now)
	s.mu.Lock()
	t, ok := s.tickets[id]
	if ok && now.Sub(t.created) > answerKept {
		delete(s.tickets, id)
		ok = false
	}
	s.mu.Unlock()
	if !ok || t.login != strings.TrimSpace(login) {
		writeFCError(w, "answerByTicketResponse", 17, "Истекло время хранения ответа или ответ не найден")
		return
	}
	ready := s.Virtual(t.created).Add(answerDelay)
	if vnow.Before(ready) {
		writeFCError(w, "answerByTicketResponse", 6, "Ответ для ФК еще не готов")
		return
	}

	var b bytes.Buffer
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="` + nsSOAP11 + `"><S:Body>` +
		`<ns2:answerByTicketResponse xmlns:ns2="` + nsPostServer + `" xmlns:ns3="` + nsFClient + `">` +
		`<value FileName="" FileTypeID="2" FileNumber="1" RecipientID="1" DatePreparation="` + moscowDateTime(ready) + `">`)
	for _, bc := range t.barcodes {
		b.WriteString(`<ns3:Item Barcode="`)
		esc(&b, bc)
		b.WriteString(`">`)
		sc := scenarioFor(bc)
		// The answer is the snapshot at preparation time, as the real service keeps it.
		ops, err := s.operations(r.Context(), bc, sc, ready)
		switch {
		case err != nil:
			s.logger().ErrorContext(r.Context(), "rpsandbox: scenario start", "track", bc, "error", err)
			writeItemError(&b, 16, "Внутренняя ошибка")
		case sc.malformed && len(bc) > 14:
			writeItemError(&b, 21, "Длина ШПИ превышает допустимую")
		case sc.malformed:
			writeItemError(&b, 2, "Неверный формат ШПИ")
		case len(ops) == 0:
			writeItemError(&b, 12, "Сообщение не найдено")
		}
		for _, op := range ops {
			fmt.Fprintf(&b, `<ns3:Operation OperTypeID="%d" OperCtgID="%d" OperName="`, op.Type, op.Attr)
			esc(&b, op.TypeName)
			b.WriteString(`" DateOper="` + moscowDateTime(op.At) + `" IndexOper="`)
			esc(&b, op.Office.Index)
			b.WriteString(`"/>`)
		}
		b.WriteString(`</ns3:Item>`)
	}
	b.WriteString(`</value></ns2:answerByTicketResponse></S:Body></S:Envelope>`)
	writeXML11(w, b.Bytes())
}

func writeItemError(b *bytes.Buffer, code int, name string) {
	b.WriteString(`<ns3:Error ErrorTypeID="` + strconv.Itoa(code) + `" ErrorName="`)
	esc(b, name)
	b.WriteString(`"/>`)
}

// writeFCError answers HTTP 200 with a service error, as the batch service does.
func writeFCError(w http.ResponseWriter, element string, code int, name string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="` + nsSOAP11 + `"><S:Body>` +
		`<ns2:` + element + ` xmlns:ns2="` + nsPostServer + `" xmlns:ns3="` + nsFClient + `"><error ErrorTypeID="` +
		strconv.Itoa(code) + `" ErrorName="`)
	esc(&b, name)
	b.WriteString(`"/></ns2:` + element + `></S:Body></S:Envelope>`)
	writeXML11(w, b.Bytes())
}

func writeXML11(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.Write(body)
}

// writeFault11 answers HTTP 500 with a SOAP 1.1 client fault.
func writeFault11(w http.ResponseWriter, reason string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="` + nsSOAP11 + `"><S:Body><S:Fault>` +
		`<faultcode>S:Client</faultcode><faultstring>`)
	esc(&b, reason)
	b.WriteString(`</faultstring></S:Fault></S:Body></S:Envelope>`)
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(b.Bytes())
}
