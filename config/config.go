// Package config reads the one typed Config of the process from the environment
// (and an optional .env file), validates it, and describes every option so that
// .env.example, the README table and the redacted start-up dump come from one table.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"github.com/nyaruka/phonenumbers"
)

// Config is everything the process needs to know about its surroundings.
type Config struct {
	HTTPAddr        string
	BaseURL         string
	DataDir         string
	MongoURI        string
	MongoDatabase   string
	AppSecretKey    string
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
	WorkerID        string
	// MetricsToken, when set, is the bearer token GET /metrics requires.
	MetricsToken string

	RussianPostLogin      string
	RussianPostPassword   string
	RussianPostURL        string
	RussianPostBatchURL   string
	RussianPostDailyLimit int
	RussianPostBatch      bool

	PollInterval    time.Duration
	PollBatchSize   int
	PollConcurrency int
	PollRatePerSec  float64
	LeaseDuration   time.Duration

	InsalesAppID     string
	InsalesAppSecret string
	InsalesAPIBase   string

	// Twilio (SMS and voice) and SMTP (e-mail). Each provider is real when
	// its credentials are set and played by a sandbox stand-in otherwise.
	TwilioAccountSID string
	TwilioAuthToken  string
	TwilioFrom       string
	TwilioAPIURL     string
	// TwilioVoice is the voice calls speak with (<Say voice>).
	TwilioVoice string

	// The message dispatcher: how often it looks for due messages, what
	// each provider is handed per second by one process, and a shop's
	// calls per day.
	DispatchInterval time.Duration
	SMSPerSec        float64
	CallsPerSec      float64
	EmailsPerSec     float64
	CallsPerShopDay  int

	SMTPHost     string
	SMTPPort     int
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string
	SMTPFromName string
	// SMTPTLS is "starttls", "tls" or "none", the values of notify's
	// SMTPTLSMode constants (config imports no domain package).
	SMTPTLS string

	SandboxSpeed float64
}

// Sandbox reports whether the Russian Post stand-in plays the carrier.
func (c Config) Sandbox() bool { return c.RussianPostLogin == "" }

// InsalesSandbox reports whether the sandbox shop plays InSales.
func (c Config) InsalesSandbox() bool { return c.InsalesAppID == "" }

// TwilioSandbox reports whether the sandbox stand-in plays Twilio.
func (c Config) TwilioSandbox() bool { return c.TwilioAccountSID == "" }

// SMTPSandbox reports whether the sandbox SMTP sink receives e-mail.
func (c Config) SMTPSandbox() bool { return c.SMTPHost == "" }

// Embedded reports whether the process starts its own database server.
func (c Config) Embedded() bool { return c.MongoURI == "" }

// option is one row of the configuration table.
type option struct {
	key     string
	def     string
	help    string
	secret  bool
	set     func(c *Config, v string) error
	derived bool // default computed from other options when empty
}

