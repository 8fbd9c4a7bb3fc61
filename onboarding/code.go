package onboarding

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"parceltrack/notify"
	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// CodeStatus is what the code page shows about the pending code.
type CodeStatus struct {
	// Pending is false when no code is waiting (used, or never sent).
	Pending bool
	// Phone is where the code went (E.164).
	Phone     string
	SentAt    time.Time
	ExpiresAt time.Time
	// ResendAt is when another code may be asked for; ResendIn how long
	// that is from now (zero: now).
	ResendAt  time.Time
	ResendIn  time.Duration
	TriesLeft int
	// Usable is false when the code expired or its tries are used up.
	Usable bool
}

// CodeStatus describes the shop's pending code at the service clock.
func (s *Service) CodeStatus(ctx context.Context, shopID string) (CodeStatus, error) {
	c, err := s.o.Codes.PendingCode(ctx, shopID)
	if errors.Is(err, shopapp.ErrNotFound) {
		return CodeStatus{}, nil
	}
	if err != nil {
		return CodeStatus{}, wrapStore("code status", shopID, err)
	}
	left := max(MaxCodeTries-c.Tries, 0)
	now := s.now()
	resendAt := c.SentAt.Add(ResendAfter)
	return CodeStatus{
		Pending: true, Phone: c.Phone, SentAt: c.SentAt, ExpiresAt: c.ExpiresAt,
		ResendAt: resendAt, ResendIn: max(resendAt.Sub(now), 0), TriesLeft: left,
		Usable: left > 0 && now.Before(c.ExpiresAt),
	}, nil
}

// ResendCode sends a new code to the owner's phone, replacing the pending
// one, once ResendAfter has passed and within the daily caps.
func (s *Service) ResendCode(ctx context.Context, shopID string) error {
	m, err := s.at(ctx, shopID, StepCode)
	if err != nil {
		return err
	}
	return s.sendCode(ctx, shopID, m.Owner.Phone)
}

// VerifyCode checks a typed code. The right code proves the phone, moves the
// wizard to the credentials and e-mails them (a failed e-mail is offered
// again on the credentials page). Every try counts, atomically, so
// MaxCodeTries wrong codes end the code even when typed in parallel.
func (s *Service) VerifyCode(ctx context.Context, shopID, typed string) error {
	m, err := s.at(ctx, shopID, StepCode)
	if err != nil {
		return err
	}
	code := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, typed)
	if len(code) != CodeLength || strings.Trim(code, "0123456789") != "" {
		return refuse(ReasonCodeFormat, "code", "Введите 6 цифр кода из SMS.")
	}
	c, err := s.o.Codes.PendingCode(ctx, shopID)
	if errors.Is(err, shopapp.ErrNotFound) {
		return refuse(ReasonNoCode, "code", "Код не запрошен или уже использован. Запросите новый код.")
	}
	if err != nil {
		return wrapStore("verify code", shopID, err)
	}
	now := s.now()
	switch {
	case c.Tries >= MaxCodeTries:
		return tooManyTries()
	case !now.Before(c.ExpiresAt):
		return refuse(ReasonCodeExpired, "code", "Срок действия кода истёк (10 минут). Запросите новый код.")
	}
	c, err = s.o.Codes.AddTry(ctx, shopID)
	if errors.Is(err, shopapp.ErrNotFound) {
		return refuse(ReasonNoCode, "code", "Код не запрошен или уже использован. Запросите новый код.")
	}
	if err != nil {
		return wrapStore("verify code", shopID, err)
	}
	if c.Tries > MaxCodeTries {
		return tooManyTries()
	}
	if !hmac.Equal([]byte(s.codeHash(shopID, c.Phone, code)), []byte(c.Hash)) {
		left := MaxCodeTries - c.Tries
		if left <= 0 {
			return tooManyTries()
		}
		return refuse(ReasonCodeWrong, "code", "Неверный код. Осталось попыток: "+strconv.Itoa(left)+".")
	}
	if err := s.o.Shops.MarkPhoneVerified(ctx, shopID, c.Phone, StepCredentials, now); err != nil {
		return wrapStore("verify code", shopID, err)
	}
	if err := s.o.Codes.DeleteCode(ctx, shopID); err != nil {
		// The phone is proved; a leftover code expires and is swept.
		s.log.Warn("delete used code", slog.String("shop_id", shopID), slog.String("error", err.Error()))
	}
	m.Owner.Phone, m.Wizard.Step, m.Verification.PhoneVerifiedAt = c.Phone, string(StepCredentials), now
	if err := s.issueCredentials(ctx, m, false); err != nil {
		s.log.Warn("credentials e-mail after code", slog.String("shop_id", shopID), slog.String("error", err.Error()))
	}
	return nil
}

