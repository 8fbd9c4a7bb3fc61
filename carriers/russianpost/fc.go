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

// Namespaces of the batch service.
const (
	nsPostServer = "http://fclient.russianpost.org/postserver"
	nsFClient    = "http://fclient.russianpost.org"
)

// Batch-service error types (ErrorTypeID), as documented.
const (
	fcBadRequest   = 2
	fcAuth         = 3
	fcNotReady     = 6
	fcNotFound     = 12
	fcInternal     = 16
	fcExpired      = 17
	fcTooMany      = 18
	fcBadLanguage  = 20
	fcTooLong      = 21
	fcNameTooLong  = 22
	notReadyPeriod = 15 * time.Minute // the service's minimum spacing of answer requests
)

// batchDateLayout is DateOper's format. It carries no offset; see ParseAnswer.
const batchDateLayout = "02.01.2006 15:04:05"

func ticketRequest(barcodes []string, language, login, password string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<soapenv:Envelope xmlns:soapenv="` + nsSOAP11 + `" xmlns:pos="` + nsPostServer +
		`" xmlns:fcl="` + nsFClient + `"><soapenv:Header/><soapenv:Body><pos:ticketRequest><request>`)
	for _, bc := range barcodes {
		b.WriteString(`<fcl:Item Barcode="`)
		escape(&b, strings.TrimSpace(bc))
		b.WriteString(`"/>`)
	}
	b.WriteString(`</request><login>`)
	escape(&b, login)
	b.WriteString(`</login><password>`)
	escape(&b, password)
	b.WriteString(`</password><language>`)
	escape(&b, language)
	b.WriteString(`</language></pos:ticketRequest></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

func answerRequest(ticket, login, password string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<soapenv:Envelope xmlns:soapenv="` + nsSOAP11 + `" xmlns:pos="` + nsPostServer +
		`"><soapenv:Header/><soapenv:Body><pos:answerByTicketRequest><ticket>`)
	escape(&b, ticket)
	b.WriteString(`</ticket><login>`)
	escape(&b, login)
	b.WriteString(`</login><password>`)
	escape(&b, password)
	b.WriteString(`</password></pos:answerByTicketRequest></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

type fcError struct {
	TypeID string `xml:"ErrorTypeID,attr"`
	Name   string `xml:"ErrorName,attr"`
}

type ticketEnvelope struct {
	XMLName xml.Name `xml:"Envelope"`
	Body    struct {
		Fault    *soapFault `xml:"Fault"`
		Response *struct {
			Value *string  `xml:"value"`
			Error *fcError `xml:"error"`
		} `xml:"ticketResponse"`
	} `xml:"Body"`
}

type answerEnvelope struct {
	XMLName xml.Name `xml:"Envelope"`
	Body    struct {
		Fault    *soapFault `xml:"Fault"`
		Response *struct {
			Value *struct {
				Items []struct {
					Barcode    string `xml:"Barcode,attr"`
					Operations []struct {
						TypeID string `xml:"OperTypeID,attr"`
						CtgID  string `xml:"OperCtgID,attr"`
						Name   string `xml:"OperName,attr"`
						Date   string `xml:"DateOper,attr"`
						Index  string `xml:"IndexOper,attr"`
					} `xml:"Operation"`
					Error *fcError `xml:"Error"`
				} `xml:"Item"`
			} `xml:"value"`
			Error *fcError `xml:"error"`
		} `xml:"answerByTicketResponse"`
	} `xml:"Body"`
}

// ParseTicket reads a ticketResponse: the ticket, or the service's error as a
// *carriers.Error whose Code is the numeric ErrorTypeID (see fcErr).
func ParseTicket(body []byte) (string, error) {
	var env ticketEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return "", badResponse("ticket answer is not SOAP XML", err)
	}
	if env.Body.Fault != nil {
		return "", env.Body.Fault.classify()
	}
	r := env.Body.Response
	switch {
	case r == nil:
		return "", badResponse("no ticketResponse in the answer", nil)
	case r.Error != nil:
		return "", r.Error.err()
	case r.Value == nil || strings.TrimSpace(*r.Value) == "":
		return "", badResponse("ticketResponse without a ticket", nil)
	}
	return strings.TrimSpace(*r.Value), nil
}

// ParseAnswer reads an answerByTicketResponse into results keyed by barcode.
// A whole-answer error comes back as a *carriers.Error wrapping
// carriers.ErrNotReady (6) or carriers.ErrExpired (17) where they apply. Per
// item, error 12 ("not found") means no events and no error; other item errors
// become the item's Err.
//
// DateOper has no offset ("dd.MM.yyyy HH:mm:ss"). The service does not say
// whose clock it is and the answer gives no way to tell (only the office
// postcode), so it is read as Moscow time (+03:00), the postal network's
// reference time and the zone of most volume. For an office elsewhere the
// instant may be off by the zone difference (up to 9 hours), which can shift
// a "whole days since arrival" count by one near midnight; use single access
// when exact instants matter.
func ParseAnswer(body []byte) (map[string]carriers.BatchResult, error) {
	var env answerEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, badResponse("batch answer is not SOAP XML", err)
	}
	if env.Body.Fault != nil {
		return nil, env.Body.Fault.classify()
	}
	r := env.Body.Response
	switch {
	case r == nil:
		return nil, badResponse("no answerByTicketResponse in the answer", nil)
	case r.Error != nil:
		return nil, r.Error.err()
	case r.Value == nil:
		return nil, badResponse("answerByTicketResponse without a value", nil)
	}
	out := make(map[string]carriers.BatchResult, len(r.Value.Items))
	for _, item := range r.Value.Items {
		barcode := strings.TrimSpace(item.Barcode)
		if barcode == "" {
			continue
		}
		res := out[barcode] // an item listed twice keeps both parts
		if item.Error != nil {
			if e := item.Error.err(); e.Code != strconv.Itoa(fcNotFound) {
				res.Err = e
			}
		}
		for _, op := range item.Operations {
			ev, err := batchEvent(op.TypeID, op.CtgID, op.Name, op.Date, op.Index)
			if err != nil {
				res.Err = badResponse("batch operation of "+barcode, err)
				continue
			}
			res.Events = append(res.Events, ev)
		}
		out[barcode] = res
	}
	return out, nil
}

func batchEvent(typeID, ctgID, name, date, index string) (tracking.Event, error) {
	typ, err := parseCode(typeID)
	if err != nil {
		return tracking.Event{}, err
	}
	attr, err := parseCode(ctgID)
	if err != nil {
		return tracking.Event{}, err
	}
	date = strings.TrimSpace(date)
	at, err := time.ParseInLocation(batchDateLayout, date, tracking.Moscow)
	if err != nil {
		var err2 error
		if at, err2 = time.ParseInLocation("02.01.2006 15:04", date, tracking.Moscow); err2 != nil {
			return tracking.Event{}, err
		}
	}
	name = clean(name)
	return tracking.Event{
		At:          at,
		Type:        typ,
		Attr:        attr,
		Name:        name, // the batch service names only the operation type
		OfficeIndex: postcode(index),
		Raw:         name,
	}, nil
}

// err maps a batch ErrorTypeID to a *carriers.Error with Code = the number.
func (e *fcError) err() *carriers.Error {
	msg := clean(e.Name)
	code := strings.TrimSpace(e.TypeID)
	n, _ := strconv.Atoi(code)
	ce := &carriers.Error{Kind: carriers.Temporary, Code: code, Message: msg}
	switch n {
	case fcAuth, fcBadLanguage:
		ce.Kind = carriers.Account
	case fcBadRequest, fcTooMany, fcTooLong, fcNameTooLong:
		ce.Kind = carriers.Permanent
	case fcNotReady:
		ce.Err = carriers.ErrNotReady
		ce.RetryAfter = notReadyPeriod
	case fcExpired:
		ce.Err = carriers.ErrExpired
	case fcInternal:
		// Temporary.
	}
	if isLimit(msg) {
		ce.Kind, ce.DailyLimit = carriers.Account, true
	}
	return ce
}
