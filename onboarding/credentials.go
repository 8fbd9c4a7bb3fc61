package onboarding

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"parceltrack/notify"
	"parceltrack/shopapp"
)

// API credentials.
const (
	// UserIDPrefix starts every public User ID ("PT-12345678").
	UserIDPrefix  = "PT-"
	userIDDigits  = 8
	apiKeyLength  = 32
	apiKeyLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	saltBytes     = 16
	// userIDTries bounds the draws of a free User ID (10^8 of them: a
	// conflict is rare, several in a row mean something else is wrong).
	userIDTries = 5
)

// IssueCredentials e-mails the merchant a User ID (kept if one was issued)
// and a fresh API key, whose salted hash replaces any earlier key. Typing
// both back (CheckCredentials) proves the e-mail address. It is refused
// within ResendAfter of the last e-mail and past MaxCodesPerDay e-mails a day.
func (s *Service) IssueCredentials(ctx context.Context, shopID string) error {
	m, err := s.at(ctx, shopID, StepCredentials)
	if err != nil {
		return err
	}
	return s.issueCredentials(ctx, m, true)
}

// ChangeEmail corrects the owner's e-mail from the credentials page and
// sends the credentials there.
func (s *Service) ChangeEmail(ctx context.Context, shopID, raw string) error {
	m, err := s.at(ctx, shopID, StepCredentials)
	if err != nil {
		return err
	}
	email, p := normalizeEmail(raw)
	if p != nil {
		return Problems{*p}
	}
	if email == m.Owner.Email {
		return s.issueCredentials(ctx, m, true)
	}
	if err := s.o.Shops.SaveEmail(ctx, shopID, email, s.now()); err != nil {
		return wrapStore("change email", shopID, err)
	}
	m.Owner.Email = email
	return s.issueCredentials(ctx, m, false)
}

func (s *Service) issueCredentials(ctx context.Context, m shopapp.Shop, cooldown bool) error {
	now := s.now()
	if cooldown && !m.Wizard.CredentialsSentAt.IsZero() {
		if wait := m.Wizard.CredentialsSentAt.Add(ResendAfter).Sub(now); wait > 0 {
			return tooSoon(wait)
		}
	}
	release, err := s.countSend(ctx, now, "email:"+m.ID)
	if err != nil {
		return err
	}
	userID := m.API.UserID
	if userID == "" {
		if userID, err = s.reserveUserID(ctx, m.ID); err != nil {
			release()
			return err
		}
	}
	key, err := s.randomString(apiKeyLength, apiKeyLetters)
	if err != nil {
		release()
		return err
	}
	salt := make([]byte, saltBytes)
	if _, err := io.ReadFull(s.o.Random, salt); err != nil {
		release()
		return fmt.Errorf("onboarding: random: %w", err)
	}
	// The hash is stored before the e-mail goes: a key that was never
	// delivered is harmless (the next issue replaces it), a delivered key
	// that was never stored would not work.
	if err := s.o.Shops.SaveAPIKey(ctx, m.ID, userID, HashAPIKey(key, salt), now); err != nil {
		release()
		return wrapStore("save api key", m.ID, err)
	}
	text, htmlBody := credentialsEmail(m, userID, key)
	_, err = s.o.Email.Send(ctx, notify.Message{
		Channel: notify.KindEmail,
		To:      m.Owner.Email,
		Subject: "parceltrack: User ID и ключ API для " + m.Domain,
		Text:    text,
		HTML:    htmlBody,
		Key:     "onboarding:credentials:" + m.ID + ":" + strconv.FormatInt(now.UnixMilli(), 10),
	})
	if err != nil {
		release()
		s.log.Warn("send credentials failed", slog.String("shop_id", m.ID), slog.String("email", notify.MaskEmail(m.Owner.Email)),
			slog.String("error", err.Error()))
		return sendProblem(err, notify.KindEmail)
	}
	if err := s.o.Shops.MarkCredentialsSent(ctx, m.ID, now); err != nil {
		return wrapStore("credentials sent", m.ID, err)
	}
	s.log.Info("credentials sent", slog.String("shop_id", m.ID), slog.String("user_id", userID))
	return nil
}

