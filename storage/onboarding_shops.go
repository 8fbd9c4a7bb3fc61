package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"parceltrack/insales"
	"parceltrack/onboarding"
)

// OnboardingShops is the shops collection as the setup wizard sees it: the
// owner, what they proved, the wizard step and the API credentials. It
// implements onboarding.ShopStore; every read and write is by _id (User IDs
// are claimed in the api_users collection, see ReserveUserID). Its errors
// match both this package's sentinels and onboarding.ErrStoreNotFound /
// ErrStoreConflict.
type OnboardingShops struct{ db *DB }

// OnboardingShops returns the wizard's shop store.
func (d *DB) OnboardingShops() *OnboardingShops { return &OnboardingShops{db: d} }

var _ onboarding.ShopStore = (*OnboardingShops)(nil)

// onboardingShopDoc projects a shop onto the wizard's fields; the times of
// the credentials e-mail and of the finish live under "onboarding".
type onboardingShopDoc struct {
	ID            string        `bson:"_id"`
	Domain        string        `bson:"domain"`
	Owner         Owner         `bson:"owner"`
	Verification  Verification  `bson:"verification"`
	WizardStep    string        `bson:"wizard_step,omitempty"`
	UserID        string        `bson:"user_id,omitempty"`
	APIKeyHash    string        `bson:"api_key_hash,omitempty"`
	Onboarding    onboardingDoc `bson:"onboarding"`
	UninstalledAt *time.Time    `bson:"uninstalled_at,omitempty"`
}

type onboardingDoc struct {
	CredentialsSentAt *time.Time `bson:"credentials_sent_at,omitempty"`
	FinishedAt        *time.Time `bson:"finished_at,omitempty"`
}

// onbErr maps a driver error and adds the onboarding sentinel.
func onbErr(op string, err error) error {
	err = mapErr(op, err)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w (%w)", err, onboarding.ErrStoreNotFound)
	case errors.Is(err, ErrConflict):
		return fmt.Errorf("%w (%w)", err, onboarding.ErrStoreConflict)
	}
	return err
}

// Merchant implements onboarding.ShopStore.
func (s *OnboardingShops) Merchant(ctx context.Context, shopID string) (onboarding.Merchant, error) {
	var d onboardingShopDoc
	// Served by _id.
	err := s.db.db.Collection(colShops).FindOne(ctx, bson.D{{Key: "_id", Value: shopID}}).Decode(&d)
	if err != nil {
		return onboarding.Merchant{}, onbErr("get merchant "+shopID, err)
	}
	return onboarding.Merchant{
		ShopID: d.ID, Domain: d.Domain, Uninstalled: d.UninstalledAt != nil,
		Name: d.Owner.Name, Email: d.Owner.Email, Phone: d.Owner.Phone,
		PhoneVerifiedAt: d.Verification.PhoneVerifiedAt, EmailVerifiedAt: d.Verification.EmailVerifiedAt,
		Step: onboarding.Step(d.WizardStep), UserID: d.UserID, APIKeyHash: d.APIKeyHash,
		CredentialsSentAt: d.Onboarding.CredentialsSentAt, FinishedAt: d.Onboarding.FinishedAt,
	}, nil
}

// SaveRegistration implements onboarding.ShopStore.
func (s *OnboardingShops) SaveRegistration(ctx context.Context, shopID string, r onboarding.Registration, step onboarding.Step, now time.Time) error {
	return s.set(ctx, "save registration", shopID, now, bson.D{
		{Key: "owner.name", Value: r.Name},
		{Key: "owner.email", Value: r.Email},
		{Key: "owner.phone", Value: r.Phone},
		{Key: "wizard_step", Value: string(step)},
	})
}

// SavePhone implements onboarding.ShopStore.
func (s *OnboardingShops) SavePhone(ctx context.Context, shopID, phone string, now time.Time) error {
	return s.set(ctx, "save phone", shopID, now, bson.D{{Key: "owner.phone", Value: phone}})
}

// MarkPhoneVerified implements onboarding.ShopStore.
func (s *OnboardingShops) MarkPhoneVerified(ctx context.Context, shopID, phone string, step onboarding.Step, at time.Time) error {
	return s.set(ctx, "verify phone", shopID, at, bson.D{
		{Key: "owner.phone", Value: phone},
		{Key: "verification.phone_verified_at", Value: at.UTC().Truncate(time.Millisecond)},
		{Key: "wizard_step", Value: string(step)},
	})
}

