package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"parceltrack/billing"
	"parceltrack/carriers/russianpost"
	"parceltrack/insales"
	"parceltrack/jobs"
	"parceltrack/messages"
	"parceltrack/notify"
	"parceltrack/onboarding"
	"parceltrack/sandbox/demo"
	insalessandbox "parceltrack/sandbox/insales"
	"parceltrack/sandbox/outbox"
	rpsandbox "parceltrack/sandbox/russianpost"
	"parceltrack/sandbox/smtpsink"
	twiliosandbox "parceltrack/sandbox/twilio"
	"parceltrack/shopapp"
	"parceltrack/storage"
	"parceltrack/tracking"
	"parceltrack/workers"
)

// The credentials the sandbox stand-ins accept; the app presents them like
// real ones.
const (
	sandboxRPLogin       = "sandbox"
	sandboxRPPassword    = "sandbox-password"
	sandboxInsalesID     = "parceltrack-sandbox"
	sandboxInsalesSecret = "sandbox-app-secret"
	// sandboxCallerID is the number sandbox calls come from (a call's
	// caller ID must be a phone number, unlike an SMS sender).
	sandboxCallerID = "+74950000000"
)

// services are the domain services of one process, built from env.
type services struct {
	e       *env
	billing *billing.Service
	prices  billing.Prices
	carrier *russianpost.Client
	poller  *workers.Poller
	// batchPoller replaces poller's rounds when the account has batch access.
	batchPoller *workers.BatchPoller
	// trackingClock is the clock carrier dates are compared with: the wall
	// clock, or the sandbox carrier's fast clock in sandbox mode.
	trackingClock func() time.Time
	rpSandbox     *rpsandbox.Server
	demo          *demo.Demo
	shopApp       *shopapp.App
	shopSandbox   *insalessandbox.Server
	// queue stores background jobs; jobRunner runs them in a worker
	// process (nil in a web-only one, whose jobs the workers run).
	queue     *jobQueue
	jobRunner *workers.JobRunner
	// outbox records what the sandbox Twilio and SMTP stand-ins received
	// (nil when both providers are real).
	outbox *outbox.Mongo
	// Messages: the SMS and e-mail channels, the setup wizard, and the
	// sandbox Twilio and SMTP stand-ins they talk to when that provider is
	// not configured (nil when it is). Nil without a web server.
	sms             notify.Channel
	voice           notify.Channel
	email           notify.Channel
	onboarding      *onboarding.Service
	twilioSandbox   *twiliosandbox.Handler
	smtpSink        *smtpsink.Sink
	twilioToken     string
	twilioStatusURL string
	// The outbox: the planner hangs off the poller, the dispatcher runs in
	// workers that have channels, reports settle delivery callbacks.
	planner    *messages.Planner
	dispatcher *messages.Dispatcher
	reports    *messages.Reports
}