func tooManyTries() Problems {
	return refuse(ReasonTooManyTries, "code", "Слишком много неверных попыток: этот код больше не действует. Запросите новый код.")
}

// codePendingFor reports whether a usable code for phone is waiting.
func (s *Service) codePendingFor(ctx context.Context, shopID, phone string) bool {
	c, err := s.o.Codes.PendingCode(ctx, shopID)
	return err == nil && c.Phone == phone && c.Tries < MaxCodeTries && s.now().Before(c.ExpiresAt)
}

// sendCode sends a fresh code to phone and stores its hash as the shop's
// only code. Refused while the previous code to the same phone is younger
// than ResendAfter, or when the phone or the shop had MaxCodesPerDay codes
// today; the counters are given back when the SMS fails.
func (s *Service) sendCode(ctx context.Context, shopID, phone string) error {
	now := s.now()
	prev, err := s.o.Codes.PendingCode(ctx, shopID)
	switch {
	case err == nil && prev.Phone == phone:
		if wait := prev.SentAt.Add(ResendAfter).Sub(now); wait > 0 {
			return tooSoon(wait)
		}
	case err != nil && !errors.Is(err, shopapp.ErrNotFound):
		return wrapStore("send code", shopID, err)
	}
	release, err := s.countSend(ctx, now, "phone:"+phone, "shop:"+shopID)
	if err != nil {
		return err
	}
	code, err := s.randomDigits(CodeLength)
	if err != nil {
		release()
		return err
	}
	_, err = s.o.SMS.Send(ctx, notify.Message{
		Channel:        notify.KindSMS,
		To:             phone,
		Text:           CodeText(code),
		Key:            "onboarding:code:" + shopID + ":" + strconv.FormatInt(now.UnixMilli(), 10),
		StatusCallback: s.o.StatusCallback,
	})
	if err != nil {
		release()
		s.log.Warn("send code failed", slog.String("shop_id", shopID), slog.String("phone", notify.MaskPhone(phone)),
			slog.String("error", err.Error()))
		return sendProblem(err, notify.KindSMS)
	}
	c := Code{ShopID: shopID, Phone: phone, Hash: s.codeHash(shopID, phone, code), SentAt: now, ExpiresAt: now.Add(CodeLifetime)}
	if err := s.o.Codes.SaveCode(ctx, c); err != nil {
		return wrapStore("save code", shopID, err)
	}
	s.log.Info("code sent", slog.String("shop_id", shopID), slog.String("phone", notify.MaskPhone(phone)))
	return nil
}

// CodeText is the SMS that carries a code: one UCS-2 segment.
func CodeText(code string) string {
	return "Код parceltrack: " + code + ". Никому его не сообщайте."
}

