package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"parceltrack/notify"
	"parceltrack/shopapp"
)

// twilioStatusPath is where Twilio posts delivery reports.
const twilioStatusPath = "/notify/twilio/status"

// twilioStatus is POST /notify/twilio/status, Twilio's status callback for
// SMS and calls. The X-Twilio-Signature must match the form and the exact
// callback URL, its query included, under the account's auth token (403
// otherwise); the status is recorded per message, a final one never
// overwritten by a late earlier one. A buyer message's callback URL names
// its outbox key (?key=…), and the report settles that message: a failure
// refunds it.
func (s *server) twilioStatus(c *fiber.Ctx) error {
	params := map[string]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { params[string(k)] = string(v) })
	target := s.onboard.twilioURL
	if target == "" {
		target = s.publicURL(c) + twilioStatusPath
	}
	if q := string(c.Request().URI().QueryString()); q != "" {
		target += "?" + q
	}
	if !s.onboard.twilio.Validate(target, params, c.Get("X-Twilio-Signature")) {
		s.logger(c).Warn("twilio callback with a bad signature")
		return c.SendStatus(fiber.StatusForbidden)
	}
	st := notify.Delivery{Channel: notify.KindSMS, ProviderID: params["MessageSid"], Status: params["MessageStatus"],
		ErrorCode: params["ErrorCode"], UpdatedAt: time.Now()}
	if st.ProviderID == "" {
		st.Channel, st.ProviderID, st.Status = notify.KindVoice, params["CallSid"], params["CallStatus"]
	}
	st.Status = strings.ToLower(st.Status)
	if st.ProviderID == "" || st.Status == "" {
		return c.SendStatus(fiber.StatusBadRequest)
	}
	st.Final = notify.FinalStatus(st.Status)
	wrote, err := s.onboard.statuses.Save(c.UserContext(), st)
	if err != nil {
		return err
	}
	s.logger(c).Info("twilio status", "provider_id", st.ProviderID, "status", st.Status, "final", st.Final,
		"error_code", st.ErrorCode, "recorded", wrote)
	if key := c.Query("key"); key != "" && wrote && s.onboard.reports != nil {
		err := s.onboard.reports.Report(c.UserContext(), key, st)
		if errors.Is(err, shopapp.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "unknown message key")
		}
		if err != nil {
			return err
		}
	}
	return c.SendStatus(fiber.StatusNoContent)
}