// buildServices wires the domain. selfURL is where this process's own web
// server answers (the sandbox stand-ins are served there).
func buildServices(ctx context.Context, e *env, selfURL string) (*services, error) {
	s := &services{e: e, prices: billing.DefaultPrices(), trackingClock: time.Now, queue: &jobQueue{store: e.db.Jobs()}}
	cfg := e.cfg
	rpCfg := russianpost.Config{URL: cfg.RussianPostURL, BatchURL: cfg.RussianPostBatchURL,
		Login: cfg.RussianPostLogin, Password: cfg.RussianPostPassword,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}}

	if cfg.Sandbox() || cfg.InsalesSandbox() || cfg.TwilioSandbox() || cfg.SMTPSandbox() {
		// The stand-ins keep their state in collections of the app's
		// database, made and indexed like the app's own.
		names := append([]string{rpsandbox.StartsCollection, outbox.Collection}, insalessandbox.Collections()...)
		if err := e.db.EnsureCollections(ctx, names...); err != nil {
			return nil, err
		}
	}
	if cfg.Sandbox() {
		if selfURL == "" {
			return nil, fmt.Errorf("sandbox mode (no RUSSIANPOST_LOGIN) serves the sandbox carrier from the web server: run `serve`, or configure the real services")
		}
		s.prices.Welcome = billing.SandboxWelcome
		// The epoch is kept in the database so carrier dates stay put
		// across restarts.
		epoch, err := e.db.Settings().FirstTime(ctx, "sandbox_epoch", time.Now())
		if err != nil {
			return nil, err
		}
		s.rpSandbox = &rpsandbox.Server{Speed: cfg.SandboxSpeed, Epoch: epoch, Login: sandboxRPLogin,
			Password: sandboxRPPassword, Starts: scenarioStarts{e.db.SettingsIn(rpsandbox.StartsCollection)}, Logger: e.log}
		s.trackingClock = s.rpSandbox.Now
		rpCfg.URL = selfURL + "/sandbox/russianpost/rtm34"
		rpCfg.BatchURL = selfURL + "/sandbox/russianpost/fc"
		rpCfg.Login, rpCfg.Password = sandboxRPLogin, sandboxRPPassword
	}
	s.carrier = russianpost.NewClient(rpCfg)
	s.billing = billing.New(e.db.Ledger(), billing.Options{Prices: s.prices, Logger: e.log})

	if err := s.buildInsales(ctx, selfURL); err != nil {
		return nil, err
	}
	if err := s.buildMessages(); err != nil {
		return nil, err
	}
	var err error
	s.poller, err = workers.NewPoller(workers.PollerOptions{
		Owner: cfg.WorkerID, Polls: e.db.Polls(), Parcels: e.db.Parcels(), Budgets: e.db.Budgets(),
		Carrier: s.carrier, BatchSize: cfg.PollBatchSize, Lease: cfg.LeaseDuration,
		Concurrency: cfg.PollConcurrency, RatePerSec: cfg.PollRatePerSec, DailyLimit: cfg.RussianPostDailyLimit,
		// The budget's days follow the tracking clock: in sandbox mode the
		// carrier's days pass in minutes, and so does its budget.
		TrackingClock: s.trackingClock, Rules: tracking.DefaultRules(), Logger: e.log, Metrics: e.metrics,
		OnChange: s.onChange,
	})
	if err != nil {
		return nil, err
	}
	if cfg.RussianPostBatch {
		s.batchPoller, err = workers.NewBatchPoller(workers.BatchPollerOptions{Owner: cfg.WorkerID,
			Polls: e.db.Polls(), Parcels: e.db.Parcels(), Tickets: e.db.Tickets(), Budgets: e.db.Budgets(),
			Carrier: s.carrier, Concurrency: cfg.PollConcurrency, TrackingClock: s.trackingClock,
			Rules: tracking.DefaultRules(), Logger: e.log, Metrics: e.metrics, OnChange: s.onChange})
		if err != nil {
			return nil, err
		}
	}
	if cfg.Sandbox() {
		s.demo = &demo.Demo{Shops: e.db.Shops(), ParcelStore: e.db.Parcels(), App: s.shopApp, Billing: s.billing,
			Marks: e.db.Settings(), Welcome: s.prices.Welcome, Clock: s.trackingClock}
	}
	return s, nil
}

