package katapult

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Real job data has quirks the schema does not admit: numbers sent as
// strings ("29.29", "16.5"), Firebase lists where objects were expected,
// fields no schema names. decodeObject reads an object field by field into
// a struct, tolerating those, and returns the fields the struct does not
// name so a round trip keeps them. encodeObject writes them back.

type fieldInfo struct {
	name  string
	index int
}

var fieldCache sync.Map // reflect.Type → []fieldInfo

func fieldsOf(t reflect.Type) []fieldInfo {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]fieldInfo)
	}
	var fs []fieldInfo
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		fs = append(fs, fieldInfo{name: name, index: i})
	}
	fieldCache.Store(t, fs)
	return fs
}

// decodeObject decodes the JSON object data into the struct dst points to
// and returns the members it has no field for (nil when none). null leaves
// dst unchanged.
func decodeObject(data []byte, dst any) (map[string]json.RawMessage, error) {
	if isNull(data) {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(dst).Elem()
	for _, f := range fieldsOf(rv.Type()) {
		msg, ok := raw[f.name]
		if !ok {
			continue
		}
		delete(raw, f.name)
		if err := decodeLoose(msg, rv.Field(f.index)); err != nil {
			return nil, fmt.Errorf("field %q: %w", f.name, err)
		}
	}
	if len(raw) == 0 {
		raw = nil
	}
	return raw, nil
}

// unmarshalObject is the body of the UnmarshalJSON methods: it decodes b
// with decodeObject into a fresh T (a method-less copy of the type being
// decoded, so its UnmarshalJSON is not re-entered), keeps the members T has
// no field for in its Extra field when it has one, and replaces *dst only
// on success. what names the type in errors.
func unmarshalObject[T any](what string, b []byte, dst *T) error {
	var v T
	extra, err := decodeObject(b, &v)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if f := reflect.ValueOf(&v).Elem().FieldByName("Extra"); f.IsValid() {
		f.Set(reflect.ValueOf(extra))
	}
	*dst = v
	return nil
}

// decodeLoose decodes one value, accepting numbers as strings for numeric
// fields and any scalar for string fields. null leaves the zero value.
func decodeLoose(msg json.RawMessage, fv reflect.Value) error {
	if isNull(msg) {
		return nil
	}
	// Fast paths for the common shapes, without a second JSON scan.
	switch fv.Kind() {
	case reflect.Float64, reflect.Float32:
		if f, err := strconv.ParseFloat(string(bytes.TrimSpace(msg)), 64); err == nil {
			fv.SetFloat(f)
			return nil
		}
	case reflect.String:
		if t := bytes.TrimSpace(msg); len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' && bytes.IndexByte(t, '\\') < 0 {
			fv.SetString(string(t[1 : len(t)-1]))
			return nil
		}
	}
	switch fv.Kind() {
	case reflect.Float64, reflect.Float32:
		f, err := looseFloat(msg)
		if err != nil {
			return err
		}
		fv.SetFloat(f)
		return nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		f, err := looseFloat(msg)
		if err != nil {
			return err
		}
		fv.SetInt(int64(f))
		return nil
	case reflect.String:
		var s string
		if err := json.Unmarshal(msg, &s); err == nil {
			fv.SetString(s)
			return nil
		}
		// A number or boolean where text was expected: keep its JSON text.
		t := strings.TrimSpace(string(msg))
		if len(t) > 0 && t[0] != '{' && t[0] != '[' {
			fv.SetString(t)
			return nil
		}
		return fmt.Errorf("want text, got %s", abbreviate(t))
	}
	return json.Unmarshal(msg, fv.Addr().Interface())
}

// looseFloat reads a JSON number, or a string holding one ("" is 0).
func looseFloat(msg json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(msg, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(msg, &s); err != nil {
		return 0, fmt.Errorf("want a number, got %s", abbreviate(string(msg)))
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("want a number, got %q", s)
	}
	return f, nil
}

// encodeObject marshals v (a struct without custom methods) and adds the
// extra members it does not already have.
func encodeObject(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, x := range extra {
		if _, ok := m[k]; !ok {
			m[k] = x
		}
	}
	return json.Marshal(m)
}

func isNull(b []byte) bool {
	return bytes.Equal(bytes.TrimSpace(b), []byte("null")) || len(bytes.TrimSpace(b)) == 0
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// UnmarshalJSON reads an attribute list. An attribute is normally an
// object of instances; a Firebase-style array becomes instances "0", "1", …
// (null entries skipped) and a bare value becomes the single instance "".
func (a *Attributes) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*a = nil
		return nil
	}
	// Fast path: the documented shape decodes in one pass.
	var plain map[string]map[string]any
	if err := json.Unmarshal(b, &plain); err == nil {
		for name, inst := range plain {
			if inst == nil {
				delete(plain, name)
			}
		}
		*a = plain
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("attributes: %w", err)
	}
	out := make(Attributes, len(raw))
	for name, msg := range raw {
		t := bytes.TrimSpace(msg)
		switch {
		case isNull(t):
			continue
		case t[0] == '{':
			var inst map[string]any
			if err := json.Unmarshal(t, &inst); err != nil {
				return fmt.Errorf("attribute %q: %w", name, err)
			}
			out[name] = inst
		case t[0] == '[':
			var list []any
			if err := json.Unmarshal(t, &list); err != nil {
				return fmt.Errorf("attribute %q: %w", name, err)
			}
			inst := map[string]any{}
			for i, v := range list {
				if v != nil {
					inst[strconv.Itoa(i)] = v
				}
			}
			out[name] = inst
		default:
			var v any
			if err := json.Unmarshal(t, &v); err != nil {
				return fmt.Errorf("attribute %q: %w", name, err)
			}
			out[name] = map[string]any{"": v}
		}
	}
	*a = out
	return nil
}

// UnmarshalJSON accepts numbers sent as strings.
func (m *Meta) UnmarshalJSON(b []byte) error {
	type plain Meta
	return unmarshalObject("meta", b, (*plain)(m))
}
