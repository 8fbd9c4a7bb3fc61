package twiliosandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/twilio/twilio-go/client"

	"parceltrack/sandbox/outbox"
	twiliosandbox "parceltrack/sandbox/twilio"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "secret0token0123456789abcdef0123"
)

func newSandbox(t *testing.T, cfg twiliosandbox.Config) (*httptest.Server, *outbox.Memory) {
	t.Helper()
	mem := &outbox.Memory{}
	cfg.AccountSID, cfg.AuthToken, cfg.Recorder = sid, token, mem
	h := twiliosandbox.New(cfg)
	mux := http.NewServeMux()
	mux.Handle("/sandbox/twilio/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return srv, mem
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func post(t *testing.T, srv *httptest.Server, method, path, user, pass string, form url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("answer is not JSON: %q", raw)
	}
	return a
}

const (
	messagesPath = "/sandbox/twilio/2010-04-01/Accounts/" + sid + "/Messages.json"
	callsPath    = "/sandbox/twilio/2010-04-01/Accounts/" + sid + "/Calls.json"
)

func TestSandboxRejects(t *testing.T) {
	t.Parallel()
	okSMS := func(change func(url.Values)) url.Values {
		v := url.Values{"To": {"+79123456789"}, "From": {"+15005550006"}, "Body": {"Привет"}}
		if change != nil {
			change(v)
		}
		return v
	}
	okCall := func(change func(url.Values)) url.Values {
		v := url.Values{"To": {"+79123456789"}, "From": {"+15005550006"},
			"Twiml": {`<Response><Say language="ru-RU">Привет</Say></Response>`}}
		if change != nil {
			change(v)
		}
		return v
	}
	tests := []struct {
		name       string
		method     string
		path       string
		user, pass string
		form       url.Values
		status     int
		code       int
		recorded   bool // a "rejected" record is kept
		retryAfter string
	}{
		{"no auth", "POST", messagesPath, "", "", okSMS(nil), 401, 20003, false, ""},
		{"wrong token", "POST", messagesPath, sid, "wrong", okSMS(nil), 401, 20003, false, ""},
		{"wrong account user", "POST", messagesPath, "ACother", token, okSMS(nil), 401, 20003, false, ""},
		{"account in path differs", "POST", "/sandbox/twilio/2010-04-01/Accounts/ACother/Messages.json",
			sid, token, okSMS(nil), 404, 20404, false, ""},
		{"unknown resource", "POST", "/sandbox/twilio/2010-04-01/Accounts/" + sid + "/Faxes.json",
			sid, token, okSMS(nil), 404, 20404, false, ""},
		{"get not allowed", "GET", messagesPath, sid, token, nil, 405, 20004, false, ""},
		{"sms without to", "POST", messagesPath, sid, token, okSMS(func(v url.Values) { v.Del("To") }), 400, 21604, false, ""},
		{"sms without sender", "POST", messagesPath, sid, token, okSMS(func(v url.Values) { v.Del("From") }), 400, 21603, false, ""},
		{"sms without body", "POST", messagesPath, sid, token, okSMS(func(v url.Values) { v.Del("Body") }), 400, 21602, false, ""},
		{"sms to national format", "POST", messagesPath, sid, token,
			okSMS(func(v url.Values) { v.Set("To", "89123456789") }), 400, 21211, true, ""},
		{"sms from bad sender", "POST", messagesPath, sid, token,
			okSMS(func(v url.Values) { v.Set("From", "Too long sender") }), 400, 21212, true, ""},
		{"sms body over 1600", "POST", messagesPath, sid, token,
			okSMS(func(v url.Values) { v.Set("Body", strings.Repeat("я", 1601)) }), 400, 21617, true, ""},
		{"magic invalid", "POST", messagesPath, sid, token,
			okSMS(func(v url.Values) { v.Set("To", twiliosandbox.MagicInvalid) }), 400, 21211, true, ""},
		{"magic rate limited", "POST", messagesPath, sid, token,
			okSMS(func(v url.Values) { v.Set("To", twiliosandbox.MagicRateLimited) }), 429, 20429, true, "1"},
		{"magic server error", "POST", messagesPath, sid, token,
			okSMS(func(v url.Values) { v.Set("To", twiliosandbox.MagicServerError) }), 500, 20500, true, ""},
		{"call without to", "POST", callsPath, sid, token, okCall(func(v url.Values) { v.Del("To") }), 400, 21201, false, ""},
		{"call without from", "POST", callsPath, sid, token, okCall(func(v url.Values) { v.Del("From") }), 400, 21213, false, ""},
		{"call without twiml or url", "POST", callsPath, sid, token, okCall(func(v url.Values) { v.Del("Twiml") }), 400, 21205, false, ""},
		{"call to not e164", "POST", callsPath, sid, token,
			okCall(func(v url.Values) { v.Set("To", "+7 912 345 67 89") }), 400, 21211, true, ""},
		{"call from alphanumeric", "POST", callsPath, sid, token,
			okCall(func(v url.Values) { v.Set("From", "MyShop") }), 400, 21212, true, ""},
		{"call with broken twiml", "POST", callsPath, sid, token,
			okCall(func(v url.Values) { v.Set("Twiml", "<Response><Say>unclosed</Response>") }), 400, 12100, true, ""},
		{"call magic invalid", "POST", callsPath, sid, token,
			okCall(func(v url.Values) { v.Set("To", twiliosandbox.MagicInvalid) }), 400, 21211, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, mem := newSandbox(t, twiliosandbox.Config{})
			a := post(t, srv, tc.method, tc.path, tc.user, tc.pass, tc.form)
			if a.status != tc.status || a.body["code"] != float64(tc.code) {
				t.Fatalf("answer %d %v, want %d code %d", a.status, a.body, tc.status, tc.code)
			}
			if a.body["status"] != float64(tc.status) || a.body["message"] == "" ||
				a.body["more_info"] != "https://www.twilio.com/docs/errors/"+itoa(tc.code) {
				t.Errorf("error body %v is not Twilio's shape", a.body)
			}
			if tc.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if got := a.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			list := mem.List()
			if !tc.recorded {
				if len(list) != 0 {
					t.Errorf("recorded %+v, want nothing", list)
				}
				return
			}
			if len(list) != 1 || list[0].Status != outbox.StatusRejected || !strings.HasPrefix(list[0].Error, itoa(tc.code)+": ") {
				t.Errorf("records = %+v, want one rejected with code %d", list, tc.code)
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestSandboxAcceptsMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		form        url.Values
		wantStatus  string
		wantFrom    any
		wantService any
		wantSegs    string
		recordFrom  string
	}{
		{"from number, cyrillic two segments",
			url.Values{"To": {"+79123456789"}, "From": {"+15005550006"}, "Body": {strings.Repeat("я", 71)}},
			"queued", "+15005550006", nil, "2", "+15005550006"},
		{"alphanumeric sender, ascii one segment",
			url.Values{"To": {"+79123456789"}, "From": {"MyShop"}, "Body": {strings.Repeat("a", 160)}},
			"queued", "MyShop", nil, "1", "MyShop"},
		{"messaging service",
			url.Values{"To": {"+79123456789"}, "MessagingServiceSid": {"MG0123456789abcdef0123456789abcdef"}, "Body": {"Hi"}},
			"accepted", nil, "MG0123456789abcdef0123456789abcdef", "0", "MG0123456789abcdef0123456789abcdef"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, mem := newSandbox(t, twiliosandbox.Config{})
			a := post(t, srv, "POST", messagesPath, sid, token, tc.form)
			if a.status != http.StatusCreated {
				t.Fatalf("status %d: %v", a.status, a.body)
			}
			msgSID, _ := a.body["sid"].(string)
			if len(msgSID) != 34 || !strings.HasPrefix(msgSID, "SM") {
				t.Errorf("sid = %q", msgSID)
			}
			checks := map[string]any{
				"status": tc.wantStatus, "from": tc.wantFrom, "messaging_service_sid": tc.wantService,
				"num_segments": tc.wantSegs, "to": "+79123456789", "body": tc.form.Get("Body"),
				"account_sid": sid, "api_version": "2010-04-01", "direction": "outbound-api",
				"error_code": nil, "price": nil, "num_media": "0",
				"uri": "/2010-04-01/Accounts/" + sid + "/Messages/" + msgSID + ".json",
			}
			for k, want := range checks {
				if got, ok := a.body[k]; !ok || got != want {
					t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, want)
				}
			}
			if _, err := time.Parse(time.RFC1123Z, a.body["date_created"].(string)); err != nil {
				t.Errorf("date_created: %v", err)
			}
			rec, ok := mem.Get(msgSID)
			if !ok {
				t.Fatal("message not recorded")
			}
			if rec.Channel != outbox.ChannelSMS || rec.To != "+79123456789" || rec.From != tc.recordFrom ||
				rec.Text != tc.form.Get("Body") || rec.Status != outbox.StatusQueued || rec.CreatedAt.IsZero() {
				t.Errorf("record = %+v", rec)
			}
			if rec.Raw != tc.form.Encode() {
				t.Errorf("raw = %q", rec.Raw)
			}
		})
	}
}

func TestSandboxAcceptsCall(t *testing.T) {
	t.Parallel()
	srv, mem := newSandbox(t, twiliosandbox.Config{})
	twiml := `<Response><Say language="ru-RU">Заказ &lt;5&gt; &amp; подарок</Say><Pause length="2"/>` +
		`<Say language="ru-RU">Повтор</Say></Response>`
	a := post(t, srv, "POST", callsPath, sid, token,
		url.Values{"To": {"+79123456789"}, "From": {"+15005550006"}, "Twiml": {twiml}})
	if a.status != http.StatusCreated {
		t.Fatalf("status %d: %v", a.status, a.body)
	}
	callSID, _ := a.body["sid"].(string)
	if len(callSID) != 34 || !strings.HasPrefix(callSID, "CA") || a.body["status"] != "queued" ||
		a.body["to"] != "+79123456789" || a.body["from"] != "+15005550006" || a.body["direction"] != "outbound-api" {
		t.Errorf("answer = %v", a.body)
	}
	rec, ok := mem.Get(callSID)
	if !ok {
		t.Fatal("call not recorded")
	}
	if rec.Channel != outbox.ChannelVoice || rec.Text != "Заказ <5> & подарок\nПовтор" || rec.Raw != twiml {
		t.Errorf("record = %+v", rec)
	}
}

func TestSpokenText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		twiml   string
		want    string
		wantErr bool
	}{
		{"one say", `<Response><Say language="ru-RU">Привет</Say></Response>`, "Привет", false},
		{"entities decoded", `<Response><Say>&lt;a&gt; &amp; &#34;b&#34;</Say></Response>`, `<a> & "b"`, false},
		{"xml declaration and pause", `<?xml version="1.0" encoding="UTF-8"?><Response><Say>a</Say><Pause/><Say>b</Say></Response>`, "a\nb", false},
		{"no say", `<Response><Pause length="1"/></Response>`, "", false},
		{"wrong root", `<Say>a</Say>`, "", true},
		{"not xml", `hello`, "", true},
		{"unclosed", `<Response><Say>a</Response>`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := twiliosandbox.SpokenText(tc.twiml)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("SpokenText = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestSignatureMatchesTwilioValidator(t *testing.T) {
	t.Parallel()
	params := map[string]string{"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+79123456789"}
	u := "https://app.example/twilio/status?n=1"
	sig := twiliosandbox.Signature(token, u, params)
	v := client.NewRequestValidator(token)
	if !v.Validate(u, params, sig) {
		t.Error("twilio-go rejects the signature")
	}
	if v.Validate(u, params, twiliosandbox.Signature("other", u, params)) {
		t.Error("a signature with another token validates")
	}
}

// callbackReceiver is the app's status endpoint in these tests.
type callbackReceiver struct {
	srv *httptest.Server
	got chan url.Values
}

func newReceiver(t *testing.T) *callbackReceiver {
	t.Helper()
	rc := &callbackReceiver{got: make(chan url.Values, 4)}
	v := client.NewRequestValidator(token)
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		if !v.Validate(rc.srv.URL+r.URL.RequestURI(), params, r.Header.Get("X-Twilio-Signature")) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		rc.got <- r.PostForm
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *callbackReceiver) wait(t *testing.T) url.Values {
	t.Helper()
	select {
	case v := <-rc.got:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no status callback")
		return nil
	}
}

func TestSandboxStatusCallbacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		form       url.Values
		sidKey     string
		statusKey  string
		wantStatus string
		wantError  string
	}{
		{"sms delivered", messagesPath,
			url.Values{"To": {"+79123456789"}, "From": {"+15005550006"}, "Body": {"Hi"}},
			"MessageSid", "MessageStatus", outbox.StatusDelivered, ""},
		{"sms undelivered", messagesPath,
			url.Values{"To": {twiliosandbox.MagicUndeliverable}, "From": {"+15005550006"}, "Body": {"Hi"}},
			"MessageSid", "MessageStatus", outbox.StatusUndelivered, "30003"},
		{"call completed", callsPath,
			url.Values{"To": {"+79123456789"}, "From": {"+15005550006"}, "Twiml": {"<Response><Say>a</Say></Response>"}},
			"CallSid", "CallStatus", outbox.StatusCompleted, ""},
		{"call not answered", callsPath,
			url.Values{"To": {twiliosandbox.MagicUndeliverable}, "From": {"+15005550006"}, "Twiml": {"<Response><Say>a</Say></Response>"}},
			"CallSid", "CallStatus", outbox.StatusNoAnswer, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t)
			mem := &outbox.Memory{}
			h := twiliosandbox.New(twiliosandbox.Config{AccountSID: sid, AuthToken: token, Recorder: mem,
				StatusCallbacks: true, HTTPClient: rc.srv.Client()})
			srv := httptest.NewServer(h)
			defer srv.Close()
			tc.form.Set("StatusCallback", rc.srv.URL+"/twilio/status?shop=7")
			a := post(t, srv, "POST", strings.TrimPrefix(tc.path, "/sandbox/twilio"), sid, token, tc.form)
			if a.status != http.StatusCreated {
				t.Fatalf("status %d: %v", a.status, a.body)
			}
			got := rc.wait(t)
			h.Close() // waits for the record update
			if got.Get(tc.sidKey) != a.body["sid"] || got.Get(tc.statusKey) != tc.wantStatus ||
				got.Get("AccountSid") != sid || got.Get("To") != tc.form.Get("To") ||
				got.Get("ErrorCode") != tc.wantError {
				t.Errorf("callback = %v", got)
			}
			rec, _ := mem.Get(a.body["sid"].(string))
			if rec.Status != tc.wantStatus || mem.Len() != 1 {
				t.Errorf("record = %+v (of %d), want status %s", rec, mem.Len(), tc.wantStatus)
			}
		})
	}
}

