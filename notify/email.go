package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPTLSMode says how the SMTP connection is encrypted.
type SMTPTLSMode string

// TLS modes for SMTPConfig.TLS.
const (
	// SMTPTLSNone sends in clear text (a local relay, the sandbox sink).
	// Password authentication is then allowed only to localhost.
	SMTPTLSNone SMTPTLSMode = "none"
	// SMTPStartTLS upgrades the connection with STARTTLS and fails if the
	// server does not offer it (port 587).
	SMTPStartTLS SMTPTLSMode = "starttls"
	// SMTPImplicitTLS connects over TLS from the first byte (port 465).
	SMTPImplicitTLS SMTPTLSMode = "tls"
)

// DefaultSMTPTimeout bounds each SMTP network operation when
// SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig configures the e-mail channel.
type SMTPConfig struct {
	Host string
	// Port is the server port; zero means 25, 587 or 465 by TLS mode.
	Port     int
	Username string // empty: no authentication
	Password string
	// From is the sender address; FromName its display name (may be Russian).
	From     string
	FromName string
	// TLS is the encryption mode; empty means SMTPStartTLS.
	TLS SMTPTLSMode
	// TLSConfig overrides the TLS settings (custom CA); nil verifies Host
	// against the system roots.
	TLSConfig *tls.Config
	// Timeout bounds dialling and each SMTP command; zero means
	// DefaultSMTPTimeout. The ctx passed to Send bounds the whole send.
	Timeout time.Duration
}

// Email sends messages over SMTP: a multipart/alternative message with a
// plain-text and an HTML part, UTF-8 throughout, one connection per message.
type Email struct {
	cfg    SMTPConfig
	from   *mail.Address
	domain string // of the sender, for Message-IDs
	helo   string
	tls    *tls.Config
}

var _ Channel = (*Email)(nil)

// NewEmail validates cfg and builds the e-mail channel. It does not connect.
func NewEmail(cfg SMTPConfig) (*Email, error) {
	if cfg.Host == "" {
		return nil, errors.New("notify: smtp: host is required")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp: from address: %w", err)
	}
	from.Name = cfg.FromName
	if cfg.TLS == "" {
		cfg.TLS = SMTPStartTLS
	}
	defaultPort := 0
	switch cfg.TLS {
	case SMTPTLSNone:
		defaultPort = 25
	case SMTPStartTLS:
		defaultPort = 587
	case SMTPImplicitTLS:
		defaultPort = 465
	default:
		return nil, fmt.Errorf("notify: smtp: tls mode %q: want none, starttls or tls", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = defaultPort
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("notify: smtp: port %d out of range", cfg.Port)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	tlsCfg := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsCfg = cfg.TLSConfig.Clone()
		if tlsCfg.ServerName == "" {
			tlsCfg.ServerName = cfg.Host
		}
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	helo, err := os.Hostname()
	if err != nil || helo == "" {
		helo = domain
	}
	return &Email{cfg: cfg, from: from, domain: domain, helo: helo, tls: tlsCfg}, nil
}

// Kind returns KindEmail.
func (e *Email) Kind() ChannelKind { return KindEmail }

// Send delivers m to the SMTP server. Result.ProviderID is the Message-ID
// (without angle brackets); with a Key it is derived from the key, so a retry
// of the same message carries the same Message-ID.
func (e *Email) Send(ctx context.Context, m Message) (Result, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return Result{}, &SendError{Channel: KindEmail, Permanent: true, Code: CodeInvalidRecipient,
			Message: "recipient is not an e-mail address", Err: err}
	}
	if m.Text == "" && m.HTML == "" {
		return Result{}, &SendError{Channel: KindEmail, Permanent: true, Code: CodeEmptyMessage,
			Message: "empty message"}
	}
	if err := ctx.Err(); err != nil {
		return Result{}, transportError(ctx, KindEmail, err)
	}

	msgID := e.messageID(m.Key)
	msg := e.build(m, to, msgID)

	// go-mail uses ctx for dialling only; closing the connection when ctx
	// ends makes the rest of the SMTP session respect it too.
	var stop func() bool
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := e.dial(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
	defer func() {
		if stop != nil {
			stop()
		}
	}()

	c, err := gomail.NewClient(e.cfg.Host, e.clientOptions(dial)...)
	if err != nil {
		return Result{}, &SendError{Channel: KindEmail, Config: true, Code: CodeConfig, Err: err}
	}
	err = c.DialAndSendWithContext(ctx, msg)
	// A failure after the server accepted the data (RSET, QUIT) does not
	// undo the delivery: report success rather than send twice.
	if err != nil && !msg.IsDelivered() {
		return Result{}, e.smtpError(ctx, err, to.Address)
	}
	return Result{ProviderID: msgID, Status: "sent"}, nil
}

func (e *Email) build(m Message, to *mail.Address, msgID string) *gomail.Msg {
	// Base64 keeps Cyrillic bodies and headers about half the size of
	// quoted-printable.
	msg := gomail.NewMsg(gomail.WithEncoding(gomail.EncodingB64), gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(e.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetDateWithValue(time.Now())
	msg.SetMessageIDWithValue(msgID)
	// RFC 3834: tells vacation responders not to answer a notification.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}
	return msg
}

func (e *Email) clientOptions(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(e.cfg.Port),
		gomail.WithTimeout(e.cfg.Timeout),
		gomail.WithHELO(e.helo),
		gomail.WithTLSConfig(e.tls),
		gomail.WithDialContextFunc(dial),
	}
	switch e.cfg.TLS {
	case SMTPTLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case SMTPStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SMTPImplicitTLS:
		// The connection is TLS already (see dial); opportunistic lets
		// go-mail see that and allow password mechanisms.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if e.cfg.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if e.cfg.TLS == SMTPTLSNone {
			// Autodiscovery never picks PLAIN without TLS; go-mail's PLAIN
			// still refuses to send a password in clear to anything but
			// localhost.
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(e.cfg.Username), gomail.WithPassword(e.cfg.Password))
	}
	return opts
}

func (e *Email) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: e.cfg.Timeout}
	if e.cfg.TLS == SMTPImplicitTLS {
		td := &tls.Dialer{NetDialer: d, Config: e.tls}
		return td.DialContext(ctx, network, addr)
	}
	return d.DialContext(ctx, network, addr)
}

