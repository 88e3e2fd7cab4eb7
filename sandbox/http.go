package sandbox

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiError is a route-handler error: the standard error envelope.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func errNotFound(msg string) *apiError { return &apiError{http.StatusNotFound, "not_found", msg} }
func errField(msg string) *apiError    { return &apiError{http.StatusBadRequest, "invalid_field", msg} }
func errMissing(field string) *apiError {
	return &apiError{http.StatusBadRequest, "missing_required_field", "Missing required field: " + field}
}
func errRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "invalid_request", msg}
}
func errID(id string) *apiError {
	return &apiError{http.StatusBadRequest, "invalid_id", "Invalid id " + quoteShort(id) +
		": ids must be 20 to 256 characters of a-z, A-Z, 0-9, '-' and '_', unique within the job"}
}

// quoteShort quotes a caller-supplied value for a message, cut to a
// readable length.
func quoteShort(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// streamer is data written straight to the response instead of marshalled
// whole (the node list of a large job).
type streamer interface {
	stream(w *bufio.Writer) error
}

// call is one request on its way through a route handler.
type call struct {
	s    *Server
	r    *http.Request
	q    url.Values
	args []string // the route's :parameters, in order
	now  time.Time
}

func (c *call) arg(i int) string { return c.args[i] }

// onlyIfExists reports the upsert endpoints' query flag.
func (c *call) onlyIfExists() bool { return c.q.Get("onlyIfExists") == "true" }

type handler func(c *call) (any, *apiError)

type route struct {
	method  string
	pattern []string // literal segments and ":name" parameters
	cost    int64
	h       handler
}

func (rt route) match(method string, seg []string) ([]string, bool) {
	if method != rt.method || len(seg) != len(rt.pattern) {
		return nil, false
	}
	var args []string
	for i, p := range rt.pattern {
		if strings.HasPrefix(p, ":") {
			if seg[i] == "" {
				return nil, false
			}
			args = append(args, seg[i])
		} else if p != seg[i] {
			return nil, false
		}
	}
	return args, true
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v3")
	if !ok || rest != "" && rest[0] != '/' {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	// Middleware: auth, then the general limit; short shape, no meta.
	key := q.Get("api_key")
	if key == "" {
		s.writeShort(w, r, http.StatusBadRequest, "MISSING API KEY")
		return
	}
	if key != s.opts.Key {
		s.writeShort(w, r, http.StatusUnauthorized, "INVALID API KEY")
		return
	}
	now := s.now()
	if !s.limits.admit(now) {
		s.stats.general.Add(1)
		s.writeShort(w, r, http.StatusTooManyRequests, "GENERAL RATE LIMIT EXCEEDED")
		return
	}

	seg := strings.Split(strings.Trim(rest, "/"), "/")
	if len(seg) == 1 && seg[0] == "" {
		seg = nil
	}
	var rt *route
	var args []string
	for i := range routes {
		if a, ok := routes[i].match(r.Method, seg); ok {
			rt, args = &routes[i], a
			break
		}
	}
	s.stats.calls.Add(1)
	if rt == nil {
		s.respond(w, r, nil, &apiError{http.StatusNotFound, "not_found", "No route for " + r.Method + " " + r.URL.Path}, s.limits.meta(), false)
		return
	}
	if rt.h == nil {
		s.writeShort(w, r, http.StatusNotImplemented, "NOT IMPLEMENTED")
		return
	}

	m, ok := s.limits.reserve(now, rt.cost)
	if !ok {
		s.stats.token.Add(1)
		s.respond(w, r, nil, &apiError{http.StatusTooManyRequests, "token_rate_limit_exceeded",
			"Token rate limit exceeded for API key starting with: " + keyPrefix(key)}, m, false)
		return
	}
	write := r.Method != http.MethodGet
	if s.faults.roll(s.opts.FailRate) {
		s.stats.failed.Add(1)
		s.respond(w, r, nil, &apiError{http.StatusInternalServerError, "internal_error", "Injected failure (before applying)"}, s.limits.refund(rt.cost), false)
		return
	}
	c := &call{s: s, r: r, q: q, args: args, now: now}
	data, aerr := rt.h(c)
	if aerr != nil {
		s.respond(w, r, nil, aerr, s.limits.refund(rt.cost), false)
		return
	}
	s.stats.tokens.Add(rt.cost)
	if !write {
		s.stats.reads.Add(1)
		s.respond(w, r, data, nil, m, false)
		return
	}
	s.stats.writes.Add(1)
	if s.faults.roll(s.opts.DropRate) {
		s.stats.dropped.Add(1)
		s.respond(w, r, nil, nil, m, true)
		return
	}
	if s.faults.roll(s.opts.FailAfterApplyRate) {
		s.stats.failed.Add(1)
		s.respond(w, r, nil, &apiError{http.StatusInternalServerError, "internal_error", "Injected failure (after applying)"}, m, false)
		return
	}
	s.respond(w, r, data, nil, m, false)
}

// keyPrefix is the part of the key the API shows in messages.
func keyPrefix(k string) string {
	if len(k) > 8 {
		return k[:8]
	}
	return k
}

// respond waits the configured latency, then writes the envelope (or
// drops the connection).
func (s *Server) respond(w http.ResponseWriter, r *http.Request, data any, aerr *apiError, m meta, drop bool) {
	if !s.delay(r) {
		return
	}
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		// No hijacking (HTTP/2): abort the response instead.
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	mb, _ := json.Marshal(m)
	bw := bufio.NewWriterSize(w, 32<<10)
	if aerr != nil {
		w.WriteHeader(aerr.status)
		body, _ := json.Marshal(struct {
			Status  string          `json:"status"`
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Meta    json.RawMessage `json:"meta"`
		}{"error", aerr.msg, aerr.typ, mb})
		bw.Write(body)
		bw.WriteByte('\n')
		bw.Flush()
		return
	}
	w.WriteHeader(http.StatusOK)
	if wm, ok := data.(welcome); ok {
		bw.WriteString(`{"status":"success","message":`)
		b, _ := json.Marshal(string(wm))
		bw.Write(b)
	} else {
		bw.WriteString(`{"status":"success","data":`)
		if st, ok := data.(streamer); ok {
			if err := st.stream(bw); err != nil {
				panic(http.ErrAbortHandler) // the client went away mid-answer
			}
		} else {
			b, err := json.Marshal(data)
			if err != nil {
				b = []byte("{}")
			}
			bw.Write(b)
		}
	}
	bw.WriteString(`,"meta":`)
	bw.Write(mb)
	bw.WriteString("}\n")
	bw.Flush()
}

// welcome is the root call's message, answered outside a data envelope.
type welcome string

// delay waits the configured latency; false means the client went away.
func (s *Server) delay(r *http.Request) bool {
	d := s.faults.latency()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// writeShort answers in the middleware's short shape: {"error": msg}, no
// meta.
func (s *Server) writeShort(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if !s.delay(r) {
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(b, '\n'))
}

// readBody decodes a JSON object body into its raw fields.
func readBody(c *call) (body, *apiError) {
	var b body
	dec := json.NewDecoder(http.MaxBytesReader(nil, c.r.Body, 32<<20))
	if err := dec.Decode(&b); err != nil && err != io.EOF {
		return nil, errRequest("Request body must be a JSON object: " + err.Error())
	}
	if dec.More() {
		return nil, errRequest("Request body must be one JSON object, found more after it")
	}
	if b == nil {
		b = body{}
	}
	return b, nil
}
