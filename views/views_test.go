package views

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

// stubFuncs stands in for the functions the handlers provide.
func stubFuncs() template.FuncMap {
	return template.FuncMap{
		"asset":     func(name string) (string, error) { return "/static/" + name, nil },
		"csrfField": func(token string) (template.HTML, error) { return template.HTML(token), nil },
	}
}

func TestNewRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		required []string
		wantErr  string // empty: success
	}{
		{"all present", []string{"layouts/main", "pages/home", "pages/error", "partials/flash"}, ""},
		{"nothing required", nil, ""},
		{"missing page", []string{"pages/home", "pages/nope"}, "pages/nope"},
		{"views prefix is not part of the name", []string{"views/pages/home"}, "views/pages/home"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(Config{Funcs: stubFuncs(), Required: tt.required})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewMissingFunc(t *testing.T) {
	t.Parallel()
	// Without "asset" the layout cannot parse: the error must surface in New.
	_, err := New(Config{Funcs: template.FuncMap{"csrfField": func(string) string { return "" }}})
	if err == nil || !strings.Contains(err.Error(), "asset") {
		t.Fatalf("New error = %v, want one about the undefined function asset", err)
	}
}

func TestLiteralChecks(t *testing.T) {
	t.Parallel()
	var seen []string
	known := map[string]bool{"img/favicon.svg": true, "css/pico.classless.min.css": true, "css/app.css": true, "css/states.css": true, "js/htmx.min.js": true}
	_, err := New(Config{
		Funcs: stubFuncs(),
		Literals: map[string]func(string) error{"asset": func(name string) error {
			seen = append(seen, name)
			if !known[name] {
				return fmt.Errorf("unknown asset %q", name)
			}
			return nil
		}},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// Each literal is checked wherever it stands; the set is what counts.
	sort.Strings(seen)
	seen = slices.Compact(seen)
	if got, want := strings.Join(seen, ","), "css/app.css,css/pico.classless.min.css,css/states.css,img/favicon.svg,js/htmx.min.js"; got != want {
		t.Errorf("asset literals = %s, want %s", got, want)
	}

	// A failing check names the template and the argument.
	errBad := errors.New("nope")
	_, err = New(Config{
		Funcs:    stubFuncs(),
		Literals: map[string]func(string) error{"asset": func(name string) error { return errBad }},
	})
	if !errors.Is(err, errBad) || !strings.Contains(err.Error(), `layouts/main: {{asset "js/htmx.min.js"}}`) {
		t.Fatalf("New error = %v, want the failing literal named", err)
	}
}

func TestParseAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string
		calls   string // literal calls found in "a", as fn:arg, comma-separated
	}{
		{
			name: "unique defines",
			files: fstest.MapFS{
				"a.html": {Data: []byte(`{{define "a/row"}}x{{end}}{{asset "x.css"}}{{if .X}}{{asset "y.js" | print}}{{end}}`)},
				"b.html": {Data: []byte(`{{define "b/row"}}y{{end}}{{template "a/row" .}}`)},
			},
			calls: "asset:x.css,asset:y.js",
		},
		{
			name: "duplicate define across files",
			files: fstest.MapFS{
				"a.html": {Data: []byte(`{{define "row"}}x{{end}}`)},
				"b.html": {Data: []byte(`{{define "row"}}y{{end}}`)},
			},
			wantErr: `multiple definition of template "row"`,
		},
		{
			name:    "syntax error",
			files:   fstest.MapFS{"a.html": {Data: []byte(`{{if}}`)}},
			wantErr: "a",
		},
		{
			name:  "non-template files ignored",
			files: fstest.MapFS{"a.html": {Data: []byte(`ok`)}, "notes.txt": {Data: []byte(`{{if}}`)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			trees, err := parseAll(tt.files)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseAll error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseAll: %v", err)
			}
			var calls []string
			for _, c := range literalCalls(trees["a"].Root) {
				calls = append(calls, c.fn+":"+c.arg)
			}
			if got := strings.Join(calls, ","); got != tt.calls {
				t.Errorf("calls = %q, want %q", got, tt.calls)
			}
		})
	}
}

// page mirrors the fields of handlers.page the templates use.
type page struct {
	Title     string
	Data      any
	Sandbox   bool
	CSRF      string
	Flashes   []struct{ Kind, Text string }
	FlashOOB  bool
	RequestID string
	Content   template.HTML
}

func TestTemplatesRender(t *testing.T) {
	t.Parallel()
	e, err := New(Config{Funcs: stubFuncs()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		view    string
		data    page
		want    []string
		notWant []string
	}{
		{
			name: "layout with sandbox and csrf",
			view: "layouts/main",
			data: page{Title: "Главная", Sandbox: true, CSRF: "tok-1", Content: "<p>тело</p>"},
			want: []string{`<html lang="ru">`, "<title>Главная — parceltrack</title>", "Песочница: внешние сервисы заменены имитаторами",
				`href="/sandbox/"`, `<p>тело</p>`, `name="csrf-token" content="tok-1"`, `hx-headers='{"X-CSRF-Token": "tok-1"}'`,
				`src="/static/js/htmx.min.js"`, `id="flash"`},
		},
		{
			name:    "layout without sandbox",
			view:    "layouts/main",
			data:    page{},
			want:    []string{"<title>parceltrack</title>"},
			notWant: []string{"Песочница", "hx-headers", "csrf-token"},
		},
		{
			name:    "flash escapes text",
			view:    "partials/flash",
			data:    page{Flashes: []struct{ Kind, Text string }{{"error", "<b>нет</b>"}}, FlashOOB: true},
			want:    []string{`hx-swap-oob="true"`, `class="flash flash-error" role="alert"`, "&lt;b&gt;нет&lt;/b&gt;"},
			notWant: []string{"<b>"},
		},
		{
			name: "error page",
			view: "pages/error",
			data: page{RequestID: "rid-9", Data: struct {
				Status         int
				Title, Message string
			}{404, "Страница не найдена", "Проверьте адрес."}},
			want: []string{"404", "Страница не найдена", "rid-9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := e.Render(&buf, tt.view, tt.data); err != nil {
				t.Fatalf("Render: %v", err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output contains %q:\n%s", w, out)
				}
			}
		})
	}
}
