package xlsxfile

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// dateKind says how a number format shows a serial number.
type dateKind uint8

const (
	notDate dateKind = iota
	dateOnly
	dateTime
	timeOnly
)

// builtinDateKind classifies Excel's built-in number formats (ECMA-376
// 18.8.30 and the East Asian locale ids that excelize also knows).
func builtinDateKind(id int) dateKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36,
		id >= 50 && id <= 58, id >= 71 && id <= 74, id >= 78 && id <= 81:
		return dateOnly
	case id == 22:
		return dateTime
	case id >= 18 && id <= 21, id == 32, id == 33, id >= 45 && id <= 47, id == 75, id == 76, id == 77:
		return timeOnly
	}
	return notDate
}

// formatDateKind classifies a custom number format code by the date and
// time tokens it shows, ignoring quoted text, escaped and padding
// characters, and bracketed colours and conditions ([h], [m] and [s]
// elapsed times do count as time). Only the first section (positive
// numbers) matters.
func formatDateKind(code string) dateKind {
	var hasDate, hasTime bool
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			i = len(code)
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				break
			}
			if inner := strings.ToLower(code[i+1 : i+j]); inner != "" && strings.Trim(inner, "hms") == "" {
				hasTime = true
			}
			i += j
		case 'y', 'Y', 'd', 'D':
			hasDate = true
		case 'h', 'H', 's', 'S':
			hasTime = true
		case 'm', 'M':
			// Month or minute: minutes only ever appear next to hours or
			// seconds, which set hasTime themselves; alone it is a month.
			hasDate = true
		}
	}
	switch {
	case hasDate && hasTime:
		// "mm:ss" style formats set hasDate through "m"; a format with time
		// tokens and no y/d is a time.
		if !strings.ContainsAny(stripLiterals(code), "yYdD") {
			return timeOnly
		}
		return dateTime
	case hasDate:
		return dateOnly
	case hasTime:
		return timeOnly
	}
	return notDate
}

// stripLiterals removes quoted text and escaped characters from a format's
// first section.
func stripLiterals(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			return b.String()
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				return b.String()
			}
		case '\\', '_', '*':
			i++
		case '[':
			if j := strings.IndexByte(code[i:], ']'); j >= 0 {
				i += j
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// formatNumber returns the shortest text that reads back as the stored
// value: "1651716000" stays as is, "0.10000000000000001" becomes "0.1",
// "1E-3" becomes "0.001". Text that is not a number is returned unchanged.
func formatNumber(raw string) string {
	if isPlainInt(raw) {
		return raw
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return raw
	}
	if a := math.Abs(v); a != 0 && (a >= 1e21 || a < 1e-7) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// isPlainInt reports whether s is an integer of at most 15 digits with no
// sign other than a leading minus and no leading zero: such text is already
// the shortest form of its value.
func isPlainInt(s string) bool {
	d := s
	if strings.HasPrefix(d, "-") {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 15 || (d[0] == '0' && len(d) > 1) || d == "0" && s != d {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

// Serial date limits: 9999-12-31 is the last day Excel shows.
const maxSerial = 2958465

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// formatSerial renders a date serial as ISO 8601 text for kind, rounding to
// the second as Excel displays it. ok is false when raw is not a serial
// Excel can show as a date (negative, too large, not a number).
func formatSerial(raw string, kind dateKind, date1904 bool) (string, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || v < 0 || v > maxSerial || math.IsNaN(v) {
		return "", false
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	if secs >= 86400 {
		days++
		secs -= 86400
	}
	var t time.Time
	switch {
	case date1904:
		t = epoch1904.AddDate(0, 0, int(days))
	case days == 60:
		// Excel's fictitious 1900-02-29 (the Lotus leap-year bug).
		return formatParts("1900-02-29", secs, kind), true
	case days < 60:
		// Before the fictitious day, serials are one day later than the
		// 1899-12-30 epoch gives.
		t = epoch1900.AddDate(0, 0, int(days)+1)
	default:
		t = epoch1900.AddDate(0, 0, int(days))
	}
	return formatParts(t.Format("2006-01-02"), secs, kind), true
}

// formatParts joins a date and a second-of-day as kind asks.
func formatParts(date string, secs float64, kind dateKind) string {
	s := int(secs)
	clock := strconv.Itoa(s/3600/10) + strconv.Itoa(s/3600%10) + ":" +
		strconv.Itoa(s/60%60/10) + strconv.Itoa(s/60%10) + ":" +
		strconv.Itoa(s%60/10) + strconv.Itoa(s%10)
	switch kind {
	case dateTime:
		return date + "T" + clock
	case timeOnly:
		if date == "1899-12-30" || date == "1899-12-31" || date == "1904-01-01" {
			return clock
		}
		return date + "T" + clock
	}
	return date
}

// formatISODate renders a t="d" cell (ISO 8601 text) in kpbulk's form:
// the date alone when the format is a date or the time is midnight,
// otherwise date and time to the second.
func formatISODate(raw string, kind dateKind) string {
	s := strings.TrimSuffix(raw, "Z")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	if len(s) < 10 {
		return raw
	}
	date, clock, hasClock := strings.Cut(s, "T")
	if !hasClock {
		date, clock, hasClock = strings.Cut(s, " ")
	}
	if kind == dateOnly || !hasClock || strings.Trim(clock, "0:") == "" && kind != dateTime {
		return date
	}
	return date + "T" + clock
}
