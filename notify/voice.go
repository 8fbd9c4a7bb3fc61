package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"
	"github.com/twilio/twilio-go/twiml"
)

// MaxTwiMLLength is Twilio's limit on the Twiml parameter of a call.
const MaxTwiMLLength = 4000

// CodeTooLong is SendError.Code for a text too long to speak in one call.
const CodeTooLong = "too_long"

// Voice places calls through Twilio's Calls API that read the text aloud with
// inline TwiML (<Say language="ru-RU">), so no TwiML URL has to be served.
type Voice struct {
	api    *twilioAPI
	from   string
	voice  string
	repeat bool
}

var _ Channel = (*Voice)(nil)

// NewVoice builds the voice channel. The caller ID is cfg.VoiceFrom, or
// cfg.From when that is empty; it must be a Twilio voice-capable number.
func NewVoice(cfg TwilioConfig) (*Voice, error) {
	from := cfg.VoiceFrom
	if from == "" {
		from = cfg.From
	}
	if from == "" {
		return nil, errors.New("notify: twilio voice: VoiceFrom or From is required")
	}
	api, err := newTwilioAPI(KindVoice, cfg)
	if err != nil {
		return nil, err
	}
	return &Voice{api: api, from: from, voice: cfg.Voice, repeat: cfg.VoiceRepeat}, nil
}

// Kind returns KindVoice.
func (v *Voice) Kind() ChannelKind { return KindVoice }

// Send calls m.To and speaks m.Text.
func (v *Voice) Send(ctx context.Context, m Message) (Result, error) {
	if !IsE164(m.To) {
		return Result{}, &SendError{Channel: KindVoice, Permanent: true, Code: CodeInvalidRecipient,
			Message: "recipient is not an E.164 phone number"}
	}
	if strings.TrimSpace(m.Text) == "" {
		return Result{}, &SendError{Channel: KindVoice, Permanent: true, Code: CodeEmptyMessage,
			Message: "empty message text"}
	}
	twiml := TwiML(m.Text, v.voice, v.repeat)
	if len(twiml) > MaxTwiMLLength && v.repeat {
		twiml = TwiML(m.Text, v.voice, false) // better once than not at all
	}
	if len(twiml) > MaxTwiMLLength {
		return Result{}, &SendError{Channel: KindVoice, Permanent: true, Code: CodeTooLong,
			Message: fmt.Sprintf("twiml is %d bytes, twilio accepts %d", len(twiml), MaxTwiMLLength)}
	}
	if err := ctx.Err(); err != nil {
		return Result{}, transportError(ctx, KindVoice, err)
	}

	params := &openapi.CreateCallParams{}
	params.SetTo(m.To)
	params.SetFrom(v.from)
	params.SetTwiml(twiml)
	if m.StatusCallback != "" {
		params.SetStatusCallback(m.StatusCallback)
	}

	svc, call := v.api.service(ctx)
	c, err := svc.CreateCall(params)
	call.done()
	if err != nil {
		return Result{}, v.api.twilioError(ctx, call, err, m.To)
	}
	if c.Sid == nil || *c.Sid == "" {
		return Result{}, &SendError{Channel: KindVoice, Code: CodeBadResponse,
			Err: fmt.Errorf("notify: twilio voice: answer without a sid (http %d)", call.status)}
	}
	res := Result{ProviderID: *c.Sid, Status: "queued"}
	if c.Status != nil {
		res.Status = *c.Status
	}
	return res, nil
}

// TwiML renders the document a call plays: text read in Russian, built with
// twilio-go's twiml package, which escapes it (buyer names and product titles
// may contain "<", "&" or quotes) and replaces characters XML cannot carry
// with U+FFFD, so a stray control character cannot make Twilio reject the
// call. voice sets the <Say voice> attribute when not empty, and a Polly or
// Google voice reads the text at SpeechRate; repeat reads the text a second
// time after a two-second pause.
//
// The package takes attributes from a map, so with a voice the order of
// language and voice varies between calls: compare documents parsed, not as
// strings.
func TwiML(text, voice string, repeat bool) string {
	say := twiml.VoiceSay{
		Message:  strings.TrimSpace(text),
		Language: "ru-RU",
		Voice:    voice, // the twiml package leaves out empty attributes
	}
	if speaksSSML(voice) {
		// A little slower than conversation, so a listener can note an
		// office's number or a date.
		say.Message = ""
		say.InnerElements = []twiml.Element{prosody{twiml.VoiceProsody{Words: strings.TrimSpace(text), Rate: SpeechRate}}}
	}
	verbs := []twiml.Element{say}
	if repeat {
		verbs = append(verbs, twiml.VoicePause{Length: "2"}, say)
	}
	doc, err := twiml.Voice(verbs)
	if err != nil {
		// twiml.Voice writes into a bytes.Buffer, whose writes never fail.
		panic("notify: render twiml: " + err.Error())
	}
	return doc
}

// prosody is twiml.VoiceProsody written as SSML spells it: twilio-go names
// the element "Prosody", and SSML's element names are lower case.
type prosody struct{ twiml.VoiceProsody }

func (prosody) GetName() string { return "prosody" }

// SpeechRate is the <prosody rate> of calls read by a voice that takes SSML.
const SpeechRate = "90%"

// speaksSSML reports whether a Twilio voice reads SSML tags inside <Say>:
// the Amazon Polly and Google voices do; the basic ones would not.
func speaksSSML(voice string) bool {
	return strings.HasPrefix(voice, "Polly.") || strings.HasPrefix(voice, "Google.")
}
