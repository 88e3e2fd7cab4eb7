package katapult

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// APIError is a response with a non-2xx status. Both of the API's error
// shapes become one: the route envelope (Type, Message and Meta set) and the
// short middleware shape `{"error": "..."}` (Middleware true, Type empty,
// Message the error text, Meta nil).
type APIError struct {
	Status     int    // HTTP status
	Type       string // machine-readable type, e.g. "not_found"; "" for middleware errors
	Message    string
	Meta       *Meta // token state, when the response carried it
	Middleware bool  // the short {"error": ...} shape (auth, general limit)
	Method     string
	Path       string // below the base URL, without the query (never the key)
}

func (e *APIError) Error() string {
	kind := e.Type
	if kind == "" {
		kind = http.StatusText(e.Status)
	}
	return fmt.Sprintf("katapult: %s %s: %d %s: %s", e.Method, e.Path, e.Status, kind, e.Message)
}

func newAPIError(r request, status int, env *envelope) *APIError {
	e := &APIError{Status: status, Method: r.method, Path: r.path}
	if env != nil {
		e.Type, e.Message, e.Meta = env.Type, env.Message, env.Meta
		if env.Error != nil {
			e.Middleware, e.Message = true, *env.Error
		}
	}
	return e
}

// RequestError is a call that got no usable response: the connection failed,
// timed out or was reset, or the body could not be read or decoded. Its
// message never contains the API key.
type RequestError struct {
	Method string
	Path   string
	Err    error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("katapult: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// MaybeAppliedError wraps the failure of a call that is not idempotent (a
// plain create, a photo upload) when the server may have applied it before
// failing (a 5xx from a route handler, a reset, a timeout). The client does
// not retry such calls: a retry could duplicate the resource. The caller
// must look (list the resources) before sending it again.
type MaybeAppliedError struct{ Err error }

func (e *MaybeAppliedError) Error() string {
	return "may have been applied: " + e.Err.Error()
}

func (e *MaybeAppliedError) Unwrap() error { return e.Err }

// IsNotFound reports whether err is a 404 not_found.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// IsTokenLimited reports whether err is a 429 token_rate_limit_exceeded
// (after the client's retries were exhausted).
func IsTokenLimited(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusTooManyRequests && e.Type == "token_rate_limit_exceeded"
}

// IsAuth reports whether err is an authentication or permission failure.
func IsAuth(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Middleware && (e.Status == 400 || e.Status == 401 || e.Status == 403)
}

// IsMaybeApplied reports whether a non-idempotent call failed after the
// server may have applied it.
func IsMaybeApplied(err error) bool {
	var e *MaybeAppliedError
	return errors.As(err, &e)
}

// IsPermanent reports whether retrying err cannot help: a 4xx other than 429.
func IsPermanent(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests
}

// redact replaces every form of the key in s.
func (c *Client) redact(s string) string {
	return Redact(s, c.key)
}

// Redact replaces key, and its URL-escaped forms, in s with "REDACTED".
// The API quotes the first 8 characters of the key in some messages ("API
// key starting with: …"); for keys long enough that 8 characters cannot be
// an ordinary word (16 or more), that prefix is redacted too.
func Redact(s, key string) string {
	if key == "" {
		return s
	}
	forms := []string{key, url.QueryEscape(key), url.PathEscape(key)}
	if len(key) >= 16 {
		forms = append(forms, key[:8])
	}
	for _, k := range forms {
		s = strings.ReplaceAll(s, k, "REDACTED")
	}
	return s
}

// scrub returns err without the key anywhere in its message. net/http's
// *url.Error embeds the full request URL, so it is replaced by its inner
// error; context errors keep their identity for errors.Is.
func (c *Client) scrub(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err
		switch {
		case errors.Is(inner, context.Canceled):
			return context.Canceled
		case errors.Is(inner, context.DeadlineExceeded):
			return context.DeadlineExceeded
		}
		if c.key == "" || !strings.Contains(inner.Error(), c.key) && !strings.Contains(inner.Error(), url.QueryEscape(c.key)) {
			return inner // keeps *net.OpError etc. for errors.As
		}
		return errors.New(c.redact(inner.Error()))
	}
	if msg := err.Error(); c.redact(msg) != msg {
		return errors.New(c.redact(msg))
	}
	return err
}
