package handlers

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// redirect sends the browser to a path of this app after an action:
// an htmx request gets HX-Redirect with 204 (htmx then loads the page in
// full), anything else 303 See Other, so a POSTed form is followed by a GET.
// Boosted requests also get the 303: htmx follows it and swaps the body
// without a full reload.
//
// Only local paths are accepted, so a "next" parameter can never turn it
// into an open redirect; leaving the app (back to the shop) is a separate,
// deliberate helper.
func redirect(c *fiber.Ctx, to string) error {
	if !isLocalPath(to) {
		return fmt.Errorf("handlers: redirect to %q: not a local path", to)
	}
	if h := htmxFrom(c); h.Enabled && !h.Boosted {
		hxSetRedirect(c, to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// isLocalPath reports whether p is a path on this host: "/x", not
// "//evil.example" or "/\evil.example" (browsers read both as hosts), and
// without control characters (browsers drop tabs and newlines, which would
// turn "/\t/evil.example" into "//evil.example").
func isLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
