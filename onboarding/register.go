package onboarding

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"

	"parceltrack/notify"
)

// Limits of the registration form.
const (
	maxNameRunes  = 100
	maxEmailBytes = 254
)

// Register stores the merchant's name, e-mail and mobile phone and sends an
// SMS code to the phone; the wizard moves on to the code. It is also the way
// back from the code page to correct a detail: a code still pending for the
// same phone is kept (no new SMS, no resend delay), a new phone gets a new
// code. Nothing is stored when the code cannot be sent.
func (s *Service) Register(ctx context.Context, shopID string, in Registration) error {
	m, err := s.at(ctx, shopID, StepRegister, StepCode)
	if err != nil {
		return err
	}
	reg, ps := validateRegistration(in)
	if ps != nil {
		return ps
	}
	if !s.codePendingFor(ctx, shopID, reg.Phone) {
		if err := s.sendCode(ctx, m.ID, reg.Phone); err != nil {
			return err
		}
	}
	if err := s.o.Shops.SaveRegistration(ctx, shopID, reg, StepCode, s.now()); err != nil {
		return wrapStore("register", shopID, err)
	}
	return nil
}

// ChangePhone sends a code to another phone from the code page and makes it
// the owner's phone. The same phone again is a resend.
func (s *Service) ChangePhone(ctx context.Context, shopID, raw string) error {
	m, err := s.at(ctx, shopID, StepCode)
	if err != nil {
		return err
	}
	phone, p := normalizeMobile(raw)
	if p != nil {
		return Problems{*p}
	}
	if phone == m.Owner.Phone {
		return s.sendCode(ctx, shopID, phone)
	}
	if err := s.sendCode(ctx, shopID, phone); err != nil {
		return err
	}
	if err := s.o.Shops.SavePhone(ctx, shopID, phone, s.now()); err != nil {
		return wrapStore("change phone", shopID, err)
	}
	return nil
}

// validateRegistration normalises the form and lists every problem in it.
func validateRegistration(in Registration) (Registration, Problems) {
	var ps Problems
	out := Registration{Name: strings.Join(strings.Fields(in.Name), " ")}
	switch n := utf8.RuneCountInString(out.Name); {
	case n == 0:
		ps = append(ps, Problem{Reason: ReasonNameMissing, Field: "name", Text: "Укажите имя."})
	case n > maxNameRunes:
		ps = append(ps, Problem{Reason: ReasonNameTooLong, Field: "name", Text: "Имя слишком длинное: не больше 100 символов."})
	}
	email, p := normalizeEmail(in.Email)
	if p != nil {
		ps = append(ps, *p)
	}
	out.Email = email
	phone, p := normalizeMobile(in.Phone)
	if p != nil {
		ps = append(ps, *p)
	}
	out.Phone = phone
	if len(ps) > 0 {
		return out, ps
	}
	return out, nil
}

// normalizeEmail checks a bare address (no display name) with a dotted
// domain, and lower-cases the domain.
func normalizeEmail(raw string) (string, *Problem) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", &Problem{Reason: ReasonEmailMissing, Field: "email", Text: "Укажите e-mail."}
	}
	bad := &Problem{Reason: ReasonEmailInvalid, Field: "email", Text: "Проверьте e-mail: он должен выглядеть как name@example.ru."}
	if len(s) > maxEmailBytes || strings.ContainsAny(s, " <>\",;") {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad
	}
	return local + "@" + domain, nil
}

// normalizeMobile accepts a Russian mobile number in any common writing and
// returns it in E.164.
func normalizeMobile(raw string) (string, *Problem) {
	if strings.TrimSpace(raw) == "" {
		return "", &Problem{Reason: ReasonPhoneMissing, Field: "phone", Text: "Укажите номер мобильного телефона."}
	}
	phone, err := notify.NormalizePhone(raw, "RU")
	if errors.Is(err, notify.ErrInvalidPhone) || err != nil {
		return "", &Problem{Reason: ReasonPhoneInvalid, Field: "phone",
			Text: "Проверьте номер телефона: например, 8 912 345-67-89 или +7 (912) 345-67-89."}
	}
	if !notify.IsMobileRU(phone) {
		return "", &Problem{Reason: ReasonPhoneNotMobile, Field: "phone",
			Text: "Нужен номер мобильного телефона в России: на него придёт SMS с кодом."}
	}
	return phone, nil
}

// FormatPhone writes an E.164 Russian number the way people read it:
// "+7 912 345-67-89". Other numbers are returned as they are.
func FormatPhone(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+7") {
		return e164
	}
	d := e164[2:]
	return "+7 " + d[:3] + " " + d[3:6] + "-" + d[6:8] + "-" + d[8:]
}