func TestSandboxCloseCancelsPendingCallbacks(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	mem := &outbox.Memory{}
	h := twiliosandbox.New(twiliosandbox.Config{AccountSID: sid, AuthToken: token, Recorder: mem,
		StatusCallbacks: true, CallbackDelay: time.Hour, HTTPClient: rc.srv.Client()})
	srv := httptest.NewServer(h)
	defer srv.Close()
	a := post(t, srv, "POST", "/2010-04-01/Accounts/"+sid+"/Messages.json", sid, token, url.Values{
		"To": {"+79123456789"}, "From": {"+15005550006"}, "Body": {"Hi"}, "StatusCallback": {rc.srv.URL},
	})
	if a.status != http.StatusCreated {
		t.Fatalf("status %d", a.status)
	}
	done := make(chan struct{})
	go func() { h.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	select {
	case v := <-rc.got:
		t.Errorf("callback after Close: %v", v)
	default:
	}
	if rec := mem.List(); len(rec) != 1 || rec[0].Status != outbox.StatusQueued {
		t.Errorf("records = %+v", rec)
	}
}

func TestSandboxNoCallbackWhenDisabled(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	srv, _ := newSandbox(t, twiliosandbox.Config{})
	a := post(t, srv, "POST", messagesPath, sid, token, url.Values{
		"To": {"+79123456789"}, "From": {"+15005550006"}, "Body": {"Hi"}, "StatusCallback": {rc.srv.URL},
	})
	if a.status != http.StatusCreated {
		t.Fatalf("status %d", a.status)
	}
	select {
	case v := <-rc.got:
		t.Errorf("callback while disabled: %v", v)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestSandboxMountedInFiber(t *testing.T) {
	t.Parallel()
	mem := &outbox.Memory{}
	h := twiliosandbox.New(twiliosandbox.Config{AccountSID: sid, AuthToken: token, Recorder: mem})
	defer h.Close()
	app := fiber.New()
	app.All("/sandbox/twilio/*", adaptor.HTTPHandler(h))
	form := url.Values{"To": {"+79123456789"}, "From": {"+15005550006"}, "Body": {"Привет"}}
	req := httptest.NewRequest("POST", messagesPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sid, token)
	resp, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if l := mem.List(); len(l) != 1 || l[0].Text != "Привет" {
		t.Errorf("records = %+v", l)
	}
}
