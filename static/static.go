// Package static holds the embedded front-end files (stylesheets, htmx,
// icons) and serves them under content-fingerprinted URLs, so browsers can
// cache them forever and a new release is picked up at once.
//
// Vendored third-party files come from npm at pinned versions; vendor.sh
// re-fetches them. Templates refer to files by their plain name through
// Assets.URL ("js/htmx.min.js" → "/static/js/htmx.min.3f2a9c01de.js").
package static

// css/states.css is generated from tracking.State.Palette.
//go:generate env UPDATE_STATES_CSS=1 go test -run ^TestStatesCSSMatchesPalette$ .

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// hashLen is how many hex digits of the SHA-256 go into a URL: 40 bits are
// plenty to tell releases of one file apart.
const hashLen = 10

// cacheControl lets browsers and proxies keep a fingerprinted file forever:
// its URL changes whenever its content does.
const cacheControl = "public, max-age=31536000, immutable"

//go:embed css js img
var files embed.FS

// contentTypes pins the types we serve; mime.TypeByExtension depends on the
// host's mime tables and is only the fallback.
var contentTypes = map[string]string{
	".css":     "text/css; charset=utf-8",
	".js":      "text/javascript; charset=utf-8",
	".svg":     "image/svg+xml",
	".png":     "image/png",
	".ico":     "image/x-icon",
	".woff2":   "font/woff2",
	".txt":     "text/plain; charset=utf-8",
	".LICENSE": "text/plain; charset=utf-8",
}

// compressible lists the types worth gzipping once at start-up.
var compressible = map[string]bool{".css": true, ".js": true, ".svg": true, ".txt": true, ".LICENSE": true}

type file struct {
	name        string // plain name, e.g. "js/htmx.min.js"
	url         string // fingerprinted URL, e.g. "/static/js/htmx.min.3f2a9c01de.js"
	contentType string
	body        []byte
	gzipped     []byte // nil when compression does not pay off
}

// Assets is the immutable, fingerprinted set of embedded files. It is safe
// for concurrent use.
type Assets struct {
	byName map[string]*file // plain name → file
	byPath map[string]*file // fingerprinted path below Prefix → file
}

// New reads the embedded files and computes their fingerprints.
func New() (*Assets, error) {
	a := &Assets{byName: map[string]*file{}, byPath: map[string]*file{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		f, err := newFile(name, body)
		if err != nil {
			return err
		}
		a.byName[f.name] = f
		a.byPath[strings.TrimPrefix(f.url, Prefix)] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: load assets: %w", err)
	}
	return a, nil
}

func newFile(name string, body []byte) (*file, error) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])[:hashLen]
	ext := path.Ext(name)
	f := &file{
		name:        name,
		url:         Prefix + strings.TrimSuffix(name, ext) + "." + hash + ext,
		contentType: contentType(ext),
		body:        body,
	}
	if compressible[ext] {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			return nil, fmt.Errorf("gzip %s: %w", name, err)
		}
		if _, err := zw.Write(body); err != nil {
			return nil, fmt.Errorf("gzip %s: %w", name, err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("gzip %s: %w", name, err)
		}
		// Tiny files (a LICENSE) can grow; only keep a real saving.
		if buf.Len() < len(body)*9/10 {
			f.gzipped = buf.Bytes()
		}
	}
	return f, nil
}

func contentType(ext string) string {
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// URL returns the fingerprinted URL of the file with the given plain name
// (relative to static/, e.g. "css/app.css"). An unknown name is an error, so
// a typo in a template fails the start-up check or the render, never
// silently produces a broken link. It is the template function "asset".
func (a *Assets) URL(name string) (string, error) {
	f, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("static: unknown asset %q", name)
	}
	return f.url, nil
}

// Names returns the plain names of all assets, sorted.
func (a *Assets) Names() []string {
	names := make([]string, 0, len(a.byName))
	for n := range a.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Handler serves the assets; mount it as GET Prefix+"*". Only current
// fingerprinted paths are found: a plain name or an old fingerprint is a
// 404 (fiber.ErrNotFound, so the app's error handler renders it), because
// serving stale content under an "immutable" URL would poison caches.
func (a *Assets) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		f, ok := a.byPath[c.Params("*")]
		if !ok {
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderContentType, f.contentType)
		c.Set(fiber.HeaderCacheControl, cacheControl)
		if f.gzipped == nil {
			return c.Send(f.body)
		}
		c.Vary(fiber.HeaderAcceptEncoding)
		if acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(f.gzipped)
		}
		return c.Send(f.body)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: listed
// with q > 0, or covered by "*" with q > 0 and not refused by name.
func acceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0 // -1: not mentioned
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if parsed, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = parsed
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip":
			gzipQ = q
		case "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
