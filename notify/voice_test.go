package notify_test

import (
	"context"
	"encoding/xml"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"parceltrack/notify"
)

const callJSON = `{"account_sid":"` + testSID + `","api_version":"2010-04-01",` +
	`"sid":"CA0123456789abcdef0123456789abcdef","status":"queued","to":"+79123456789"}`

// xmlProlog opens every document the twiml package writes.
const xmlProlog = `<?xml version="1.0" encoding="UTF-8"?>`

// verb is one element under <Response>, as a parser sees it.
type verb struct {
	Name  string
	Attrs map[string]string
	Text  string
}

// parseTwiML reads a document the way Twilio does (encoding/xml) and returns
// the verbs under its <Response> root.
func parseTwiML(t *testing.T, doc string) []verb {
	t.Helper()
	var parsed struct {
		XMLName xml.Name `xml:"Response"`
		Verbs   []struct {
			XMLName xml.Name
			Attrs   []xml.Attr `xml:",any,attr"`
			Text    string     `xml:",chardata"`
			Prosody *struct {
				Rate string `xml:"rate,attr"`
				Text string `xml:",chardata"`
			} `xml:"prosody"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal([]byte(doc), &parsed); err != nil {
		t.Fatalf("TwiML does not parse: %v\n%s", err, doc)
	}
	var out []verb
	for _, v := range parsed.Verbs {
		attrs := map[string]string{}
		for _, a := range v.Attrs {
			attrs[a.Name.Local] = a.Value
		}
		text := v.Text
		if v.Prosody != nil {
			// Read at a rate: the rate is told as an attribute of the verb.
			attrs["prosody_rate"], text = v.Prosody.Rate, v.Prosody.Text
		}
		out = append(out, verb{Name: v.XMLName.Local, Attrs: attrs, Text: text})
	}
	return out
}

func say(text string, attrs ...string) verb {
	v := verb{Name: "Say", Attrs: map[string]string{"language": "ru-RU"}, Text: text}
	for i := 0; i+1 < len(attrs); i += 2 {
		v.Attrs[attrs[i]] = attrs[i+1]
	}
	return v
}

var pause = verb{Name: "Pause", Attrs: map[string]string{"length": "2"}}

func TestTwiML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		text   string
		voice  string
		repeat bool
		want   []verb
	}{
		{"plain russian", "Ваш заказ прибыл.", "", false,
			[]verb{say("Ваш заказ прибыл.")}},
		{"markup in text round-trips", `Заказ <№5> & "подарок" 'да'`, "", false,
			[]verb{say(`Заказ <№5> & "подарок" 'да'`)}},
		{"buyer name like a tag", `Иван </Say><Hangup/> & Co`, "", false,
			[]verb{say(`Иван </Say><Hangup/> & Co`)}},
		{"entity-like text stays literal", `Товар &amp; &#60;ещё&#62;`, "", false,
			[]verb{say(`Товар &amp; &#60;ещё&#62;`)}},
		{"surrounding space trimmed", "  Текст \n", "", false,
			[]verb{say("Текст")}},
		{"control characters replaced", "Заказ\x01 \x1b[1mгруш", "", false,
			[]verb{say("Заказ\uFFFD \uFFFD[1mгруш")}},
		{"invalid utf-8 replaced", "Заказ \xff", "", false,
			[]verb{say("Заказ \uFFFD")}},
		{"a Polly voice reads slower", "Текст", "Polly.Tatyana", false,
			[]verb{say("Текст", "voice", "Polly.Tatyana", "prosody_rate", notify.SpeechRate)}},
		{"a basic voice takes no SSML", "Текст", "alice", false,
			[]verb{say("Текст", "voice", "alice")}},
		{"voice attribute with quotes", "Текст", `a"b'<&>`, false,
			[]verb{say("Текст", "voice", `a"b'<&>`)}},
		{"repeat after a pause", "Текст & <ещё>", "Polly.Tatyana", true,
			[]verb{say("Текст & <ещё>", "voice", "Polly.Tatyana", "prosody_rate", notify.SpeechRate), pause,
				say("Текст & <ещё>", "voice", "Polly.Tatyana", "prosody_rate", notify.SpeechRate)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := notify.TwiML(tc.text, tc.voice, tc.repeat)
			if !strings.HasPrefix(doc, xmlProlog+"<Response>") {
				t.Errorf("TwiML does not start with the prolog and <Response>: %s", doc)
			}
			if got := parseTwiML(t, doc); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("TwiML %s\nparses as %+v\nwant %+v", doc, got, tc.want)
			}
		})
	}
}

func TestVoiceSendsTwilioParameters(t *testing.T) {
	t.Parallel()
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
				"Twiml":          {xmlProlog + `<Response><Say language="ru-RU">Здравствуйте! Заказ &lt;1234&gt; &amp; подарок ждёт вас.</Say></Response>`},
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
				"Twiml": {xmlProlog + `<Response><Say language="ru-RU">Текст</Say><Pause length="2"/><Say language="ru-RU">Текст</Say></Response>`},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
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
	t.Parallel()
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
	// The subtests run one after another: they count the requests of one fake.
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
