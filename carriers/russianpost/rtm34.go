package russianpost

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"time"

	"parceltrack/carriers"
	"parceltrack/tracking"
)

// Namespaces of the single-access service.
const (
	nsSOAP12      = "http://www.w3.org/2003/05/soap-envelope"
	nsSOAP11      = "http://schemas.xmlsoap.org/soap/envelope/"
	nsHistory     = "http://russianpost.org/operationhistory"
	nsHistoryData = "http://russianpost.org/operationhistory/data"
)

// Codes of the *carriers.Error values built from single-access faults.
const (
	CodeBadBarcode    = "OperationHistoryFault" // Permanent: the barcode is malformed
	CodeAuthorization = "AuthorizationFault"    // Account: bad login or password
	CodeLimit         = "LimitExceeded"         // Account: daily quota used up; it resets at midnight Moscow time
	CodeLanguage      = "LanguageFault"         // Account: Config.Language is not accepted
	CodeFault         = "Fault"                 // Temporary: any other SOAP fault
	codeBadResponse   = "bad_response"          // Temporary: not a SOAP answer we understand
)

// historyRequest builds the getOperationHistory envelope exactly as the
// service documentation shows it: the request and the AuthorizationHeader
// (with the SOAP 1.1 mustUnderstand attribute, as the service expects) both
// sit in the Body.
func historyRequest(barcode, language, login, password string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<soap:Envelope xmlns:soap="` + nsSOAP12 + `" xmlns:oper="` + nsHistory +
		`" xmlns:data="` + nsHistoryData + `" xmlns:soapenv="` + nsSOAP11 + `">` +
		`<soap:Header/><soap:Body><oper:getOperationHistory><data:OperationHistoryRequest><data:Barcode>`)
	escape(&b, barcode)
	b.WriteString(`</data:Barcode><data:MessageType>0</data:MessageType><data:Language>`)
	escape(&b, language)
	b.WriteString(`</data:Language></data:OperationHistoryRequest>` +
		`<data:AuthorizationHeader soapenv:mustUnderstand="1"><data:login>`)
	escape(&b, login)
	b.WriteString(`</data:login><data:password>`)
	escape(&b, password)
	b.WriteString(`</data:password></data:AuthorizationHeader></oper:getOperationHistory></soap:Body></soap:Envelope>`)
	return b.Bytes()
}

func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // writing to a bytes.Buffer cannot fail
}

// Response structures. Tags name local names only, so whatever prefixes (and
// SOAP version) the server picks, the elements are found.
type historyEnvelope struct {
	XMLName xml.Name `xml:"Envelope"`
	Body    struct {
		Fault    *soapFault `xml:"Fault"`
		Response *struct {
			Data *struct {
				Records []historyRecord `xml:"historyRecord"`
			} `xml:"OperationHistoryData"`
		} `xml:"getOperationHistoryResponse"`
	} `xml:"Body"`
}

type historyRecord struct {
	Address struct {
		Destination *office `xml:"DestinationAddress"`
		Operation   office  `xml:"OperationAddress"`
	} `xml:"AddressParameters"`
	Item struct {
		Name string `xml:"ComplexItemName"`
		Mass string `xml:"Mass"`
	} `xml:"ItemParameters"`
	Operation struct {
		Type idName `xml:"OperType"`
		Attr idName `xml:"OperAttr"`
		Date string `xml:"OperDate"`
	} `xml:"OperationParameters"`
}

type office struct {
	Index       string `xml:"Index"`
	Description string `xml:"Description"`
}

type idName struct {
	ID   string `xml:"Id"`
	Name string `xml:"Name"`
}

// soapFault reads both SOAP 1.2 (Code/Reason/Detail) and SOAP 1.1
// (faultcode/faultstring/detail) faults.
type soapFault struct {
	Code        string   `xml:"Code>Value"`
	Reason      []string `xml:"Reason>Text"`
	FaultCode   string   `xml:"faultcode"`
	FaultString string   `xml:"faultstring"`
	Detail      *struct {
		History  *string `xml:"OperationHistoryFaultReason"`
		Auth     *string `xml:"AuthorizationFaultReason"`
		Language *string `xml:"LanguageFaultReason"`
	} `xml:"Detail"`
	Detail11 *struct {
		History  *string `xml:"OperationHistoryFaultReason"`
		Auth     *string `xml:"AuthorizationFaultReason"`
		Language *string `xml:"LanguageFaultReason"`
	} `xml:"detail"`
}

// ParseHistory reads an RTM-34 getOperationHistory answer (as saved from the
// wire) into events in response order. A SOAP fault comes back as the same
// *carriers.Error the network path returns; an empty OperationHistoryData
// gives no events and no error; anything unreadable is a Temporary error with
// Code "bad_response".
//
// Each record maps to one event: At = OperDate with its own offset (Moscow
// assumed when missing), Type/Attr = OperType/OperAttr Id, Name = the OperAttr
// name or else the OperType name, OfficeIndex/OfficeName = OperationAddress
// (Index "0" means none and becomes ""). Those are the fields the service
// guarantees in every record, so nothing is carried over from earlier records;
// Raw keeps the names and, when the record has them, item kind, mass and
// destination.
func ParseHistory(body []byte) ([]tracking.Event, error) {
	var env historyEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, badResponse("history answer is not SOAP XML", err)
	}
	if env.Body.Fault != nil {
		return nil, env.Body.Fault.classify()
	}
	if env.Body.Response == nil {
		return nil, badResponse("no getOperationHistoryResponse in the answer", nil)
	}
	if env.Body.Response.Data == nil {
		return nil, nil
	}
	records := env.Body.Response.Data.Records
	events := make([]tracking.Event, 0, len(records))
	for i := range records {
		ev, err := records[i].event()
		if err != nil {
			return nil, badResponse("history record "+strconv.Itoa(i+1), err)
		}
		events = append(events, ev)
	}
	return events, nil
}

