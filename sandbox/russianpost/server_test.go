package rpsandbox

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"parceltrack/carriers"
	"parceltrack/carriers/russianpost"
	"parceltrack/tracking"
)

// t0 is the wall-clock start of every test; Epoch = t0, so Virtual(t0) = t0.
var t0 = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// setAge moves the wall clock so that a scenario started at t0 is age old in
// virtual time (Speed 1: 1440 virtual seconds per real second), rounding up.
func (c *fakeClock) setAge(age time.Duration) {
	c.set(t0.Add((age + 1439) / 1440))
}

type fixture struct {
	srv    *Server
	clock  *fakeClock
	client *russianpost.Client
	base   string
	http   *http.Client
}

func newFixture(t *testing.T, mutate func(*Server)) *fixture {
	t.Helper()
	clock := &fakeClock{t: t0}
	s := &Server{Speed: 1, Clock: clock.Now, Epoch: t0, Login: "shop", Password: "secret"}
	if mutate != nil {
		mutate(s)
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/russianpost/", s)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	base := ts.URL + "/sandbox/russianpost"
	return &fixture{
		srv: s, clock: clock, base: base, http: ts.Client(),
		client: russianpost.NewClient(russianpost.Config{
			URL: base + "/rtm34", BatchURL: base + "/fc", Login: "shop", Password: "secret", HTTPClient: ts.Client(),
		}),
	}
}

// expected lists the scenario's steps visible at age for a start at t0.
func expected(sc Scenario, age time.Duration) []Step {
	var out []Step
	for _, st := range sc.Steps {
		if st.visibleAt() <= age {
			out = append(out, st)
		}
	}
	return out
}

func compare(t *testing.T, got []tracking.Event, want []Step, vstart time.Time) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i, st := range want {
		g := got[i]
		name := st.AttrName
		if name == "" {
			name = st.TypeName
		}
		_, off := g.At.Zone()
		if !g.At.Equal(vstart.Add(st.After)) || off != st.Office.UTCOffset*3600 {
			t.Errorf("event %d: At %s, want %s at UTC%+d", i, g.At, vstart.Add(st.After), st.Office.UTCOffset)
		}
		if g.Type != st.Type || g.Attr != st.Attr || g.Name != name || g.OfficeIndex != st.Office.Index || g.OfficeName != st.Office.Name {
			t.Errorf("event %d: got %d/%d %q %s %q, want %d/%d %q %s %q", i, g.Type, g.Attr, g.Name, g.OfficeIndex, g.OfficeName,
				st.Type, st.Attr, name, st.Office.Index, st.Office.Name)
		}
	}
}

func TestScenariosThroughTheRealClient(t *testing.T) {
	t.Parallel()
	ages := []time.Duration{0, at(0, 13, 0), at(1, 5, 0), at(3, 9, 30), at(4, 13, 0), at(6, 0, 0),
		at(10, 0, 0), at(21, 20, 0), at(30, 0, 0), at(40, 0, 0), at(70, 0, 0)}
	for i, sc := range Scenarios()[:selectable] {
		t.Run(sc.ID, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			ctx := context.Background()
			barcode := Barcode(sc, i)
			for _, age := range ages {
				f.clock.setAge(age)
				events, err := f.client.History(ctx, barcode)
				if err != nil {
					t.Fatalf("age %v: %v", age, err)
				}
				compare(t, events, expected(sc, age), t0)
				for _, e := range events {
					if e.At.After(f.srv.Now()) {
						t.Fatalf("age %v: event at %s is after the sandbox's Now %s", age, e.At, f.srv.Now())
					}
				}
			}
		})
	}
}

func TestStatesOverTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scenario string
		age      time.Duration
		wantLast string // type/attr of the last event in response order, "" for none
	}{
		{DeliveredFast, at(0, 6, 0), ""},
		{DeliveredFast, at(3, 8, 30), "8/2"},
		{DeliveredFast, at(4, 12, 0), "2/1"},
		{Collected, at(8, 0, 0), "8/25"},
		{Collected, at(12, 0, 0), "2/1"},
		{Returned, at(21, 20, 0), "8/40"},
		{Returned, at(22, 12, 0), "3/1"},
		{Stuck, at(65, 0, 0), "8/4"},
		{Lost, at(24, 0, 0), "5/1"},
		{Unknown, at(30, 0, 0), ""},
		{Forwarded, at(8, 9, 30), "8/2"},
		{Quirks, at(4, 15, 0), "8/3"}, // the late sorting record arrives after the 8/2
	}
	for _, tc := range tests {
		t.Run(tc.scenario+"@"+tc.age.String(), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			var sc Scenario
			for _, s := range Scenarios() {
				if s.ID == tc.scenario {
					sc = s
				}
			}
			barcode := Barcode(sc, 7)
			if _, err := f.srv.Register(context.Background(), barcode); err != nil {
				t.Fatal(err)
			}
			f.clock.setAge(tc.age)
			events, err := f.client.History(context.Background(), barcode)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(events) > 0 {
				e := events[len(events)-1]
				got = itoa(e.Type) + "/" + itoa(e.Attr)
			}
			if got != tc.wantLast {
				t.Fatalf("last event %q, want %q", got, tc.wantLast)
			}
		})
	}
}

func TestVirtualClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		speed float64
		real  time.Duration
		want  time.Duration
	}{
		{"speed 1: a minute is a day", 1, time.Minute, 24 * time.Hour},
		{"unset speed means 1", 0, time.Minute, 24 * time.Hour},
		{"speed 5", 5, time.Minute, 5 * 24 * time.Hour},
		{"before the epoch", 1, -time.Minute, -24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{t: t0.Add(tc.real)}
			s := &Server{Speed: tc.speed, Clock: clock.Now, Epoch: t0}
			if got := s.Now().Sub(t0); got != tc.want {
				t.Fatalf("Now − Epoch = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestProgressSurvivesAnEpochChange(t *testing.T) {
	t.Parallel()
	starts := &MemoryStarts{}
	sc := Scenarios()[0]
	barcode := Barcode(sc, 3)
	clock := &fakeClock{t: t0}
	first := &Server{Clock: clock.Now, Epoch: t0, Starts: starts}
	if _, err := first.Register(context.Background(), barcode); err != nil {
		t.Fatal(err)
	}
	clock.set(t0.Add(4 * time.Minute)) // 4 scenario days later, a restart with a new epoch
	second := &Server{Clock: clock.Now, Starts: starts}
	_, ops, err := second.History(context.Background(), barcode)
	if err != nil {
		t.Fatal(err)
	}
	if want := expected(sc, 4*24*time.Hour); len(ops) != len(want) {
		t.Fatalf("after restart %d operations visible, want %d", len(ops), len(want))
	}
}

func TestSingleAccessFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      func(*russianpost.Config)
		server   func(*Server)
		barcode  string
		wantKind carriers.Kind
		wantCode string
	}{
		{"bad password", func(c *russianpost.Config) { c.Password = "wrong" }, nil, "62009147017544", carriers.Account, russianpost.CodeAuthorization},
		{"malformed barcode", nil, nil, Barcode(Scenario{ID: Malformed}, 1), carriers.Permanent, russianpost.CodeBadBarcode},
		{"bad language", func(c *russianpost.Config) { c.Language = "DEU" }, nil, "62009147017544", carriers.Account, russianpost.CodeLanguage},
		{"daily limit", nil, func(s *Server) { s.DailyLimit = 1 }, "62009147017544", carriers.Account, russianpost.CodeLimit},
		{"start store down", nil, func(s *Server) { s.Starts = failingStarts{} }, "62009147017544", carriers.Temporary, russianpost.CodeFault},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.server)
			f.srv.Logger = discardLogger()
			cfg := russianpost.Config{URL: f.base + "/rtm34", Login: "shop", Password: "secret", HTTPClient: f.http}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			c := russianpost.NewClient(cfg)
			if tc.name == "daily limit" {
				if _, err := c.History(context.Background(), tc.barcode); err != nil {
					t.Fatalf("first request within the limit: %v", err)
				}
			}
			_, err := c.History(context.Background(), tc.barcode)
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Kind != tc.wantKind || ce.Code != tc.wantCode {
				t.Fatalf("got %v, want %v/%s", err, tc.wantKind, tc.wantCode)
			}
		})
	}
}

