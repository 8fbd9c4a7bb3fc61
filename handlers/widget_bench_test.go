package handlers

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"parceltrack/tracking"
)

// BenchmarkWidget is one refresh of the order-page widget — the shop found
// by its widget key, the order's parcels read, the panel rendered — through
// the real router on the embedded database, with parcels imported in the
// shop (their import through the webhook path is timed too). Every order
// card open in an InSales admin costs one refresh a minute. Run:
//
//	go test -run '^$' -bench Widget -benchtime 200x ./handlers/
func BenchmarkWidget(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("parcels=%d", n), func(b *testing.B) {
			w := newWidgetWorld(b)
			now := time.Now()
			start := time.Now()
			for i := range n {
				track, err := tracking.MakeDomestic(fmt.Sprintf("1010001%06d", i))
				if err != nil {
					b.Fatal(err)
				}
				w.importTrack(b, int64(i+1), now, track)
			}
			b.Logf("%d orders imported in %v (%v each)", n, time.Since(start).Round(time.Millisecond),
				(time.Since(start) / time.Duration(n)).Round(100*time.Microsecond))
			b.ResetTimer()
			for range b.N {
				order := strconv.Itoa(rand.IntN(n) + 1)
				if r := w.get(b, w.url(order), "HX-Request", "true"); r.StatusCode != http.StatusOK {
					b.Fatalf("widget for order %s: %d", order, r.StatusCode)
				}
			}
		})
	}
}
