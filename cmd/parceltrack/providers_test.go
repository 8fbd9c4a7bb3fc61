package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/sandbox/outbox"
	"parceltrack/sandbox/smtpsink"
	twiliosandbox "parceltrack/sandbox/twilio"
	"parceltrack/shopapp"
)

// The account the Twilio stand-in plays in these tests, as an operator would
// configure a real one.
const (
	providerTestSID   = "AC5f1c0e7d9a2b4c6d8e0f1a2b3c4d5e6f"
	providerTestToken = "c0ffee0123456789abcdef0123456789"
	providerTestFrom  = "+79001234567"
)

// TestMessagesGoToTheConfiguredProviders builds the services of a web process
// the way serve does, with Twilio and SMTP each either configured — pointing
// at a Twilio API stand-in and an SMTP server outside the process — or left
// to the built-in sandbox, sends an SMS and an e-mail through the channels,
// and checks where they arrived, from whom, and that Twilio's signed
// delivery report came back to BASE_URL and was accepted.
func TestMessagesGoToTheConfiguredProviders(t *testing.T) {
	ctx := context.Background()
	// "Real" Twilio: the stand-in's handler on its own server, holding the
	// configured account, posting delivery reports signed with its token.
	twilioSeen := &outbox.Memory{}
	twilio := twiliosandbox.New(twiliosandbox.Config{AccountSID: providerTestSID, AuthToken: providerTestToken,
		Recorder: twilioSeen, StatusCallbacks: true})
	twilioSrv := httptest.NewServer(twilio)
	defer twilioSrv.Close()
	defer twilio.Close()
	// "Real" SMTP: an SMTP server on its own port.
	mailSeen := &outbox.Memory{}
	relay, err := smtpsink.Start(ctx, "127.0.0.1:0", mailSeen)
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()

	twilioEnv := map[string]string{"TWILIO_ACCOUNT_SID": providerTestSID, "TWILIO_AUTH_TOKEN": providerTestToken,
		"TWILIO_FROM": providerTestFrom, "TWILIO_API_URL": twilioSrv.URL}
	smtpEnv := map[string]string{"SMTP_HOST": relay.Host(), "SMTP_PORT": strconv.Itoa(relay.Port()), "SMTP_TLS": "none",
		"SMTP_USERNAME": "mailer", "SMTP_PASSWORD": "mail-secret", "SMTP_FROM": "noreply@shop.example.ru",
		"SMTP_FROM_NAME": "Магазин Ромашка"}

	tests := []struct {
		name             string
		twilio, smtp     bool
		wantProvidersLog string
	}{
		{"both configured", true, true, "sms=twilio"},
		{"twilio configured, e-mail sandbox", true, false, "email=sandbox"},
		{"sms sandbox, smtp configured", false, true, "email=smtp"},
		{"neither configured", false, false, "sms=sandbox email=sandbox"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{}
			if tc.twilio {
				for k, v := range twilioEnv {
					vars[k] = v
				}
			}
			if tc.smtp {
				for k, v := range smtpEnv {
					vars[k] = v
				}
			}
			p := startProviderProcess(t, vars)
			to := "+7912345678" + strconv.Itoa(i)

			sms, err := p.svc.sms.Send(ctx, notify.Message{Channel: notify.KindSMS, To: to, Text: "Код: 123456",
				StatusCallback: p.svc.twilioStatusURL})
			if err != nil {
				t.Fatalf("send sms: %v", err)
			}
			rec, inSandbox := p.sandboxRecord(t, sms.ProviderID)
			if tc.twilio {
				got, ok := twilioSeen.Get(sms.ProviderID)
				if !ok || inSandbox || got.From != providerTestFrom || got.To != to || got.Text != "Код: 123456" {
					t.Fatalf("sms %s did not reach the configured Twilio from %s: %+v (in sandbox: %v)",
						sms.ProviderID, providerTestFrom, got, inSandbox)
				}
				if p.svc.twilioStatusURL != p.base+"/notify/twilio/status" || p.svc.twilioToken != providerTestToken {
					t.Fatalf("delivery reports checked at %s with another token", p.svc.twilioStatusURL)
				}
			} else if !inSandbox || rec.From != "parceltrack" {
				t.Fatalf("sms %s not in the sandbox outbox: %+v", sms.ProviderID, rec)
			}
			// The delivery report: posted to the callback URL, signed with
			// the account's token, verified and stored by the app.
			p.waitStatus(t, sms.ProviderID, "delivered")

			mail, err := p.svc.email.Send(ctx, notify.Message{Channel: notify.KindEmail, To: "buyer@example.ru",
				Subject: "Посылка прибыла", Text: "Заберите посылку", Key: "test-" + strconv.Itoa(i)})
			if err != nil {
				t.Fatalf("send e-mail: %v", err)
			}
			rec, inSandbox = p.sandboxRecord(t, mail.ProviderID)
			if tc.smtp {
				got, ok := mailSeen.Get(mail.ProviderID)
				if !ok || inSandbox || got.From != "Магазин Ромашка <noreply@shop.example.ru>" || got.Subject != "Посылка прибыла" {
					t.Fatalf("e-mail %s did not reach the configured SMTP server: %+v (in sandbox: %v)", mail.ProviderID, got, inSandbox)
				}
			} else if !inSandbox || rec.From != "parceltrack <noreply@parceltrack.local>" {
				t.Fatalf("e-mail %s not in the sandbox outbox: %+v", mail.ProviderID, rec)
			}

			// The Twilio stand-in of this process exists only in sandbox mode.
			if got := p.post(t, "/sandbox/twilio/2010-04-01/Accounts/"+providerTestSID+"/Messages.json"); (got == http.StatusNotFound) != tc.twilio {
				t.Fatalf("POST /sandbox/twilio: %d", got)
			}
			p.stop(t)
			log := p.log.String()
			if !strings.Contains(log, "message providers") || !strings.Contains(log, tc.wantProvidersLog) {
				t.Fatalf("no start-up line saying %q:\n%s", tc.wantProvidersLog, log)
			}
			for _, secret := range []string{providerTestToken, "mail-secret", providerTestFrom} {
				if strings.Contains(log, secret) {
					t.Fatalf("the log shows %q:\n%s", secret, log)
				}
			}
		})
	}
}

