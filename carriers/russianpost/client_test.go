package russianpost

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parceltrack/carriers"
)

// sentHistory is the request as the real service reads it: every element is
// matched by namespace URI, so a wrong namespace leaves a field empty.
type sentHistory struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Body    struct {
		Call struct {
			Request struct {
				Barcode     string `xml:"http://russianpost.org/operationhistory/data Barcode"`
				MessageType string `xml:"http://russianpost.org/operationhistory/data MessageType"`
				Language    string `xml:"http://russianpost.org/operationhistory/data Language"`
			} `xml:"http://russianpost.org/operationhistory/data OperationHistoryRequest"`
			Auth struct {
				MustUnderstand string `xml:"http://schemas.xmlsoap.org/soap/envelope/ mustUnderstand,attr"`
				Login          string `xml:"http://russianpost.org/operationhistory/data login"`
				Password       string `xml:"http://russianpost.org/operationhistory/data password"`
			} `xml:"http://russianpost.org/operationhistory/data AuthorizationHeader"`
		} `xml:"http://russianpost.org/operationhistory getOperationHistory"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

func TestHistoryRequestEnvelope(t *testing.T) {
	t.Parallel()
	var got sentHistory
	var contentType, method string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, contentType = r.Method, r.Header.Get("Content-Type")
		body, _ := io.ReadAll(r.Body)
		if err := xml.Unmarshal(body, &got); err != nil {
			t.Errorf("request is not the expected envelope: %v\n%s", err, body)
		}
		w.Header().Set("Content-Type", "application/soap+xml;charset=utf-8")
		w.Write(readTestdata(t, "rtm34_resp_RA644000001RU_testbarcode_RUS.xml"))
	}))
	defer srv.Close()

	c := NewClient(Config{URL: srv.URL, Login: "shop<&>", Password: `p"w'd`, HTTPClient: srv.Client()})
	events, err := c.History(context.Background(), " RA644000001RU ")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 5 {
		t.Fatalf("got %d events", len(events))
	}
	if method != http.MethodPost || contentType != "application/soap+xml;charset=UTF-8" {
		t.Fatalf("method %s content type %q", method, contentType)
	}
	req, auth := got.Body.Call.Request, got.Body.Call.Auth
	if req.Barcode != "RA644000001RU" || req.MessageType != "0" || req.Language != "RUS" {
		t.Fatalf("request %+v", req)
	}
	if auth.MustUnderstand != "1" || auth.Login != "shop<&>" || auth.Password != `p"w'd` {
		t.Fatalf("authorization header %+v", auth)
	}
}