func TestFixedAndEmptyHistories(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	events, err := f.client.History(ctx, "RA644000001RU")
	if err != nil || len(events) != 5 || events[0].At.Format(time.RFC3339) != "2015-03-23T10:01:00+03:00" ||
		events[4].At.Format(time.RFC3339) != "2015-08-28T03:00:00+03:00" {
		t.Fatalf("test number: %v %v", events, err)
	}
	if events[4].Type != 1 || events[3].Type != 8 || events[3].Attr != 2 || events[3].OfficeIndex != "644008" {
		t.Fatalf("test number history %+v", events)
	}
	for _, bc := range []string{Barcode(Scenario{ID: Unknown}, 4), "62009147017545"} {
		f.clock.setAge(at(50, 0, 0))
		if events, err := f.client.History(ctx, bc); err != nil || len(events) != 0 {
			t.Fatalf("%s: %v %v", bc, events, err)
		}
	}
}

func TestWireLevelRejections(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		wantStatus  int
		wantInBody  string
	}{
		{"get", http.MethodGet, "/rtm34", "", "", http.StatusMethodNotAllowed, "POST"},
		{"unknown path", http.MethodPost, "/other", "application/soap+xml", "", http.StatusNotFound, ""},
		{"soap 1.1 content type on rtm34", http.MethodPost, "/rtm34", "text/xml; charset=utf-8", "<x/>", http.StatusUnsupportedMediaType, "application/soap+xml"},
		{"not xml", http.MethodPost, "/rtm34", "application/soap+xml;charset=UTF-8", "hello", http.StatusInternalServerError, "S:Sender"},
		{"soap 1.1 envelope on rtm34", http.MethodPost, "/rtm34", "application/soap+xml", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body/></e:Envelope>`, http.StatusInternalServerError, "S:Sender"},
		{"wrong operation namespace", http.MethodPost, "/rtm34", "application/soap+xml", `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><getOperationHistory/></e:Body></e:Envelope>`, http.StatusInternalServerError, "dispatch"},
		{"soap 1.2 content type on fc", http.MethodPost, "/fc", "application/soap+xml", "<x/>", http.StatusUnsupportedMediaType, "text/xml"},
		{"not xml on fc", http.MethodPost, "/fc", "text/xml", "{}", http.StatusInternalServerError, "S:Client"},
		{"trailing slash and another prefix", http.MethodPost, "/rtm34/", "text/plain", "", http.StatusUnsupportedMediaType, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tc.method, f.base+tc.path, strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			res, err := f.http.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.wantStatus || !strings.Contains(string(body), tc.wantInBody) {
				t.Fatalf("status %d body %q", res.StatusCode, body)
			}
			if res.StatusCode == http.StatusInternalServerError && tc.path == "/rtm34" {
				if _, err := russianpost.ParseHistory(body); carriers.KindOf(err) != carriers.Temporary {
					t.Fatalf("a sandbox envelope fault must read as temporary, got %v", err)
				}
			}
		})
	}
}

func TestBatchRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	delivered := Barcode(Scenarios()[0], 11)
	unknown := Barcode(Scenario{ID: Unknown}, 11)
	malformed := Barcode(Scenario{ID: Malformed}, 11)
	tooLong := "620091470175440000"

	f.clock.setAge(at(2, 0, 0)) // scenarios start at t0 + 2 virtual days
	ticket, err := f.client.SubmitBatch(ctx, []string{delivered, unknown, malformed, tooLong})
	if err != nil || ticket == "" {
		t.Fatalf("ticket %q: %v", ticket, err)
	}
	if _, err := f.client.CollectBatch(ctx, ticket); !errors.Is(err, carriers.ErrNotReady) {
		t.Fatalf("immediately: %v", err)
	}
	f.clock.setAge(at(2, 0, 14))
	if _, err := f.client.CollectBatch(ctx, ticket); !errors.Is(err, carriers.ErrNotReady) {
		t.Fatalf("after 14 virtual minutes: %v", err)
	}
	f.clock.setAge(at(2, 0, 16))
	answer, err := f.client.CollectBatch(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	if len(answer) != 4 {
		t.Fatalf("answer for %d barcodes: %v", len(answer), answer)
	}
	// The delivered scenario started at the ticket; the answer is the snapshot
	// 15 virtual minutes later: acceptance (12 h) is not there yet.
	if r := answer[delivered]; r.Err != nil || len(r.Events) != 0 {
		t.Fatalf("delivered at +15min: %+v", r)
	}
	if r := answer[unknown]; r.Err != nil || len(r.Events) != 0 {
		t.Fatalf("unknown: %+v", r)
	}
	if k := carriers.KindOf(answer[malformed].Err); k != carriers.Permanent {
		t.Fatalf("malformed: %v", answer[malformed].Err)
	}
	if k := carriers.KindOf(answer[tooLong].Err); k != carriers.Permanent {
		t.Fatalf("too long: %v", answer[tooLong].Err)
	}

	// A later ticket sees the progress, with Moscow-time dates that match the
	// single-access instants.
	f.clock.setAge(at(6, 0, 0))
	ticket2, err := f.client.SubmitBatch(ctx, []string{delivered})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.setAge(at(6, 1, 0))
	answer, err = f.client.CollectBatch(ctx, ticket2)
	if err != nil {
		t.Fatal(err)
	}
	single, err := f.client.History(ctx, delivered)
	if err != nil {
		t.Fatal(err)
	}
	got := answer[delivered].Events
	// The scenario started with the first ticket (age 2d): ticket2's snapshot is
	// 4d0h15m into it.
	if len(got) != len(single) || len(got) != len(expected(Scenarios()[0], at(4, 0, 15))) {
		t.Fatalf("batch %d events, single %d", len(got), len(single))
	}
	for i := range got {
		if !got[i].At.Equal(single[i].At) || got[i].Type != single[i].Type || got[i].Attr != single[i].Attr || got[i].OfficeIndex != single[i].OfficeIndex {
			t.Fatalf("event %d: batch %+v, single %+v", i, got[i], single[i])
		}
	}

	f.clock.set(t0.Add(20 * time.Minute)) // 20 real minutes: still kept despite ~20 virtual days
	if _, err := f.client.CollectBatch(ctx, ticket); err != nil {
		t.Fatalf("after a real-time RetryAfter wait: %v", err)
	}
	f.clock.set(t0.Add(33 * time.Hour)) // past the 32 wall-clock hours of retention
	if _, err := f.client.CollectBatch(ctx, ticket); !errors.Is(err, carriers.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := f.client.CollectBatch(ctx, "20250602090000000SANDBOX99"); !errors.Is(err, carriers.ErrExpired) {
		t.Fatalf("unknown ticket: %v", err)
	}

	bad := russianpost.NewClient(russianpost.Config{BatchURL: f.base + "/fc", Login: "shop", Password: "nope", HTTPClient: f.http})
	if _, err := bad.SubmitBatch(ctx, []string{delivered}); carriers.KindOf(err) != carriers.Account {
		t.Fatalf("bad credentials: %v", err)
	}
	if _, err := bad.CollectBatch(ctx, ticket2); carriers.KindOf(err) != carriers.Account {
		t.Fatalf("bad credentials on answer: %v", err)
	}
}

func TestLatencyTimesOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(s *Server) { s.Latency = 200 * time.Millisecond })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := f.client.History(ctx, "62009147017544")
	if carriers.KindOf(err) != carriers.Temporary || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestConcurrentFirstCallersAgree(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	barcode := Barcode(Scenarios()[1], 42)
	f.clock.setAge(at(0, 0, 0))
	var wg sync.WaitGroup
	results := make([][]tracking.Event, 16)
	errs := make([]error, 16)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.client.History(context.Background(), barcode)
		}()
	}
	wg.Wait()
	f.clock.setAge(at(3, 9, 30))
	later, err := f.client.History(context.Background(), barcode)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil || len(results[i]) != 0 {
			t.Fatalf("caller %d: %v %v", i, results[i], err)
		}
	}
	compare(t, later, expected(Scenarios()[1], at(3, 9, 30)), t0)
}

type failingStarts struct{}

func (failingStarts) Start(context.Context, string, time.Time) (time.Time, error) {
	return time.Time{}, errors.New("database is down")
}

// BenchmarkHistoryRoundTrip measures one single-access request from the real
// client to the sandbox over loopback HTTP (a 9-record history).
func BenchmarkHistoryRoundTrip(b *testing.B) {
	clock := &fakeClock{t: t0}
	s := &Server{Speed: 1, Clock: clock.Now, Epoch: t0, Login: "shop", Password: "secret"}
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := russianpost.NewClient(russianpost.Config{URL: ts.URL + "/rtm34", Login: "shop", Password: "secret", HTTPClient: ts.Client()})
	barcode := Barcode(Scenarios()[0], 1)
	ctx := context.Background()
	if _, err := c.History(ctx, barcode); err != nil {
		b.Fatal(err)
	}
	clock.setAge(at(10, 0, 0))
	for b.Loop() {
		if _, err := c.History(ctx, barcode); err != nil {
			b.Fatal(err)
		}
	}
}
