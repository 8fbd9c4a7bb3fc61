// Package views holds the embedded html/template files of the web UI and
// builds the Fiber template engine from them.
//
// Files live under layouts/, pages/ and partials/; a template's name is its
// path without ".html" ("pages/home"). Fiber's html engine compiles all files
// into one set, so every {{define}} name must be unique across files (prefix
// it with the file's name: "pages/parcels/row"); New refuses duplicates.
//
// New checks at start-up what would otherwise fail at request time: every
// view the handlers render exists, and every literal argument of a checked
// function (e.g. {{asset "css/app.css"}}) is valid.
package views

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"text/template/parse"

	"github.com/gofiber/template/html/v2"
)

// Extension is the file extension of templates.
const Extension = ".html"

//go:embed layouts pages partials
var files embed.FS

// Config configures New.
type Config struct {
	// Funcs are the template functions; every function a template calls must
	// be here, or parsing fails.
	Funcs template.FuncMap
	// Required lists the template names the handlers render (their view
	// registry). A missing one fails New.
	Required []string
	// Literals maps a function name to a check run on every string literal
	// passed as its first argument anywhere in the templates, e.g.
	// {"asset": func(name string) error { _, err := assets.URL(name); return err }}.
	Literals map[string]func(arg string) error
}

// New parses the embedded templates into a Fiber html engine and runs the
// start-up checks described in Config.
func New(cfg Config) (*html.Engine, error) {
	sub, err := fs.Sub(files, ".")
	if err != nil {
		return nil, fmt.Errorf("views: %w", err)
	}
	trees, err := parseAll(sub)
	if err != nil {
		return nil, err
	}
	if err := checkLiterals(trees, cfg.Literals); err != nil {
		return nil, err
	}

	engine := html.NewFileSystem(http.FS(sub), Extension)
	engine.AddFuncMap(funcs())
	engine.AddFuncMap(cfg.Funcs)
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("views: load: %w", err)
	}
	var missing []string
	for _, name := range cfg.Required {
		if engine.Templates.Lookup(name) == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("views: missing templates %s (add views/%s%s)",
			strings.Join(missing, ", "), missing[0], Extension)
	}
	return engine, nil
}

// parseAll parses every template file into one tree set, as the engine
// does, but refuses a {{define}} name that two files use: html/template
// would silently keep whichever file was parsed last.
func parseAll(fsys fs.FS) (map[string]*parse.Tree, error) {
	trees := map[string]*parse.Tree{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, Extension) {
			return err
		}
		text, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		t := parse.New(strings.TrimSuffix(p, Extension))
		// Function existence is checked by the real parse in engine.Load.
		t.Mode = parse.SkipFuncCheck
		if _, err := t.Parse(string(text), "", "", trees); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("views: parse: %w", err)
	}
	return trees, nil
}

// checkLiterals runs each check on the string literals passed to its
// function and reports all failures at once.
func checkLiterals(trees map[string]*parse.Tree, checks map[string]func(string) error) error {
	if len(checks) == 0 {
		return nil
	}
	var errs []error
	names := make([]string, 0, len(trees))
	for name := range trees {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, call := range literalCalls(trees[name].Root) {
			check, ok := checks[call.fn]
			if !ok {
				continue
			}
			if err := check(call.arg); err != nil {
				errs = append(errs, fmt.Errorf("views: %s: {{%s %q}}: %w", name, call.fn, call.arg, err))
			}
		}
	}
	return errors.Join(errs...)
}

type literalCall struct{ fn, arg string }

// literalCalls returns every `{{fn "literal" ...}}` call under node.
func literalCalls(node parse.Node) []literalCall {
	var out []literalCall
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			if len(n.Args) >= 2 {
				ident, isIdent := n.Args[0].(*parse.IdentifierNode)
				lit, isLit := n.Args[1].(*parse.StringNode)
				if isIdent && isLit {
					out = append(out, literalCall{fn: ident.Ident, arg: lit.Text})
				}
			}
			for _, a := range n.Args {
				walk(a)
			}
		}
	}
	walk(node)
	return out
}