// reserveUserID draws User IDs until one is free and claims it for the shop.
func (s *Service) reserveUserID(ctx context.Context, shopID string) (string, error) {
	for range userIDTries {
		digits, err := s.randomDigits(userIDDigits)
		if err != nil {
			return "", err
		}
		id := UserIDPrefix + digits
		err = s.o.Shops.ReserveUserID(ctx, id, shopID, s.now())
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, shopapp.ErrConflict) {
			return "", wrapStore("reserve user id", shopID, err)
		}
	}
	return "", errors.New("onboarding: reserve user id " + shopID + ": no free id after several draws")
}

// CheckCredentials compares the User ID and API key the merchant typed with
// the ones e-mailed; both right prove the e-mail address and move the wizard
// to the shop setup.
func (s *Service) CheckCredentials(ctx context.Context, shopID, userID, key string) error {
	m, err := s.at(ctx, shopID, StepCredentials)
	if err != nil {
		return err
	}
	userID = strings.ToUpper(strings.Join(strings.Fields(userID), ""))
	key = strings.TrimSpace(key)
	var ps Problems
	if userID == "" {
		ps = append(ps, Problem{Reason: ReasonUserIDMissing, Field: "user_id", Text: "Введите User ID из письма."})
	}
	if key == "" {
		ps = append(ps, Problem{Reason: ReasonKeyMissing, Field: "api_key", Text: "Введите ключ API из письма."})
	}
	if ps != nil {
		return ps
	}
	if m.API.KeyHash == "" || m.Wizard.CredentialsSentAt.IsZero() {
		return refuse(ReasonNotIssued, "", "Письмо с данными ещё не отправлено. Нажмите «Отправить письмо ещё раз».")
	}
	if subtle.ConstantTimeCompare([]byte(userID), []byte(m.API.UserID)) != 1 {
		return refuse(ReasonUserIDWrong, "user_id", "Этот User ID не совпадает с тем, что в письме. Скопируйте его из последнего письма.")
	}
	if !CheckAPIKey(m.API.KeyHash, key) {
		return refuse(ReasonKeyWrong, "api_key", "Ключ API не подходит. Скопируйте его из последнего письма целиком.")
	}
	if err := s.o.Shops.MarkEmailVerified(ctx, shopID, StepSetup, s.now()); err != nil {
		return wrapStore("verify email", shopID, err)
	}
	return nil
}

// HashAPIKey is the stored form of an API key: "sha256$<salt hex>$<hex of
// SHA-256(salt + key)>". A random per-key salt makes equal keys hash apart
// and keeps the hashes valid whatever happens to APP_SECRET_KEY.
func HashAPIKey(key string, salt []byte) string {
	sum := sha256.Sum256(append(append([]byte{}, salt...), key...))
	return "sha256$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(sum[:])
}

// CheckAPIKey reports, in constant time, whether key matches a hash made by
// HashAPIKey.
func CheckAPIKey(stored, key string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 3 || parts[0] != "sha256" {
		return false
	}
	salt, err := hex.DecodeString(parts[1])
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashAPIKey(key, salt)), []byte(stored)) == 1
}

// credentialsEmail is the plain and HTML text of the credentials e-mail.
func credentialsEmail(m shopapp.Shop, userID, key string) (text, htmlBody string) {
	greeting := "Здравствуйте!"
	if m.Owner.Name != "" {
		greeting = "Здравствуйте, " + m.Owner.Name + "!"
	}
	text = greeting + "\n\n" +
		"Ваши данные для подключения parceltrack к магазину " + m.Domain + ":\n\n" +
		"User ID: " + userID + "\n" +
		"Ключ API: " + key + "\n\n" +
		"Введите их в мастере настройки приложения — так мы убедимся, что это ваш адрес.\n" +
		"Эти же данные открывают API parceltrack. Храните ключ в секрете: мы храним только его хеш и не сможем показать его снова.\n\n" +
		"— parceltrack\n"
	e := html.EscapeString
	htmlBody = "<p>" + e(greeting) + "</p>" +
		"<p>Ваши данные для подключения parceltrack к магазину " + e(m.Domain) + ":</p>" +
		"<p>User ID: <code>" + e(userID) + "</code><br>Ключ API: <code>" + e(key) + "</code></p>" +
		"<p>Введите их в мастере настройки приложения — так мы убедимся, что это ваш адрес.</p>" +
		"<p>Эти же данные открывают API parceltrack. Храните ключ в секрете: мы храним только его хеш и не сможем показать его снова.</p>" +
		"<p>— parceltrack</p>"
	return text, htmlBody
}
