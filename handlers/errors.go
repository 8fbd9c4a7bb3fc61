package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// errorView is the data of pages/error.
type errorView struct {
	Status  int
	Title   string
	Message string
}

// errorTexts are what users read; the error itself only goes to the log.
var errorTexts = map[int]errorView{
	400: {Title: "Некорректный запрос", Message: "Проверьте введённые данные и попробуйте ещё раз."},
	401: {Title: "Нужно войти", Message: "Войдите, чтобы продолжить."},
	403: {Title: "Доступ запрещён", Message: "У вас нет доступа к этой странице."},
	404: {Title: "Страница не найдена", Message: "Такой страницы нет. Проверьте адрес или вернитесь на главную."},
	405: {Title: "Действие недоступно", Message: "Этот адрес не поддерживает такой запрос."},
	413: {Title: "Слишком большой запрос", Message: "Уменьшите объём данных и попробуйте ещё раз."},
	429: {Title: "Слишком много запросов", Message: "Подождите немного и повторите."},
	500: {Title: "Что-то пошло не так", Message: "Мы уже знаем об ошибке. Попробуйте обновить страницу через минуту."},
	503: {Title: "Сервис временно недоступен", Message: "Попробуйте обновить страницу через минуту."},
}

// csrfText is shown when a form's CSRF token is missing or stale — usually a
// page left open for hours, so the advice is to reload it.
var csrfText = errorView{Title: "Форма устарела", Message: "Обновите страницу и отправьте форму ещё раз."}

func errorViewFor(status int, err error) errorView {
	var v errorView
	var ce *csrfError
	switch t, ok := errorTexts[status]; {
	case errors.As(err, &ce):
		v = csrfText
	case ok:
		v = t
	case status >= 500:
		v = errorTexts[500]
	default:
		v = errorTexts[400]
	}
	v.Status = status
	return v
}

// statusOf maps an error to the HTTP status to answer with.
func statusOf(err error) int {
	var ce *csrfError
	if errors.As(err, &ce) {
		return fiber.StatusForbidden
	}
	var fe *fiber.Error
	if errors.As(err, &fe) && fe.Code >= 400 && fe.Code <= 599 {
		return fe.Code
	}
	return fiber.StatusInternalServerError
}

// handleError is the app's central error handler (fiber.Config.ErrorHandler;
// the observe middleware calls it for errors from the chain). It logs the
// detail and answers with a friendly page, never with the error text: a full
// page, the flash area as an out-of-band swap for htmx, or JSON under /api/.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	status := statusOf(err)
	s.logError(c, status, err)

	// Drop whatever the failed handler had started to answer.
	c.Response().ResetBody()
	for _, h := range []string{hxRedirect, hxRefresh, hxPushURL, hxRetarget, hxTrigger, fiber.HeaderLocation, fiber.HeaderContentEncoding} {
		c.Response().Header.Del(h)
	}
	c.Status(status)
	v := errorViewFor(status, err)

	if strings.HasPrefix(c.Path(), "/api/") {
		return c.JSON(fiber.Map{"error": v.Title})
	}

	var renderErr error
	if htmxFrom(c).wantsFragment() {
		// Keep the panel the request targeted as it is and show the message
		// in the flash area (the layout's htmx-config lets htmx process
		// 4xx/5xx bodies).
		c.Vary(hxRequest)
		hxSetReswap(c, "none")
		p := page{Flashes: []flash{{Kind: flashError, Text: v.Title + ". " + v.Message}}}
		s.fillPage(c, &p)
		p.FlashOOB = true
		var buf bytes.Buffer
		if renderErr = s.views.Render(&buf, partialFlash, p); renderErr == nil {
			return sendHTML(c, buf.Bytes())
		}
	} else {
		c.Set(fiber.HeaderCacheControl, "no-store")
		if renderErr = s.render(c, viewError, page{Title: v.Title, Data: v}); renderErr == nil {
			return nil
		}
	}
	// The error page itself failed: answer in plain text.
	s.log.Error("render error page", "error", renderErr, "request_id", requestIDOf(c))
	c.Response().ResetBody()
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(v.Title + ". " + v.Message)
}

// logError writes the error detail: 5xx as errors (with the stack of a
// panic), other client errors as warnings, and 404/405 only at debug level
// since the request line already records them.
func (s *server) logError(c *fiber.Ctx, status int, err error) {
	level := slog.LevelWarn
	switch {
	case status >= 500:
		level = slog.LevelError
	case status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed:
		level = slog.LevelDebug
	}
	attrs := []any{
		"method", c.Method(),
		"path", logPath(c),
		"status", status,
		"error", err.Error(),
		"request_id", requestIDOf(c),
	}
	var pe *panicError
	if errors.As(err, &pe) {
		attrs = append(attrs, "stack", string(pe.stack))
	}
	s.log.Log(c.UserContext(), level, "request failed", attrs...)
}

// panicError is a recovered panic, carried to the error handler as an error.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("handlers: panic: %v", e.value) }

// Unwrap exposes a panic value that is itself an error.
func (e *panicError) Unwrap() error {
	err, _ := e.value.(error)
	return err
}

// recoverPanic turns a panic in a later handler into an error, so the client
// gets the 500 page and the log gets the stack, and the process lives on.
func recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return c.Next()
}
