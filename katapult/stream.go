package katapult

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// A list call can answer with hundreds of megabytes of JSON (a large job's
// nodes). each decodes the envelope's data list one element at a time from
// the response body and hands every element to the caller as it is read, so
// neither the body nor the whole decoded list is ever held.
//
// Contract of the Each* methods built on it:
//   - fn sees every element once, in the server's order. The *T it gets is
//     fresh for each element: fn may keep it.
//   - Failures before the first element (a 5xx, a 429, a reset, a body that
//     is not JSON) are retried exactly as for any other GET. Once an element
//     was delivered the call is never retried, so fn never sees an element
//     twice: a failure after that (a reset mid-body, a truncated or
//     malformed body) returns a *RequestError and the caller decides (a
//     caller that keeps state should discard what it got and call again).
//   - An error returned by fn stops the call and is returned as is, without
//     a retry; the rest of the body is not read.
//   - An element that does not decode into T stops the call with a
//     *RequestError ("decoding response"), as a plain call's reply would.
//   - Error replies (non-2xx) become the same *APIError values, with the
//     key redacted, as for every other call.

// listStream is the element handler of one streaming call.
type listStream struct {
	method, path string
	element      func(raw []byte) error // decodes and delivers one element
	delivered    int                    // elements handed to the caller
	// stop is why delivery stopped early: fn's error, or an element that
	// did not decode. The call is not retried.
	stop error
}

// each sends r (a GET whose reply's data is a list) and calls fn with every
// element of the list as it is read.
func each[T any](ctx context.Context, c *Client, r request, fn func(*T) error) error {
	s := &listStream{method: r.method, path: r.path}
	s.element = func(raw []byte) error {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return s.decodeError(err)
		}
		s.delivered++
		return fn(v)
	}
	r.stream = s
	_, err := c.do(ctx, r, nil)
	return err
}

// collect is each gathering the list into a slice.
func collect[T any](ctx context.Context, c *Client, r request) ([]T, error) {
	out := []T{}
	err := each(ctx, c, r, func(v *T) error {
		out = append(out, *v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *listStream) decodeError(err error) error {
	return &RequestError{Method: s.method, Path: s.path, Err: fmt.Errorf("decoding response: %w", err)}
}

// read decodes a success envelope from body, handing data's elements to
// s.element. It returns the envelope without its data; an error is a
// transport or JSON syntax failure (the call may be retried if nothing was
// delivered). Delivery errors are left in s.stop.
func (s *listStream) read(body io.Reader) (*envelope, error) {
	dec := json.NewDecoder(body)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	env := &envelope{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var dst any
		switch tok {
		case "data":
			if err := s.readData(dec); err != nil || s.stop != nil {
				return env, err // on stop, the rest of the body is not read
			}
			continue
		case "status":
			dst = &env.Status
		case "meta":
			dst = &env.Meta
		case "message":
			dst = &env.Message
		case "type":
			dst = &env.Type
		default:
			dst = new(json.RawMessage)
		}
		if err := dec.Decode(dst); err != nil {
			return nil, err
		}
	}
	return env, expectDelim(dec, '}')
}

// readData reads the data member's value: null or a list.
func (s *listStream) readData(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		return nil
	case json.Delim('['):
	default:
		s.stop = s.decodeError(fmt.Errorf("data is %v, not a list", tok))
		return nil
	}
	var raw json.RawMessage // reused: each element is copied into it
	for dec.More() {
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := s.element(raw); err != nil {
			s.stop = err
			return nil
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return errors.New("malformed JSON envelope: want " + d.String())
	}
	return nil
}
