package notify

import (
	"context"
	"errors"
	"fmt"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// SMS sends text messages through Twilio's Messages API.
type SMS struct {
	api                 *twilioAPI
	from                string
	messagingServiceSID string
}

var _ Channel = (*SMS)(nil)

// NewSMS builds the SMS channel. cfg needs the account credentials and either
// From or MessagingServiceSID.
func NewSMS(cfg TwilioConfig) (*SMS, error) {
	if cfg.From == "" && cfg.MessagingServiceSID == "" {
		return nil, errors.New("notify: twilio sms: From or MessagingServiceSID is required")
	}
	api, err := newTwilioAPI(KindSMS, cfg)
	if err != nil {
		return nil, err
	}
	return &SMS{api: api, from: cfg.From, messagingServiceSID: cfg.MessagingServiceSID}, nil
}

// Kind returns KindSMS.
func (s *SMS) Kind() ChannelKind { return KindSMS }

// Send hands m.Text to Twilio for m.To. Result.Segments is our own count
// (see Segments): Twilio reports 0 segments for messages sent through a
// messaging service until a sender is chosen.
func (s *SMS) Send(ctx context.Context, m Message) (Result, error) {
	if !IsE164(m.To) {
		return Result{}, &SendError{Channel: KindSMS, Permanent: true, Code: CodeInvalidRecipient,
			Message: "recipient is not an E.164 phone number"}
	}
	if m.Text == "" {
		return Result{}, &SendError{Channel: KindSMS, Permanent: true, Code: CodeEmptyMessage,
			Message: "empty message text"}
	}
	if err := ctx.Err(); err != nil {
		return Result{}, transportError(ctx, KindSMS, err)
	}

	params := &openapi.CreateMessageParams{}
	params.SetTo(m.To)
	params.SetBody(m.Text)
	if s.messagingServiceSID != "" {
		params.SetMessagingServiceSid(s.messagingServiceSID)
	} else {
		params.SetFrom(s.from)
	}
	if m.StatusCallback != "" {
		params.SetStatusCallback(m.StatusCallback)
	}

	svc, call := s.api.service(ctx)
	msg, err := svc.CreateMessage(params)
	call.done()
	if err != nil {
		return Result{}, s.api.twilioError(ctx, call, err, m.To)
	}
	if msg.Sid == nil || *msg.Sid == "" {
		return Result{}, &SendError{Channel: KindSMS, Code: CodeBadResponse,
			Err: fmt.Errorf("notify: twilio sms: answer without a sid (http %d)", call.status)}
	}
	res := Result{ProviderID: *msg.Sid, Status: "queued"}
	if msg.Status != nil {
		res.Status = *msg.Status
	}
	_, _, res.Segments = Segments(m.Text)
	return res, nil
}