func options() []option {
	return []option{
		{key: "HTTP_ADDR", def: ":8080", help: "address the web server listens on (host:port)", set: func(c *Config, v string) error {
			if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
				return fmt.Errorf("want host:port such as :8080 or 127.0.0.1:8080")
			} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
				return fmt.Errorf("port %q is not a number from 0 to 65535", port)
			}
			c.HTTPAddr = v
			return nil
		}},
		{key: "BASE_URL", def: "", derived: true, help: "public URL of the service, used in links, webhooks and widgets (default: http://localhost:PORT)", set: func(c *Config, v string) error {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("want an absolute http(s) URL such as https://parceltrack.example.ru")
			}
			c.BaseURL = strings.TrimRight(v, "/")
			return nil
		}},
		{key: "DATA_DIR", def: "./data", help: "folder for the embedded database and generated secrets", set: func(c *Config, v string) error {
			c.DataDir = v
			return nil
		}},
		{key: "MONGODB_URI", def: "", secret: true, help: "MongoDB connection string; empty starts the embedded database under DATA_DIR", set: func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "mongodb://") && !strings.HasPrefix(v, "mongodb+srv://") {
				return fmt.Errorf("want a mongodb:// or mongodb+srv:// URI")
			}
			c.MongoURI = v
			return nil
		}},
		{key: "MONGODB_DATABASE", def: "parceltrack", help: "database name", set: func(c *Config, v string) error {
			if v == "" || strings.ContainsAny(v, `/\. "$`) {
				return fmt.Errorf("want a plain database name without / \\ . space \" or $")
			}
			c.MongoDatabase = v
			return nil
		}},
		{key: "APP_SECRET_KEY", def: "", secret: true, derived: true, help: "key for sessions and encrypted secrets, at least 32 characters; generated into DATA_DIR/secret.key when empty", set: func(c *Config, v string) error {
			if len(v) < 32 {
				return fmt.Errorf("want at least 32 characters")
			}
			c.AppSecretKey = v
			return nil
		}},
		{key: "METRICS_TOKEN", def: "", secret: true, help: "bearer token GET /metrics requires (at least 16 characters); empty leaves /metrics open, so keep it off the public network", set: func(c *Config, v string) error {
			if v != "" && len(v) < 16 {
				return fmt.Errorf("want at least 16 characters")
			}
			c.MetricsToken = v
			return nil
		}},
		{key: "LOG_LEVEL", def: "info", help: "debug, info, warn or error", set: func(c *Config, v string) error {
			return c.LogLevel.UnmarshalText([]byte(v))
		}},
		{key: "LOG_FORMAT", def: "text", help: "text or json", set: func(c *Config, v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("want text or json")
			}
			c.LogFormat = v
			return nil
		}},
		{key: "SHUTDOWN_TIMEOUT", def: "15s", help: "how long shutdown waits for requests and jobs to finish", set: durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{key: "WORKER_ID", def: "", derived: true, help: "name of this process in leases and locks (default: host-pid)", set: func(c *Config, v string) error {
			c.WorkerID = v
			return nil
		}},
		{key: "RUSSIANPOST_LOGIN", def: "", help: "Russian Post tracking login; empty uses the built-in sandbox", set: func(c *Config, v string) error {
			c.RussianPostLogin = v
			return nil
		}},
		{key: "RUSSIANPOST_PASSWORD", def: "", secret: true, help: "Russian Post tracking password", set: func(c *Config, v string) error {
			c.RussianPostPassword = v
			return nil
		}},
		{key: "RUSSIANPOST_URL", def: "https://tracking.russianpost.ru/rtm34", help: "single-access (SOAP 1.2) endpoint", set: urlSetter(func(c *Config) *string { return &c.RussianPostURL })},
		{key: "RUSSIANPOST_BATCH_URL", def: "https://tracking.russianpost.ru/fc", help: "batch-access (SOAP 1.1) endpoint", set: urlSetter(func(c *Config) *string { return &c.RussianPostBatchURL })},
		{key: "RUSSIANPOST_DAILY_LIMIT", def: "100", help: "single-access requests per day the account may make (free account: 100)", set: intSetter(1, 10_000_000, func(c *Config) *int { return &c.RussianPostDailyLimit })},
		{key: "RUSSIANPOST_BATCH", def: "false", help: "use batch access (needs a contract)", set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false")
			}
			c.RussianPostBatch = b
			return nil
		}},
		{key: "POLL_INTERVAL", def: "30s", help: "how often the poller looks for due parcels", set: durationSetter(func(c *Config) *time.Duration { return &c.PollInterval })},
		{key: "POLL_BATCH_SIZE", def: "200", help: "parcels claimed per poll round", set: intSetter(1, 5000, func(c *Config) *int { return &c.PollBatchSize })},
		{key: "POLL_CONCURRENCY", def: "8", help: "carrier requests in flight per process", set: intSetter(1, 256, func(c *Config) *int { return &c.PollConcurrency })},
		{key: "POLL_RATE", def: "5", help: "carrier requests per second per process", set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 {
				return fmt.Errorf("want a positive number")
			}
			c.PollRatePerSec = f
			return nil
		}},
		{key: "LEASE_DURATION", def: "2m", help: "how long a claimed parcel stays with one worker before others may take it", set: durationSetter(func(c *Config) *time.Duration { return &c.LeaseDuration })},
		{key: "INSALES_APP_ID", def: "", help: "the app's identifier in the InSales app store; empty plays InSales with the sandbox shop", set: func(c *Config, v string) error {
			c.InsalesAppID = v
			return nil
		}},
		{key: "INSALES_APP_SECRET", def: "", secret: true, help: "the app's secret in the InSales app store", set: func(c *Config, v string) error {
			c.InsalesAppSecret = v
			return nil
		}},
		{key: "INSALES_API_BASE", def: "https://{shop}", help: "API base of a shop; {shop} is its domain", set: func(c *Config, v string) error {
			if !strings.Contains(v, "{shop}") {
				return fmt.Errorf("want a URL containing {shop}")
			}
			c.InsalesAPIBase = v
			return nil
		}},
		{key: "TWILIO_ACCOUNT_SID", def: "", help: "Twilio account SID (AC…); empty sends SMS and calls to the built-in sandbox", set: func(c *Config, v string) error {
			if v != "" && !twilioSID.MatchString(v) {
				return fmt.Errorf("want AC followed by 32 hex digits, as shown in the Twilio console")
			}
			c.TwilioAccountSID = v
			return nil
		}},
		{key: "TWILIO_AUTH_TOKEN", def: "", secret: true, help: "Twilio auth token; also checks the signature of delivery reports", set: func(c *Config, v string) error {
			// twilio-go refuses other characters client-side, so every
			// message would fail; refusing here stops start-up instead.
			if v != "" && !alphanumeric.MatchString(v) {
				return fmt.Errorf("want letters and digits only")
			}
			c.TwilioAuthToken = v
			return nil
		}},
		{key: "TWILIO_FROM", def: "", help: "sender number of SMS and calls, a Twilio number in E.164 such as +79123456789", set: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			e164, err := canonicalE164(v)
			if err != nil {
				return err
			}
			c.TwilioFrom = e164
			return nil
		}},
		{key: "TWILIO_VOICE", def: "Polly.Tatyana", help: "voice calls speak with: a Russian Amazon Polly or Google voice reads slower and clearer (empty: Twilio's default)", set: func(c *Config, v string) error {
			c.TwilioVoice = v
			return nil
		}},
		{key: "DISPATCH_INTERVAL", def: "5s", help: "how often the dispatcher looks for due messages", set: durationSetter(func(c *Config) *time.Duration { return &c.DispatchInterval })},
		{key: "SMS_PER_SECOND", def: "10", help: "SMS handed to Twilio per second per process", set: floatSetter(func(c *Config) *float64 { return &c.SMSPerSec })},
		{key: "CALLS_PER_SECOND", def: "1", help: "calls placed per second per process (Twilio's default is 1)", set: floatSetter(func(c *Config) *float64 { return &c.CallsPerSec })},
		{key: "EMAILS_PER_SECOND", def: "5", help: "e-mails handed to the SMTP server per second per process", set: floatSetter(func(c *Config) *float64 { return &c.EmailsPerSec })},
		{key: "CALLS_PER_SHOP_DAY", def: "100", help: "calls one shop may place a day unless it chose fewer", set: intSetter(1, 100000, func(c *Config) *int { return &c.CallsPerShopDay })},
		{key: "TWILIO_API_URL", def: "https://api.twilio.com", help: "Twilio REST API base (another URL for tests or a regional endpoint)", set: urlSetter(func(c *Config) *string { return &c.TwilioAPIURL })},
		{key: "SMTP_HOST", def: "", help: "SMTP server for e-mail; empty sends e-mail to the built-in sandbox", set: func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err == nil || strings.ContainsAny(v, "/ @") {
				return fmt.Errorf("want a host name only, such as smtp.example.ru (the port goes in SMTP_PORT)")
			}
			c.SMTPHost = v
			return nil
		}},
		{key: "SMTP_PORT", def: "", derived: true, help: "SMTP server port (default: 587; 465 with SMTP_TLS=tls, 25 with none)", set: intSetter(1, 65535, func(c *Config) *int { return &c.SMTPPort })},
		{key: "SMTP_USERNAME", def: "", help: "SMTP login; empty sends without authentication", set: func(c *Config, v string) error {
			c.SMTPUsername = v
			return nil
		}},
		{key: "SMTP_PASSWORD", def: "", secret: true, help: "SMTP password", set: func(c *Config, v string) error {
			c.SMTPPassword = v
			return nil
		}},
		{key: "SMTP_FROM", def: "", help: "sender address of e-mail, such as noreply@example.ru (the name goes in SMTP_FROM_NAME)", set: func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			a, err := mail.ParseAddress(v)
			if err != nil || a.Address != v {
				return fmt.Errorf("want a bare e-mail address such as noreply@example.ru")
			}
			c.SMTPFrom = v
			return nil
		}},
		{key: "SMTP_FROM_NAME", def: "parceltrack", help: "sender name shown in e-mail", set: func(c *Config, v string) error {
			c.SMTPFromName = v
			return nil
		}},
		{key: "SMTP_TLS", def: "starttls", help: "starttls (port 587), tls (port 465) or none (a local relay)", set: func(c *Config, v string) error {
			switch v {
			case "starttls", "tls", "none":
				c.SMTPTLS = v
				return nil
			}
			return fmt.Errorf("want starttls, tls or none")
		}},
		{key: "SANDBOX_SPEED", def: "1", help: "sandbox parcel days per real minute", set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f > 1440 {
				return fmt.Errorf("want a number above 0 and at most 1440")
			}
			c.SandboxSpeed = f
			return nil
		}},
	}
}

