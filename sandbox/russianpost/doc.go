// Package rpsandbox is the local stand-in for the Russian Post tracking
// services. Its Server is a net/http Handler that speaks the real wire formats:
// single access (RTM-34, SOAP 1.2) on any path ending in "/rtm34" and batch
// access (SOAP 1.1) on any path ending in "/fc", so it can be mounted under any
// prefix (e.g. /sandbox/russianpost/rtm34 in Fiber through the adaptor) or served
// by httptest. The package is named rpsandbox, not russianpost, so the wiring
// can import it next to the client package carriers/russianpost without an
// alias.
//
// # Scenarios
//
// Every barcode plays a scripted history chosen from the barcode alone (see
// ScenarioFor): a valid domestic 14-digit number or UPU S10 number picks
// Scenarios()[d] where d is the digit just before the check digit (the last
// digit of the serial); a well-shaped number with a wrong check digit is an
// unknown item (always an empty history, like the real service); anything
// else is malformed and gets the real "format invalid" fault. RA644000001RU,
// the official test number, returns its fixed 2015 test history. Barcode mints
// numbers for a scenario.
//
// # Time contract
//
// The sandbox keeps a virtual clock that runs K = Speed × 1440 times faster than
// the wall clock (Speed = scenario days per real minute; 1 when unset):
//
//	Now() = Epoch + (Clock() − Epoch) × K
//
// Epoch is the wall-clock instant where both clocks agree (zero: the first use
// of the Server). A scenario starts at the wall-clock instant the sandbox is
// first asked about its barcode, by single access, batch or Register; the
// StartStore keeps that instant (truncated to the second; first caller wins).
// Its step at offset d has OperDate = Virtual(start) truncated to the minute + d,
// written in the step's office UTC offset, and is in the answer iff that OperDate
// (or, for a step recorded late, start + its Shown offset) is <= Now().
// Consequently:
//
//   - OperDates are VIRTUAL instants. The app must classify sandbox parcels with
//     now = Server.Now() (and should use that clock for everything it compares
//     with them); then a parcel that waits 5 scenario days shows "waiting"
//     after 5 real minutes at Speed 1, and every state is reached within minutes.
//   - A scenario's progress depends only on the real time elapsed since its
//     start (× K), never on Epoch, so a persistent StartStore keeps parcels
//     where they were across restarts. OperDates themselves shift when Epoch
//     changes; pass a persisted Epoch to keep them stable across restarts.
//   - The virtual clock runs ahead of the wall clock by (Clock() − Epoch) × (K−1):
//     one real hour at Speed 1 is 60 virtual days. That is the price of one
//     shared fast clock.
//   - Batch answers are snapshots taken 15 virtual minutes after the ticket,
//     when they become ready (error 6 before). They are kept 32 WALL-CLOCK
//     hours (error 17 after, or for an unknown ticket), so a worker that waits
//     the client's RetryAfter hint in real time still finds them. DateOper is
//     written in Moscow time, matching the client's reading.
//   - The optional daily request limit (DailyLimit) counts per virtual Moscow
//     day.
//
// Operation names are always Russian, whatever Language is asked for.
package rpsandbox
