package smtpsink

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is the readable part of a received e-mail.
type Message struct {
	MessageID string // without angle brackets
	From      string // decoded: `Имя <addr@example.com>` or the bare address
	Subject   string // decoded from RFC 2047
	Text      string // the first text/plain part
	HTML      string // the first text/html part
	// Parts lists the content types met while walking the MIME tree, in
	// order, e.g. ["multipart/alternative", "text/plain", "text/html"].
	Parts []string
}

// maxDepth bounds multipart nesting; real messages use two or three levels.
const maxDepth = 8

// Parse reads a MIME message as received over SMTP. Bodies are decoded from
// base64 or quoted-printable; UTF-8 and US-ASCII text is supported, which is
// what the app sends.
func Parse(raw []byte) (Message, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("smtpsink: parse: %w", err)
	}
	var out Message
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("smtpsink: parse subject: %w", err)
	}
	out.MessageID = strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
	if list, err := m.Header.AddressList("From"); err == nil && len(list) > 0 {
		out.From = list[0].Address
		if list[0].Name != "" {
			out.From = list[0].Name + " <" + list[0].Address + ">"
		}
	}
	err = walk(&out, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body, 0)
	if err != nil {
		return Message{}, err
	}
	return out, nil
}

func walk(out *Message, contentType, transferEncoding string, body io.Reader, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("smtpsink: parse: multipart nested deeper than %d", maxDepth)
	}
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("smtpsink: parse content type %q: %w", contentType, err)
	}
	out.Parts = append(out.Parts, mediaType)

	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("smtpsink: parse %s: %w", mediaType, err)
			}
			// multipart.Part already removes quoted-printable; it then
			// deletes the Content-Transfer-Encoding header.
			err = walk(out, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
			if err != nil {
				return err
			}
		}
	}

	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil // attachments and the like are not shown
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(transferEncoding)) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("smtpsink: parse %s body: %w", mediaType, err)
	}
	text := string(b)
	switch {
	case mediaType == "text/plain" && out.Text == "":
		out.Text = text
	case mediaType == "text/html" && out.HTML == "":
		out.HTML = text
	}
	return nil
}
