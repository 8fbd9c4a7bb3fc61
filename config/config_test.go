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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
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
	_, err := Load(lookup(map[string]string{"DATA_DIR": t.TempDir(), "MONGODB_URI": "postgres://user:hunter2@x"}), "")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v: the secret must not appear", err)
	}
}

func TestEnvFileFillsGapsAndEnvironmentWins(t *testing.T) {
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