// messageID derives a stable Message-ID from the idempotency key (hashed:
// keys may hold characters a Message-ID cannot), or a random one.
func (e *Email) messageID(key string) string {
	var id string
	if key != "" {
		sum := sha256.Sum256([]byte(key))
		id = hex.EncodeToString(sum[:16])
	} else {
		var b [16]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
		id = hex.EncodeToString(b[:])
	}
	return id + ".parceltrack@" + e.domain
}

// smtpError maps a go-mail failure to a SendError. Rejections of the
// recipient or the content with 5xx are permanent; 4xx and network trouble
// are temporary; a server refusing us (authentication, our sender, no TLS)
// is a config problem.
func (e *Email) smtpError(ctx context.Context, err error, to string) *SendError {
	if ctx.Err() != nil {
		return transportError(ctx, KindEmail, err)
	}
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		code := sendErr.ErrorCode()
		se := &SendError{Channel: KindEmail, Code: smtpCode(code), Message: sendErrorText(sendErr, to), Err: err}
		switch sendErr.Reason {
		case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent:
			// 550/553 unknown mailbox, 552/554 content refused.
			se.Permanent = code >= 500
			if code == 0 {
				return transportError(ctx, KindEmail, err)
			}
		case gomail.ErrGetRcpts:
			se.Permanent = true
			se.Code = CodeInvalidRecipient
		case gomail.ErrSMTPMailFrom:
			if code == 0 {
				return transportError(ctx, KindEmail, err)
			}
			// The server refuses our sender: not the buyer's fault.
			se.Config = code >= 500
		case gomail.ErrGetSender, gomail.ErrNoUnencoded:
			se.Config = true
		case gomail.ErrConnCheck, gomail.ErrSMTPReset:
			return transportError(ctx, KindEmail, err)
		}
		return se
	}

	// Dialling, greeting, STARTTLS or AUTH failed.
	var tp *textproto.Error
	if errors.As(err, &tp) {
		se := &SendError{Channel: KindEmail, Code: smtpCode(tp.Code), Message: redact(tp.Msg, to), Err: err}
		se.Config = tp.Code >= 500 // auth refused (535), service refused (554)
		return se
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return transportError(ctx, KindEmail, err)
	}
	// STARTTLS missing, certificate rejected, no usable auth mechanism.
	return &SendError{Channel: KindEmail, Config: true, Code: CodeConfig, Err: err}
}

func smtpCode(code int) string {
	if code == 0 {
		return CodeNetwork
	}
	return fmt.Sprintf("smtp_%d", code)
}

// sendErrorText is go-mail's description of a failure (the step and the
// server's reply) without its recipient list and Message-ID.
func sendErrorText(err *gomail.SendError, to string) string {
	s := err.Error()
	for _, cut := range []string{", affected recipient(s): ", ", affected message ID: "} {
		if i := strings.Index(s, cut); i >= 0 {
			s = s[:i]
		}
	}
	return redact(s, to)
}
