package notify_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"parceltrack/notify"
)

const callJSON = `{"account_sid":"` + testSID + `","api_version":"2010-04-01",` +
	`"sid":"CA0123456789abcdef0123456789abcdef","status":"queued","to":"+79123456789"}`

func TestTwiML(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		voice  string
		repeat bool
		want   string
	}{
		{"plain russian", "Ваш заказ прибыл.", "", false,
			`<Response><Say language="ru-RU">Ваш заказ прибыл.</Say></Response>`},
		{"markup in text is escaped", `Заказ <№5> & "подарок" 'да'`, "", false,
			`<Response><Say language="ru-RU">Заказ &lt;№5&gt; &amp; &#34;подарок&#34; &#39;да&#39;</Say></Response>`},
		{"surrounding space trimmed", "  Текст \n", "", false,
			`<Response><Say language="ru-RU">Текст</Say></Response>`},
		{"voice attribute", "Текст", "Polly.Tatyana", false,
			`<Response><Say language="ru-RU" voice="Polly.Tatyana">Текст</Say></Response>`},
		{"repeat after a pause", "Текст", "", true,
			`<Response><Say language="ru-RU">Текст</Say><Pause length="2"/><Say language="ru-RU">Текст</Say></Response>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := notify.TwiML(tc.text, tc.voice, tc.repeat); got != tc.want {
				t.Errorf("TwiML =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestVoiceSendsTwilioParameters(t *testing.T) {
	text := "Здравствуйте! Заказ <1234> & подарок ждёт вас."
	tests := []struct {
		name     string
		cfg      notify.TwilioConfig
		msg      notify.Message
		wantForm url.Values
	}{
		{
			name: "from number with callback",
			cfg:  notify.TwilioConfig{From: "+15005550006"},
			msg: notify.Message{Channel: notify.KindVoice, To: "+79123456789", Text: text,
				StatusCallback: "https://app.example/twilio/call-status"},
			wantForm: url.Values{
				"To":             {"+79123456789"},
				"From":           {"+15005550006"},
				"Twiml":          {`<Response><Say language="ru-RU">Здравствуйте! Заказ &lt;1234&gt; &amp; подарок ждёт вас.</Say></Response>`},
				"StatusCallback": {"https://app.example/twilio/call-status"},
			},
		},
		{
			name: "voice caller id wins over sms sender, repeated",
			cfg:  notify.TwilioConfig{From: "MyShop", VoiceFrom: "+15005550007", VoiceRepeat: true},
			msg:  notify.Message{Channel: notify.KindVoice, To: "+79123456789", Text: "Текст"},
			wantForm: url.Values{
				"To":    {"+79123456789"},
				"From":  {"+15005550007"},
				"Twiml": {`<Response><Say language="ru-RU">Текст</Say><Pause length="2"/><Say language="ru-RU">Текст</Say></Response>`},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeTwilio{status: 201, body: callJSON}
			cfg := tc.cfg
			cfg.AccountSID, cfg.AuthToken = testSID, testToken
			cfg.BaseURL = startFake(t, fake)
			voice, err := notify.NewVoice(cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := voice.Send(context.Background(), tc.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			req := fake.only(t)
			if req.Path != "/2010-04-01/Accounts/"+testSID+"/Calls.json" {
				t.Errorf("path = %s", req.Path)
			}
			if !reflect.DeepEqual(req.Form, tc.wantForm) {
				t.Errorf("form =\n%v\nwant\n%v", req.Form, tc.wantForm)
			}
			want := notify.Result{ProviderID: "CA0123456789abcdef0123456789abcdef", Status: "queued"}
			if res != want {
				t.Errorf("Result = %+v, want %+v", res, want)
			}
		})
	}
}

func TestVoiceTooLongText(t *testing.T) {
	fake := &fakeTwilio{status: 201, body: callJSON}
	voice, err := notify.NewVoice(notify.TwilioConfig{AccountSID: testSID, AuthToken: testToken,
		From: "+15005550006", VoiceRepeat: true, BaseURL: startFake(t, fake)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		text      string
		wantErr   bool
		wantTwice bool
	}{
		{"short text is repeated", "Текст", false, true},
		// 1200 Cyrillic letters are 2400 bytes: twice does not fit, once does.
		{"long text is said once", strings.Repeat("я", 1200), false, false},
		{"too long even once", strings.Repeat("я", 2100), true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := fake.count()
			_, err := voice.Send(context.Background(), notify.Message{To: "+79123456789", Text: tc.text})
			if tc.wantErr {
				if !notify.IsPermanent(err) || err.(*notify.SendError).Code != notify.CodeTooLong {
					t.Fatalf("error = %v, want permanent %s", err, notify.CodeTooLong)
				}
				if fake.count() != before {
					t.Error("a request was sent")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fake.mu.Lock()
			twiml := fake.requests[len(fake.requests)-1].Form.Get("Twiml")
			fake.mu.Unlock()
			if got := strings.Count(twiml, "<Say "); (got == 2) != tc.wantTwice {
				t.Errorf("Say count = %d, want twice %v", got, tc.wantTwice)
			}
		})
	}
}
