package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/billing"
	"parceltrack/jobs"
	"parceltrack/shopapp"
)

const testdata = "../../carriers/russianpost/testdata/"

func TestClassifyPrintsTheVerdict(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantState string
		wantTrack string
		wantEvent int
		wantDays  int
	}{
		{"delivered sample with mixed offsets", []string{"--now", "2016-05-01T12:00:00+03:00", testdata + "rtm34_resp_44334455667733_goexample.xml"},
			"delivered", "44334455667733", 8, 0},
		{"official test number, years ago", []string{testdata + "rtm34_resp_RA644000001RU_testbarcode_RUS.xml"},
			"stale", "RA644000001RU", 5, 0},
		{"empty history is registered", []string{"--track", "80092063905992", "--now", "2026-11-28T10:00:00+03:00", "--entered-at", "2026-11-27T10:00:00+03:00", testdata + "rtm34_resp_empty.xml"},
			"registered", "80092063905992", 0, 0},
		{"malformed-barcode fault is a track error", []string{"--track", "12345", testdata + "rtm34_fault_bad_barcode.xml"},
			"track_error", "12345", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), append([]string{"classify"}, tc.args...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var got struct {
				Track       string  `json:"track"`
				State       string  `json:"state"`
				Days        int     `json:"days"`
				ArrivedAt   *string `json:"arrived_at"`
				LastEventAt *string `json:"last_event_at"`
				Events      []struct {
					At   string `json:"at"`
					Type int    `json:"type"`
					Attr int    `json:"attr"`
				} `json:"events"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out.String())
			}
			if got.State != tc.wantState || got.Track != tc.wantTrack || len(got.Events) != tc.wantEvent || got.Days != tc.wantDays {
				t.Fatalf("got %+v", got)
			}
			for i := 1; i < len(got.Events); i++ {
				a, _ := time.Parse(time.RFC3339, got.Events[i-1].At)
				b, _ := time.Parse(time.RFC3339, got.Events[i].At)
				if b.Before(a) {
					t.Fatalf("events out of time order at %d: %s then %s", i, got.Events[i-1].At, got.Events[i].At)
				}
			}
			for _, key := range []string{`"arrived_at"`, `"deadline"`, `"office_index"`, `"last_event_at"`} {
				if !strings.Contains(out.String(), key) {
					t.Fatalf("key %s missing: %s", key, out.String())
				}
			}
		})
	}
}

func TestClassifyRefusesWhatItCannotJudge(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"no file", []string{}, "want one FILE", 2},
		{"bad --now", []string{"--now", "yesterday", testdata + "rtm34_resp_empty.xml"}, "--now", 2},
		{"empty history without --track", []string{testdata + "rtm34_resp_empty.xml"}, "--track", 2},
		{"account fault", []string{"--track", "80092063905992", testdata + "rtm34_fault_auth.xml"}, "refused the account", 1},
		{"missing file", []string{"/nonexistent.xml"}, "no such file", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var errOut bytes.Buffer
			code := run(context.Background(), append([]string{"classify"}, tc.args...), io.Discard, &errOut)
			if code != tc.code || !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d mentioning %q", code, errOut.String(), tc.code, tc.want)
			}
		})
	}
}

func TestReconcileReportsACorruptedBalance(t *testing.T) {
	ctx := context.Background()
	e := migratedEnv(t)
	svc := billing.New(e.db.Ledger(), billing.Options{})
	var shops []string
	for i := range 2 {
		shop, _, err := e.db.Shops().InstallShop(ctx, shopapp.InstallRecord{InsalesID: int64(100 + i), Domain: "s.myinsales.ru"}, 0, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Credit(ctx, shop.ID, "topup:1", 10_000, billing.KindTopup, billing.Meta{}); err != nil {
			t.Fatal(err)
		}
		shops = append(shops, shop.ID)
	}
	e.close()

	var out bytes.Buffer
	if code := run(ctx, []string{"reconcile"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "all balances match") {
		t.Fatalf("healthy: exit %d, %q", code, out.String())
	}

	e, err := openEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Database().Collection("shops").UpdateOne(ctx, bson.D{{Key: "_id", Value: shops[1]}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "balance", Value: int64(777)}}}}); err != nil {
		t.Fatal(err)
	}
	e.close()
	out.Reset()
	var errOut bytes.Buffer
	code := run(ctx, []string{"reconcile"}, &out, &errOut)
	if code == 0 || !strings.Contains(out.String(), shops[1]) || strings.Contains(out.String(), shops[0]) {
		t.Fatalf("corrupted: exit %d, out %q, err %q", code, out.String(), errOut.String())
	}
}

func TestPollOnceRunsOneBatchInSandboxMode(t *testing.T) {
	for k, v := range map[string]string{"DATA_DIR": t.TempDir(), "MONGODB_URI": "", "LOG_LEVEL": "error", "RUSSIANPOST_LOGIN": ""} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	e, err := openEnv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc, err := buildServices(ctx, e, "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.seed(ctx); err != nil {
		t.Fatal(err)
	}
	svc.close()
	e.close()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"poll-once"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "claimed 1") || !strings.Contains(out.String(), "failed 0") {
		t.Fatalf("got %q; want every seeded parcel polled", out.String())
	}
}

// TestJobsCommand: the operator sees the jobs waiting and failed, with the
// last error of each failed one, and can queue a failed one again.
func TestJobsCommand(t *testing.T) {
	ctx := context.Background()
	e := migratedEnv(t)
	store := e.db.Jobs()
	for _, key := range []string{"status:p1", "status:p2"} {
		j, _ := jobs.New("insales.status_sync", map[string]string{"parcel_id": key})
		j.Key = key
		if err := store.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	c, err := store.Claim(ctx, "test", time.Now(), time.Minute, 1)
	if err != nil || len(c.Jobs) != 1 {
		t.Fatalf("claim: %+v %v", c, err)
	}
	failed := c.Jobs[0]
	if err := store.Fail(ctx, c.Token, failed, "insales: status 401"); err != nil {
		t.Fatal(err)
	}
	e.close()

	steps := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"jobs"}, 0, []string{"queued 1, failed 1", failed.ID, "insales.status_sync", "insales: status 401"}},
		{[]string{"jobs", "retry", failed.ID}, 0, []string{"queued again"}},
		{[]string{"jobs"}, 0, []string{"queued 2, failed 0"}},
		{[]string{"jobs", "retry", "no-such-job"}, 1, nil},
		{[]string{"jobs", "purge"}, 2, nil},
	}
	for _, st := range steps {
		var out, errOut bytes.Buffer
		code := run(ctx, st.args, &out, &errOut)
		if code != st.code {
			t.Fatalf("%v: exit %d, want %d (%s%s)", st.args, code, st.code, out.String(), errOut.String())
		}
		for _, w := range st.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: output lacks %q:\n%s", st.args, w, out.String())
			}
		}
	}
}