// ReserveUserID implements onboarding.ShopStore through APIUsers.
func (s *OnboardingShops) ReserveUserID(ctx context.Context, userID, shopID string, now time.Time) error {
	return onbErr("reserve user id", s.db.APIUsers().Reserve(ctx, userID, shopID, now))
}

// SaveAPIKey implements onboarding.ShopStore.
func (s *OnboardingShops) SaveAPIKey(ctx context.Context, shopID, userID, keyHash string, now time.Time) error {
	now = now.UTC().Truncate(time.Millisecond)
	// Served by _id.
	res, err := s.db.db.Collection(colShops).UpdateOne(ctx, bson.D{{Key: "_id", Value: shopID}}, bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "user_id", Value: userID},
			{Key: "api_key_hash", Value: keyHash},
			{Key: "updated_at", Value: now},
		}},
		{Key: "$unset", Value: bson.D{{Key: "onboarding.credentials_sent_at", Value: ""}}},
	})
	if err != nil {
		return onbErr("save api key "+shopID, err)
	}
	if res.MatchedCount == 0 {
		return onbErr("save api key "+shopID, ErrNotFound)
	}
	return nil
}

// MarkCredentialsSent implements onboarding.ShopStore.
func (s *OnboardingShops) MarkCredentialsSent(ctx context.Context, shopID string, at time.Time) error {
	return s.set(ctx, "credentials sent", shopID, at, bson.D{
		{Key: "onboarding.credentials_sent_at", Value: at.UTC().Truncate(time.Millisecond)},
	})
}

// SaveEmail implements onboarding.ShopStore.
func (s *OnboardingShops) SaveEmail(ctx context.Context, shopID, email string, now time.Time) error {
	return s.set(ctx, "save email", shopID, now, bson.D{{Key: "owner.email", Value: email}})
}

// MarkEmailVerified implements onboarding.ShopStore.
func (s *OnboardingShops) MarkEmailVerified(ctx context.Context, shopID string, step onboarding.Step, at time.Time) error {
	return s.set(ctx, "verify email", shopID, at, bson.D{
		{Key: "verification.email_verified_at", Value: at.UTC().Truncate(time.Millisecond)},
		{Key: "wizard_step", Value: string(step)},
	})
}

// SetStep implements onboarding.ShopStore.
func (s *OnboardingShops) SetStep(ctx context.Context, shopID string, step onboarding.Step, now time.Time) error {
	set := bson.D{{Key: "wizard_step", Value: string(step)}}
	if step == onboarding.StepDone {
		set = append(set, bson.E{Key: "onboarding.finished_at", Value: now.UTC().Truncate(time.Millisecond)})
	}
	return s.set(ctx, "set wizard step", shopID, now, set)
}

// SaveStatusSync implements onboarding.ShopStore: settings.status_sync is
// what insales.App.SyncStatus reads.
func (s *OnboardingShops) SaveStatusSync(ctx context.Context, shopID string, st insales.StatusSyncSettings, now time.Time) error {
	mapping := st.Mapping
	if mapping == nil {
		mapping = map[string]string{}
	}
	return s.set(ctx, "save status sync", shopID, now, bson.D{
		{Key: "settings.status_sync", Value: StatusSync{Enabled: st.Enabled, Mapping: mapping}},
	})
}

// set applies $set fields (and updated_at) to one shop by _id.
func (s *OnboardingShops) set(ctx context.Context, op, shopID string, now time.Time, fields bson.D) error {
	fields = append(fields, bson.E{Key: "updated_at", Value: now.UTC().Truncate(time.Millisecond)})
	// Served by _id.
	res, err := s.db.db.Collection(colShops).UpdateOne(ctx, bson.D{{Key: "_id", Value: shopID}},
		bson.D{{Key: "$set", Value: fields}})
	if err != nil {
		return onbErr(op+" "+shopID, err)
	}
	if res.MatchedCount == 0 {
		return onbErr(op+" "+shopID, ErrNotFound)
	}
	return nil
}
