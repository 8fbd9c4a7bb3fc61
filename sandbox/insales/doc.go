// Package insalessandbox (directory sandbox/insales) is a local stand-in for
// an InSales shop: the admin API subset the app uses, with InSales' wire
// format (Basic auth, resource-key wrapping, bare objects and arrays, 422
// hashes of Russian messages, the HTML 404, API-Usage-Limit and 429 +
// Retry-After), the app lifecycle (install, uninstall, autologin) and a small
// server-rendered shop admin: orders, the order page with the app's widget in
// an iframe, "install app" buttons. The app's real client (package
// parceltrack/insales) talks to it unchanged; only the base URL differs.
//
// # Mounting
//
// Server is a net/http Handler that routes on the path after Config.Prefix
// (default "/sandbox/insales"); mount it there, e.g. in Fiber with
// adaptor.HTTPHandler. Pages live under the prefix ("/", "/orders",
// "/orders/{id}"); the shop's API base is {BaseURL}{Prefix}/{shop domain},
// so an API call looks like
// /sandbox/insales/demo-shop.myinsales.ru/admin/orders.json and the app's
// client is configured with
// insales.BaseURLPattern(BaseURL + "/sandbox/insales/{shop}").
//
// # Demo data
//
// The shop is seeded once (idempotently) with eight orders, the default
// custom statuses and the system fields. The track-number field belongs to
// the app, so no seeded order has a track value at first; some seeded orders
// carry a prepared track number (minted for a Russian Post sandbox scenario)
// that is written into the first order text field the app creates whose
// title mentions "трек" — as if the merchant had typed them — and their
// updated_at moves, so the app's updated_since sync finds them. No webhook is
// fired for that fill. Config.NoDemoTracks turns it off.
//
// # Webhooks
//
// Saving an order (the order page, the new-order form, or PUT
// /admin/orders/{id}.json — including the app's own PUTs, the echo the app
// must ignore) POSTs the bare order JSON to every JSON webhook of the matching
// topic, in the background with a timeout; failures are logged, never retried.
// Config.SyncWebhooks delivers before the request returns (tests).
package insalessandbox
