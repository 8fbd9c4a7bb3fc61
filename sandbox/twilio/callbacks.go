package twiliosandbox

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Twilio's signature scheme is HMAC-SHA1.
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"parceltrack/sandbox/outbox"
)

// scheduleCallback posts params to callbackURL in the background when
// callbacks are enabled, then records rec (carrying the final status).
func (h *Handler) scheduleCallback(callbackURL string, params map[string]string, rec outbox.Record) {
	if !h.cfg.StatusCallbacks {
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.wg.Add(1)
	h.mu.Unlock()

	go func() {
		defer h.wg.Done()
		if h.cfg.CallbackDelay > 0 {
			t := time.NewTimer(h.cfg.CallbackDelay)
			select {
			case <-h.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if err := h.postCallback(h.ctx, callbackURL, params); err != nil {
			h.log.Warn("twilio sandbox: status callback failed", "sid", rec.ID, "err", err)
		}
		// The status changed whether or not the app heard about it.
		if err := h.cfg.Recorder.Record(h.ctx, rec); err != nil {
			h.log.Error("twilio sandbox: record status", "sid", rec.ID, "err", err)
		}
	}()
}

func (h *Handler) postCallback(ctx context.Context, callbackURL string, params map[string]string) error {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callbackURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("twilio sandbox: callback request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Signature(h.cfg.AuthToken, callbackURL, params))
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("twilio sandbox: callback: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("twilio sandbox: callback: http %d", resp.StatusCode)
	}
	return nil
}

// Signature computes the X-Twilio-Signature of a form POST to fullURL:
// base64(HMAC-SHA1(authToken, fullURL + each key and value, keys sorted)).
// The app checks it with twilio-go's RequestValidator.
func Signature(authToken, fullURL string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
