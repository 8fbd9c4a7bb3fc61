// Package smtpsink is a local stand-in for an SMTP relay: a real SMTP server
// (github.com/emersion/go-smtp) on a loopback address that accepts every
// message, with any authentication or none, parses the MIME into subject,
// plain text and HTML, and records it in an outbox.Recorder.
//
// Magic recipients make failures reproducible: a local part "bounce"
// (bounce@example.com) is refused at RCPT with 550 5.1.1 (permanent), a local
// part "tempfail" with 451 4.3.0 (temporary).
package smtpsink

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"parceltrack/sandbox/outbox"
)

// MaxMessageBytes is the largest message the sink accepts.
const MaxMessageBytes = 10 << 20

// maxRawBytes caps the MIME source kept in a record.
const maxRawBytes = 256 << 10

// Sink is a running SMTP stand-in.
type Sink struct {
	srv  *smtp.Server
	ln   net.Listener
	rec  outbox.Recorder
	now  func() time.Time
	done chan struct{}
	stop func() bool

	closeOnce sync.Once
	closeErr  error
}

// Start listens on addr (use "127.0.0.1:0" for a free port) and serves until
// Close is called or ctx ends. rec receives every accepted message.
func Start(ctx context.Context, addr string, rec outbox.Recorder) (*Sink, error) {
	if rec == nil {
		return nil, errors.New("smtpsink: start: nil recorder")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtpsink: listen %s: %w", addr, err)
	}
	s := &Sink{
		ln:   ln,
		rec:  rec,
		now:  time.Now,
		done: make(chan struct{}),
	}
	srv := smtp.NewServer(&backend{sink: s})
	srv.Domain = "sandbox.localhost"
	srv.MaxMessageBytes = MaxMessageBytes
	srv.MaxRecipients = 50
	srv.AllowInsecureAuth = true // loopback only; credentials are never checked
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // a client hanging up is not news
	s.srv = srv

	go func() {
		defer close(s.done)
		_ = srv.Serve(ln) // returns nil after Close
	}()
	s.stop = context.AfterFunc(ctx, func() { _ = s.Close() })
	return s, nil
}

// Addr is the address the sink listens on, e.g. "127.0.0.1:40123".
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Host and Port split Addr for SMTP client configuration.
func (s *Sink) Host() string {
	h, _, _ := net.SplitHostPort(s.Addr())
	return h
}

// Port is the port the sink listens on.
func (s *Sink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops listening, drops open connections and waits for the server
// loop to end. It is safe to call more than once.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		s.closeErr = s.srv.Close()
		// srv.Close closes only the listeners Serve has registered: a Close
		// that comes first (a context cancelled right after Start) would
		// leave ln open and Serve accepting forever, and block here.
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) && s.closeErr == nil {
			s.closeErr = err
		}
		<-s.done
	})
	return s.closeErr
}

type backend struct{ sink *Sink }

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{sink: b.sink}, nil
}

// session collects one SMTP transaction.
type session struct {
	sink *Sink
	from string
	to   []string
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.AuthSession = (*session)(nil)
)

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth accepts any user name and password: the sink is a stand-in, and the
// app's credentials must not be stored anywhere.
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(string, string, string) error { return nil }), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	local, _, _ := strings.Cut(strings.ToLower(to), "@")
	switch local {
	case "bounce":
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "No such user here"}
	case "tempfail":
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Temporary failure, try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // go-smtp answers 552 for an oversized message
	}
	msg, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: "Cannot parse message: " + err.Error()}
	}
	id := msg.MessageID
	if id == "" {
		var b [12]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
		id = "sink-" + hex.EncodeToString(b[:])
	}
	from := msg.From
	if from == "" {
		from = s.from
	}
	rawText := string(raw)
	if len(rawText) > maxRawBytes {
		rawText = rawText[:maxRawBytes]
	}
	rec := outbox.Record{
		ID:        id,
		Channel:   outbox.ChannelEmail,
		To:        strings.Join(s.to, ", "),
		From:      from,
		Subject:   msg.Subject,
		Text:      msg.Text,
		HTML:      msg.HTML,
		Status:    outbox.StatusReceived,
		CreatedAt: s.sink.now(),
		Raw:       rawText,
	}
	// The SMTP connection has no context of its own; bound the store call.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.sink.rec.Record(ctx, rec); err != nil {
		// The client sees a temporary failure and retries; its own log
		// carries the error.
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message: "Cannot store message, try again later"}
	}
	return nil
}

func (s *session) Reset() {
	s.from = ""
	s.to = nil
}

func (s *session) Logout() error { return nil }
