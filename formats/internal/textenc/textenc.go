// Package textenc names and decodes the text encodings kpbulk meets in source
// files: UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode
// text"), and the legacy Windows codepages that spreadsheets and DBF files
// are written in. It is shared by the CSV reader and the DBF reader.
package textenc

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// Canonical names returned by Detect and accepted by Decoder.
const (
	UTF8        = "utf-8"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
)

// BOMs recognised at the start of a file.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// Detect names the encoding of sample, the first bytes of a file. A UTF-8 or
// UTF-16 BOM decides; otherwise text that is valid UTF-8 is UTF-8 and
// anything else is taken to be Windows-1252, the codepage that Excel and
// most Western GIS tools write (it decodes every byte, so the fallback never
// fails). A multi-byte character cut at the end of the sample does not count
// as invalid.
func Detect(sample []byte) string {
	switch {
	case bytes.HasPrefix(sample, bomUTF8):
		return UTF8
	case bytes.HasPrefix(sample, bomUTF16LE):
		return UTF16LE
	case bytes.HasPrefix(sample, bomUTF16BE):
		return UTF16BE
	}
	if validUTF8Prefix(sample) {
		return UTF8
	}
	return Windows1252
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing an incomplete
// rune in the last three bytes (a sample may end mid-character).
func validUTF8Prefix(b []byte) bool {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}

// BOMLen returns the length of the byte order mark that starts b (0 if none).
func BOMLen(b []byte) int {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		return len(bomUTF8)
	case bytes.HasPrefix(b, bomUTF16LE), bytes.HasPrefix(b, bomUTF16BE):
		return 2
	}
	return 0
}

// Decoder returns a decoder to UTF-8 for the named encoding. Names are
// matched case-insensitively and include the WHATWG labels ("cp1252",
// "latin1", "iso-8859-1", "utf8", "shift_jis", ...). For UTF-8 it returns
// nil: the bytes need no transformation, and callers skip the transform
// (invalid sequences are then theirs to report). UTF-16 decoders expect the
// BOM to have been removed.
func Decoder(name string) (*encoding.Decoder, error) {
	n := Canonical(name)
	switch n {
	case UTF8:
		return nil, nil
	case UTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder(), nil
	case UTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder(), nil
	}
	e, err := htmlindex.Get(n)
	if err != nil {
		return nil, fmt.Errorf("unknown text encoding %q", name)
	}
	return e.NewDecoder(), nil
}

// Canonical maps common spellings of an encoding name to the names this
// package uses ("UTF8" → "utf-8", "cp1252" → "windows-1252", "ANSI 1252" →
// "windows-1252"); unknown names are returned lower-cased and trimmed.
func Canonical(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "utf-8", "utf8", "65001":
		return UTF8
	case "utf-16", "utf-16le", "utf16le", "utf16":
		return UTF16LE
	case "utf-16be", "utf16be":
		return UTF16BE
	case "windows-1252", "cp1252", "1252", "ansi 1252", "ansi_1252", "win1252":
		return Windows1252
	}
	if e, err := htmlindex.Get(n); err == nil {
		if c, err := htmlindex.Name(e); err == nil {
			return c
		}
	}
	return n
}
