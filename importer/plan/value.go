package plan

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Equal reports whether a desired attribute value (string, float64, int64,
// int, bool, or map[string]any from the mapping) equals a live one as the
// API returned it. The API may return numbers as numbers or as strings, so
// the comparison follows the desired value's type: a desired number equals a
// live number or numeric string of the same value; a desired string equals
// the same text, or a live number that prints as that text.
func Equal(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case string:
		switch g := got.(type) {
		case string:
			return g == w
		case float64, json.Number, int64, int:
			return Text(g) == w
		case bool:
			return strconv.FormatBool(g) == w
		}
		return false
	case float64:
		f, ok := number(got)
		return ok && f == w
	case int64:
		f, ok := number(got)
		return ok && f == float64(w)
	case int:
		f, ok := number(got)
		return ok && f == float64(w)
	case bool:
		switch g := got.(type) {
		case bool:
			return g == w
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(g))
			return err == nil && b == w
		}
		return false
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !Equal(wv, gv) {
				return false
			}
		}
		return true
	}
	return Text(want) == Text(got)
}

func number(v any) (float64, bool) {
	switch g := v.(type) {
	case float64:
		return g, true
	case int64:
		return float64(g), true
	case int:
		return float64(g), true
	case json.Number:
		f, err := g.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(g), 64)
		return f, err == nil
	}
	return 0, false
}

// Text is a value as match compares it: strings as they are, numbers in
// their shortest form, objects as sorted JSON.
func Text(v any) string {
	switch g := v.(type) {
	case string:
		return g
	case float64:
		return strconv.FormatFloat(g, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(g, 10)
	case int:
		return strconv.Itoa(g)
	case json.Number:
		return g.String()
	case bool:
		return strconv.FormatBool(g)
	case nil:
		return ""
	case map[string]any:
		var b strings.Builder
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(g)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			b.WriteString(strconv.Quote(Text(g[k])))
		}
		b.WriteByte('}')
		return b.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}
