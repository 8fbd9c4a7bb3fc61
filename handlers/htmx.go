package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// htmx request headers (https://htmx.org/reference/#request_headers).
const (
	hxRequest               = "HX-Request"
	hxBoosted               = "HX-Boosted"
	hxHistoryRestoreRequest = "HX-History-Restore-Request"
	hxTarget                = "HX-Target"
	hxTriggerID             = "HX-Trigger" // request: id of the triggering element
	hxTriggerName           = "HX-Trigger-Name"
	hxCurrentURL            = "HX-Current-URL"
)

// htmx response headers (https://htmx.org/reference/#response_headers).
const (
	hxRedirect = "HX-Redirect"
	hxRefresh  = "HX-Refresh"
	hxPushURL  = "HX-Push-Url"
	hxReswap   = "HX-Reswap"
	hxRetarget = "HX-Retarget"
	hxTrigger  = "HX-Trigger" // response: events to fire on the client
)

// htmxRequest is what an htmx request tells about itself. Its strings are
// copies, safe to keep after the handler returns.
type htmxRequest struct {
	Enabled        bool   // HX-Request: sent by htmx (boosted or not)
	Boosted        bool   // HX-Boosted: a boosted link or form
	HistoryRestore bool   // HX-History-Restore-Request: cache miss on back/forward
	Target         string // id of the target element
	Trigger        string // id of the triggering element
	TriggerName    string // name of the triggering element
	CurrentURL     string // the browser's current URL
}

func htmxFrom(c *fiber.Ctx) htmxRequest {
	return htmxRequest{
		Enabled:        c.Get(hxRequest) == "true",
		Boosted:        c.Get(hxBoosted) == "true",
		HistoryRestore: c.Get(hxHistoryRestoreRequest) == "true",
		Target:         strings.Clone(c.Get(hxTarget)),
		Trigger:        strings.Clone(c.Get(hxTriggerID)),
		TriggerName:    strings.Clone(c.Get(hxTriggerName)),
		CurrentURL:     strings.Clone(c.Get(hxCurrentURL)),
	}
}

// wantsFragment reports whether to answer with the page's markup alone:
// an htmx request that swaps part of a page. Boosted requests and history
// restores replace the whole body, so they get the full page.
func (r htmxRequest) wantsFragment() bool {
	return r.Enabled && !r.Boosted && !r.HistoryRestore
}

// hxSetRedirect makes htmx load url as a full page.
func hxSetRedirect(c *fiber.Ctx, url string) { c.Set(hxRedirect, url) }

// hxSetRefresh makes htmx reload the whole page.
func hxSetRefresh(c *fiber.Ctx) { c.Set(hxRefresh, "true") }

// hxSetPushURL pushes url into the browser history.
func hxSetPushURL(c *fiber.Ctx, url string) { c.Set(hxPushURL, url) }

// hxSetReswap overrides the swap strategy ("innerHTML", "none", ...).
func hxSetReswap(c *fiber.Ctx, swap string) { c.Set(hxReswap, swap) }

// hxSetRetarget swaps into the element matched by the CSS selector instead.
func hxSetRetarget(c *fiber.Ctx, selector string) { c.Set(hxRetarget, selector) }

// hxSetTrigger fires the named events on the client after the response, e.g.
// "parcelChanged" to refresh panels listening with
// hx-trigger="parcelChanged from:body". Repeated calls add events.
func hxSetTrigger(c *fiber.Ctx, events ...string) {
	if len(events) == 0 {
		return
	}
	all := strings.Join(events, ", ")
	if prev := c.GetRespHeader(hxTrigger); prev != "" {
		all = prev + ", " + all
	}
	c.Set(hxTrigger, all)
}
