// Package shopapp is what parceltrack does in an installed InSales shop, the
// app's core:
//   - install and uninstall (the password is confirmed with InSales before
//     it is stored), and the merchant's login through InSales autologin;
//   - the setup job: the shop's webhooks, the track-number order field and
//     the order-page widget, each found again before it is created;
//   - the import of every track typed into an order as a parcel, with the
//     buyer's data, and its charge (the only place a parcel is paid for);
//   - reconciliation of the orders the webhooks missed;
//   - status sync: the order's InSales status follows its parcel;
//   - what the order-page widget and the start page show.
//
// It also defines the two entities everything else shares, Shop and Parcel,
// and the store interfaces it needs; package storage implements them. Work
// that must not be lost (webhook imports, setup, status sync) runs as
// durable jobs (package jobs): see JobHandlers. Talking to InSales is
// package insales' business; this package decides what to say.
package shopapp
