package insalessandbox

import (
	"context"
	"net/http"
	"slices"
	"time"
)

// collection is one of the shop's small collections (fields, webhooks,
// application widgets, custom statuses) as the API serves it. The handlers
// below run the flow all of them share; each collection brings its own input
// type, validation and wire form (api_setup.go).
type collection[T, J any] struct {
	srv *Server
	// key wraps a record in request bodies: {"field": {...}}.
	key string
	// New records get base + the next number of sequence seq.
	seq  string
	base int64

	list func(context.Context) ([]T, error)
	put  func(context.Context, T) error
	del  func(context.Context, int64) error
	wire func(T) J

	// id and times reach into a record, so the handlers can number and
	// stamp any kind of it.
	id    func(*T) *int64
	times func(*T) (created, updated *time.Time)
	// permalink, when set, names a record in member paths instead of its id.
	permalink func(T) string
}

// find finds the record a member path names, answering the 500 or the HTML
// 404 InSales gives when it cannot; ok tells whether the caller goes on. all
// is the whole collection, for validations that look at the others.
func (c collection[T, J]) find(w http.ResponseWriter, r *http.Request, arg string) (rec T, all []T, ok bool) {
	all, err := c.list(r.Context())
	if err != nil {
		c.srv.internalError(w, r, err)
		return rec, nil, false
	}
	id, _ := parseID(arg)
	i := slices.IndexFunc(all, func(it T) bool {
		if c.permalink != nil {
			return c.permalink(it) == arg
		}
		return *c.id(&it) == id
	})
	if i < 0 {
		c.srv.notFoundHTML(w)
		return rec, nil, false
	}
	return all[i], all, true
}

// serveList answers the collection as InSales does: a bare JSON array of the
// wire form of every record.
func (c collection[T, J]) serveList(w http.ResponseWriter, r *http.Request, _ string) {
	items, err := c.list(r.Context())
	if err != nil {
		c.srv.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireAll(items, c.wire))
}

func (c collection[T, J]) serveGet(w http.ResponseWriter, r *http.Request, arg string) {
	if rec, _, ok := c.find(w, r, arg); ok {
		writeJSON(w, http.StatusOK, c.wire(rec))
	}
}

// serveDelete answers a DELETE with {"status":"ok"}, unless keep (when set)
// gives a reason to keep the record: then a 422 with the reason on base.
func (c collection[T, J]) serveDelete(keep func(T) string) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, arg string) {
		s := c.srv
		s.mu.Lock()
		defer s.mu.Unlock()
		rec, _, ok := c.find(w, r, arg)
		if !ok {
			return
		}
		if keep != nil {
			if why := keep(rec); why != "" {
				writeValidation(w, validation{"base": {why}})
				return
			}
		}
		if err := c.del(r.Context(), *c.id(&rec)); err != nil {
			s.internalError(w, r, err)
			return
		}
		writeOK(w)
	}
}

// serveCreate answers a POST: build makes the record of the input (or the
// 422) knowing the others; it is stamped, numbered and stored, created (when
// set) runs what follows a creation, and the record is answered with a 201.
func serveCreate[In, T, J any](c collection[T, J], build func(in In, all []T) (T, validation), created func(context.Context, T) error) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, _ string) {
		s := c.srv
		in, ok := decodeInput[In](w, r, c.key)
		if !ok {
			return
		}
		ctx := r.Context()
		s.mu.Lock()
		defer s.mu.Unlock()
		all, err := c.list(ctx)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		rec, bad := build(in, all)
		if len(bad) > 0 {
			writeValidation(w, bad)
			return
		}
		createdAt, updatedAt := c.times(&rec)
		*createdAt = s.now()
		*updatedAt = *createdAt
		err = c.insert(ctx, &rec)
		if err == nil && created != nil {
			err = created(ctx, rec)
		}
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, c.wire(rec))
	}
}

// insert gives rec the next id of its kind and stores it.
func (c collection[T, J]) insert(ctx context.Context, rec *T) error {
	n, err := c.srv.store.NextID(ctx, c.seq)
	if err != nil {
		return err
	}
	*c.id(rec) = c.base + n
	return c.put(ctx, *rec)
}

// serveUpdate answers a PUT: apply changes the record the path names as the
// input says (or gives the 422) knowing the others; the record is stamped,
// stored and answered.
func serveUpdate[In, T, J any](c collection[T, J], apply func(in In, rec *T, all []T) validation) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, arg string) {
		s := c.srv
		in, ok := decodeInput[In](w, r, c.key)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		rec, all, ok := c.find(w, r, arg)
		if !ok {
			return
		}
		if bad := apply(in, &rec, all); len(bad) > 0 {
			writeValidation(w, bad)
			return
		}
		_, updatedAt := c.times(&rec)
		*updatedAt = s.now()
		if err := c.put(r.Context(), rec); err != nil {
			s.internalError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, c.wire(rec))
	}
}

// decodeInput reads the body {"key": {...}} into an In, answering the 400
// when it cannot; ok tells whether the caller goes on.
func decodeInput[In any](w http.ResponseWriter, r *http.Request, key string) (in In, ok bool) {
	if err := decodeWrapped(r, key, &in); err != nil {
		writeBadBody(w, key)
		return in, false
	}
	return in, true
}

// wireAll is the wire form of every item, an empty array (not null) for none.
func wireAll[T, J any](items []T, wire func(T) J) []J {
	out := make([]J, 0, len(items))
	for _, it := range items {
		out = append(out, wire(it))
	}
	return out
}