type sentTicket struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Ticket *struct {
			Request struct {
				Items []struct {
					Barcode string `xml:"Barcode,attr"`
				} `xml:"http://fclient.russianpost.org Item"`
			} `xml:"request"`
			Login    string `xml:"login"`
			Password string `xml:"password"`
			Language string `xml:"language"`
		} `xml:"http://fclient.russianpost.org/postserver ticketRequest"`
		Answer *struct {
			Ticket   string `xml:"ticket"`
			Login    string `xml:"login"`
			Password string `xml:"password"`
		} `xml:"http://fclient.russianpost.org/postserver answerByTicketRequest"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

func TestBatchRoundTrip(t *testing.T) {
	t.Parallel()
	var calls []sentTicket
	ready := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		var s sentTicket
		body, _ := io.ReadAll(r.Body)
		if err := xml.Unmarshal(body, &s); err != nil {
			t.Errorf("bad envelope: %v", err)
		}
		calls = append(calls, s)
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
		switch {
		case s.Body.Ticket != nil:
			w.Write(readTestdata(t, "fc_ticketResponse_docsample_bliss.xml"))
		case !ready:
			w.Write([]byte(`<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><ns2:answerByTicketResponse xmlns:ns2="http://fclient.russianpost.org/postserver"><error ErrorTypeID="6" ErrorName="Ответ для ФК еще не готов"/></ns2:answerByTicketResponse></S:Body></S:Envelope>`))
		default:
			w.Write(readTestdata(t, "fc_answerByTicketResponse_officialdoc_withError.xml"))
		}
	}))
	defer srv.Close()

	c := NewClient(Config{BatchURL: srv.URL, Login: "l", Password: "p", HTTPClient: srv.Client()})
	ctx := context.Background()
	ticket, err := c.SubmitBatch(ctx, []string{"45008378901234", "10725878901235", "RA123456789RU"})
	if err != nil || ticket != "20150917162048476CLIENTID" {
		t.Fatalf("ticket %q, %v", ticket, err)
	}
	tr := calls[0].Body.Ticket
	if tr == nil || len(tr.Request.Items) != 3 || tr.Request.Items[2].Barcode != "RA123456789RU" || tr.Login != "l" || tr.Password != "p" || tr.Language != "RUS" {
		t.Fatalf("ticket request %+v", tr)
	}

	_, err = c.CollectBatch(ctx, ticket)
	if !errors.Is(err, carriers.ErrNotReady) || carriers.KindOf(err) != carriers.Temporary || carriers.RetryAfterOf(err) != 15*time.Minute {
		t.Fatalf("not ready: %v", err)
	}
	ready = true
	answer, err := c.CollectBatch(ctx, ticket)
	if err != nil || len(answer) != 3 || len(answer["10725878901235"].Events) != 5 {
		t.Fatalf("answer %v, %v", answer, err)
	}
	if a := calls[2].Body.Answer; a == nil || a.Ticket != ticket || a.Login != "l" || a.Password != "p" {
		t.Fatalf("answer request %+v", a)
	}
}

func TestSubmitBatchSize(t *testing.T) {
	t.Parallel()
	c := NewClient(Config{BatchURL: "http://127.0.0.1:1"})
	for _, n := range []int{0, MaxBatch + 1} {
		_, err := c.SubmitBatch(context.Background(), make([]string, n))
		if carriers.KindOf(err) != carriers.Permanent {
			t.Fatalf("%d barcodes: %v", n, err)
		}
	}
}

func TestHistoryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       []byte
		wantKind   carriers.Kind
		wantCode   string
		wantRetry  time.Duration
		wantEvents int
	}{
		{name: "bad barcode fault", status: 500, body: readTestdata(t, "rtm34_fault_bad_barcode.xml"), wantKind: carriers.Permanent, wantCode: CodeBadBarcode},
		{name: "auth fault", status: 500, body: readTestdata(t, "rtm34_fault_auth.xml"), wantKind: carriers.Account, wantCode: CodeAuthorization},
		{name: "limit fault", status: 500, body: readTestdata(t, "rtm34_fault_limit.xml"), wantKind: carriers.Account, wantCode: CodeLimit},
		{name: "language fault", status: 500, body: readTestdata(t, "rtm34_fault_language.xml"), wantKind: carriers.Account, wantCode: CodeLanguage},
		{name: "internal fault", status: 500, body: readTestdata(t, "rtm34_fault_internal.xml"), wantKind: carriers.Temporary, wantCode: CodeFault},
		{name: "500 with html", status: 500, body: []byte("<html><body>Internal Server Error</body></html>"), wantKind: carriers.Temporary, wantCode: "http_500"},
		{name: "503 with retry-after", status: 503, header: map[string]string{"Retry-After": "120"}, body: []byte("busy"), wantKind: carriers.Temporary, wantCode: "http_503", wantRetry: 2 * time.Minute},
		{name: "403 from a proxy", status: 403, body: []byte("forbidden"), wantKind: carriers.Account, wantCode: "http_403"},
		{name: "200 with garbage", status: 200, body: []byte("{}"), wantKind: carriers.Temporary, wantCode: codeBadResponse},
		{name: "empty history", status: 200, body: readTestdata(t, "rtm34_resp_empty.xml")},
		{name: "ok", status: 200, body: readTestdata(t, "rtm34_resp_44334455667733_goexample.xml"), wantEvents: 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				w.Write(tc.body)
			}))
			defer srv.Close()
			c := NewClient(Config{URL: srv.URL, HTTPClient: srv.Client()})
			events, err := c.History(context.Background(), "44334455667733")
			if tc.wantKind == 0 {
				if err != nil || len(events) != tc.wantEvents {
					t.Fatalf("got %d events, %v", len(events), err)
				}
				return
			}
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Kind != tc.wantKind || ce.Code != tc.wantCode || ce.RetryAfter != tc.wantRetry {
				t.Fatalf("got %v; want %v/%q retry %v", err, tc.wantKind, tc.wantCode, tc.wantRetry)
			}
			if !strings.HasPrefix(err.Error(), "russianpost: get history: ") {
				t.Fatalf("error prefix: %q", err)
			}
			// The same bytes read from a file classify the same way.
			_, perr := ParseHistory(tc.body)
			if tc.status == 200 || strings.HasPrefix(string(tc.body), "<?xml") {
				if carriers.KindOf(perr) != tc.wantKind {
					t.Fatalf("ParseHistory kind %v, network kind %v", carriers.KindOf(perr), tc.wantKind)
				}
			}
		})
	}
}

func TestHistoryTransportErrors(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	// Cleanups, not defers: the parallel subtests run after this function
	// returns. Unblock the handlers first, or Close waits for them.
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(block) })

	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name     string
		url      string
		client   *http.Client
		timeout  time.Duration
		wantCode string
		wantIs   error
	}{
		{"context deadline", slow.URL, slow.Client(), 50 * time.Millisecond, "timeout", context.DeadlineExceeded},
		{"client timeout", slow.URL, &http.Client{Timeout: 50 * time.Millisecond}, time.Minute, "timeout", nil},
		{"connection refused", closedURL, &http.Client{}, time.Minute, "network", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			c := NewClient(Config{URL: tc.url, HTTPClient: tc.client})
			_, err := c.History(ctx, "RA644000001RU")
			var ce *carriers.Error
			if !errors.As(err, &ce) || ce.Kind != carriers.Temporary || ce.Code != tc.wantCode {
				t.Fatalf("got %v, want temporary %q", err, tc.wantCode)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("%v does not wrap %v", err, tc.wantIs)
			}
		})
	}
}

// TestConcurrentCallsReuseConnections: the default client keeps as many
// connections open as the poller runs calls, so rounds of concurrent calls
// do not dial (in production: hand-shake TLS) again.
func TestConcurrentCallsReuseConnections(t *testing.T) {
	t.Parallel()
	const concurrency, rounds = 8, 4
	var dialed atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond) // keep the calls of a round overlapping
		w.Header().Set("Content-Type", "application/soap+xml;charset=utf-8")
		w.Write(readTestdata(t, "rtm34_resp_RA644000001RU_testbarcode_RUS.xml"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialed.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := NewClient(Config{URL: srv.URL, Login: "l", Password: "p"})
	for range rounds {
		var wg sync.WaitGroup
		for range concurrency {
			wg.Go(func() {
				if _, err := c.History(context.Background(), "RA644000001RU"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := dialed.Load(); n > concurrency {
		t.Fatalf("%d rounds of %d calls opened %d connections, want at most %d", rounds, concurrency, n, concurrency)
	}
}
