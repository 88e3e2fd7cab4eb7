package mapping

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// isBlank reports whether a value counts as empty: nothing, or only spaces.
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// errSkip is not an error: the value is empty and `empty: skip` applies.
var errSkip = errors.New("skip")

// apply turns a rendered template into a typed value: empty handling, map,
// default, split, unit and type, in that order. A split value is a multi of
// its pieces' values (see Attr). It returns errSkip for an empty value that
// is not written.
func (v *Value) apply(raw string) (any, error) {
	if isBlank(raw) {
		if to, ok := v.mapIndex[""]; ok {
			return v.convert(to)
		}
		switch {
		case v.Default != nil:
			return v.convert(*v.Default)
		case v.Required:
			return nil, errors.New("required value is empty")
		case v.Empty == EmptyWrite:
			return "", nil
		}
		return nil, errSkip
	}
	if v.Split == "" {
		return v.one(raw)
	}
	var pieces multi
	for piece := range strings.SplitSeq(raw, v.Split) {
		piece = strings.TrimSpace(piece)
		if piece == "" {
			continue
		}
		x, err := v.one(piece)
		if err != nil {
			return nil, fmt.Errorf("%w (in piece %q)", err, piece)
		}
		pieces = append(pieces, x)
	}
	if len(pieces) == 0 {
		return nil, errSkip
	}
	return pieces, nil
}

// one maps and converts one non-empty piece.
func (v *Value) one(s string) (any, error) {
	if v.mapIndex != nil {
		to, ok := v.mapIndex[s]
		if !ok {
			to, ok = v.mapIndex[strings.TrimSpace(s)]
		}
		if !ok {
			if v.Default == nil {
				return nil, fmt.Errorf("no map entry for this value (the map has %s) and no default", v.mapKeys())
			}
			to = *v.Default
		}
		s = to
	}
	return v.convert(s)
}

func (v *Value) mapKeys() string {
	var keys []string
	for i, e := range v.Map {
		if i == 10 {
			keys = append(keys, "...")
			break
		}
		keys = append(keys, strconv.Quote(e.From))
	}
	return strings.Join(keys, ", ")
}

// convert parses text as the value's type (and unit).
func (v *Value) convert(s string) (any, error) {
	if v.Unit != "" {
		return parseLength(s, v.Unit)
	}
	switch v.Type {
	case Number:
		return parseNumber(s)
	case Integer:
		return parseInteger(s)
	case Boolean:
		return parseBool(s)
	}
	return s, nil
}

func parseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a number")
	}
	return f, nil
}

func parseInteger(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if i, err := strconv.ParseInt(t, 10, 64); err == nil {
		return i, nil
	}
	// Spreadsheets store whole numbers as 45.0; accept exact ones.
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, errors.New("not a whole number")
	}
	return int64(f), nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0":
		return false, nil
	}
	return false, errors.New("not a boolean (true/false, yes/no, 1/0)")
}

const metresPerFoot = 0.3048

// parseLength converts a length in unit to decimal feet.
func parseLength(s string, u Unit) (float64, error) {
	if u == FeetInches {
		return parseFeetInches(s)
	}
	f, err := parseNumber(s)
	if err != nil {
		return 0, fmt.Errorf("not a length in %s", u)
	}
	switch u {
	case Metres:
		return f / metresPerFoot, nil
	case Inches:
		return f / 12, nil
	}
	return f, nil
}

// parseFeetInches reads feet-inches notation: 35-6, 35' 6", 35'6, 35', 35.
func parseFeetInches(s string) (float64, error) {
	bad := fmt.Errorf(`not a feet-inches length (write 35-6 or 35' 6")`)
	t := strings.TrimSpace(s)
	ft, rest, ok := leadingNumber(t)
	if !ok {
		return 0, bad
	}
	rest = strings.TrimLeft(rest, " ")
	rest = trimAnyPrefix(rest, "'", "ft", "’")
	rest = strings.TrimLeft(rest, " ")
	sep := strings.HasPrefix(rest, "-")
	rest = strings.TrimLeft(strings.TrimPrefix(rest, "-"), " ")
	in := 0.0
	if rest != "" {
		var ok bool
		in, rest, ok = leadingNumber(rest)
		if !ok {
			return 0, bad
		}
		rest = strings.TrimLeft(rest, " ")
		rest = trimAnyPrefix(rest, `"`, "''", "in", "”")
		if rest != "" {
			return 0, bad
		}
		if in >= 12 {
			return 0, errors.New("inches must be less than 12")
		}
	} else if sep {
		return 0, bad
	}
	return ft + in/12, nil
}

func trimAnyPrefix(s string, prefixes ...string) string {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return s[len(p):]
		}
	}
	return s
}

// leadingNumber reads an unsigned decimal number at the start of s.
func leadingNumber(s string) (float64, string, bool) {
	i, dot := 0, false
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' && !dot) {
		dot = dot || s[i] == '.'
		i++
	}
	if i == 0 {
		return 0, s, false
	}
	f, err := strconv.ParseFloat(s[:i], 64)
	return f, s[i:], err == nil
}

// formatLength writes decimal feet back in unit (the inverse of
// parseLength), rounded to remove float noise.
func formatLength(ft float64, u Unit) string {
	switch u {
	case Metres:
		return formatFloat(roundTo(ft*metresPerFoot, 1e6))
	case Inches:
		return formatFloat(roundTo(ft*12, 1e6))
	case FeetInches:
		whole := math.Floor(ft)
		in := math.Round((ft - whole) * 12)
		if in == 12 {
			whole, in = whole+1, 0
		}
		return strconv.FormatFloat(whole, 'f', -1, 64) + "-" + strconv.FormatFloat(in, 'f', -1, 64)
	}
	return formatFloat(ft)
}

func roundTo(f, scale float64) float64 { return math.Round(f*scale) / scale }

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// formatValue writes a typed value as source text.
func formatValue(x any) string {
	switch v := x.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return formatFloat(v)
	case float32:
		return formatFloat(float64(v))
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(x)
}
