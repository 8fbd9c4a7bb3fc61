// Package russianpost is the Russian Post tracking client: single access
// (RTM-34, SOAP 1.2) for one item's history and batch access (the "fc" service,
// SOAP 1.1) for tickets of up to MaxBatch items. It implements
// carriers.Carrier and carriers.Batcher and returns *carriers.Error values:
//
//   - OperationHistoryFault (malformed barcode)             → Permanent
//   - AuthorizationFault (credentials, daily request limit)  → Account
//   - LanguageFault                                          → Account: the
//     language is account-wide configuration, so every request would fail the
//     same way; marking parcels track_error would be wrong and a person must fix
//     the setting.
//   - any other SOAP fault ("Внутренняя ошибка сервиса"), other HTTP statuses,
//     timeouts, network errors, unreadable bodies            → Temporary
//
// The parsers (ParseHistory, ParseTicket, ParseAnswer) work on raw bytes so a
// saved response or fault gives exactly the same result as the network path
// (except RetryAfter hints, which come from HTTP headers).
package russianpost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parceltrack/carriers"
	"parceltrack/retryafter"
	"parceltrack/tracking"
)

// Default endpoints and settings of the production service.
const (
	DefaultURL      = "https://tracking.russianpost.ru/rtm34"
	DefaultBatchURL = "https://tracking.russianpost.ru/fc"
	DefaultLanguage = "RUS"
	// MaxBatch is the largest batch SubmitBatch accepts. The service takes 3000,
	// but big tickets take longer to prepare and one bad item costs more.
	MaxBatch = 500
)

// maxBody caps how much of an answer is read; a 500-item batch answer is a few
// hundred kilobytes.
const maxBody = 16 << 20

// Config holds the client settings; zero fields take the defaults.
type Config struct {
	URL        string       // single-access endpoint; DefaultURL when empty
	BatchURL   string       // batch endpoint; DefaultBatchURL when empty
	Login      string       // account login from the tracking portal
	Password   string       // account password
	HTTPClient *http.Client // nil: a client with a 30 s timeout that keeps connections open
	Language   string       // "RUS" (default) or "ENG": language of operation names
}

// idleConnsPerHost covers POLL_CONCURRENCY's range, so concurrent calls
// reuse their connections.
const idleConnsPerHost = 32

// Client talks to the Russian Post tracking services. It is safe for
// concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
}

var (
	_ carriers.Carrier = (*Client)(nil)
	_ carriers.Batcher = (*Client)(nil)
)

// NewClient returns a client for cfg, filling in the defaults.
func NewClient(cfg Config) *Client {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.BatchURL == "" {
		cfg.BatchURL = DefaultBatchURL
	}
	if cfg.Language == "" {
		cfg.Language = DefaultLanguage
	}
	hc := cfg.HTTPClient
	if hc == nil {
		// The default transport keeps two idle connections per host; the
		// poller runs several calls at once, and every connection closed
		// after a call costs a new TLS handshake on the next one.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = idleConnsPerHost
		hc = &http.Client{Timeout: 30 * time.Second, Transport: t}
	}
	return &Client{cfg: cfg, http: hc}
}

// Name returns "russianpost".
func (c *Client) Name() string { return "russianpost" }

// History asks RTM-34 for the operation history of barcode. Events keep the
// response order; an unknown but well-formed barcode gives no events.
func (c *Client) History(ctx context.Context, barcode string) ([]tracking.Event, error) {
	body := historyRequest(strings.TrimSpace(barcode), c.cfg.Language, c.cfg.Login, c.cfg.Password)
	resp, err := c.post(ctx, c.cfg.URL, "application/soap+xml;charset=UTF-8", body)
	if err != nil {
		return nil, fmt.Errorf("russianpost: get history: %w", err)
	}
	events, err := ParseHistory(resp.body)
	if err != nil {
		return nil, fmt.Errorf("russianpost: get history: %w", resp.classify(err))
	}
	return events, nil
}

