package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"parceltrack/retryafter"
)

// DefaultTwilioTimeout bounds one Twilio API request when TwilioConfig.Timeout
// is zero.
const DefaultTwilioTimeout = 15 * time.Second

// TwilioConfig configures the Twilio SMS and voice channels.
type TwilioConfig struct {
	AccountSID string
	AuthToken  string
	// From is the SMS sender: an E.164 Twilio number or an alphanumeric sender
	// ID. It is also the caller ID for calls unless VoiceFrom is set.
	From string
	// MessagingServiceSID ("MG…"), when set, sends SMS through the service
	// (Twilio then picks the sender) and From is not sent for SMS.
	MessagingServiceSID string
	// VoiceFrom is the caller ID for calls (must be a Twilio voice number);
	// empty means From.
	VoiceFrom string
	// Voice is the TwiML <Say voice="…"> attribute (e.g. "Polly.Tatyana");
	// empty leaves Twilio's default voice for ru-RU.
	Voice string
	// VoiceRepeat speaks the text twice with a pause in between, for a buyer
	// who picks up mid-sentence.
	VoiceRepeat bool
	// BaseURL is empty for the real Twilio; otherwise requests go to it
	// instead of https://api.twilio.com, keeping the path, e.g.
	// "http://127.0.0.1:8080/sandbox/twilio" →
	// ".../sandbox/twilio/2010-04-01/Accounts/AC…/Messages.json".
	BaseURL string
	// Timeout bounds one API request; zero means DefaultTwilioTimeout.
	Timeout time.Duration
}

// twilioAPI is the part shared by the SMS and voice channels: credentials,
// one connection pool, and the per-call client that binds a request to ctx.
type twilioAPI struct {
	kind    ChannelKind
	sid     string
	token   string
	target  *url.URL // nil sends to the real Twilio
	base    http.RoundTripper
	timeout time.Duration
}

// twilio-go rejects credentials outside [A-Za-z0-9] client-side; failing at
// construction turns that into a start-up error instead of failed messages.
var twilioCredential = regexp.MustCompile(`^[A-Za-z0-9]+$`)

