package insales

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
)

func TestInstallPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, token, secret, want string
	}{
		{"documented vector", "token123", "mysecret", "4c3f4c197336eb97475506e71c839c71"},
		{"empty inputs", "", "", "d41d8cd98f00b204e9800998ecf8427e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InstallPassword(tt.token, tt.secret); got != tt.want {
				t.Errorf("InstallPassword(%q, %q) = %q, want %q", tt.token, tt.secret, got, tt.want)
			}
		})
	}
}

func TestCheckUninstall(t *testing.T) {
	t.Parallel()
	const stored = "4c3f4c197336eb97475506e71c839c71"
	tests := []struct {
		name, given, stored string
		want                bool
	}{
		{"matching password", stored, stored, true},
		{"upper-case hex accepted", strings.ToUpper(stored), stored, true},
		{"one character off", "4c3f4c197336eb97475506e71c839c72", stored, false},
		{"prefix only", stored[:16], stored, false},
		{"empty token", "", stored, false},
		{"no stored password", stored, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckUninstall(tt.given, tt.stored); got != tt.want {
				t.Errorf("CheckUninstall(%q, %q) = %v, want %v", tt.given, tt.stored, got, tt.want)
			}
		})
	}
}

func TestAutologinToken3Vector(t *testing.T) {
	t.Parallel()
	// md5("3f2a9c" + "manager@example.ru" + "Иван Петров" + "1001" + "true" + password),
	// computed independently of this package.
	got := AutologinToken3("3f2a9c", "manager@example.ru", "Иван Петров", "1001", "true", "4c3f4c197336eb97475506e71c839c71")
	if want := "38435f94ed425d0655ae6a616c1ff0dc"; got != want {
		t.Fatalf("AutologinToken3 = %q, want %q", got, want)
	}
}

func TestVerifyAutologin(t *testing.T) {
	t.Parallel()
	const (
		nonce    = "3f2a9c"
		password = "4c3f4c197336eb97475506e71c839c71"
		token3   = "38435f94ed425d0655ae6a616c1ff0dc"
	)
	// The callback as InSales would send it: form-encoded, '+' for spaces.
	raw := "token=x&token2=y&token3=" + token3 +
		"&user_email=manager%40example.ru&user_name=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2" +
		"&user_id=1001&email_confirmed=true"
	vals, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	good := ParseAutologinQuery(vals)
	if good.UserName != "Иван Петров" || good.UserEmail != "manager@example.ru" {
		t.Fatalf("decoded query = %+v", good)
	}
	tests := []struct {
		name     string
		nonce    string
		mutate   func(q *AutologinQuery)
		password string
		want     bool
	}{
		{"genuine callback", nonce, func(*AutologinQuery) {}, password, true},
		{"upper-case token3", nonce, func(q *AutologinQuery) { q.Token3 = strings.ToUpper(q.Token3) }, password, true},
		{"wrong token3", nonce, func(q *AutologinQuery) { q.Token3 = "00000000000000000000000000000000" }, password, false},
		{"empty token3", nonce, func(q *AutologinQuery) { q.Token3 = "" }, password, false},
		{"tampered email", nonce, func(q *AutologinQuery) { q.UserEmail = "attacker@example.ru" }, password, false},
		{"tampered user id", nonce, func(q *AutologinQuery) { q.UserID = "1" }, password, false},
		{"email_confirmed flipped", nonce, func(q *AutologinQuery) { q.EmailConfirmed = "false" }, password, false},
		{"another nonce", "other", func(*AutologinQuery) {}, password, false},
		{"empty nonce", "", func(*AutologinQuery) {}, password, false},
		{"another shop's password", nonce, func(*AutologinQuery) {}, "d41d8cd98f00b204e9800998ecf8427e", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := good
			tt.mutate(&q)
			if got := VerifyAutologin(tt.nonce, q, tt.password); got != tt.want {
				t.Errorf("VerifyAutologin = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoginRedirectURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base, want string
	}{
		{
			"bare domain gets https",
			"shop-1.myinsales.ru",
			"https://shop-1.myinsales.ru/admin/applications/parceltrack/login?token=abc123&login=https%3A%2F%2Fapp.example.ru%2Fapp%2Fautologin%3Fs%3D1",
		},
		{
			"sandbox base keeps its scheme and path",
			"http://127.0.0.1:8080/sandbox/insales/shop-1.myinsales.ru/",
			"http://127.0.0.1:8080/sandbox/insales/shop-1.myinsales.ru/admin/applications/parceltrack/login?token=abc123&login=https%3A%2F%2Fapp.example.ru%2Fapp%2Fautologin%3Fs%3D1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LoginRedirectURL(tt.base, "parceltrack", "abc123", "https://app.example.ru/app/autologin?s=1")
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if u.Query().Get("login") != "https://app.example.ru/app/autologin?s=1" || u.Query().Get("token") != "abc123" {
				t.Errorf("query does not round-trip: %v", u.Query())
			}
		})
	}

	c, err := New(Config{AppID: "parceltrack", BaseURL: BaseURLPattern("http://127.0.0.1:9/sandbox/insales/{shop}")})
	if err != nil {
		t.Fatal(err)
	}
	got := c.LoginRedirectURL("demo.myinsales.ru", "n1", "http://127.0.0.1:9/app/autologin")
	if want := "http://127.0.0.1:9/sandbox/insales/demo.myinsales.ru/admin/applications/parceltrack/login?token=n1&login=http%3A%2F%2F127.0.0.1%3A9%2Fapp%2Fautologin"; got != want {
		t.Errorf("Client.LoginRedirectURL = %s, want %s", got, want)
	}
}

func TestNewNonce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     []byte
		want    string
		wantErr bool
	}{
		{"sixteen bytes to hex", bytes.Repeat([]byte{0xab}, 20), strings.Repeat("ab", 16), false},
		{"short source fails", []byte{1, 2, 3}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewNonce(bytes.NewReader(tt.src))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("NewNonce = %q, want %q", got, tt.want)
			}
		})
	}
}
