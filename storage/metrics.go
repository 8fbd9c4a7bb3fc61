package storage

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/event"
)

// Metrics returns a command monitor that counts database round trips by
// command and outcome and times them, registered on reg.
func Metrics(reg prometheus.Registerer) (*event.CommandMonitor, error) {
	total := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parceltrack_db_commands_total", Help: "Database round trips by command and outcome.",
	}, []string{"command", "outcome"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "parceltrack_db_command_duration_seconds", Help: "Database round-trip time by command.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8),
	}, []string{"command"})
	for _, c := range []prometheus.Collector{total, seconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	observe := func(name, outcome string, d time.Duration) {
		total.WithLabelValues(name, outcome).Inc()
		seconds.WithLabelValues(name).Observe(d.Seconds())
	}
	return &event.CommandMonitor{
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			observe(e.CommandName, "ok", e.Duration)
		},
		Failed: func(_ context.Context, e *event.CommandFailedEvent) {
			observe(e.CommandName, "error", e.Duration)
		},
	}, nil
}

// Pending reports the migrations not yet applied, so processes that do not
// migrate themselves (web, worker) can refuse to start on an old schema.
func (d *DB) Pending(ctx context.Context) ([]string, error) {
	var pending []string
	for _, m := range Migrations() {
		n, err := d.db.Collection(colMigrations).CountDocuments(ctx, map[string]string{"_id": m.ID})
		if err != nil {
			return nil, mapErr("read migrations", err)
		}
		if n == 0 {
			pending = append(pending, m.ID)
		}
	}
	return pending, nil
}
