package outbox_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"parceltrack/sandbox/outbox"
	"parceltrack/storage/storagetest"
)

// dbServer is the embedded database server of this test package.
var dbServer = storagetest.NewServer()

func TestMain(m *testing.M) {
	code := m.Run()
	dbServer.Close()
	os.Exit(code)
}

func TestMongo(t *testing.T) {
	t.Parallel()
	db := dbServer.DB(t)
	ctx := context.Background()
	o := outbox.NewMongo(db.Database())
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := o.Record(ctx, outbox.Record{Channel: "sms"}); !errors.Is(err, outbox.ErrNoID) {
		t.Fatalf("record without id: %v", err)
	}
	recs := []outbox.Record{
		{ID: "SM1", Channel: outbox.ChannelSMS, To: "+79123456789", Text: "Код 123456", Status: outbox.StatusQueued, CreatedAt: t0},
		{ID: "m2@x", Channel: outbox.ChannelEmail, To: "a@b.ru", Subject: "Тема", Text: "Письмо", Status: outbox.StatusReceived, CreatedAt: t0.Add(time.Minute)},
		// The status callback records SM1 again, without a time.
		{ID: "SM1", Channel: outbox.ChannelSMS, To: "+79123456789", Text: "Код 123456", Status: outbox.StatusDelivered},
	}
	for _, r := range recs {
		if err := o.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list, err := o.List(ctx, 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %+v %v", list, err)
	}
	if list[0].ID != "m2@x" || list[1].ID != "SM1" || list[1].Status != outbox.StatusDelivered || !list[1].CreatedAt.Equal(t0) ||
		list[0].Subject != "Тема" {
		t.Fatalf("newest first, status replaced, time kept: %+v", list)
	}
}
