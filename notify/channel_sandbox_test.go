package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"parceltrack/notify"
	"parceltrack/sandbox/outbox"
	twiliosandbox "parceltrack/sandbox/twilio"
)

// startSandbox mounts the Twilio stand-in under /sandbox/twilio, as the app
// does, and returns the BaseURL for TwilioConfig.
func startSandbox(t *testing.T) (string, *outbox.Memory) {
	t.Helper()
	mem := &outbox.Memory{}
	h := twiliosandbox.New(twiliosandbox.Config{AccountSID: testSID, AuthToken: testToken, Recorder: mem})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/twilio/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return srv.URL + "/sandbox/twilio", mem
}

func TestChannelsAgainstSandbox(t *testing.T) {
	t.Parallel()
	base, mem := startSandbox(t)
	cfg := notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "+15005550006", BaseURL: base}
	sms, err := notify.NewSMS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	voice, err := notify.NewVoice(cfg)
	if err != nil {
		t.Fatal(err)
	}
	badCfg := cfg
	badCfg.AuthToken = "wrongtoken"
	badSMS, err := notify.NewSMS(badCfg)
	if err != nil {
		t.Fatal(err)
	}

	type want struct {
		err        bool
		permanent  bool
		config     bool
		code       string
		retryAfter time.Duration
		recorded   string // record status, "" = nothing recorded
		text       string
	}
	text := "Заказ <1234> ждёт вас & до 15.06"
	tests := []struct {
		name string
		ch   notify.Channel
		to   string
		want want
	}{
		{"sms accepted", sms, "+79123456789", want{recorded: outbox.StatusQueued, text: text}},
		{"call accepted, spoken text recorded", voice, "+79123456789", want{recorded: outbox.StatusQueued, text: text}},
		{"sms magic invalid is permanent 21211", sms, twiliosandbox.MagicInvalid,
			want{err: true, permanent: true, code: "21211", recorded: outbox.StatusRejected, text: text}},
		{"call magic invalid is permanent 21211", voice, twiliosandbox.MagicInvalid,
			want{err: true, permanent: true, code: "21211", recorded: outbox.StatusRejected, text: text}},
		{"rate limited waits one second", sms, twiliosandbox.MagicRateLimited,
			want{err: true, code: "20429", retryAfter: time.Second, recorded: outbox.StatusRejected, text: text}},
		{"server error is temporary", sms, twiliosandbox.MagicServerError,
			want{err: true, code: "20500", recorded: outbox.StatusRejected, text: text}},
		{"wrong token is a config problem", badSMS, "+79123456789",
			want{err: true, config: true, code: "20003"}},
	}
	// The subtests run one after another: they count the records of one outbox.
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := mem.Len()
			res, err := tc.ch.Send(context.Background(), notify.Message{Channel: tc.ch.Kind(), To: tc.to, Text: text})
			if (err != nil) != tc.want.err {
				t.Fatalf("err = %v, want error %v", err, tc.want.err)
			}
			if err != nil {
				if strings.Contains(err.Error(), tc.to) {
					t.Errorf("error text quotes the full number: %v", err)
				}
				se := err.(*notify.SendError)
				if se.Permanent != tc.want.permanent || se.Config != tc.want.config || se.Code != tc.want.code ||
					se.RetryAfter != tc.want.retryAfter {
					t.Errorf("SendError = %+v", se)
				}
			}
			if tc.want.recorded == "" {
				if mem.Len() != before {
					t.Errorf("recorded %d new", mem.Len()-before)
				}
				return
			}
			if mem.Len() != before+1 {
				t.Fatalf("recorded %d new, want 1", mem.Len()-before)
			}
			rec := mem.List()[0]
			if rec.Status != tc.want.recorded || rec.Text != tc.want.text || rec.To != tc.to ||
				rec.Channel != string(tc.ch.Kind()) {
				t.Errorf("record = %+v", rec)
			}
			if err == nil && rec.ID != res.ProviderID {
				t.Errorf("record id %q, ProviderID %q", rec.ID, res.ProviderID)
			}
		})
	}
}
