package handlers

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRateLimitsAcrossWebProcesses: a client's requests count in the
// database, so two web processes behind a balancer refuse the one over the
// limit alike; each endpoint counts apart; a refusal says when to come back.
func TestRateLimitsAcrossWebProcesses(t *testing.T) {
	t.Parallel()
	w := newWidgetWorld(t)
	w.importTrack(t, 7, time.Now(), "80092063905992")
	limits := RateLimits{Widget: 3, Webhooks: 2, Login: 2}
	var procs []testApp
	for range 2 {
		procs = append(procs, newTestApp(t, Deps{ShopApp: w.ins, Sessions: w.db.Sessions(),
			RateLimitStorage: w.db.RateLimits(), RateLimits: limits}))
	}
	webhook := func(p testApp) response {
		req := httptest.NewRequest(http.MethodPost, "/insales/webhooks/nope.nope", strings.NewReader(`{"id": 1}`))
		req.Header.Set("Content-Type", "application/json")
		return p.do(t, req)
	}
	steps := []struct {
		name string
		do   func() response
		want int
	}{
		{"widget 1", func() response { return procs[0].get(t, w.url("7")) }, 200},
		{"widget 2, other process", func() response { return procs[1].get(t, w.url("7")) }, 200},
		{"widget 3", func() response { return procs[0].get(t, w.url("7")) }, 200},
		{"widget 4: over the limit in either process", func() response { return procs[1].get(t, w.url("7")) }, 429},
		{"webhooks count apart", func() response { return webhook(procs[0]) }, 403},
		{"webhook 2", func() response { return webhook(procs[1]) }, 403},
		{"webhook 3", func() response { return webhook(procs[0]) }, 429},
		{"login counts apart", func() response { return procs[1].get(t, "/insales/login?insales_id=999") }, 404},
	}
	for _, st := range steps {
		r := st.do()
		if r.StatusCode != st.want {
			t.Fatalf("%s: status %d, want %d:\n%s", st.name, r.StatusCode, st.want, r.body)
		}
		if st.want != 429 {
			continue
		}
		if after, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || after < 1 || after > 60 {
			t.Errorf("%s: Retry-After %q, want 1–60 seconds", st.name, r.Header.Get("Retry-After"))
		}
		if strings.Contains(st.name, "widget") && !strings.Contains(r.body, "Слишком много запросов") {
			t.Errorf("%s: the page does not say why:\n%s", st.name, r.body)
		}
	}
}