// SubmitBatch asks the batch service for the histories of 1..MaxBatch barcodes
// and returns the ticket. The answer can be collected 15 minutes later at the
// earliest.
func (c *Client) SubmitBatch(ctx context.Context, barcodes []string) (string, error) {
	if len(barcodes) == 0 || len(barcodes) > MaxBatch {
		return "", fmt.Errorf("russianpost: submit batch: %w", &carriers.Error{
			Kind: carriers.Permanent, Code: "18",
			Message: fmt.Sprintf("batch of %d barcodes, want 1..%d", len(barcodes), MaxBatch),
		})
	}
	body := ticketRequest(barcodes, c.cfg.Language, c.cfg.Login, c.cfg.Password)
	resp, err := c.post(ctx, c.cfg.BatchURL, "text/xml; charset=utf-8", body)
	if err != nil {
		return "", fmt.Errorf("russianpost: submit batch: %w", err)
	}
	ticket, err := ParseTicket(resp.body)
	if err != nil {
		return "", fmt.Errorf("russianpost: submit batch: %w", resp.classify(err))
	}
	return ticket, nil
}

// CollectBatch fetches the answer for ticket. The error wraps
// carriers.ErrNotReady (retry after RetryAfter) or carriers.ErrExpired (submit
// again) when there is no answer to give.
func (c *Client) CollectBatch(ctx context.Context, ticket string) (map[string]carriers.BatchResult, error) {
	body := answerRequest(ticket, c.cfg.Login, c.cfg.Password)
	resp, err := c.post(ctx, c.cfg.BatchURL, "text/xml; charset=utf-8", body)
	if err != nil {
		return nil, fmt.Errorf("russianpost: collect batch: %w", err)
	}
	answer, err := ParseAnswer(resp.body)
	if err != nil {
		return nil, fmt.Errorf("russianpost: collect batch: %w", resp.classify(err))
	}
	return answer, nil
}

// response is an HTTP answer read in full.
type response struct {
	status     int
	body       []byte
	retryAfter time.Duration
}

// post sends one SOAP request. Only transport failures are returned as errors
// here; HTTP statuses are judged together with the body by classify, because
// the service reports faults with status 500.
func (c *Client) post(ctx context.Context, url, contentType string, body []byte) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, &carriers.Error{Kind: carriers.Temporary, Code: "request", Err: err}
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/soap+xml, text/xml")
	if strings.HasPrefix(contentType, "text/xml") {
		req.Header.Set("SOAPAction", `""`) // SOAP 1.1 wants the header; the action is empty
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, carriers.TransportError(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return nil, carriers.TransportError(err)
	}
	if len(data) > maxBody {
		return nil, &carriers.Error{Kind: carriers.Temporary, Code: "bad_response",
			Message: fmt.Sprintf("answer larger than %d bytes", maxBody)}
	}
	// Without a usable hint RetryAfter stays 0 and the poller's own pacing decides.
	wait, _ := retryafter.Parse(res.Header.Get("Retry-After"), time.Now())
	return &response{status: res.StatusCode, body: data, retryAfter: wait}, nil
}

// classify turns a parse result into the error to return: a SOAP fault or a
// service error keeps its classification; a body that is not a SOAP answer is
// judged by the HTTP status instead (an HTML 502 page from a proxy, say).
func (r *response) classify(parseErr error) error {
	var ce *carriers.Error
	if !errors.As(parseErr, &ce) {
		return parseErr
	}
	if ce.Code != codeBadResponse || r.status == http.StatusOK {
		if ce.RetryAfter == 0 {
			ce.RetryAfter = r.retryAfter
		}
		return ce
	}
	e := &carriers.Error{
		Kind:       carriers.Temporary,
		Code:       "http_" + strconv.Itoa(r.status),
		Message:    http.StatusText(r.status),
		RetryAfter: r.retryAfter,
		Err:        parseErr,
	}
	if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
		e.Kind = carriers.Account
	}
	return e
}
