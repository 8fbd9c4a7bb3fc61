package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"parceltrack/jobs"
)

const (
	colJobs      = "jobs"
	colJobLeases = "job_leases"
)

// jobDoc is a durable job as stored. Jobs that succeed are deleted, so the
// collection holds what is waiting, running or failed, and stays small.
type jobDoc struct {
	ID   string `bson:"_id"`
	Kind string `bson:"kind"`
	Key  string `bson:"key,omitempty"`
	Lane string `bson:"lane,omitempty"`
	// LaneKey is the _id of the lease that runs the job: "lane:"+Lane, or
	// "job:"+ID for a job in a lane of its own.
	LaneKey string `bson:"lane_key"`
	// Payload is JSON text, readable in a database shell.
	Payload     string    `bson:"payload"`
	RunAfter    time.Time `bson:"run_after"`
	Attempts    int       `bson:"attempts"`
	MaxAttempts int       `bson:"max_attempts"`
	LastError   string    `bson:"last_error,omitempty"`
	Status      string    `bson:"status"`
	// Seq orders a lane: NewID at insert, so it grows with time (within
	// a process exactly; across processes to the second).
	Seq string `bson:"seq"`
	// Gen counts the requests for the job (1 at insert).
	Gen       int       `bson:"gen"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

func (d jobDoc) job() jobs.Job {
	return jobs.Job{
		ID: d.ID, Kind: d.Kind, Key: d.Key, Lane: d.Lane, Payload: []byte(d.Payload),
		RunAfter: d.RunAfter, Attempts: d.Attempts, MaxAttempts: d.MaxAttempts,
		LastError: d.LastError, Status: jobs.Status(d.Status), Generation: d.Gen,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
}

// jobLease is the lease on one lane, kept in its own small collection under
// the lane's key. Claiming is an insert — the unique _id makes it atomic —
// and giving back is a delete, as for parcels (see pollLease).
type jobLease struct {
	ID    string    `bson:"_id"`
	JobID string    `bson:"job_id"`
	Token string    `bson:"token"`
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
	// Retry marks a lease that holds the lane for a failed job's retry,
	// with nothing running: a new request for the job may end it.
	Retry bool `bson:"retry,omitempty"`
}

// Jobs is the durable job collection and its lane leases.
//
// Every write to the jobs collection filters on _id alone: the embedded
// server answers any other filter by reading the whole collection. The one
// scan a claim needs (the due jobs) and the scans of the small lease
// collection are the exceptions, as for parcel claims.
type Jobs struct {
	db  *DB
	now func() time.Time
	// insertOrder says the server returns an unsorted find in insertion
	// order, which is seq order: the embedded server does (see
	// firstDuePerLane).
	insertOrder bool
	// afterFind, when set (tests only), runs between a claim's find of due
	// jobs and its lease inserts: the window another runner can act in.
	afterFind func()
}

// Jobs returns the job store.
func (d *DB) Jobs() *Jobs { return &Jobs{db: d, now: time.Now, insertOrder: d.tuneDir != ""} }

// laneKey is the lease _id that serialises a job's lane.
func laneKey(lane, id string) string {
	if lane == "" {
		return "job:" + id
	}
	return "lane:" + lane
}

// keyedJobID is the _id of the job with dedupe key key, so that one key
// can only ever be one row.
func keyedJobID(key string) string { return "key:" + key }

// Enqueue stores a queued job. A keyed job whose key is stored already
// (queued, running or failed) is not added again: it is marked requested
// again, with the newest payload, queued, and due no later than this
// request — one waiting for its retry is due at once, as the new request
// is news the retry did not have (a reinstall's setup, a new parcel state);
// it keeps its place in its lane. A job requested again while it
// runs runs once more after it, behind the jobs enqueued in its lane by
// then (Done); a failed one gets one more run. Kind and lane of a keyed job
// are the first request's.
func (s *Jobs) Enqueue(ctx context.Context, j jobs.Job) error {
	if j.Kind == "" {
		return errors.New("storage: enqueue job: empty kind")
	}
	now := s.now().UTC()
	if j.RunAfter.IsZero() {
		j.RunAfter = now
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = jobs.DefaultMaxAttempts
	}
	d := jobDoc{
		ID: NewID(), Kind: j.Kind, Key: j.Key, Lane: j.Lane, Payload: string(j.Payload),
		RunAfter: j.RunAfter.UTC(), MaxAttempts: j.MaxAttempts, Status: string(jobs.StatusQueued),
		Seq: NewID(), Gen: 1, CreatedAt: now, UpdatedAt: now,
	}
	col := s.db.db.Collection(colJobs)
	if j.Key == "" {
		d.LaneKey = laneKey(d.Lane, d.ID)
		_, err := col.InsertOne(ctx, d)
		return mapErr("enqueue job "+j.Kind, err)
	}
	d.ID = keyedJobID(j.Key)
	d.LaneKey = laneKey(d.Lane, d.ID)
	// Insert, or mark the stored one requested again. The update misses
	// only when the stored job was deleted in between (it succeeded): then
	// the insert goes through on the next round.
	for range 3 {
		_, err := col.InsertOne(ctx, d)
		if !isDuplicate(err) {
			return mapErr("enqueue job "+j.Kind, err)
		}
		// Served by _id.
		res, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{
			{Key: "$inc", Value: bson.D{{Key: "gen", Value: 1}}},
			{Key: "$set", Value: bson.D{
				{Key: "status", Value: string(jobs.StatusQueued)},
				{Key: "payload", Value: d.Payload},
				{Key: "updated_at", Value: now},
			}},
			{Key: "$min", Value: bson.D{{Key: "run_after", Value: d.RunAfter}}},
		})
		if err != nil {
			return mapErr("enqueue job "+j.Kind+": request again", err)
		}
		if res.MatchedCount == 1 {
			// A scan, but of the small leases collection.
			_, err := s.db.db.Collection(colJobLeases).DeleteOne(ctx, bson.D{
				{Key: "_id", Value: d.LaneKey}, {Key: "job_id", Value: d.ID}, {Key: "retry", Value: true}})
			return mapErr("enqueue job "+j.Kind+": end the retry wait", err)
		}
	}
	return fmt.Errorf("storage: enqueue job %s: key %q was inserted and deleted three times meanwhile", j.Kind, j.Key)
}

// Get reads one job.
func (s *Jobs) Get(ctx context.Context, id string) (jobs.Job, error) {
	// Served by _id.
	var d jobDoc
	err := s.db.db.Collection(colJobs).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	return d.job(), mapErr("get job "+id, err)
}

// Claim leases up to limit jobs due at now to owner until now+lease: at most
// one job per lane, in each lane the queued job enqueued first among the due
// ones, and none of a lane whose lease is live (a job of it runs, or waits
// for its retry). Leases that ended by now are dropped first, so the jobs of
// a runner that died run again once its leases end.
//
// A lane's lease is an insert into job_leases under the lane's key; a
// duplicate key means another claimer took the lane in between. A won job is
// read again by _id and its lease given back when it is gone or no longer
// due: another runner may have finished it between the find and the insert.
func (s *Jobs) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) (jobs.Claim, error) {
	now = now.UTC()
	c := jobs.Claim{Token: owner + "/" + randomToken(), Until: now.Add(lease)}
	if limit <= 0 {
		return c, nil
	}
	// Served by index until (job_leases); a scan of the small collection on
	// the embedded server.
	if _, err := s.db.db.Collection(colJobLeases).DeleteMany(ctx,
		bson.D{{Key: "until", Value: bson.D{{Key: "$lte", Value: now}}}}); err != nil {
		return jobs.Claim{}, mapErr("claim jobs: drop ended leases", err)
	}
	// Claimers starting together pick the same lanes; one that loses some
	// looks again past the winner's leases.
	for range 3 {
		held, err := leasedIDs(ctx, s.db.db.Collection(colJobLeases))
		if err != nil {
			return jobs.Claim{}, mapErr("claim jobs: read leases", err)
		}
		won, lost, err := s.claimOnce(ctx, c, owner, now, held, limit-len(c.Jobs))
		if err != nil {
			return jobs.Claim{}, err
		}
		c.Jobs = append(c.Jobs, won...)
		if lost == 0 || len(c.Jobs) >= limit {
			break
		}
	}
	return c, nil
}

// claimOnce leases the first due job of up to limit lanes outside held; it
// returns the jobs won and how many lanes or jobs another runner took first.
func (s *Jobs) claimOnce(ctx context.Context, c jobs.Claim, owner string, now time.Time, held []string, limit int) ([]jobs.Job, int, error) {
	picks, err := s.firstDuePerLane(ctx, now, held, limit)
	if err != nil || len(picks) == 0 {
		return nil, 0, err
	}
	if s.afterFind != nil {
		s.afterFind()
	}
	docs := make([]any, len(picks))
	for i, p := range picks {
		docs[i] = jobLease{ID: p.LaneKey, JobID: p.ID, Token: c.Token, Owner: owner, Until: c.Until}
	}
	lost, err := insertLeases(ctx, s.db.db.Collection(colJobLeases), docs)
	if err != nil {
		return nil, 0, mapErr("claim jobs: lease", err)
	}
	won := make([]jobs.Job, 0, len(picks)-len(lost))
	for i, p := range picks {
		if lost[i] {
			continue
		}
		j, err := s.Get(ctx, p.ID)
		if err == nil && j.Status == jobs.StatusQueued && !j.RunAfter.After(now) {
			won = append(won, j)
			continue
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, 0, fmt.Errorf("claim jobs: %w", err)
		}
		// Finished, failed or put off by another runner since the find.
		if err := s.release(ctx, c.Token, p.LaneKey); err != nil {
			return nil, 0, fmt.Errorf("claim jobs: %w", err)
		}
		lost[i] = true
	}
	return won, len(lost), nil
}

// firstDuePerLane reads the due queued jobs outside held in enqueue order and
// keeps the first of each lane, until it has limit lanes; the cursor is left
// there.
//
// On MongoDB the find is sorted by seq, which its index serves. The embedded
// server sorts by reading and decoding the whole collection (0.4 s at 5,000
// jobs, whatever the limit), but streams an unsorted find, reading only as
// far as the cursor goes (5 ms for the first hundred), and it returns that
// in insertion order: a plain scan of the collection's SQLite table, in
// rowid order. Insertion order is seq order, because every job row is
// inserted with a fresh seq and never moved (updates keep their row), so
// there the sort is left out. (Two enqueues racing each other may land
// either way round: no order a caller could rely on anyway.)
func (s *Jobs) firstDuePerLane(ctx context.Context, now time.Time, held []string, limit int) ([]jobDoc, error) {
	opts := options.Find().
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "lane_key", Value: 1}}).
		SetBatchSize(int32(min(limit, 1000)))
	if !s.insertOrder {
		opts.SetSort(bson.D{{Key: "status", Value: 1}, {Key: "seq", Value: 1}})
	}
	// Served by index status_seq (status, seq); run_after and the held lanes
	// are checked on the way. The one scan of the jobs collection in a claim
	// on the embedded server, stopped early.
	cur, err := s.db.db.Collection(colJobs).Find(ctx,
		bson.D{
			{Key: "status", Value: string(jobs.StatusQueued)},
			{Key: "run_after", Value: bson.D{{Key: "$lte", Value: now}}},
			{Key: "lane_key", Value: bson.D{{Key: "$nin", Value: held}}},
		}, opts)
	if err != nil {
		return nil, mapErr("claim jobs: find due", err)
	}
	defer cur.Close(ctx)
	var picks []jobDoc
	seen := map[string]bool{}
	for len(picks) < limit && cur.Next(ctx) {
		var d jobDoc
		if err := cur.Decode(&d); err != nil {
			return nil, mapErr("claim jobs: decode due", err)
		}
		if !seen[d.LaneKey] {
			seen[d.LaneKey] = true
			picks = append(picks, d)
		}
	}
	return picks, mapErr("claim jobs: find due", cur.Err())
}

// Extend moves the end of the lease on j's lane to until while token still
// holds it; false means the lease was lost (it ended and another runner may
// have the job now).
func (s *Jobs) Extend(ctx context.Context, token string, j jobs.Job, until time.Time) (bool, error) {
	// Served by _id; the token is checked on that document (a scan of the
	// small leases collection on the embedded server).
	res, err := s.db.db.Collection(colJobLeases).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: laneKey(j.Lane, j.ID)}, {Key: "token", Value: token}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: until.UTC()}}}})
	if err != nil {
		return false, mapErr("extend job lease "+j.ID, err)
	}
	return res.MatchedCount == 1, nil
}

// Done records that j succeeded: the job is deleted and its lane released.
// If it was requested again while it ran (its generation moved past the one
// claimed), it is put back queued instead, to run once more.
func (s *Jobs) Done(ctx context.Context, token string, j jobs.Job) error {
	// Served by _id. Deleting and reading the generation in one step is what
	// makes a request that comes in meanwhile either seen here or a fresh
	// insert after the delete, never lost. (A crash between this delete and
	// the insert below loses such a request: one round trip's window.)
	var d jobDoc
	err := s.db.db.Collection(colJobs).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: j.ID}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		// Gone already: the lease had lapsed and another runner finished it.
	case err != nil:
		return mapErr("job done "+j.ID, err)
	case d.Gen != j.Generation:
		if err := s.putBack(ctx, d); err != nil {
			return err
		}
	}
	return s.release(ctx, token, laneKey(j.Lane, j.ID))
}

// putBack inserts again a job that succeeded while it was requested again,
// at the end of its lane (as if enqueued now) and with a fresh set of
// attempts.
func (s *Jobs) putBack(ctx context.Context, d jobDoc) error {
	d.Status, d.Attempts, d.LastError = string(jobs.StatusQueued), 0, ""
	d.Seq, d.UpdatedAt = NewID(), s.now().UTC()
	_, err := s.db.db.Collection(colJobs).InsertOne(ctx, d)
	if isDuplicate(err) {
		// The key was enqueued afresh since the delete; that job runs
		// later than this request and stands for it.
		return nil
	}
	return mapErr("job done "+d.ID+": run again", err)
}

// Retry records a failed run of j: one more attempt, its error, and when to
// run it again. The lane stays held until runAfter, so later jobs of the
// lane keep waiting behind it and the lane's order holds.
func (s *Jobs) Retry(ctx context.Context, token string, j jobs.Job, errText string, runAfter time.Time) error {
	runAfter = runAfter.UTC()
	// Served by _id.
	_, err := s.db.db.Collection(colJobs).UpdateOne(ctx, bson.D{{Key: "_id", Value: j.ID}}, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
		{Key: "$set", Value: bson.D{
			{Key: "last_error", Value: errText},
			{Key: "run_after", Value: runAfter},
			{Key: "updated_at", Value: s.now().UTC()},
		}},
	})
	if err != nil {
		return mapErr("retry job "+j.ID, err)
	}
	// Served by _id; the token is checked on that document. The lane stays
	// held until the retry, marked as held for it (see Enqueue).
	_, err = s.db.db.Collection(colJobLeases).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: laneKey(j.Lane, j.ID)}, {Key: "token", Value: token}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: runAfter}, {Key: "retry", Value: true}}}})
	return mapErr("retry job "+j.ID+": hold lane", err)
}

// Fail keeps j as failed with its error (visible to List and Count, brought
// back by Requeue) and releases its lane. If it was requested again while it
// ran, that request still gets its run: the job stays queued.
func (s *Jobs) Fail(ctx context.Context, token string, j jobs.Job, errText string) error {
	col := s.db.db.Collection(colJobs)
	now := s.now().UTC()
	// Served by _id.
	var before jobDoc
	err := col.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: j.ID}}, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
		{Key: "$set", Value: bson.D{
			{Key: "status", Value: string(jobs.StatusFailed)},
			{Key: "last_error", Value: errText},
			{Key: "updated_at", Value: now},
		}},
	}, options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&before)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
	case err != nil:
		return mapErr("fail job "+j.ID, err)
	case before.Gen != j.Generation:
		// Served by _id. The lane is still held, so nobody claims the job
		// between the two writes.
		_, err := col.UpdateOne(ctx, bson.D{{Key: "_id", Value: j.ID}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: string(jobs.StatusQueued)},
			{Key: "run_after", Value: now},
		}}})
		if err != nil {
			return mapErr("fail job "+j.ID+": keep the new request", err)
		}
	}
	return s.release(ctx, token, laneKey(j.Lane, j.ID))
}

// Release gives j's lane back without recording a run, for a job the runner
// did not run or had to interrupt (it is shutting down): it runs again at
// once, here or in another process.
func (s *Jobs) Release(ctx context.Context, token string, j jobs.Job) error {
	return s.release(ctx, token, laneKey(j.Lane, j.ID))
}

func (s *Jobs) release(ctx context.Context, token, lane string) error {
	// Served by _id; the token is checked on that document.
	_, err := s.db.db.Collection(colJobLeases).DeleteOne(ctx,
		bson.D{{Key: "_id", Value: lane}, {Key: "token", Value: token}})
	return mapErr("release job lease "+lane, err)
}

// List returns up to limit jobs with status, in enqueue order.
func (s *Jobs) List(ctx context.Context, status jobs.Status, limit int) ([]jobs.Job, error) {
	// Served by index status_seq.
	cur, err := s.db.db.Collection(colJobs).Find(ctx,
		bson.D{{Key: "status", Value: string(status)}},
		options.Find().SetSort(bson.D{{Key: "status", Value: 1}, {Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, mapErr("list jobs", err)
	}
	var docs []jobDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, mapErr("list jobs", err)
	}
	out := make([]jobs.Job, len(docs))
	for i, d := range docs {
		out[i] = d.job()
	}
	return out, nil
}

// Count returns how many jobs are stored in each status (running jobs are
// queued).
func (s *Jobs) Count(ctx context.Context) (map[jobs.Status]int, error) {
	// Served by index status_seq on MongoDB; one pass over the collection on
	// the embedded server. One accumulator: the embedded server gets more
	// than one wrong (see docs/architecture.md).
	cur, err := s.db.db.Collection(colJobs).Aggregate(ctx, mongo.Pipeline{
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: "$status"},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	})
	if err != nil {
		return nil, mapErr("count jobs", err)
	}
	var rows []struct {
		Status string `bson:"_id"`
		N      int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, mapErr("count jobs", err)
	}
	out := map[jobs.Status]int{}
	for _, r := range rows {
		out[jobs.Status(r.Status)] = r.N
	}
	return out, nil
}

// Requeue brings a failed job back: queued, no attempts, due now (an
// operator's command). ErrNotFound means no failed job has that id.
func (s *Jobs) Requeue(ctx context.Context, id string) error {
	now := s.now().UTC()
	// Served by _id, the status checked on that document: a scan on the
	// embedded server, which an operator's command can afford.
	res, err := s.db.db.Collection(colJobs).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: string(jobs.StatusFailed)}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "status", Value: string(jobs.StatusQueued)},
			{Key: "attempts", Value: 0},
			{Key: "run_after", Value: now},
			{Key: "updated_at", Value: now},
		}}})
	if err != nil {
		return mapErr("requeue job "+id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("requeue job %s: no failed job: %w", id, ErrNotFound)
	}
	return nil
}

// Sweep deletes the failed jobs that failed before failedBefore and returns
// how many; a periodic job runs it.
func (s *Jobs) Sweep(ctx context.Context, failedBefore time.Time) (int64, error) {
	// Served by index status_updated.
	res, err := s.db.db.Collection(colJobs).DeleteMany(ctx, bson.D{
		{Key: "status", Value: string(jobs.StatusFailed)},
		{Key: "updated_at", Value: bson.D{{Key: "$lt", Value: failedBefore.UTC()}}},
	})
	if err != nil {
		return 0, mapErr("sweep failed jobs", err)
	}
	return res.DeletedCount, nil
}
