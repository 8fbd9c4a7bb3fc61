package notify_test

import (
	"context"
	"net/url"
	"reflect"
	"testing"

	"parceltrack/notify"
)

const messageJSON = `{"account_sid":"` + testSID + `","api_version":"2010-04-01","body":"x",` +
	`"num_segments":"1","sid":"SM0123456789abcdef0123456789abcdef","status":"queued","to":"+79123456789"}`

func TestSMSSendsTwilioParameters(t *testing.T) {
	t.Parallel()
	text := "Заказ №1234 прибыл в отделение 101000. Заберите до 15.06"
	tests := []struct {
		name     string
		cfg      notify.TwilioConfig
		msg      notify.Message
		wantForm url.Values
	}{
		{
			name: "from number with status callback",
			cfg:  notify.TwilioConfig{From: "+15005550006"},
			msg: notify.Message{Channel: notify.KindSMS, To: "+79123456789", Text: text,
				StatusCallback: "https://app.example/twilio/status?n=42"},
			wantForm: url.Values{
				"To":             {"+79123456789"},
				"From":           {"+15005550006"},
				"Body":           {text},
				"StatusCallback": {"https://app.example/twilio/status?n=42"},
			},
		},
		{
			name: "alphanumeric sender without callback",
			cfg:  notify.TwilioConfig{From: "MyShop"},
			msg:  notify.Message{Channel: notify.KindSMS, To: "+79123456789", Text: "Hi"},
			wantForm: url.Values{
				"To":   {"+79123456789"},
				"From": {"MyShop"},
				"Body": {"Hi"},
			},
		},
		{
			name: "messaging service replaces from",
			cfg: notify.TwilioConfig{From: "+15005550006",
				MessagingServiceSID: "MG0123456789abcdef0123456789abcdef"},
			msg: notify.Message{Channel: notify.KindSMS, To: "+79123456789", Text: "Hi"},
			wantForm: url.Values{
				"To":                  {"+79123456789"},
				"MessagingServiceSid": {"MG0123456789abcdef0123456789abcdef"},
				"Body":                {"Hi"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeTwilio{status: 201, body: messageJSON}
			cfg := tc.cfg
			cfg.AccountSID, cfg.AuthToken = testSID, testToken
			cfg.BaseURL = startFake(t, fake) + "/sandbox/twilio/"
			sms, err := notify.NewSMS(cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := sms.Send(context.Background(), tc.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			req := fake.only(t)
			if req.Method != "POST" || req.Path != "/sandbox/twilio/2010-04-01/Accounts/"+testSID+"/Messages.json" {
				t.Errorf("request %s %s", req.Method, req.Path)
			}
			if !req.HasAuth || req.User != testSID || req.Pass != testToken {
				t.Errorf("basic auth = %q/%q (present %v)", req.User, req.Pass, req.HasAuth)
			}
			if req.ContentType != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q", req.ContentType)
			}
			if !reflect.DeepEqual(req.Form, tc.wantForm) {
				t.Errorf("form = %v, want %v", req.Form, tc.wantForm)
			}
			_, _, segs := notify.Segments(tc.msg.Text)
			want := notify.Result{ProviderID: "SM0123456789abcdef0123456789abcdef", Segments: segs, Status: "queued"}
			if res != want {
				t.Errorf("Result = %+v, want %+v", res, want)
			}
		})
	}
}

func TestSMSRejectsBeforeCallingTwilio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  notify.Message
		code string
	}{
		{"national format", notify.Message{To: "89123456789", Text: "x"}, notify.CodeInvalidRecipient},
		{"empty recipient", notify.Message{To: "", Text: "x"}, notify.CodeInvalidRecipient},
		{"empty text", notify.Message{To: "+79123456789"}, notify.CodeEmptyMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeTwilio{status: 201, body: messageJSON}
			sms, err := notify.NewSMS(notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken,
				From: "+15005550006", BaseURL: startFake(t, fake)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = sms.Send(context.Background(), tc.msg)
			if !notify.IsPermanent(err) {
				t.Fatalf("error %v is not permanent", err)
			}
			if se := err.(*notify.SendError); se.Code != tc.code {
				t.Errorf("Code = %q, want %q", se.Code, tc.code)
			}
			if n := fake.count(); n != 0 {
				t.Errorf("twilio got %d requests, want none", n)
			}
		})
	}
}