// buildMessages wires the outbox: the planner, delivery reports and, with
// at least one channel, the dispatcher.
func (s *services) buildMessages() error {
	e, cfg := s.e, s.e.cfg
	s.reports = messages.NewReports(e.db.Notifications(), s.billing, e.log, nil)
	s.planner = messages.NewPlanner(messages.PlannerOptions{Store: e.db.Notifications(), Parcels: e.db.Parcels(),
		Shops: e.db.Shops(), Logger: e.log})
	var channels []notify.Channel
	for _, ch := range []notify.Channel{s.sms, s.voice, s.email} {
		if ch != nil {
			channels = append(channels, ch)
		}
	}
	if len(channels) == 0 {
		return nil
	}
	var err error
	s.dispatcher, err = messages.NewDispatcher(messages.DispatcherOptions{
		Owner: cfg.WorkerID, Store: e.db.Notifications(), Parcels: e.db.Parcels(), Shops: e.db.Shops(),
		Billing: s.billing, Budgets: e.db.Budgets(), Links: s.shopApp, Channels: channels,
		Rates: map[notify.ChannelKind]float64{notify.KindSMS: cfg.SMSPerSec, notify.KindVoice: cfg.CallsPerSec,
			notify.KindEmail: cfg.EmailsPerSec},
		BaseURL: cfg.BaseURL, StatusCallback: s.twilioStatusURL, Lease: cfg.LeaseDuration,
		CallsPerDay: cfg.CallsPerShopDay, Rules: tracking.DefaultRules(), TrackingClock: s.trackingClock,
		Logger: e.log, Metrics: e.metrics,
	})
	return err
}

// onChange is the pollers' hook: a parcel's change moves its order status
// (when the state moved) and plans its messages. Either failing leaves the
// poll unfinished, so the change is seen again.
func (s *services) onChange(ctx context.Context, c tracking.Change) error {
	if err := s.shopApp.OnStateChange(ctx, c); err != nil {
		return err
	}
	return s.planner.OnChange(ctx, c)
}

// buildInsales wires the InSales app, and in sandbox mode the sandbox shop
// it is installed into.
func (s *services) buildInsales(ctx context.Context, selfURL string) error {
	cfg := s.e.cfg
	appID, secret, base := cfg.InsalesAppID, cfg.InsalesAppSecret, cfg.InsalesAPIBase
	if cfg.InsalesSandbox() {
		if selfURL == "" {
			return fmt.Errorf("sandbox mode (no INSALES_APP_ID) serves the sandbox shop from the web server: run `serve`, or configure the real services")
		}
		appID, secret = sandboxInsalesID, sandboxInsalesSecret
		// The app reaches the sandbox shop over loopback; browsers use BASE_URL.
		base = selfURL + insalessandbox.DefaultPrefix + "/{shop}"
		var err error
		s.shopSandbox, err = insalessandbox.New(insalessandbox.Config{
			BaseURL: cfg.BaseURL, Store: insalessandbox.NewMongoStore(s.e.db.Database()), Logger: s.e.log,
			ShopDomain: demo.ShopDomain, InsalesID: demo.InsalesID, ShopTitle: demo.ShopName,
			App: insalessandbox.App{ID: appID, Secret: secret,
				InstallURL:   selfURL + "/insales/install",
				UninstallURL: selfURL + "/insales/uninstall",
				LoginURL:     cfg.BaseURL + "/insales/login"},
		})
		if err != nil {
			return fmt.Errorf("sandbox shop: %w", err)
		}
	}
	sealer, err := shopapp.NewSealer(cfg.AppSecretKey)
	if err != nil {
		return err
	}
	client, err := insales.New(insales.Config{AppID: appID, AppSecret: secret, Logger: s.e.log,
		BaseURL: insales.BaseURLPattern(base)})
	if err != nil {
		return err
	}
	s.shopApp, err = shopapp.New(shopapp.Options{Client: client, AppSecret: secret, BaseURL: cfg.BaseURL,
		Sealer: sealer, Shops: s.e.db.Shops(), Parcels: s.e.db.Parcels(), Events: s.e.db.EventsSeen(),
		Billing: s.billing, Locks: s.e.db.Leases(), Jobs: s.queue, TrackingClock: s.trackingClock,
		Rules: tracking.DefaultRules(), Logger: s.e.log})
	if err != nil {
		return err
	}
	return s.buildOnboarding(ctx, selfURL)
}

