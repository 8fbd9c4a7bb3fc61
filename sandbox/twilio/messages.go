package twiliosandbox

import (
	"net/http"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"parceltrack/sandbox/outbox"
)

// maxBodyChars is Twilio's limit on a message body.
const maxBodyChars = 1600

// message is the Message resource as Twilio returns it.
type message struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

func (h *Handler) createMessage(w http.ResponseWriter, r *http.Request) {
	to := r.PostForm.Get("To")
	from := r.PostForm.Get("From")
	service := r.PostForm.Get("MessagingServiceSid")
	body := r.PostForm.Get("Body")
	callback := r.PostForm.Get("StatusCallback")

	// Missing parameters are a bug in the caller: answered, not recorded.
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case from == "" && service == "":
		writeError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case body == "":
		writeError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	}

	now := h.now()
	rec := outbox.Record{
		ID:        newSID("SM"),
		Channel:   outbox.ChannelSMS,
		To:        to,
		From:      from,
		Text:      body,
		Status:    outbox.StatusQueued,
		CreatedAt: now,
		Raw:       capRaw(r.PostForm.Encode()),
	}
	if service != "" {
		rec.From = service
	}

	status, code, msg := 0, 0, ""
	switch {
	case !e164.MatchString(to):
		status, code, msg = http.StatusBadRequest, 21211, "The 'To' number "+to+" is not a valid phone number."
	case service == "" && !validSender(from):
		status, code, msg = http.StatusBadRequest, 21212,
			"The 'From' number "+from+" is not a valid phone number, shortcode, or alphanumeric sender ID."
	case utf8.RuneCountInString(body) > maxBodyChars:
		status, code, msg = http.StatusBadRequest, 21617,
			"The concatenated message body exceeds the 1600 character limit."
	default:
		status, code, msg, _ = magicAnswer(w, to)
	}
	if status != 0 {
		rec.Status = outbox.StatusRejected
		rec.Error = strconv.Itoa(code) + ": " + msg
		if err := h.cfg.Recorder.Record(r.Context(), rec); err != nil {
			h.log.Error("twilio sandbox: record message", "err", err)
		}
		writeError(w, status, code, msg)
		return
	}

	if err := h.cfg.Recorder.Record(r.Context(), rec); err != nil {
		h.log.Error("twilio sandbox: record message", "err", err)
		writeError(w, http.StatusInternalServerError, 20500, "Internal Server Error")
		return
	}

	uri := accountsPath + h.cfg.AccountSID + "/Messages/" + rec.ID
	res := message{
		AccountSID:      h.cfg.AccountSID,
		APIVersion:      apiVersion,
		Body:            body,
		DateCreated:     rfc2822(now),
		DateUpdated:     rfc2822(now),
		Direction:       "outbound-api",
		From:            strPtr(from),
		NumMedia:        "0",
		NumSegments:     strconv.Itoa(numSegments(body)),
		PriceUnit:       "USD",
		SID:             rec.ID,
		Status:          "queued",
		SubresourceURIs: map[string]string{"media": uri + "/Media.json"},
		To:              to,
		URI:             uri + ".json",
	}
	if service != "" {
		// Twilio picks the sender later: "accepted", no from, 0 segments.
		res.Status = "accepted"
		res.From = nil
		res.MessagingServiceSID = &service
		res.NumSegments = "0"
	}
	writeJSON(w, http.StatusCreated, res)

	if callback != "" {
		final, errCode := outbox.StatusDelivered, 0
		if to == MagicUndeliverable {
			final, errCode = outbox.StatusUndelivered, 30003 // unreachable handset
		}
		params := map[string]string{
			"AccountSid":    h.cfg.AccountSID,
			"ApiVersion":    apiVersion,
			"MessageSid":    rec.ID,
			"SmsSid":        rec.ID,
			"MessageStatus": final,
			"SmsStatus":     final,
			"To":            to,
			"From":          rec.From,
		}
		if service != "" {
			params["MessagingServiceSid"] = service
		}
		if errCode != 0 {
			params["ErrorCode"] = strconv.Itoa(errCode)
			rec.Error = strconv.Itoa(errCode) + ": Unreachable destination handset"
		}
		rec.Status = final
		h.scheduleCallback(callback, params, rec)
	}
}

// numSegments approximates Twilio's count for the answer's num_segments:
// ASCII text is GSM-7 (160 / 153 per part, a few symbols count twice), any
// other character makes it UCS-2 (70 / 67 UTF-16 units). The app bills from
// its own count in package notify, not from this.
func numSegments(body string) int {
	units, single, part := 0, 160, 153
	ascii := true
	for _, r := range body {
		if r > 0x7e || (r < 0x20 && r != '\n' && r != '\r') || r == '`' {
			ascii = false
			break
		}
		switch r {
		case '^', '{', '}', '\\', '[', ']', '~', '|':
			units += 2
		default:
			units++
		}
	}
	if !ascii {
		units, single, part = len(utf16.Encode([]rune(body))), 70, 67
	}
	if units <= single {
		return 1
	}
	return (units + part - 1) / part
}