var (
	twilioSID    = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// canonicalE164 accepts a valid phone number written exactly in E.164, and
// names the E.164 form when it was written otherwise: Twilio matches senders
// by that exact string.
func canonicalE164(v string) (string, error) {
	const want = "want a phone number in E.164 such as +79123456789"
	if !strings.HasPrefix(v, "+") {
		return "", errors.New(want)
	}
	num, err := phonenumbers.Parse(v, "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", errors.New(want)
	}
	if e164 := phonenumbers.Format(num, phonenumbers.E164); e164 != v {
		return "", fmt.Errorf("want E.164 without spaces or punctuation: %s", e164)
	}
	return v, nil
}

func durationSetter(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a positive duration such as 30s or 5m")
		}
		*field(c) = d
		return nil
	}
}

func floatSetter(field func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("want a positive number")
		}
		*field(c) = f
		return nil
	}
}

func intSetter(lo, hi int, field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("want a whole number from %d to %d", lo, hi)
		}
		*field(c) = n
		return nil
	}
}

func urlSetter(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an absolute http(s) URL")
		}
		*field(c) = v
		return nil
	}
}

// Error names the variable that is wrong, so start-up can stop with one clear line.
type Error struct {
	Key    string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Key, e.Reason) }

// Load reads the configuration. lookup is the process environment in production
// (os.LookupEnv); values from envFile (if it exists) apply where lookup has none.
func Load(lookup func(string) (string, bool), envFile string) (Config, error) {
	fileVals := map[string]string{}
	if envFile != "" {
		vals, err := godotenv.Read(envFile)
		switch {
		case err == nil:
			fileVals = vals
		case !errors.Is(err, os.ErrNotExist):
			return Config{}, &Error{Key: envFile, Reason: err.Error()}
		}
	}
	get := func(key string) (string, bool) {
		if v, ok := lookup(key); ok {
			return v, true
		}
		v, ok := fileVals[key]
		return v, ok
	}

	var c Config
	for _, o := range options() {
		v, ok := get(o.key)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			if o.derived {
				continue
			}
			v = o.def
		}
		if err := o.set(&c, v); err != nil {
			return Config{}, &Error{Key: o.key, Reason: fmt.Sprintf("%q: %v", redact(o, v), err)}
		}
	}
	if c.BaseURL == "" {
		_, port, _ := net.SplitHostPort(c.HTTPAddr)
		c.BaseURL = "http://localhost:" + port
	}
	if c.WorkerID == "" {
		host, _ := os.Hostname()
		c.WorkerID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if c.InsalesAppID != "" && c.InsalesAppSecret == "" {
		return Config{}, &Error{Key: "INSALES_APP_SECRET", Reason: "required when INSALES_APP_ID is set"}
	}
	if c.RussianPostLogin != "" && c.RussianPostPassword == "" {
		return Config{}, &Error{Key: "RUSSIANPOST_PASSWORD", Reason: "required when RUSSIANPOST_LOGIN is set"}
	}
	if err := c.checkProviders(); err != nil {
		return Config{}, err
	}
	if c.AppSecretKey == "" {
		key, err := loadOrCreateSecret(filepath.Join(c.DataDir, "secret.key"))
		if err != nil {
			return Config{}, &Error{Key: "APP_SECRET_KEY", Reason: err.Error()}
		}
		c.AppSecretKey = key
	}
	return c, nil
}