// buildOnboarding wires the SMS, voice and e-mail channels and the setup
// wizard. Each provider is independent: with its settings configured the
// channel talks to the real Twilio or SMTP server, otherwise to a stand-in
// — the Twilio one this process serves under /sandbox/twilio, the SMTP sink
// on a loopback port, both recording into the sandbox outbox. A process
// without a web server (worker) has the real providers' channels only, and
// no wizard.
func (s *services) buildOnboarding(ctx context.Context, selfURL string) error {
	cfg := s.e.cfg
	if selfURL != "" || !cfg.TwilioSandbox() {
		if err := s.buildTwilio(selfURL); err != nil {
			return err
		}
	}
	if selfURL != "" || !cfg.SMTPSandbox() {
		if err := s.buildEmail(ctx); err != nil {
			return err
		}
	}
	if selfURL == "" {
		return nil
	}
	s.logProviders()
	var err error
	s.onboarding, err = onboarding.New(onboarding.Options{
		Shops: s.e.db.Shops(), Codes: s.e.db.Verifications(), SMS: s.sms, Email: s.email,
		Secret: s.e.cfg.AppSecretKey, StatusCallback: s.twilioStatusURL, App: s.shopApp,
		Prices: s.prices, Logger: s.e.log,
	})
	return err
}

// buildTwilio wires the Twilio SMS and voice channels. Twilio signs its delivery reports
// with the account's auth token and the exact callback URL, so the status
// handler is given both (s.twilioToken, s.twilioStatusURL): the real Twilio
// calls the public BASE_URL, the stand-in calls this process over loopback.
func (s *services) buildTwilio(selfURL string) error {
	cfg := s.e.cfg
	tc := notify.TwilioConfig{AccountSID: cfg.TwilioAccountSID, AuthToken: cfg.TwilioAuthToken,
		From: cfg.TwilioFrom, BaseURL: cfg.TwilioAPIURL, Voice: cfg.TwilioVoice, VoiceRepeat: true}
	s.twilioStatusURL = cfg.BaseURL + "/notify/twilio/status"
	if cfg.TwilioSandbox() {
		// Fresh credentials per start: the stand-in accepts only this
		// process, like an account only its owner can use.
		sidBytes, tokenBytes := make([]byte, 16), make([]byte, 16)
		if _, err := rand.Read(sidBytes); err != nil {
			return err
		}
		if _, err := rand.Read(tokenBytes); err != nil {
			return err
		}
		tc.AccountSID, tc.AuthToken = "AC"+hex.EncodeToString(sidBytes), hex.EncodeToString(tokenBytes)
		tc.From, tc.VoiceFrom, tc.BaseURL = "parceltrack", sandboxCallerID, selfURL+"/sandbox/twilio"
		s.twilioStatusURL = selfURL + "/notify/twilio/status"
		s.twilioSandbox = twiliosandbox.New(twiliosandbox.Config{AccountSID: tc.AccountSID, AuthToken: tc.AuthToken,
			Recorder: s.sandboxOutbox(), StatusCallbacks: true, CallbackDelay: 2 * time.Second, Logger: s.e.log})
	}
	s.twilioToken = tc.AuthToken
	var err error
	if s.sms, err = notify.NewSMS(tc); err != nil {
		return fmt.Errorf("sms channel: %w", err)
	}
	if s.voice, err = notify.NewVoice(tc); err != nil {
		return fmt.Errorf("voice channel: %w", err)
	}
	return nil
}

// buildEmail wires the SMTP e-mail channel.
func (s *services) buildEmail(ctx context.Context) error {
	cfg := s.e.cfg
	sc := notify.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
		Password: cfg.SMTPPassword, From: cfg.SMTPFrom, FromName: cfg.SMTPFromName, TLS: notify.SMTPTLSMode(cfg.SMTPTLS)}
	if cfg.SMTPSandbox() {
		var err error
		if s.smtpSink, err = smtpsink.Start(ctx, "127.0.0.1:0", s.sandboxOutbox()); err != nil {
			return fmt.Errorf("sandbox smtp sink: %w", err)
		}
		sc = notify.SMTPConfig{Host: s.smtpSink.Host(), Port: s.smtpSink.Port(),
			From: "noreply@parceltrack.local", FromName: cfg.SMTPFromName, TLS: notify.SMTPTLSNone}
	}
	var err error
	if s.email, err = notify.NewEmail(sc); err != nil {
		return fmt.Errorf("e-mail channel: %w", err)
	}
	return nil
}

