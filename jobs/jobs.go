// Package jobs is durable background work: every job is a row in the
// database claimed with a lease, retried with backoff, kept as failed when
// it keeps failing.
//
// This package holds the vocabulary only — the job, its handler, the retry
// schedule — and does no I/O. The storage package keeps the rows and the
// workers package runs them.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Status is where a job stands. A job being run is still queued: it is the
// lease on its lane that says someone runs it.
type Status string

// The statuses a stored job can have. A job that succeeded is deleted.
const (
	StatusQueued Status = "queued"
	StatusFailed Status = "failed"
)

// DefaultMaxAttempts is how many runs a job gets when Enqueue is given none.
const DefaultMaxAttempts = 8

// Job is one piece of durable work.
type Job struct {
	// ID is set by the store: fresh for an unkeyed job, derived from Key
	// for a keyed one.
	ID string
	// Kind names the Handler that runs it, e.g. "insales.import".
	Kind string
	// Key deduplicates: while a job with this key is stored (queued,
	// running or failed), enqueuing it again only marks it requested again,
	// with the newest payload. Keys are shared by every kind, so name the
	// kind in the key. "" means no deduplication.
	Key string
	// Lane serialises: jobs with the same lane never run side by side, and
	// run in enqueue order. "" puts the job in a lane of its own.
	Lane string
	// Payload is the job's input as JSON (New encodes it, Decode reads it).
	Payload []byte
	// RunAfter is when the job is due; zero at Enqueue means now.
	RunAfter time.Time
	// Attempts counts the runs that failed so far.
	Attempts int
	// MaxAttempts is how many runs fail before the job is kept as failed;
	// zero at Enqueue means DefaultMaxAttempts.
	MaxAttempts int
	// LastError is the error of the last failed run.
	LastError string
	Status    Status
	// Generation is set by the store and counts the requests for a keyed
	// job; the store compares the generation a runner claimed with the
	// current one to see whether the job was requested again while it ran.
	Generation int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// New makes a job of kind with payload encoded as JSON.
func New(kind string, payload any) (Job, error) {
	if kind == "" {
		return Job{}, errors.New("jobs: new: empty kind")
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return Job{}, fmt.Errorf("jobs: new %s: encode payload: %w", kind, err)
	}
	return Job{Kind: kind, Payload: b}, nil
}

// Decode reads the job's JSON payload into v.
func (j Job) Decode(v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return fmt.Errorf("jobs: decode %s payload of job %s: %w", j.Kind, j.ID, err)
	}
	return nil
}

// Handler runs one job. An error makes the job run again later (see
// Backoff) until it has failed MaxAttempts times; wrap it with Permanent to
// fail the job at once. ctx is cancelled when the runner stops or loses the
// job's lease.
type Handler func(ctx context.Context, j Job) error

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the job fails at once, without retries (a payload
// that cannot be decoded, a shop that no longer exists). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, came from Permanent.
func IsPermanent(err error) bool {
	var pe permanentError
	return errors.As(err, &pe)
}

// The retry schedule: the first retry after about ten seconds, each next
// one twice as late, never later than an hour.
const (
	backoffBase = 10 * time.Second
	backoffMax  = time.Hour
	// backoffSpread is the jitter's reach either way, so jobs that failed
	// together do not all come back together.
	backoffSpread = 0.2
)

// Backoff is the delay before retry attempt (1-based: the delay after the
// first failed run is Backoff(1, ...)): 10 s doubled per attempt, spread by
// ±20 % with jitter in [0, 1) (0.5 is the middle), and capped at 1 h.
func Backoff(attempt int, jitter float64) time.Duration {
	attempt = max(attempt, 1)
	jitter = min(max(jitter, 0), 1)
	d := backoffMax
	// 10 s << 9 is past the cap already; shifting further would overflow.
	if attempt <= 9 {
		d = min(backoffBase<<(attempt-1), backoffMax)
	}
	d = time.Duration(float64(d) * (1 - backoffSpread + 2*backoffSpread*jitter))
	return min(d, backoffMax)
}

// Enqueuer adds jobs; producers depend on it rather than on a store or a
// runner.
type Enqueuer interface {
	Enqueue(ctx context.Context, j Job) error
}

// Claim is a set of jobs leased to one runner until Until. Token proves the
// lease when the runner reports each job's outcome.
type Claim struct {
	Token string
	Until time.Time
	Jobs  []Job
}
