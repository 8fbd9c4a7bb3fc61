package rpsandbox

import (
	"context"
	"crypto/subtle"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"parceltrack/tracking"
)

// Server is the sandbox Russian Post. Set the exported fields before the first
// request and do not change them afterwards; a Server must not be copied.
type Server struct {
	// Speed is scenario days per real minute; 0 (or less) means 1.
	Speed float64
	// Clock is the wall clock; nil means time.Now.
	Clock func() time.Time
	// Epoch is where the virtual and wall clocks agree; zero means the first
	// use of the Server. Persist it to keep OperDates stable across restarts.
	Epoch time.Time
	// Login and Password are the credentials both services accept.
	Login, Password string
	// Starts keeps scenario starts; nil means an in-memory store.
	Starts StartStore
	// Latency delays every answer (for benchmarks and timeout tests).
	Latency time.Duration
	// DailyLimit, when positive, is the number of single-access requests
	// accepted per virtual Moscow day before the "limit exceeded" fault.
	DailyLimit int
	// Logger receives internal failures (a failing StartStore); nil means
	// slog.Default().
	Logger *slog.Logger

	once    sync.Once
	epoch   time.Time
	factor  float64
	starts  StartStore
	mu      sync.Mutex
	tickets map[string]*ticket
	seq     int
	day     string // virtual Moscow day of the limit counter
	count   int
}

func (s *Server) init() {
	s.once.Do(func() {
		s.factor = s.Speed * 24 * 60
		if !(s.factor > 0) || math.IsInf(s.factor, 0) {
			s.factor = 24 * 60
		}
		s.epoch = s.Epoch
		if s.epoch.IsZero() {
			s.epoch = s.clock()
		}
		s.epoch = s.epoch.Truncate(time.Second)
		s.starts = s.Starts
		if s.starts == nil {
			s.starts = &MemoryStarts{}
		}
		s.tickets = make(map[string]*ticket)
	})
}

func (s *Server) clock() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// maxVirtual bounds how far the virtual clock may run from Epoch, well inside
// time.Duration's ±292 years.
const maxVirtual = 200 * 365 * 24 * time.Hour

// Virtual maps a wall-clock instant to the sandbox's virtual time:
// Epoch + (real − Epoch) × Speed × 1440.
func (s *Server) Virtual(real time.Time) time.Time {
	s.init()
	v := float64(real.Sub(s.epoch)) * s.factor
	v = math.Max(math.Min(v, float64(maxVirtual)), -float64(maxVirtual))
	return s.epoch.Add(time.Duration(v)).In(real.Location())
}

// Now is the sandbox's virtual time: the clock the app must classify sandbox
// parcels with.
func (s *Server) Now() time.Time { return s.Virtual(s.clock()) }

// Register starts barcode's scenario now unless it has started already, and
// returns the (wall-clock) start.
func (s *Server) Register(ctx context.Context, barcode string) (time.Time, error) {
	s.init()
	t, err := s.starts.Start(ctx, strings.TrimSpace(barcode), s.clock().Truncate(time.Second))
	if err != nil {
		return time.Time{}, err
	}
	return t.Truncate(time.Second), nil
}

// Operation is a step as the sandbox reports it at a given moment.
type Operation struct {
	Step
	At time.Time // OperDate: virtual instant in the office's UTC offset
}

// History returns what the sandbox would answer for barcode now, starting its
// scenario if needed. Malformed and unknown numbers give no operations.
func (s *Server) History(ctx context.Context, barcode string) (Scenario, []Operation, error) {
	barcode = strings.TrimSpace(barcode)
	sc := scenarioFor(barcode)
	ops, err := s.operations(ctx, barcode, sc, s.Now())
	return sc, ops, err
}

// operations lists sc's steps visible at virtual time vnow, in response order.
func (s *Server) operations(ctx context.Context, barcode string, sc Scenario, vnow time.Time) ([]Operation, error) {
	if sc.malformed || len(sc.Steps) == 0 {
		return nil, nil
	}
	vstart := sc.fixedStart
	if vstart.IsZero() {
		start, err := s.Register(ctx, barcode)
		if err != nil {
			return nil, err
		}
		vstart = s.Virtual(start).Truncate(time.Minute)
	}
	var out []Operation
	for _, st := range sc.Steps {
		if vstart.Add(st.visibleAt()).After(vnow) {
			continue
		}
		zone := time.FixedZone("", st.Office.UTCOffset*3600)
		out = append(out, Operation{Step: st, At: vstart.Add(st.After).In(zone)})
	}
	return out, nil
}

// ServeHTTP routes on the path suffix: "/rtm34" is single access, "/fc" batch.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.init()
	path := strings.TrimSuffix(r.URL.Path, "/")
	var handle func(http.ResponseWriter, *http.Request)
	switch {
	case strings.HasSuffix(path, "/rtm34") || path == "rtm34":
		handle = s.serveRTM34
	case strings.HasSuffix(path, "/fc") || path == "fc":
		handle = s.serveFC
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed: use POST with a SOAP envelope", http.StatusMethodNotAllowed)
		return
	}
	if s.Latency > 0 {
		t := time.NewTimer(s.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	handle(w, r)
}

// authorized compares credentials in constant time.
func (s *Server) authorized(login, password string) bool {
	l := subtle.ConstantTimeCompare([]byte(strings.TrimSpace(login)), []byte(s.Login))
	p := subtle.ConstantTimeCompare([]byte(strings.TrimSpace(password)), []byte(s.Password))
	return l&p == 1
}

// overLimit counts one single-access request and reports whether the daily
// limit is exceeded.
func (s *Server) overLimit(vnow time.Time) bool {
	if s.DailyLimit <= 0 {
		return false
	}
	day := vnow.In(tracking.Moscow).Format(time.DateOnly)
	s.mu.Lock()
	defer s.mu.Unlock()
	if day != s.day {
		s.day, s.count = day, 0
	}
	s.count++
	return s.count > s.DailyLimit
}

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