// checkProviders refuses a half-configured Twilio or SMTP: falling back to
// the sandbox would silently drop every real message, and sending with a part
// missing would fail every one.
func (c *Config) checkProviders() error {
	twilio := map[string]string{"TWILIO_ACCOUNT_SID": c.TwilioAccountSID,
		"TWILIO_AUTH_TOKEN": c.TwilioAuthToken, "TWILIO_FROM": c.TwilioFrom}
	if err := allOrNone(twilio, []string{"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"}); err != nil {
		return err
	}

	if c.SMTPPort == 0 {
		c.SMTPPort = map[string]int{"starttls": 587, "tls": 465, "none": 25}[c.SMTPTLS]
	}
	smtp := map[string]string{"SMTP_HOST": c.SMTPHost, "SMTP_FROM": c.SMTPFrom,
		"SMTP_USERNAME": c.SMTPUsername, "SMTP_PASSWORD": c.SMTPPassword}
	if err := allOrNone(smtp, []string{"SMTP_HOST", "SMTP_FROM"}); err != nil {
		return err
	}
	if err := allOrNone(smtp, []string{"SMTP_USERNAME", "SMTP_PASSWORD"}); err != nil {
		return err
	}
	if c.SMTPHost == "" && c.SMTPUsername != "" {
		return &Error{Key: "SMTP_HOST", Reason: "required when SMTP_USERNAME is set"}
	}
	// go-mail refuses to send a password in clear text to anything but
	// localhost, so every e-mail would fail.
	if c.SMTPTLS == "none" && c.SMTPUsername != "" && !isLocalhost(c.SMTPHost) {
		return &Error{Key: "SMTP_TLS", Reason: "none would send SMTP_PASSWORD in clear text; allowed only to localhost, use starttls or tls"}
	}
	return nil
}

