package smtpsink_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"parceltrack/sandbox/outbox"
	"parceltrack/sandbox/smtpsink"
)

// russianMail is a multipart/alternative message as a mail client writes it:
// base64 UTF-8 bodies, RFC 2047 subject and sender name.
const russianMail = "From: =?UTF-8?B?0JzQsNCz0LDQt9C40L0=?= <shop@example.com>\r\n" +
	"To: buyer@example.com\r\n" +
	"Subject: =?UTF-8?B?0JfQsNC60LDQtyDQv9GA0LjQsdGL0Ls=?=\r\n" +
	"Message-ID: <abc123@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n" +
	"\r\n" +
	"--b1\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"0JfQsNCx0LXR\r\ngNC40YLQtQ==\r\n" +
	"--b1\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"<p>=D0=97=D0=B0=D0=B1=D0=B5=D1=80=D0=B8=D1=82=D0=B5</p>\r\n" +
	"--b1--\r\n"

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

func send(addr string, auth sasl.Client, to []string, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.Mail("shop@example.com", nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(body)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func TestSinkRecords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth sasl.Client
	}{
		{"without auth", nil},
		{"any password is accepted", sasl.NewPlainClient("", "user", "whatever")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, mem := startSink(t)
			if err := send(s.Addr(), tc.auth, []string{"buyer@example.com"}, russianMail); err != nil {
				t.Fatalf("send: %v", err)
			}
			list := mem.List()
			if len(list) != 1 {
				t.Fatalf("records = %d", len(list))
			}
			r := list[0]
			want := outbox.Record{ID: "abc123@example.com", Channel: outbox.ChannelEmail, To: "buyer@example.com",
				From: "Магазин <shop@example.com>", Subject: "Заказ прибыл", Text: "Заберите",
				HTML: "<p>Заберите</p>", Status: outbox.StatusReceived}
			got := r
			got.CreatedAt, got.Raw = time.Time{}, ""
			if got != want {
				t.Errorf("record =\n%+v\nwant\n%+v", got, want)
			}
			if r.CreatedAt.IsZero() || !strings.Contains(r.Raw, "Content-Type: multipart/alternative") {
				t.Errorf("created_at %v, raw %q", r.CreatedAt, r.Raw)
			}
		})
	}
}

func TestSinkMagicRecipients(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		to   string
		code int
	}{
		{"bounce is permanent", "bounce@example.com", 550},
		{"tempfail is temporary", "TempFail@example.com", 451},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, mem := startSink(t)
			err := send(s.Addr(), nil, []string{tc.to}, russianMail)
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tc.code {
				t.Fatalf("err = %v, want SMTP %d", err, tc.code)
			}
			if mem.Len() != 0 {
				t.Errorf("recorded %d", mem.Len())
			}
		})
	}
}

func TestSinkCloseAndContext(t *testing.T) {
	t.Parallel()
	mem := &outbox.Memory{}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := smtpsink.Start(ctx, "127.0.0.1:0", mem)
	if err != nil {
		t.Fatal(err)
	}
	if s.Host() != "127.0.0.1" || s.Port() == 0 || !strings.HasSuffix(s.Addr(), ":"+itoa(s.Port())) {
		t.Errorf("Addr %q Host %q Port %d", s.Addr(), s.Host(), s.Port())
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err != nil {
			break
		}
		_ = c.Close()
		if time.Now().After(deadline) {
			t.Fatal("sink still listening after ctx was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after ctx: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartRefusesNilRecorder(t *testing.T) {
	t.Parallel()
	if _, err := smtpsink.Start(context.Background(), "127.0.0.1:0", nil); err == nil {
		t.Error("Start accepted a nil recorder")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		raw     string
		want    smtpsink.Message
		wantErr bool
	}{
		{"multipart alternative", russianMail, smtpsink.Message{MessageID: "abc123@example.com",
			From: "Магазин <shop@example.com>", Subject: "Заказ прибыл", Text: "Заберите", HTML: "<p>Заберите</p>",
			Parts: []string{"multipart/alternative", "text/plain", "text/html"}}, false},
		{"bare ascii text without content type",
			"From: a@example.com\r\nSubject: Hello\r\n\r\nbody\r\n",
			smtpsink.Message{From: "a@example.com", Subject: "Hello", Text: "body\r\n", Parts: []string{"text/plain"}}, false},
		{"q-encoded subject and qp body",
			"Subject: =?utf-8?q?=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82?=\r\nContent-Type: text/plain; charset=utf-8\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n\r\n=D0=94=D0=B0\r\n",
			smtpsink.Message{Subject: "Привет", Text: "Да\r\n", Parts: []string{"text/plain"}}, false},
		{"html only",
			"Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<b>x</b>",
			smtpsink.Message{Subject: "x", HTML: "<b>x</b>", Parts: []string{"text/html"}}, false},
		{"mixed with nested alternative and attachment",
			"Subject: x\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n" +
				"--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n" +
				"--a\r\nContent-Type: text/plain\r\n\r\nplain\r\n--a\r\nContent-Type: text/html\r\n\r\n<i>h</i>\r\n--a--\r\n" +
				"--m\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--m--\r\n",
			smtpsink.Message{Subject: "x", Text: "plain", HTML: "<i>h</i>",
				Parts: []string{"multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf"}}, false},
		{"no header separator", "garbage", smtpsink.Message{}, true},
		{"broken content type", "Content-Type: ;;;\r\n\r\nx", smtpsink.Message{}, true},
		{"unterminated multipart", "Content-Type: multipart/alternative; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nx",
			smtpsink.Message{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := smtpsink.Parse([]byte(tc.raw))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if got.MessageID != tc.want.MessageID || got.From != tc.want.From || got.Subject != tc.want.Subject ||
				got.Text != tc.want.Text || got.HTML != tc.want.HTML || strings.Join(got.Parts, ",") != strings.Join(tc.want.Parts, ",") {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}
