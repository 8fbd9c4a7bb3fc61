package twiliosandbox

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"parceltrack/sandbox/outbox"
)

// call is the Call resource as Twilio returns it.
type call struct {
	AccountSID      string            `json:"account_sid"`
	Annotation      *string           `json:"annotation"`
	AnsweredBy      *string           `json:"answered_by"`
	APIVersion      string            `json:"api_version"`
	CallerName      *string           `json:"caller_name"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	Direction       string            `json:"direction"`
	Duration        *string           `json:"duration"`
	EndTime         *string           `json:"end_time"`
	ForwardedFrom   *string           `json:"forwarded_from"`
	From            string            `json:"from"`
	FromFormatted   string            `json:"from_formatted"`
	GroupSID        *string           `json:"group_sid"`
	ParentCallSID   *string           `json:"parent_call_sid"`
	PhoneNumberSID  string            `json:"phone_number_sid"`
	Price           *string           `json:"price"`
	PriceUnit       string            `json:"price_unit"`
	QueueTime       string            `json:"queue_time"`
	SID             string            `json:"sid"`
	StartTime       *string           `json:"start_time"`
	Status          string            `json:"status"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	To              string            `json:"to"`
	ToFormatted     string            `json:"to_formatted"`
	TrunkSID        *string           `json:"trunk_sid"`
	URI             string            `json:"uri"`
}

func (h *Handler) createCall(w http.ResponseWriter, r *http.Request) {
	to := r.PostForm.Get("To")
	from := r.PostForm.Get("From")
	twiml := r.PostForm.Get("Twiml")
	twimlURL := r.PostForm.Get("Url")
	callback := r.PostForm.Get("StatusCallback")

	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21201, "No 'To' number is specified")
		return
	case from == "":
		writeError(w, http.StatusBadRequest, 21213, "No 'From' number is specified")
		return
	case twiml == "" && twimlURL == "" && r.PostForm.Get("ApplicationSid") == "":
		writeError(w, http.StatusBadRequest, 21205, "Url parameter is required.")
		return
	}

	now := h.now()
	rec := outbox.Record{
		ID:        newSID("CA"),
		Channel:   outbox.ChannelVoice,
		To:        to,
		From:      from,
		Status:    outbox.StatusQueued,
		CreatedAt: now,
		Raw:       capRaw(twiml),
	}
	if twiml == "" {
		// The stand-in does not fetch TwiML from the app.
		rec.Text = "(TwiML from " + twimlURL + ")"
		rec.Raw = twimlURL
	}

	status, code, msg := 0, 0, ""
	switch {
	case !e164.MatchString(to):
		status, code, msg = http.StatusBadRequest, 21211, "The 'To' number "+to+" is not a valid phone number."
	case !e164.MatchString(from):
		status, code, msg = http.StatusBadRequest, 21212, "The 'From' number "+from+" is not a valid phone number."
	default:
		if twiml != "" {
			said, err := SpokenText(twiml)
			if err != nil {
				status, code, msg = http.StatusBadRequest, 12100, "Document parse failure: "+err.Error()
				break
			}
			rec.Text = said
		}
		status, code, msg, _ = magicAnswer(w, to)
	}
	if status != 0 {
		rec.Status = outbox.StatusRejected
		rec.Error = strconv.Itoa(code) + ": " + msg
		if err := h.cfg.Recorder.Record(r.Context(), rec); err != nil {
			h.log.Error("twilio sandbox: record call", "err", err)
		}
		writeError(w, status, code, msg)
		return
	}

	if err := h.cfg.Recorder.Record(r.Context(), rec); err != nil {
		h.log.Error("twilio sandbox: record call", "err", err)
		writeError(w, http.StatusInternalServerError, 20500, "Internal Server Error")
		return
	}

	uri := accountsPath + h.cfg.AccountSID + "/Calls/" + rec.ID
	writeJSON(w, http.StatusCreated, call{
		AccountSID:     h.cfg.AccountSID,
		APIVersion:     apiVersion,
		DateCreated:    rfc2822(now),
		DateUpdated:    rfc2822(now),
		Direction:      "outbound-api",
		From:           from,
		FromFormatted:  from,
		PhoneNumberSID: "PN" + strings.Repeat("0", 32),
		PriceUnit:      "USD",
		QueueTime:      "0",
		SID:            rec.ID,
		Status:         "queued",
		SubresourceURIs: map[string]string{
			"notifications": uri + "/Notifications.json",
			"recordings":    uri + "/Recordings.json",
			"events":        uri + "/Events.json",
		},
		To:          to,
		ToFormatted: to,
		URI:         uri + ".json",
	})

	if callback != "" {
		final, duration := outbox.StatusCompleted, "12"
		if to == MagicUndeliverable {
			final, duration = outbox.StatusNoAnswer, "0"
			rec.Error = "no answer"
		}
		rec.Status = final
		h.scheduleCallback(callback, map[string]string{
			"AccountSid":   h.cfg.AccountSID,
			"ApiVersion":   apiVersion,
			"CallSid":      rec.ID,
			"CallStatus":   final,
			"CallDuration": duration,
			"Direction":    "outbound-api",
			"From":         from,
			"Caller":       from,
			"To":           to,
			"Called":       to,
		}, rec)
	}
}

// SpokenText returns what a TwiML document would say: the text of its <Say>
// verbs, one per line. It fails when the document is not well-formed XML with
// a <Response> root.
func SpokenText(twiml string) (string, error) {
	dec := xml.NewDecoder(strings.NewReader(twiml))
	var (
		said   []string
		cur    strings.Builder
		depth  int
		inSay  bool
		rooted bool
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if t.Name.Local != "Response" {
					return "", errors.New("root element is not <Response>")
				}
				rooted = true
			}
			depth++
			if t.Name.Local == "Say" {
				inSay = true
				cur.Reset()
			}
		case xml.EndElement:
			depth--
			if t.Name.Local == "Say" && inSay {
				inSay = false
				said = append(said, strings.TrimSpace(cur.String()))
			}
		case xml.CharData:
			if inSay {
				cur.Write(t)
			}
		}
	}
	if !rooted {
		return "", errors.New("no <Response> element")
	}
	return strings.Join(said, "\n"), nil
}
