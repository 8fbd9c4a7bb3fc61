// Package twiliosandbox (directory sandbox/twilio) is a local stand-in for
// the Twilio REST API: the Messages and Calls create endpoints with Twilio's
// authentication, validation, error codes and JSON shapes, so the app's real
// twilio-go client talks to it unchanged (only the base URL differs). What it
// accepts goes to an outbox.Recorder; status callbacks can be posted back,
// signed like Twilio's.
//
// The package is named twiliosandbox, not twilio, so that importers can use it
// next to twilio-go without renaming either.
//
// Magic recipients make failures reproducible in tests and demos:
//
//	+79990000000  400, code 21211 (invalid 'To' number)      → permanent
//	+79990000001  accepted; the callback says undelivered / no-answer
//	+79990000002  429, code 20429, Retry-After: 1            → temporary
//	+79990000003  500, code 20500                            → temporary
package twiliosandbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"parceltrack/sandbox/outbox"
)

// Magic recipient numbers; see the package comment.
const (
	MagicInvalid       = "+79990000000"
	MagicUndeliverable = "+79990000001"
	MagicRateLimited   = "+79990000002"
	MagicServerError   = "+79990000003"
)

const (
	apiVersion   = "2010-04-01"
	accountsPath = "/" + apiVersion + "/Accounts/"
	maxBodyBytes = 64 << 10
	maxRawBytes  = 16 << 10
)

// Config configures the stand-in.
type Config struct {
	// AccountSID and AuthToken are the credentials the app must present
	// with HTTP Basic auth, as with the real Twilio.
	AccountSID string
	AuthToken  string
	// Recorder receives every accepted message or call and every rejection
	// of a well-formed request. Required.
	Recorder outbox.Recorder
	// StatusCallbacks, when true, posts a final status ("delivered" for SMS,
	// "completed" for calls, or the failure for MagicUndeliverable) to the
	// StatusCallback URL of each accepted request, in the background.
	StatusCallbacks bool
	// CallbackDelay is waited before posting a callback (a demo looks more
	// like the real thing with a few seconds).
	CallbackDelay time.Duration
	// HTTPClient posts callbacks; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// Logger reports callback failures; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Handler is the Twilio stand-in, a net/http Handler. It routes on the path
// suffix ".../2010-04-01/Accounts/{AccountSid}/Messages.json" and
// ".../Calls.json", so it can be mounted under any prefix (http.StripPrefix is
// not needed). Call Close on shutdown to stop pending callbacks.
type Handler struct {
	cfg    Config
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	ctx    context.Context // cancelled by Close; bounds callbacks
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// New builds the stand-in handler.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, client: cfg.HTTPClient, log: cfg.Logger, now: cfg.Now}
	if h.client == nil {
		h.client = &http.Client{Timeout: 10 * time.Second}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// Close cancels pending status callbacks and waits for their goroutines.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := strings.Index(r.URL.Path, accountsPath)
	if i < 0 {
		notFound(w, r)
		return
	}
	rest := r.URL.Path[i+len(accountsPath):]
	sid, resource, ok := strings.Cut(rest, "/")
	if !ok || (resource != "Messages.json" && resource != "Calls.json") {
		notFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if sid != h.cfg.AccountSID {
		notFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Unable to parse request body")
		return
	}
	if resource == "Messages.json" {
		h.createMessage(w, r)
		return
	}
	h.createCall(w, r)
}

func (h *Handler) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(h.cfg.AccountSID))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(h.cfg.AuthToken))
	return u&p == 1 && h.cfg.AccountSID != ""
}

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, apiError{
		Code:     code,
		Message:  msg,
		MoreInfo: "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		Status:   status,
	})
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// magicAnswer answers the synchronous magic failures; ok is false for any
// other number.
func magicAnswer(w http.ResponseWriter, to string) (status, code int, msg string, ok bool) {
	switch to {
	case MagicInvalid:
		return http.StatusBadRequest, 21211, "The 'To' number " + to + " is not a valid phone number.", true
	case MagicRateLimited:
		w.Header().Set("Retry-After", "1")
		return http.StatusTooManyRequests, 20429, "Too Many Requests", true
	case MagicServerError:
		return http.StatusInternalServerError, 20500, "Internal Server Error", true
	}
	return 0, 0, "", false
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Alphanumeric sender IDs: up to 11 letters, digits and spaces, at least one
// letter.
var senderID = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)

func validSender(from string) bool {
	if e164.MatchString(from) {
		return true
	}
	return senderID.MatchString(from) && strings.IndexFunc(from, func(r rune) bool {
		return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
	}) >= 0
}

// newSID returns a Twilio-style SID: a two-letter prefix and 32 hex digits.
func newSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return prefix + hex.EncodeToString(b[:])
}

// rfc2822 is Twilio's date format in JSON answers.
func rfc2822(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

func capRaw(s string) string {
	if len(s) > maxRawBytes {
		return s[:maxRawBytes]
	}
	return s
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