// allOrNone returns an error naming the first key of group that is empty
// while another is set.
func allOrNone(vals map[string]string, group []string) error {
	set := ""
	for _, k := range group {
		if vals[k] != "" {
			set = k
			break
		}
	}
	if set == "" {
		return nil
	}
	for _, k := range group {
		if vals[k] == "" {
			return &Error{Key: k, Reason: "required when " + set + " is set"}
		}
	}
	return nil
}

func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func redact(o option, v string) string {
	if o.secret && v != "" {
		return "***"
	}
	return v
}

// LogAttrs describes the effective configuration with secrets hidden, for the
// start-up log line.
func (c Config) LogAttrs() []any {
	return []any{
		slog.String("http_addr", c.HTTPAddr),
		slog.String("base_url", c.BaseURL),
		slog.String("data_dir", c.DataDir),
		slog.Bool("embedded_db", c.Embedded()),
		slog.String("database", c.MongoDatabase),
		slog.Bool("sandbox", c.Sandbox()),
		slog.Bool("insales_sandbox", c.InsalesSandbox()),
		slog.String("worker_id", c.WorkerID),
	}
}

// Doc is one documented option, for generating .env.example and the README table.
type Doc struct {
	Key, Default, Help string
	Secret             bool
}

// Docs lists every option in table order.
func Docs() []Doc {
	var out []Doc
	for _, o := range options() {
		out = append(out, Doc{Key: o.key, Default: o.def, Help: o.help, Secret: o.secret})
	}
	return out
}
