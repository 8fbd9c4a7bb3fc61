package rpsandbox

import (
	"bytes"
	"encoding/xml"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parceltrack/tracking"
)

const (
	nsSOAP12      = "http://www.w3.org/2003/05/soap-envelope"
	nsSOAP11      = "http://schemas.xmlsoap.org/soap/envelope/"
	nsHistory     = "http://russianpost.org/operationhistory"
	nsHistoryData = "http://russianpost.org/operationhistory/data"

	maxRequest = 4 << 20

	msgBadFormatRU = "Формат данных запроса не соответствует установленному в регламенте обмена"
	msgBadFormatEN = "The format of the request data is invalid"
	msgAuth        = "Ошибка авторизации: неверный логин или пароль"
	msgLimit       = "Ошибка авторизации: Превышен лимит количества запросов"
	msgLanguage    = "Язык не поддерживается"
	msgInternal    = "Внутренняя ошибка сервиса"
)

// rtmRequest matches the request by namespace URI, as the real service's
// JAX-WS stack does: wrong namespaces leave pointers nil.
type rtmRequest struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Body    struct {
		Call *struct {
			Request *struct {
				Barcode     string `xml:"http://russianpost.org/operationhistory/data Barcode"`
				MessageType string `xml:"http://russianpost.org/operationhistory/data MessageType"`
				Language    string `xml:"http://russianpost.org/operationhistory/data Language"`
			} `xml:"http://russianpost.org/operationhistory/data OperationHistoryRequest"`
			Auth *struct {
				Login    string `xml:"http://russianpost.org/operationhistory/data login"`
				Password string `xml:"http://russianpost.org/operationhistory/data password"`
			} `xml:"http://russianpost.org/operationhistory/data AuthorizationHeader"`
		} `xml:"http://russianpost.org/operationhistory getOperationHistory"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

func (s *Server) serveRTM34(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/soap+xml" {
		// What the real JAX-WS endpoint answers to a SOAP 1.1 content type.
		http.Error(w, "Unsupported Content-Type: "+r.Header.Get("Content-Type")+
			" Supported ones are: [application/soap+xml]", http.StatusUnsupportedMediaType)
		return
	}
	body, err := readBody(w, r, maxRequest)
	if err != nil {
		writeFault12(w, "Sender", "Couldn't read the request: "+err.Error(), "", "")
		return
	}
	var req rtmRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		writeFault12(w, "Sender", "Couldn't create SOAP message due to exception: XML reader error: "+err.Error(), "", "")
		return
	}
	call := req.Body.Call
	if call == nil {
		writeFault12(w, "Sender", "Cannot find dispatch method for the request", "", "")
		return
	}
	if call.Auth == nil || !s.authorized(call.Auth.Login, call.Auth.Password) {
		writeFault12(w, "Receiver", msgAuth, "AuthorizationFaultReason", msgAuth)
		return
	}
	vnow := s.Now()
	if s.overLimit(vnow) {
		writeFault12(w, "Receiver", msgLimit, "AuthorizationFaultReason", msgLimit)
		return
	}
	if call.Request == nil {
		writeFault12(w, "Receiver", msgBadFormatRU, "OperationHistoryFaultReason", msgBadFormatRU)
		return
	}
	lang := strings.TrimSpace(call.Request.Language)
	if lang != "" && lang != "RUS" && lang != "ENG" {
		writeFault12(w, "Receiver", msgLanguage, "LanguageFaultReason", msgLanguage)
		return
	}
	badFormat := msgBadFormatRU
	if lang == "ENG" {
		badFormat = msgBadFormatEN
	}
	barcode := strings.TrimSpace(call.Request.Barcode)
	mtype := strings.TrimSpace(call.Request.MessageType)
	sc := scenarioFor(barcode)
	if sc.malformed || (mtype != "0" && mtype != "1") {
		writeFault12(w, "Receiver", badFormat, "OperationHistoryFaultReason", badFormat)
		return
	}
	ops, err := s.operations(r.Context(), barcode, sc, vnow)
	if err != nil {
		s.logger().ErrorContext(r.Context(), "rpsandbox: scenario start", "track", barcode, "error", err)
		writeFault12(w, "Receiver", msgInternal, "", "")
		return
	}
	w.Header().Set("Content-Type", "application/soap+xml;charset=utf-8")
	w.Write(historyResponse(barcode, sc, ops))
}

// writeFault12 answers HTTP 500 with a SOAP 1.2 fault shaped like the real
// service's; detail names the *FaultReason element, if any.
func writeFault12(w http.ResponseWriter, code, reason, detail, detailText string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="` + nsSOAP12 + `"><S:Body><S:Fault xmlns:ns4="` + nsSOAP11 + `">`)
	b.WriteString(`<S:Code><S:Value>S:` + code + `</S:Value></S:Code><S:Reason><S:Text xml:lang="ru">`)
	esc(&b, reason)
	b.WriteString(`</S:Text></S:Reason>`)
	if detail != "" {
		b.WriteString(`<S:Detail><ns3:` + detail + ` xmlns:ns2="http://russianpost.org/sms-info/data" xmlns:ns3="` + nsHistoryData + `">`)
		esc(&b, detailText)
		b.WriteString(`</ns3:` + detail + `></S:Detail>`)
	}
	b.WriteString(`</S:Fault></S:Body></S:Envelope>`)
	w.Header().Set("Content-Type", "application/soap+xml;charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write(b.Bytes())
}