func newTwilioAPI(kind ChannelKind, cfg TwilioConfig) (*twilioAPI, error) {
	if !twilioCredential.MatchString(cfg.AccountSID) || !twilioCredential.MatchString(cfg.AuthToken) {
		return nil, fmt.Errorf("notify: twilio %s: account sid and auth token must be non-empty and alphanumeric", kind)
	}
	t := &twilioAPI{
		kind:    kind,
		sid:     cfg.AccountSID,
		token:   cfg.AuthToken,
		timeout: cfg.Timeout,
	}
	if t.timeout <= 0 {
		t.timeout = DefaultTwilioTimeout
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("notify: twilio %s: base url: %w", kind, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("notify: twilio %s: base url %q: want http(s)://host[:port][/prefix]", kind, cfg.BaseURL)
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		t.target = u
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	t.base = tr
	return t, nil
}

// service builds a twilio-go API service for one request. twilio-go sends
// with context.Background() and has no base-URL option, so the per-call
// transport rewrites the destination and binds the request to ctx; the rest
// is twilio-go's production code path. Call done on the returned call after
// the API method returns.
func (t *twilioAPI) service(ctx context.Context) (*openapi.ApiService, *twilioCall) {
	call := &twilioCall{ctx: ctx, base: t.base, target: t.target}
	c := &client.Client{
		Credentials: client.NewCredentials(t.sid, t.token),
		HTTPClient: &http.Client{
			Transport: call,
			Timeout:   t.timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}
	c.SetAccountSid(t.sid)
	return openapi.NewApiServiceWithClient(c), call
}

// twilioCall is the RoundTripper of one API call. It remembers the HTTP
// status and Retry-After, which twilio-go drops from its errors.
type twilioCall struct {
	ctx    context.Context
	base   http.RoundTripper
	target *url.URL

	status     int
	retryAfter string
	body       io.Closer
	release    func()
}

// RoundTrip sends req to the configured base URL, cancelled by either the
// http.Client timeout (req's own context) or the caller's ctx.
func (c *twilioCall) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(c.ctx, cancel)
	var once sync.Once
	release := func() { once.Do(func() { stop(); cancel() }) }

	r := req.Clone(ctx)
	if c.target != nil {
		r.URL.Scheme = c.target.Scheme
		r.URL.Host = c.target.Host
		r.URL.Path = c.target.Path + r.URL.Path
		r.URL.RawPath = ""
		r.Host = ""
	}
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		release()
		return nil, err
	}
	c.status = resp.StatusCode
	c.retryAfter = resp.Header.Get("Retry-After")
	c.body = resp.Body
	c.release = release
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// done closes the response twilio-go may have left open (it does not close
// error bodies) and releases the request context.
func (c *twilioCall) done() {
	if c.body != nil {
		_ = c.body.Close()
	}
	if c.release != nil {
		c.release()
	}
}

type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// Twilio error codes that mean this recipient or this message can never be
// delivered: retrying the same request cannot help.
var twilioPermanentCodes = map[int]bool{
	21211: true, // invalid 'To' phone number
	21214: true, // 'To' number cannot be reached
	21217: true, // phone number does not appear to be valid
	21401: true, // invalid phone number
	21407: true, // this number type does not support SMS
	21602: true, // message body is required
	21604: true, // 'To' phone number is required
	21610: true, // recipient unsubscribed (replied STOP)
	21612: true, // 'To' number not reachable via SMS
	21614: true, // 'To' is not a valid mobile number
	21617: true, // body exceeds 1600 characters
}

// Twilio error codes caused by our account or sender setup. They are not the
// buyer's fault, so the message waits (temporary) and a person is alerted.
var twilioConfigCodes = map[int]bool{
	20003: true, // authentication failed
	20005: true, // account not active
	20404: true, // resource (account) not found
	21210: true, // caller ID not verified
	21212: true, // invalid 'From' number
	21215: true, // geo permission for calls not enabled
	21219: true, // trial account: 'To' not verified
	21222: true, // invalid username characters (client-side)
	21224: true, // invalid password characters (client-side)
	21408: true, // permission to send SMS to this region not enabled
	21603: true, // 'From' is required
	21606: true, // 'From' not a valid sender for this account
	21608: true, // trial account: unverified recipient
	21659: true, // 'From' is not a Twilio number
	21660: true, // 'From' does not belong to the account
	21701: true, // messaging service not found
}

// twilioError maps a failed twilio-go call to a SendError; to is masked in
// the provider's message ("The 'To' number +7… is not valid").
func (t *twilioAPI) twilioError(ctx context.Context, call *twilioCall, err error, to string) *SendError {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		status := rest.Status
		if status == 0 {
			status = call.status
		}
		return classifyTwilio(t.kind, status, rest.Code, redact(rest.Message, to), call.retryAfter, err)
	}
	switch {
	case call.status >= 400:
		// An error answer without Twilio's JSON body (a proxy's HTML page).
		return classifyTwilio(t.kind, call.status, 0, http.StatusText(call.status), call.retryAfter, err)
	case call.status == 0:
		return transportError(ctx, t.kind, err)
	default:
		// Twilio answered 2xx but the body was unreadable: it probably
		// accepted the message, yet we cannot prove it.
		return &SendError{Channel: t.kind, Code: CodeBadResponse, Err: err}
	}
}

// classifyTwilio decides permanent / temporary / config from an HTTP status
// and a Twilio error code. An unknown 4xx is treated as a config problem: it
// most likely comes from how we call Twilio, so the message waits and a
// person looks, instead of every message failing for good.
func classifyTwilio(kind ChannelKind, status, code int, msg, retryAfter string, err error) *SendError {
	se := &SendError{Channel: kind, Message: msg, Err: err}
	if code != 0 {
		se.Code = strconv.Itoa(code)
	} else {
		se.Code = "http_" + strconv.Itoa(status)
	}
	switch {
	case twilioPermanentCodes[code]:
		se.Permanent = true
	case twilioConfigCodes[code]:
		se.Config = true
	case status == http.StatusTooManyRequests || code == 20429:
		se.RetryAfter, _ = retryafter.Parse(retryAfter, time.Now()) // no hint: 0, the queue's backoff decides
	case status >= 500:
		// Twilio's side: plain retry.
	case status >= 400:
		// 401/403/404 without a known code (bad credentials, wrong account)
		// and any other unknown rejection.
		se.Config = true
	}
	return se
}
