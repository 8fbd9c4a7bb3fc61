package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func newApp(t *testing.T) (*fiber.App, *Assets) {
	t.Helper()
	a, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get(Prefix+"*", a.Handler())
	return app, a
}

func TestURL(t *testing.T) {
	t.Parallel()
	_, a := newApp(t)
	tests := []struct {
		name    string
		asset   string
		pattern string // regexp the URL must match; empty means an error is expected
	}{
		{"htmx", "js/htmx.min.js", `^/static/js/htmx\.min\.[0-9a-f]{10}\.js$`},
		{"pico", "css/pico.classless.min.css", `^/static/css/pico\.classless\.min\.[0-9a-f]{10}\.css$`},
		{"app css", "css/app.css", `^/static/css/app\.[0-9a-f]{10}\.css$`},
		{"state badges css", "css/states.css", `^/static/css/states\.[0-9a-f]{10}\.css$`},
		{"license", "js/htmx.LICENSE", `^/static/js/htmx\.[0-9a-f]{10}\.LICENSE$`},
		{"unknown", "js/jquery.js", ""},
		{"fingerprinted name is not a name", "js/htmx.min.0123456789.js", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := a.URL(tt.asset)
			if tt.pattern == "" {
				if err == nil {
					t.Fatalf("URL(%q) = %q, want an error", tt.asset, u)
				}
				if !strings.Contains(err.Error(), tt.asset) {
					t.Errorf("error %q does not name the asset", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("URL(%q): %v", tt.asset, err)
			}
			if !regexp.MustCompile(tt.pattern).MatchString(u) {
				t.Errorf("URL(%q) = %q, want match %s", tt.asset, u, tt.pattern)
			}
		})
	}
}

func TestFingerprintIsContentHash(t *testing.T) {
	t.Parallel()
	first, err := newFile("css/x.css", []byte("body{}"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := newFile("css/x.css", []byte("body{color:red}"))
	if err != nil {
		t.Fatal(err)
	}
	// printf 'body{}' | sha256sum → 7c98040a54...
	if want := "/static/css/x.7c98040a54.css"; first.url != want {
		t.Errorf("url = %q, want %q", first.url, want)
	}
	if first.url == second.url {
		t.Errorf("different content, same URL %q", first.url)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	app, a := newApp(t)
	htmxURL, _ := a.URL("js/htmx.min.js")
	cssURL, _ := a.URL("css/app.css")
	svgURL, _ := a.URL("img/favicon.svg")
	licURL, _ := a.URL("js/htmx.LICENSE")
	wantHTMX, _ := files.ReadFile("js/htmx.min.js")

	tests := []struct {
		name       string
		method     string
		url        string
		encoding   string
		wantStatus int
		wantType   string
		wantGzip   bool
		wantBody   []byte
	}{
		{"htmx", "GET", htmxURL, "", 200, "text/javascript; charset=utf-8", false, wantHTMX},
		{"htmx gzipped", "GET", htmxURL, "gzip, deflate, br", 200, "text/javascript; charset=utf-8", true, wantHTMX},
		{"gzip refused", "GET", htmxURL, "gzip;q=0, *", 200, "text/javascript; charset=utf-8", false, wantHTMX},
		{"head", "HEAD", htmxURL, "", 200, "text/javascript; charset=utf-8", false, nil},
		{"css", "GET", cssURL, "", 200, "text/css; charset=utf-8", false, nil},
		{"svg", "GET", svgURL, "", 200, "image/svg+xml", false, nil},
		{"license", "GET", licURL, "", 200, "text/plain; charset=utf-8", false, nil},
		{"wrong hash", "GET", "/static/js/htmx.min.0000000000.js", "", 404, "", false, nil},
		{"plain name", "GET", "/static/js/htmx.min.js", "", 404, "", false, nil},
		{"unknown", "GET", "/static/js/nope.0123456789.js", "", 404, "", false, nil},
		{"traversal", "GET", "/static/../static.go", "", 404, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.url, nil)
			if tt.encoding != "" {
				req.Header.Set("Accept-Encoding", tt.encoding)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
					t.Errorf("404 carries Cache-Control %q", cc)
				}
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
				t.Errorf("Cache-Control = %q", got)
			}
			gz := resp.Header.Get("Content-Encoding") == "gzip"
			if gz != tt.wantGzip {
				t.Errorf("gzip = %v, want %v", gz, tt.wantGzip)
			}
			if gz {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if tt.wantBody != nil && !bytes.Equal(body, tt.wantBody) {
				t.Errorf("body differs from the embedded file (%d vs %d bytes)", len(body), len(tt.wantBody))
			}
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD returned %d body bytes", len(body))
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip;q=0, *", false},
		{"*", true},
		{"*;q=0", false},
		{"br, deflate", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			if got := acceptsGzip(tt.header); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestVendoredFilesPresent(t *testing.T) {
	t.Parallel()
	_, a := newApp(t)
	names := strings.Join(a.Names(), " ")
	for _, want := range []string{"js/htmx.min.js", "js/htmx.LICENSE", "css/pico.classless.min.css", "css/pico.LICENSE", "css/app.css", "css/states.css", "img/favicon.svg"} {
		if !strings.Contains(names, want) {
			t.Errorf("asset %s missing; have %s", want, names)
		}
	}
	js, _ := files.ReadFile("js/htmx.min.js")
	if !bytes.Contains(js, []byte(`version:"2.`)) {
		t.Errorf("js/htmx.min.js is not an htmx 2.x build")
	}
}
