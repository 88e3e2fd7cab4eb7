package geojsonfile

import (
	"encoding/json"
	"errors"
	"fmt"
)

// eachProperty calls fn for each member of a properties object, in order.
// null and absent properties have no members; anything but an object is an
// error. raw comes from encoding/json (already valid JSON), so a small
// scanner splits it — far cheaper than a Decoder per feature — but it still
// checks every index so that no input can make it panic.
func eachProperty(raw json.RawMessage, fn func(name string, v json.RawMessage) error) error {
	i := skipSpace(raw, 0)
	if i == len(raw) || string(raw[i:]) == "null" {
		return nil
	}
	if raw[i] != '{' {
		return fmt.Errorf("properties must be an object or null, not %s", kind(raw))
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return nil
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return errBadObject
		}
		end := stringEnd(raw, i)
		if end < 0 {
			return errBadObject
		}
		name, err := unquote(raw[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return errBadObject
		}
		start := skipSpace(raw, i+1)
		end = valueEnd(raw, start)
		if end < 0 {
			return errBadObject
		}
		if err := fn(name, raw[start:end]); err != nil {
			return err
		}
		i = skipSpace(raw, end)
		if i >= len(raw) {
			return errBadObject
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return nil
		default:
			return errBadObject
		}
	}
}

var errBadObject = errors.New("malformed properties object")

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := stringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// unquote decodes a JSON string literal, fast when it has no escapes.
func unquote(q []byte) (string, error) {
	for _, c := range q[1 : len(q)-1] {
		if c == '\\' {
			var s string
			err := json.Unmarshal(q, &s)
			return s, err
		}
	}
	return string(q[1 : len(q)-1]), nil
}