func esc(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }

// historyResponse renders ops like the real service: the first record carries
// the destination and full item parameters, later ones are sparse.
func historyResponse(barcode string, sc Scenario, ops []Operation) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?><S:Envelope xmlns:S="` + nsSOAP12 + `"><S:Body>` +
		`<ns7:getOperationHistoryResponse xmlns:ns2="http://russianpost.org/sms-info/data" xmlns:ns3="` + nsHistoryData +
		`" xmlns:ns4="` + nsSOAP11 + `" xmlns:ns5="http://www.russianpost.org/custom-duty-info/data"` +
		` xmlns:ns6="http://www.russianpost.org/RTM/DataExchangeESPP/Data" xmlns:ns7="` + nsHistory + `">`)
	if len(ops) == 0 {
		b.WriteString(`<ns3:OperationHistoryData/>`)
	} else {
		b.WriteString(`<ns3:OperationHistoryData>`)
		for i, op := range ops {
			writeRecord(&b, barcode, sc, op, i == 0)
		}
		b.WriteString(`</ns3:OperationHistoryData>`)
	}
	b.WriteString(`</ns7:getOperationHistoryResponse></S:Body></S:Envelope>`)
	return b.Bytes()
}

func writeRecord(b *bytes.Buffer, barcode string, sc Scenario, op Operation, full bool) {
	el := func(name, text string) {
		b.WriteString("<ns3:" + name + ">")
		esc(b, text)
		b.WriteString("</ns3:" + name + ">")
	}
	country := `<ns3:Id>643</ns3:Id><ns3:Code2A>RU</ns3:Code2A><ns3:Code3A>RUS</ns3:Code3A>` +
		`<ns3:NameRU>Российская Федерация</ns3:NameRU><ns3:NameEN>Russian Federation</ns3:NameEN>`
	b.WriteString(`<ns3:historyRecord><ns3:AddressParameters>`)
	if full && sc.Destination.Index != "" {
		b.WriteString(`<ns3:DestinationAddress>`)
		el("Index", sc.Destination.Index)
		el("Description", sc.Destination.Name)
		b.WriteString(`</ns3:DestinationAddress>`)
	}
	b.WriteString(`<ns3:OperationAddress>`)
	el("Index", op.Office.Index)
	el("Description", op.Office.Name)
	b.WriteString(`</ns3:OperationAddress>`)
	if full {
		b.WriteString(`<ns3:MailDirect>` + country + `</ns3:MailDirect>`)
	}
	b.WriteString(`<ns3:CountryOper>` + country + `</ns3:CountryOper></ns3:AddressParameters>`)
	b.WriteString(`<ns3:FinanceParameters>`)
	if full {
		b.WriteString(`<ns3:Payment>0</ns3:Payment><ns3:Value>0</ns3:Value><ns3:MassRate>24500</ns3:MassRate>` +
			`<ns3:InsrRate>0</ns3:InsrRate><ns3:AirRate>0</ns3:AirRate><ns3:Rate>0</ns3:Rate>`)
	}
	b.WriteString(`<ns3:CustomDuty>0</ns3:CustomDuty></ns3:FinanceParameters><ns3:ItemParameters>`)
	el("Barcode", barcode)
	b.WriteString(`<ns3:ValidRuType>false</ns3:ValidRuType><ns3:ValidEnType>false</ns3:ValidEnType>`)
	if full {
		el("ComplexItemName", sc.Item)
		b.WriteString(`<ns3:MailRank><ns3:Id>0</ns3:Id><ns3:Name>Без разряда</ns3:Name></ns3:MailRank>` +
			`<ns3:MailType><ns3:Id>4</ns3:Id><ns3:Name>Посылка</ns3:Name></ns3:MailType>` +
			`<ns3:MailCtg><ns3:Id>3</ns3:Id><ns3:Name>Обыкновенное</ns3:Name></ns3:MailCtg>`)
		el("Mass", strconv.Itoa(sc.MassGrams))
	}
	b.WriteString(`</ns3:ItemParameters><ns3:OperationParameters><ns3:OperType>`)
	el("Id", strconv.Itoa(op.Type))
	el("Name", op.TypeName)
	b.WriteString(`</ns3:OperType><ns3:OperAttr>`)
	el("Id", strconv.Itoa(op.Attr))
	if op.AttrName != "" {
		el("Name", op.AttrName)
	}
	b.WriteString(`</ns3:OperAttr>`)
	el("OperDate", op.At.Format("2006-01-02T15:04:05.000-07:00"))
	b.WriteString(`</ns3:OperationParameters><ns3:UserParameters>`)
	if full {
		b.WriteString(`<ns3:SendCtg><ns3:Id>1</ns3:Id><ns3:Name>Население</ns3:Name></ns3:SendCtg>`)
	}
	b.WriteString(`<ns3:Sndr></ns3:Sndr><ns3:Rcpn></ns3:Rcpn></ns3:UserParameters></ns3:historyRecord>`)
}

// moscowDateTime formats t as the batch service does (no offset, Moscow time).
func moscowDateTime(t time.Time) string { return t.In(tracking.Moscow).Format("02.01.2006 15:04:05") }
