package notify_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"net"
	"net/http/httptest"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"parceltrack/notify"
	"parceltrack/sandbox/outbox"
	"parceltrack/sandbox/smtpsink"
)

func startSink(t *testing.T) (*smtpsink.Sink, *outbox.Memory) {
	t.Helper()
	mem := &outbox.Memory{}
	s, err := smtpsink.Start(context.Background(), "127.0.0.1:0", mem)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, mem
}

func newEmail(t *testing.T, cfg notify.SMTPConfig) *notify.Email {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "shop@example.com"
	}
	e, err := notify.NewEmail(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEmailMIME(t *testing.T) {
	t.Parallel()
	s, mem := startSink(t)
	e := newEmail(t, notify.SMTPConfig{Host: s.Host(), Port: s.Port(), TLS: notify.SMTPTLSNone,
		From: "shop@example.com", FromName: "Магазин «Ромашка»", Timeout: 5 * time.Second})
	msg := notify.Message{
		Channel: notify.KindEmail,
		To:      "Покупатель <buyer@example.com>",
		Subject: "Ваш заказ №1234 ждёт в отделении",
		Text:    "Здравствуйте! Заберите посылку до 15.06.",
		HTML:    "<p>Здравствуйте! Заберите посылку <b>до 15.06</b>.</p>",
		Key:     "parcel:6650a1:arrived:email:0",
	}
	res, err := e.Send(context.Background(), msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Status != "sent" || res.Segments != 0 || !strings.HasSuffix(res.ProviderID, "@example.com") {
		t.Errorf("Result = %+v", res)
	}

	list := mem.List()
	if len(list) != 1 {
		t.Fatalf("sink has %d messages", len(list))
	}
	rec := list[0]
	if rec.ID != res.ProviderID || rec.To != "buyer@example.com" || rec.Subject != msg.Subject ||
		rec.Text != msg.Text || rec.HTML != msg.HTML || rec.From != "Магазин «Ромашка» <shop@example.com>" {
		t.Errorf("recorded %+v", rec)
	}

	// The wire format itself.
	m, err := mail.ReadMessage(strings.NewReader(rec.Raw))
	if err != nil {
		t.Fatal(err)
	}
	rawSubject := m.Header.Get("Subject")
	if !strings.HasPrefix(rawSubject, "=?UTF-8?") {
		t.Errorf("Subject not RFC 2047 encoded: %q", rawSubject)
	}
	if got, err := new(mime.WordDecoder).DecodeHeader(rawSubject); err != nil || got != msg.Subject {
		t.Errorf("Subject decodes to %q, %v", got, err)
	}
	if rawFrom := m.Header.Get("From"); !strings.Contains(rawFrom, "=?") || strings.Contains(rawFrom, "Магазин") {
		t.Errorf("From name not encoded: %q", rawFrom)
	}
	if got := m.Header.Get("Message-Id"); got != "<"+res.ProviderID+">" {
		t.Errorf("Message-ID = %q, want <%s>", got, res.ProviderID)
	}
	if m.Header.Get("Date") == "" || m.Header.Get("Mime-Version") != "1.0" ||
		m.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers: %v", m.Header)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if !strings.EqualFold(pp["charset"], "utf-8") {
			t.Errorf("%s charset = %q", pt, pp["charset"])
		}
		parts = append(parts, pt)
	}
	if strings.Join(parts, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want text/plain then text/html", parts)
	}

	// A retry of the same key carries the same Message-ID; another key does not.
	res2, err := e.Send(context.Background(), msg)
	if err != nil || res2.ProviderID != res.ProviderID {
		t.Errorf("retry ProviderID = %q, %v; want %q", res2.ProviderID, err, res.ProviderID)
	}
	msg.Key = "parcel:6650a1:reminder:email:1"
	res3, err := e.Send(context.Background(), msg)
	if err != nil || res3.ProviderID == res.ProviderID {
		t.Errorf("other key ProviderID = %q, %v", res3.ProviderID, err)
	}
}

func TestEmailSinglePart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		text     string
		html     string
		wantType string
	}{
		{"text only", "Просто текст", "", "text/plain"},
		{"html only", "", "<p>Только HTML</p>", "text/html"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, mem := startSink(t)
			e := newEmail(t, notify.SMTPConfig{Host: s.Host(), Port: s.Port(), TLS: notify.SMTPTLSNone})
			if _, err := e.Send(context.Background(), notify.Message{To: "buyer@example.com",
				Subject: "Тема", Text: tc.text, HTML: tc.html}); err != nil {
				t.Fatal(err)
			}
			rec := mem.List()[0]
			parsed, err := smtpsink.Parse([]byte(rec.Raw))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(parsed.Parts, ",") != tc.wantType || parsed.Text != tc.text || parsed.HTML != tc.html {
				t.Errorf("parsed = %+v", parsed)
			}
		})
	}
}

func TestEmailAuthToLocalhost(t *testing.T) {
	t.Parallel()
	s, mem := startSink(t)
	e := newEmail(t, notify.SMTPConfig{Host: s.Host(), Port: s.Port(), TLS: notify.SMTPTLSNone,
		Username: "user", Password: "pass"})
	if _, err := e.Send(context.Background(), notify.Message{To: "buyer@example.com", Subject: "s", Text: "t"}); err != nil {
		t.Fatalf("Send with auth: %v", err)
	}
	if mem.Len() != 1 {
		t.Errorf("sink has %d", mem.Len())
	}
}