func (r *historyRecord) event() (tracking.Event, error) {
	at, err := parseOperDate(r.Operation.Date)
	if err != nil {
		return tracking.Event{}, err
	}
	typ, err := parseCode(r.Operation.Type.ID)
	if err != nil {
		return tracking.Event{}, err
	}
	attr, err := parseCode(r.Operation.Attr.ID)
	if err != nil {
		return tracking.Event{}, err
	}
	typeName := clean(r.Operation.Type.Name)
	attrName := clean(r.Operation.Attr.Name)
	name := attrName
	if name == "" {
		name = typeName
	}
	raw := []string{typeName}
	if attrName != "" {
		raw[0] = typeName + " / " + attrName
	}
	if item := clean(r.Item.Name); item != "" {
		raw = append(raw, item)
	}
	if mass := clean(r.Item.Mass); mass != "" && mass != "0" {
		raw = append(raw, mass+" г")
	}
	if d := r.Address.Destination; d != nil && postcode(d.Index) != "" {
		raw = append(raw, "назначение "+strings.TrimSpace(postcode(d.Index)+" "+clean(d.Description)))
	}
	return tracking.Event{
		At:          at,
		Type:        typ,
		Attr:        attr,
		Name:        name,
		OfficeIndex: postcode(r.Address.Operation.Index),
		OfficeName:  clean(r.Address.Operation.Description),
		Raw:         strings.Join(raw, "; "),
	}, nil
}

// operDateLayouts are tried in order: offsets with and without a colon,
// seconds optional (fractions are accepted by time.Parse after the seconds
// even when the layout has none), and offset-less times, read as Moscow time.
var operDateLayouts = []struct {
	layout string
	zoned  bool
}{
	{"2006-01-02T15:04:05Z07:00", true},
	{"2006-01-02T15:04:05Z0700", true},
	{"2006-01-02T15:04Z07:00", true},
	{"2006-01-02T15:04:05", false},
	{"2006-01-02T15:04", false},
}

// parseOperDate keeps the office's UTC offset as a fixed zone, so the result
// does not depend on the machine's local zone (time.Parse would otherwise
// borrow time.Local when the offsets happen to match).
func parseOperDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var firstErr error
	for _, l := range operDateLayouts {
		if !l.zoned {
			t, err := time.ParseInLocation(l.layout, s, tracking.Moscow) // Moscow: the offset assumed for times that come without one
			if err == nil {
				return t, nil
			}
			continue
		}
		t, err := time.Parse(l.layout, s)
		if err == nil {
			_, off := t.Zone()
			return t.In(time.FixedZone("", off)), nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return time.Time{}, firstErr
}

// parseCode reads an operation code; an empty element means 0 (the service
// sends OperAttr Id 0 for "no attribute"), anything non-numeric is an error.
func parseCode(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}

// postcode normalises an office index: "0" is the service's "unknown".
func postcode(s string) string {
	s = strings.TrimSpace(s)
	if strings.Trim(s, "0") == "" {
		return ""
	}
	return s
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

func badResponse(msg string, err error) *carriers.Error {
	return &carriers.Error{Kind: carriers.Temporary, Code: codeBadResponse, Message: msg, Err: err}
}

// classify maps a single-access fault to its kind; see the package comment.
func (f *soapFault) classify() *carriers.Error {
	detail := f.Detail
	if detail == nil {
		detail = f.Detail11
	}
	reason := clean(strings.Join(f.Reason, " "))
	if reason == "" {
		reason = clean(f.FaultString)
	}
	text := func(p *string) string {
		if p != nil && clean(*p) != "" {
			return clean(*p)
		}
		return reason
	}
	switch {
	case detail != nil && detail.Auth != nil:
		msg := text(detail.Auth)
		if isLimit(msg) || isLimit(reason) {
			return &carriers.Error{Kind: carriers.Account, Code: CodeLimit, Message: msg, DailyLimit: true}
		}
		return &carriers.Error{Kind: carriers.Account, Code: CodeAuthorization, Message: msg}
	case detail != nil && detail.Language != nil:
		return &carriers.Error{Kind: carriers.Account, Code: CodeLanguage, Message: text(detail.Language)}
	case detail != nil && detail.History != nil:
		msg := text(detail.History)
		// The fault type is the bad-format one, but an internal error reported
		// through it must not condemn the parcel.
		if isInternal(msg) {
			return &carriers.Error{Kind: carriers.Temporary, Code: CodeFault, Message: msg}
		}
		return &carriers.Error{Kind: carriers.Permanent, Code: CodeBadBarcode, Message: msg}
	case isLimit(reason):
		return &carriers.Error{Kind: carriers.Account, Code: CodeLimit, Message: reason, DailyLimit: true}
	}
	code := clean(f.Code)
	if code == "" {
		code = clean(f.FaultCode)
	}
	msg := reason
	if code != "" {
		msg = strings.TrimSpace(code + " " + reason)
	}
	return &carriers.Error{Kind: carriers.Temporary, Code: CodeFault, Message: msg}
}

func isLimit(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "превышен лимит") || strings.Contains(s, "limit exceeded") ||
		strings.Contains(s, "limit is exceeded")
}

func isInternal(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "внутренняя ошибка") || strings.Contains(s, "internal error")
}
