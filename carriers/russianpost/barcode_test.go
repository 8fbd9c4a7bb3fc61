package russianpost

import (
	"os"
	"testing"
)

func TestHistoryBarcode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, want string
	}{
		{"testdata/rtm34_resp_RA644000001RU_testbarcode_RUS.xml", "RA644000001RU"},
		{"testdata/rtm34_resp_44334455667733_goexample.xml", "44334455667733"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := HistoryBarcode(body); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := HistoryBarcode([]byte("<not xml")); got != "" {
		t.Fatalf("garbage gave %q", got)
	}
}