// TestEmailImplicitTLS runs a TLS-only SMTP server (port 465 style) with the
// httptest certificate and authenticates over it.
func TestEmailImplicitTLS(t *testing.T) {
	t.Parallel()
	// Cleanups, not defers: the parallel subtests run after this function
	// returns.
	ts := httptest.NewTLSServer(nil)
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())

	got := make(chan string, 1)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &tlsSession{got: got}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", ts.TLS)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	port := ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name    string
		roots   *x509.CertPool
		wantErr bool
	}{
		{"trusted certificate", pool, false},
		{"unknown certificate is a config error", x509.NewCertPool(), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmail(t, notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: notify.SMTPImplicitTLS,
				Username: "user", Password: "secret", TLSConfig: &tls.Config{RootCAs: tc.roots}})
			_, err := e.Send(context.Background(), notify.Message{To: "buyer@example.com", Subject: "s", Text: "t"})
			if tc.wantErr {
				if !notify.IsConfig(err) || notify.IsPermanent(err) {
					t.Errorf("err = %v, want temporary config", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if auth := <-got; auth != "user:secret" {
				t.Errorf("auth = %q", auth)
			}
		})
	}
}

type tlsSession struct {
	got  chan string
	auth string
}

func (s *tlsSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *tlsSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		s.auth = user + ":" + pass
		return nil
	}), nil
}
func (s *tlsSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *tlsSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *tlsSession) Data(r io.Reader) error {
	_, _ = io.Copy(io.Discard, r)
	s.got <- s.auth
	return nil
}
func (s *tlsSession) Reset()        {}
func (s *tlsSession) Logout() error { return nil }

func TestEmailErrorMapping(t *testing.T) {
	t.Parallel()
	s, _ := startSink(t)
	closedPort := func() int {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		return p
	}()
	type want struct {
		permanent, config bool
		code              string
	}
	tests := []struct {
		name   string
		cfg    notify.SMTPConfig
		to     string
		cancel bool
		want   want
	}{
		{"unknown mailbox 550 is permanent", notify.SMTPConfig{Port: s.Port(), TLS: notify.SMTPTLSNone},
			"bounce@example.com", false, want{permanent: true, code: "smtp_550"}},
		{"451 is temporary", notify.SMTPConfig{Port: s.Port(), TLS: notify.SMTPTLSNone},
			"tempfail@example.com", false, want{code: "smtp_451"}},
		{"not an address is permanent", notify.SMTPConfig{Port: s.Port(), TLS: notify.SMTPTLSNone},
			"buyer at example.com", false, want{permanent: true, code: notify.CodeInvalidRecipient}},
		{"connection refused is temporary", notify.SMTPConfig{Port: closedPort, TLS: notify.SMTPTLSNone},
			"buyer@example.com", false, want{code: notify.CodeNetwork}},
		{"starttls required but not offered is config", notify.SMTPConfig{Port: s.Port(), TLS: notify.SMTPStartTLS},
			"buyer@example.com", false, want{config: true, code: notify.CodeConfig}},
		{"cancelled context", notify.SMTPConfig{Port: s.Port(), TLS: notify.SMTPTLSNone},
			"buyer@example.com", true, want{code: notify.CodeCanceled}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.Host = "127.0.0.1"
			cfg.Timeout = 5 * time.Second
			e := newEmail(t, cfg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			_, err := e.Send(ctx, notify.Message{To: tc.to, Subject: "Тема", Text: "Текст"})
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *SendError", err, err)
			}
			got := want{permanent: se.Permanent, config: se.Config, code: se.Code}
			if strings.Contains(err.Error(), tc.to) && strings.Contains(tc.to, "@") {
				t.Errorf("error text quotes the full address: %v", err)
			}
			if got != tc.want || se.Channel != notify.KindEmail {
				t.Errorf("SendError = %+v, want %+v (%v)", got, tc.want, err)
			}
		})
	}
}

// TestEmailContextEndsSession: a server that greets and then stalls must not
// hold Send beyond the caller's deadline.
func TestEmailContextEndsSession(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.WriteString(c, "220 stall ESMTP\r\n")
				buf := make([]byte, 512)
				_, _ = c.Read(buf) // EHLO, never answered
				time.Sleep(3 * time.Second)
			}()
		}
	}()
	e := newEmail(t, notify.SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port,
		TLS: notify.SMTPTLSNone, Timeout: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = e.Send(ctx, notify.Message{To: "buyer@example.com", Subject: "s", Text: "t"})
	if time.Since(start) > 2*time.Second {
		t.Errorf("Send took %v after a 200ms deadline", time.Since(start))
	}
	if !notify.IsTemporary(err) || err.(*notify.SendError).Code != notify.CodeTimeout {
		t.Errorf("err = %v, want temporary %s", err, notify.CodeTimeout)
	}
}

func TestNewEmailRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  notify.SMTPConfig
	}{
		{"no host", notify.SMTPConfig{From: "a@example.com"}},
		{"bad from", notify.SMTPConfig{Host: "smtp.example.com", From: "not an address"}},
		{"unknown tls mode", notify.SMTPConfig{Host: "smtp.example.com", From: "a@example.com", TLS: "ssl"}},
		{"port out of range", notify.SMTPConfig{Host: "smtp.example.com", From: "a@example.com", Port: 70000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := notify.NewEmail(tc.cfg); err == nil {
				t.Error("NewEmail accepted the config")
			}
		})
	}
}