// countSend adds one send to today's counter of each key and refuses, giving
// every count back, when one of them passes MaxCodesPerDay. The returned
// release gives the counts back after a failed send.
func (s *Service) countSend(ctx context.Context, now time.Time, keys ...string) (release func(), err error) {
	// The caps count Moscow days.
	y, mo, d := now.In(tracking.Moscow).Date()
	day := fmt.Sprintf("%04d%02d%02d", y, int(mo), d)
	// Kept a day past its own so a sweep never races the counting.
	expires := tracking.NextMidnight(now, tracking.Moscow).Add(24 * time.Hour).UTC()
	var counted []string
	release = func() {
		// Give back even when the request was cancelled meanwhile.
		bg := context.WithoutCancel(ctx)
		for _, k := range counted {
			if _, err := s.o.Codes.CountSend(bg, k, -1, expires); err != nil {
				s.log.Warn("give back send count", slog.String("error", err.Error()))
			}
		}
	}
	for _, k := range keys {
		n, err := s.o.Codes.CountSend(ctx, k+":"+day, 1, expires)
		if err != nil {
			release()
			return nil, fmt.Errorf("onboarding: count send: %w", err)
		}
		counted = append(counted, k+":"+day)
		if n > MaxCodesPerDay {
			release()
			return nil, refuse(ReasonDailyLimit, "",
				"Сегодня уже отправлено 5 сообщений — это предел на сутки. Попробуйте завтра или напишите в поддержку.")
		}
	}
	return release, nil
}

func tooSoon(wait time.Duration) Problems {
	secs := int((wait + time.Second - 1) / time.Second)
	return Problems{{Reason: ReasonTooSoon, Text: "Отправить ещё раз можно через " + strconv.Itoa(secs) + " с.", Wait: wait}}
}

// sendProblem turns a provider failure into the merchant's words: a
// recipient the provider will never accept is a problem of the field, any
// other failure is worth a retry.
func sendProblem(err error, kind notify.ChannelKind) Problems {
	var se *notify.SendError
	permanent := errors.As(err, &se) && se.Permanent && !se.Config
	switch {
	case kind == notify.KindSMS && permanent:
		return Problems{{Reason: ReasonPhoneRejected, Field: "phone", Err: err,
			Text: "На этот номер не удалось отправить SMS. Проверьте номер или укажите другой."}}
	case kind == notify.KindSMS:
		return Problems{{Reason: ReasonSendFailed, Err: err, Text: "Не удалось отправить SMS. Попробуйте ещё раз через минуту."}}
	case permanent:
		return Problems{{Reason: ReasonEmailRejected, Field: "email", Err: err,
			Text: "Почтовый сервер не принял этот адрес. Проверьте e-mail или укажите другой."}}
	}
	return Problems{{Reason: ReasonSendFailed, Err: err, Text: "Не удалось отправить письмо. Попробуйте ещё раз через минуту."}}
}

// codeHash is the stored form of a code: HMAC-SHA256 keyed by the app
// secret over the shop, the phone and the code, so a database dump reveals
// no code and a hash is useless for another shop or phone.
func (s *Service) codeHash(shopID, phone, code string) string {
	mac := hmac.New(sha256.New, []byte(s.o.Secret))
	mac.Write([]byte("onboarding-code\x00" + shopID + "\x00" + phone + "\x00" + code))
	return hex.EncodeToString(mac.Sum(nil))
}

// randomDigits returns n uniformly random decimal digits.
func (s *Service) randomDigits(n int) (string, error) {
	return s.randomString(n, "0123456789")
}

// randomString returns n characters drawn uniformly from alphabet (at most
// 256 characters), rejecting the bytes that would bias the draw.
func (s *Service) randomString(n int, alphabet string) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := io.ReadFull(s.o.Random, buf); err != nil {
			return "", fmt.Errorf("onboarding: random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

func wrapStore(op, shopID string, err error) error {
	if errors.Is(err, shopapp.ErrNotFound) {
		return fmt.Errorf("onboarding: %s %s: %w (%w)", op, shopID, ErrUnknownShop, err)
	}
	return fmt.Errorf("onboarding: %s %s: %w", op, shopID, err)
}