// logProviders says at start-up where messages go, without secrets: a
// forgotten variable otherwise shows only as messages that never arrive.
func (s *services) logProviders() {
	cfg := s.e.cfg
	var attrs []any
	if cfg.TwilioSandbox() {
		attrs = append(attrs, slog.String("sms", "sandbox"))
	} else {
		attrs = append(attrs, slog.String("sms", "twilio"), slog.String("twilio_api", cfg.TwilioAPIURL),
			slog.String("twilio_from", notify.MaskPhone(cfg.TwilioFrom)))
	}
	if cfg.SMTPSandbox() {
		attrs = append(attrs, slog.String("email", "sandbox"))
	} else {
		attrs = append(attrs, slog.String("email", "smtp"),
			slog.String("smtp_addr", net.JoinHostPort(cfg.SMTPHost, strconv.Itoa(cfg.SMTPPort))),
			slog.String("smtp_tls", cfg.SMTPTLS), slog.Bool("smtp_auth", cfg.SMTPUsername != ""),
			slog.String("smtp_from", cfg.SMTPFrom))
	}
	s.e.log.Info("message providers", attrs...)
	if !cfg.TwilioSandbox() && isLocalURL(cfg.BaseURL) {
		s.e.log.Warn("Twilio cannot reach BASE_URL: delivery reports will not arrive", slog.String("base_url", cfg.BaseURL))
	}
}

