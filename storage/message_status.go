package storage

import (
	"context"
	"errors"
	"time"

	"parceltrack/notify"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// colMessageStatus keeps the delivery status providers report for messages
// (Twilio status callbacks), one document per provider id.
const colMessageStatus = "message_status"

// deliveryDoc is the storage mapping of notify.Delivery.
type deliveryDoc struct {
	ProviderID string    `bson:"_id"`
	Channel    string    `bson:"channel"`
	Status     string    `bson:"status"`
	Final      bool      `bson:"final"`
	ErrorCode  string    `bson:"error_code,omitempty"`
	UpdatedAt  time.Time `bson:"updated_at"`
}

// MessageStatuses is the message_status collection.
type MessageStatuses struct{ db *DB }

// MessageStatuses returns the delivery status store.
func (d *DB) MessageStatuses() *MessageStatuses { return &MessageStatuses{db: d} }

// Save records st unless a final status is already recorded for the
// message: callbacks may arrive out of order, and a late "sent" must not
// hide "delivered". It reports whether it wrote.
func (m *MessageStatuses) Save(ctx context.Context, st notify.Delivery) (bool, error) {
	col := m.db.db.Collection(colMessageStatus)
	prev, err := m.Get(ctx, st.ProviderID)
	switch {
	case err == nil && prev.Final:
		return false, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return false, err
	}
	d := deliveryDoc{ProviderID: st.ProviderID, Channel: string(st.Channel), Status: st.Status, Final: st.Final,
		ErrorCode: st.ErrorCode, UpdatedAt: st.UpdatedAt.UTC().Truncate(time.Millisecond)}
	// Served by _id.
	_, err = col.ReplaceOne(ctx, bson.D{{Key: "_id", Value: st.ProviderID}}, d, options.Replace().SetUpsert(true))
	if isDuplicate(err) {
		// A concurrent first callback inserted it; this one is a repeat.
		return false, nil
	}
	if err != nil {
		return false, mapErr("save message status "+st.ProviderID, err)
	}
	return true, nil
}

// Get returns the recorded status of a message; ErrNotFound when none.
func (m *MessageStatuses) Get(ctx context.Context, providerID string) (notify.Delivery, error) {
	var d deliveryDoc
	// Served by _id.
	err := m.db.db.Collection(colMessageStatus).FindOne(ctx, bson.D{{Key: "_id", Value: providerID}}).Decode(&d)
	return notify.Delivery{ProviderID: d.ProviderID, Channel: notify.ChannelKind(d.Channel), Status: d.Status,
		Final: d.Final, ErrorCode: d.ErrorCode, UpdatedAt: d.UpdatedAt}, mapErr("get message status "+providerID, err)
}
