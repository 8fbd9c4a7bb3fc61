package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Load(lookup(map[string]string{"DATA_DIR": dir}), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.BaseURL != "http://localhost:8080" || c.MongoDatabase != "parceltrack" ||
		!c.Embedded() || !c.Sandbox() || c.PollInterval != 30*time.Second || c.RussianPostDailyLimit != 100 {
		t.Fatalf("defaults: %+v", c)
	}
	if len(c.AppSecretKey) < 32 {
		t.Fatalf("generated key %q too short", c.AppSecretKey)
	}
	again, err := Load(lookup(map[string]string{"DATA_DIR": dir}), "")
	if err != nil || again.AppSecretKey != c.AppSecretKey {
		t.Fatalf("second start must reuse the generated key: %v", err)
	}
}

func TestLoadRejectsBadValuesNamingTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, value string
	}{
		{"address without port", "HTTP_ADDR", "nonsense"},
		{"port out of range", "HTTP_ADDR", ":99999"},
		{"relative base url", "BASE_URL", "example.ru"},
		{"not a mongodb uri", "MONGODB_URI", "postgres://x"},
		{"database with a dot", "MONGODB_DATABASE", "a.b"},
		{"short secret", "APP_SECRET_KEY", "short"},
		{"unknown level", "LOG_LEVEL", "loud"},
		{"unknown format", "LOG_FORMAT", "xml"},
		{"negative duration", "POLL_INTERVAL", "-1s"},
		{"zero limit", "RUSSIANPOST_DAILY_LIMIT", "0"},
		{"speed too high", "SANDBOX_SPEED", "5000"},
		{"bad twilio token", "TWILIO_AUTH_TOKEN", "secret token!"},
		{"short metrics token", "METRICS_TOKEN", "letmein"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(lookup(map[string]string{"DATA_DIR": t.TempDir(), tc.key: tc.value}), "")
			var ce *Error
			if !errors.As(err, &ce) || ce.Key != tc.key {
				t.Fatalf("got %v, want an error naming %s", err, tc.key)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
}

func TestSecretsAreNotEchoed(t *testing.T) {
	t.Parallel()
	_, err := Load(lookup(map[string]string{"DATA_DIR": t.TempDir(), "MONGODB_URI": "postgres://user:hunter2@x"}), "")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v: the secret must not appear", err)
	}
}

func TestEnvFileFillsGapsAndEnvironmentWins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, ".env")
	if err := os.WriteFile(file, []byte("HTTP_ADDR=127.0.0.1:9000\nLOG_LEVEL=debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(lookup(map[string]string{"DATA_DIR": dir, "LOG_LEVEL": "warn"}), file)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:9000" || c.LogLevel.String() != "WARN" {
		t.Fatalf("got addr %s level %s", c.HTTPAddr, c.LogLevel)
	}
}

// TestEnvExampleListsEveryOption keeps .env.example in step with the table.
// Run with UPDATE_ENV_EXAMPLE=1 to rewrite it.
func TestEnvExampleListsEveryOption(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("# parceltrack configuration. Every variable is optional: the defaults start\n")
	b.WriteString("# the embedded database and the sandbox stand-ins. Generated from config.Docs().\n")
	for _, d := range Docs() {
		b.WriteString("\n# " + d.Help)
		if d.Secret {
			b.WriteString(" (secret)")
		}
		b.WriteString("\n" + d.Key + "=" + d.Default + "\n")
	}
	path := filepath.Join("..", ".env.example")
	if os.Getenv("UPDATE_ENV_EXAMPLE") == "1" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != b.String() {
		t.Fatal(".env.example is out of date: run UPDATE_ENV_EXAMPLE=1 go test ./config/")
	}
}

// TestReadmeListsEveryOption: the README's configuration table names every
// variable the service reads.
func TestReadmeListsEveryOption(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Docs() {
		if !strings.Contains(string(readme), "`"+d.Key+"`") {
			t.Errorf("README.md does not list %s", d.Key)
		}
	}
}

// Settings of a complete Twilio and a complete SMTP provider; the provider
// tests below take some away or spoil one.
const (
	testTwilioSID   = "AC0123456789abcdef0123456789abcdef"
	testTwilioToken = "9f86d081884c7d659a2feaa0c55ad015"
)

func providerEnv(t *testing.T, overrides map[string]string) map[string]string {
	env := map[string]string{
		"DATA_DIR":           t.TempDir(),
		"TWILIO_ACCOUNT_SID": testTwilioSID, "TWILIO_AUTH_TOKEN": testTwilioToken, "TWILIO_FROM": "+79123456789",
		"SMTP_HOST": "smtp.example.ru", "SMTP_USERNAME": "mailer", "SMTP_PASSWORD": "hunter2", "SMTP_FROM": "noreply@example.ru",
	}
	for k, v := range overrides {
		if v == "" {
			delete(env, k)
			continue
		}
		env[k] = v
	}
	return env
}

func TestLoadProviders(t *testing.T) {
	t.Parallel()
	c, err := Load(lookup(providerEnv(t, nil)), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.TwilioSandbox() || c.SMTPSandbox() || c.TwilioFrom != "+79123456789" || c.TwilioAPIURL != "https://api.twilio.com" ||
		c.SMTPPort != 587 || c.SMTPTLS != "starttls" || c.SMTPFromName != "parceltrack" || c.SMTPFrom != "noreply@example.ru" {
		t.Fatalf("providers: %+v", c)
	}
	none, err := Load(lookup(map[string]string{"DATA_DIR": t.TempDir()}), "")
	if err != nil || !none.TwilioSandbox() || !none.SMTPSandbox() {
		t.Fatalf("no settings must mean both sandboxes: %v", err)
	}

	// The port follows the TLS mode unless it is set.
	for tls, port := range map[string]int{"tls": 465, "none": 25, "starttls": 587} {
		c, err := Load(lookup(providerEnv(t, map[string]string{"SMTP_TLS": tls, "SMTP_HOST": "localhost"})), "")
		if err != nil || c.SMTPPort != port {
			t.Fatalf("SMTP_TLS=%s: port %d, %v; want %d", tls, c.SMTPPort, err, port)
		}
	}
	c, err = Load(lookup(providerEnv(t, map[string]string{"SMTP_TLS": "tls", "SMTP_PORT": "2465"})), "")
	if err != nil || c.SMTPPort != 2465 {
		t.Fatalf("explicit port: %d, %v", c.SMTPPort, err)
	}

	// Each provider on its own: real Twilio with the e-mail sandbox and back.
	c, err = Load(lookup(providerEnv(t, map[string]string{"SMTP_HOST": "", "SMTP_USERNAME": "", "SMTP_PASSWORD": "", "SMTP_FROM": ""})), "")
	if err != nil || c.TwilioSandbox() || !c.SMTPSandbox() {
		t.Fatalf("twilio only: %v", err)
	}
	c, err = Load(lookup(providerEnv(t, map[string]string{"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "TWILIO_FROM": ""})), "")
	if err != nil || !c.TwilioSandbox() || c.SMTPSandbox() {
		t.Fatalf("smtp only: %v", err)
	}
	// A relay without authentication.
	if _, err := Load(lookup(providerEnv(t, map[string]string{"SMTP_USERNAME": "", "SMTP_PASSWORD": ""})), ""); err != nil {
		t.Fatalf("smtp without auth: %v", err)
	}
}

func TestLoadRejectsBadOrHalfConfiguredProviders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string // applied to a complete configuration; "" removes
		key  string
	}{
		{"sid without token", map[string]string{"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"},
		{"sid without sender", map[string]string{"TWILIO_FROM": ""}, "TWILIO_FROM"},
		{"token without sid", map[string]string{"TWILIO_ACCOUNT_SID": ""}, "TWILIO_ACCOUNT_SID"},
		{"sender alone", map[string]string{"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}, "TWILIO_ACCOUNT_SID"},
		{"sid of another kind", map[string]string{"TWILIO_ACCOUNT_SID": "SK0123456789abcdef0123456789abcdef"}, "TWILIO_ACCOUNT_SID"},
		{"short sid", map[string]string{"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_ACCOUNT_SID"},
		{"token with symbols", map[string]string{"TWILIO_AUTH_TOKEN": "abc-def"}, "TWILIO_AUTH_TOKEN"},
		{"sender without plus", map[string]string{"TWILIO_FROM": "79123456789"}, "TWILIO_FROM"},
		{"sender with spaces", map[string]string{"TWILIO_FROM": "+7 912 345-67-89"}, "TWILIO_FROM"},
		{"sender too short", map[string]string{"TWILIO_FROM": "+7912345678"}, "TWILIO_FROM"},
		{"sender as a name", map[string]string{"TWILIO_FROM": "parceltrack"}, "TWILIO_FROM"},
		{"api url without scheme", map[string]string{"TWILIO_API_URL": "api.twilio.com"}, "TWILIO_API_URL"},
		{"host without sender", map[string]string{"SMTP_FROM": ""}, "SMTP_FROM"},
		{"sender without host", map[string]string{"SMTP_HOST": "", "SMTP_USERNAME": "", "SMTP_PASSWORD": ""}, "SMTP_HOST"},
		{"login without host", map[string]string{"SMTP_HOST": "", "SMTP_FROM": ""}, "SMTP_HOST"},
		{"login without password", map[string]string{"SMTP_PASSWORD": ""}, "SMTP_PASSWORD"},
		{"password without login", map[string]string{"SMTP_USERNAME": ""}, "SMTP_USERNAME"},
		{"host with port", map[string]string{"SMTP_HOST": "smtp.example.ru:587"}, "SMTP_HOST"},
		{"host as url", map[string]string{"SMTP_HOST": "smtp://smtp.example.ru"}, "SMTP_HOST"},
		{"port out of range", map[string]string{"SMTP_PORT": "70000"}, "SMTP_PORT"},
		{"port not a number", map[string]string{"SMTP_PORT": "smtp"}, "SMTP_PORT"},
		{"sender not an address", map[string]string{"SMTP_FROM": "noreply"}, "SMTP_FROM"},
		{"sender with a name", map[string]string{"SMTP_FROM": "Shop <noreply@example.ru>"}, "SMTP_FROM"},
		{"unknown tls mode", map[string]string{"SMTP_TLS": "ssl"}, "SMTP_TLS"},
		{"password in clear to a remote host", map[string]string{"SMTP_TLS": "none"}, "SMTP_TLS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(lookup(providerEnv(t, tc.env)), "")
			var ce *Error
			if !errors.As(err, &ce) || ce.Key != tc.key {
				t.Fatalf("got %v, want an error naming %s", err, tc.key)
			}
			for _, secret := range []string{testTwilioToken, "hunter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("%q shows a secret", err)
				}
			}
		})
	}
}