// isLocalURL reports whether u points at this machine (localhost or a
// loopback address), which no outside provider can call.
func isLocalURL(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := parsed.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// seed fills a fresh sandbox database with the demo shop's parcels.
func (s *services) seed(ctx context.Context) error {
	if s.demo == nil {
		return nil
	}
	seeded, err := s.demo.Seed(ctx)
	if err != nil {
		return err
	}
	if seeded {
		s.e.log.Info("sandbox demo shop seeded", slog.String("shop", demo.ShopDomain))
	}
	return nil
}

// jobs lists the background jobs of a worker process.
func (s *services) jobs() []workers.Job {
	cfg := s.e.cfg
	return []workers.Job{
		{Name: "poll", Every: cfg.PollInterval, Run: func(ctx context.Context) error {
			if s.batchPoller != nil {
				st, err := s.batchPoller.Run(ctx)
				s.e.log.Info("batch poll round", slog.Any("stats", st))
				return err
			}
			st, err := s.poller.Drain(ctx, 50)
			if st.Claimed > 0 {
				s.e.log.Info("poll round", slog.Int("claimed", st.Claimed), slog.Int("polled", st.Polled),
					slog.Int("changed", st.Changed), slog.Int("failed", st.Failed), slog.Int("released", st.Released))
			}
			return err
		}},
		{Name: "dispatch", Every: cfg.DispatchInterval, Run: func(ctx context.Context) error {
			if s.dispatcher == nil {
				return nil
			}
			st, err := s.dispatcher.Drain(ctx, 20)
			if st.Claimed > 0 {
				s.e.log.Info("dispatch round", slog.Any("stats", st))
			}
			return err
		}},
		{Name: "messages-resume", Every: 10 * time.Minute, Singleton: true, Run: func(ctx context.Context) error {
			if s.dispatcher == nil {
				return nil
			}
			n, err := s.dispatcher.ResumeFunded(ctx)
			if n > 0 {
				s.e.log.Info("messages resumed after a credit", slog.Int("count", n))
			}
			return err
		}},
		{Name: "insales-reconcile", Every: 10 * time.Minute, Singleton: true, Run: func(ctx context.Context) error {
			_, err := s.shopApp.ReconcileAll(ctx)
			return err
		}},
		{Name: "insales-setup", Every: 5 * time.Minute, Singleton: true, Run: func(ctx context.Context) error {
			_, err := s.shopApp.RunPendingSetups(ctx)
			return err
		}},
		{Name: "sweep", Every: time.Hour, Singleton: true, Run: func(ctx context.Context) error {
			now := time.Now()
			if _, err := s.e.db.Sessions().Sweep(ctx, now); err != nil {
				return err
			}
			if _, err := s.e.db.Verifications().Sweep(ctx, now); err != nil {
				return err
			}
			if _, err := s.e.db.CSRFTokens().Sweep(ctx, now); err != nil {
				return err
			}
			if _, err := s.e.db.RateLimits().Sweep(ctx, now); err != nil {
				return err
			}
			if _, err := s.e.db.Jobs().Sweep(ctx, now.Add(-30*24*time.Hour)); err != nil {
				return err
			}
			_, err := s.e.db.EventsSeen().Sweep(ctx, now.Add(-14*24*time.Hour))
			return err
		}},
		{Name: "billing-repair", Every: time.Minute, Singleton: true, Run: func(ctx context.Context) error {
			n, err := s.billing.RepairPending(ctx, time.Minute)
			if n > 0 {
				s.e.log.Warn("finished interrupted balance changes", slog.Int("count", n))
			}
			return err
		}},
	}
}

func (s *services) close() {
	ctx, cancel := context.WithTimeout(context.Background(), s.e.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.poller.Close(ctx); err != nil {
		s.e.log.Error("poller shutdown", slog.String("error", err.Error()))
	}
	if s.batchPoller != nil {
		if err := s.batchPoller.Close(ctx); err != nil {
			s.e.log.Error("batch poller shutdown", slog.String("error", err.Error()))
		}
	}
	if s.shopSandbox != nil {
		s.shopSandbox.Close()
	}
	if s.twilioSandbox != nil {
		s.twilioSandbox.Close()
	}
	if s.smtpSink != nil {
		if err := s.smtpSink.Close(); err != nil {
			s.e.log.Error("smtp sink shutdown", slog.String("error", err.Error()))
		}
	}
}

// sandboxOutbox is where the sandbox Twilio and SMTP stand-ins record what
// they received: a collection of the app's database, so the outbox page
// survives a restart.
func (s *services) sandboxOutbox() *outbox.Mongo {
	if s.outbox == nil {
		s.outbox = outbox.NewMongo(s.e.db.Database())
	}
	return s.outbox
}

// buildJobRunner builds the runner of this worker process's background
// jobs; jobs enqueued here wake it at once.
func (s *services) buildJobRunner() error {
	var err error
	s.jobRunner, err = workers.NewJobRunner(workers.JobRunnerOptions{Store: s.e.db.Jobs(), Owner: s.e.cfg.WorkerID,
		Handlers: s.shopApp.JobHandlers(), Logger: s.e.log, Metrics: s.e.metrics})
	if err != nil {
		return err
	}
	s.queue.wake = s.jobRunner.Wake
	return nil
}

// jobQueue stores jobs, and wakes this process's runner when it has one.
type jobQueue struct {
	store *storage.Jobs
	wake  func()
}

func (q *jobQueue) Enqueue(ctx context.Context, j jobs.Job) error {
	if err := q.store.Enqueue(ctx, j); err != nil {
		return err
	}
	if q.wake != nil {
		q.wake()
	}
	return nil
}

// scenarioStarts keeps the sandbox carrier's scenario starts in the
// database, so scenarios continue where they were after a restart.
type scenarioStarts struct{ settings *storage.Settings }

func (s scenarioStarts) Start(ctx context.Context, barcode string, now time.Time) (time.Time, error) {
	return s.settings.FirstTime(ctx, barcode, now)
}