// A delivery report is accepted only when signed with the configured token
// for the public callback URL: one signed with any other token is refused.
func TestTwilioDeliveryReportsNeedTheConfiguredToken(t *testing.T) {
	p := startProviderProcess(t, map[string]string{"TWILIO_ACCOUNT_SID": providerTestSID,
		"TWILIO_AUTH_TOKEN": providerTestToken, "TWILIO_FROM": providerTestFrom, "TWILIO_API_URL": "http://127.0.0.1:1"})
	defer p.stop(t)
	tests := []struct {
		name, token, url string
		want             int
	}{
		{"configured token", providerTestToken, p.base + "/notify/twilio/status", http.StatusNoContent},
		{"another token", "0000000000abcdef0123456789abcdef", p.base + "/notify/twilio/status", http.StatusForbidden},
		{"signed for another url", providerTestToken, "http://other.example/notify/twilio/status", http.StatusForbidden},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params := map[string]string{"MessageSid": "SM0000000000000000000000000000000" + strconv.Itoa(i), "MessageStatus": "delivered"}
			form := url.Values{}
			for k, v := range params {
				form.Set(k, v)
			}
			req, _ := http.NewRequest(http.MethodPost, p.base+"/notify/twilio/status", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", twiliosandbox.Signature(tc.token, tc.url, params))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// providerProcess is a web process's services and web server, built as
// serve builds them, with the log kept for inspection.
type providerProcess struct {
	base string
	e    *env
	svc  *services
	web  *webServer
	log  *syncBuffer
	done chan error
}

// startProviderProcess configures the process from vars (on top of a fresh
// embedded database and the sandbox carrier) with BASE_URL pointing at its
// own listener, so Twilio's delivery reports can reach it.
func startProviderProcess(t *testing.T, vars map[string]string) *providerProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	for _, k := range []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_API_URL",
		"SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_FROM_NAME", "SMTP_TLS"} {
		t.Setenv(k, "")
	}
	for k, v := range map[string]string{"HTTP_ADDR": ln.Addr().String(), "BASE_URL": base, "DATA_DIR": t.TempDir(),
		"MONGODB_URI": "", "RUSSIANPOST_LOGIN": "", "INSALES_APP_ID": "", "LOG_LEVEL": "info"} {
		t.Setenv(k, v)
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	e, err := openEnv(ctx)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	p := &providerProcess{base: base, e: e, log: &syncBuffer{}, done: make(chan error, 1)}
	e.log = newLogger(e.cfg, p.log)
	if err := prepareSchema(ctx, e, roleAll); err != nil {
		e.close()
		ln.Close()
		t.Fatal(err)
	}
	if p.svc, err = buildServices(ctx, e, base); err != nil {
		e.close()
		ln.Close()
		t.Fatal(err)
	}
	if p.web, err = newWebServer(e, p.svc); err != nil {
		p.svc.close()
		e.close()
		ln.Close()
		t.Fatal(err)
	}
	go func() { p.done <- p.web.serve(ln) }()
	return p
}

func (p *providerProcess) stop(t *testing.T) {
	t.Helper()
	if p.web == nil {
		return
	}
	if err := p.web.shutdown(5 * time.Second); err != nil {
		t.Error(err)
	}
	<-p.done
	p.web = nil
	p.svc.close()
	p.e.close()
}

// sandboxRecord looks id up in this process's sandbox outbox.
func (p *providerProcess) sandboxRecord(t *testing.T, id string) (outbox.Record, bool) {
	t.Helper()
	list, err := outbox.NewMongo(p.e.db.Database()).List(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.ID == id {
			return r, true
		}
	}
	return outbox.Record{}, false
}

// waitStatus waits until the app has recorded status for a message.
func (p *providerProcess) waitStatus(t *testing.T, id, status string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := p.e.db.MessageStatuses().Get(context.Background(), id)
		if err == nil && st.Status == status {
			return
		}
		if err != nil && !errors.Is(err, shopapp.ErrNotFound) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q delivery report recorded for %s within 10 s (last: %+v, %v)", status, id, st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *providerProcess) post(t *testing.T, path string) int {
	t.Helper()
	resp, err := http.Post(p.base+path, "application/x-www-form-urlencoded", strings.NewReader("To=%2B79123456789"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
