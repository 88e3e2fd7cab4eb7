package textenc

import (
	"io"
	"strings"
	"testing"

	"golang.org/x/text/transform"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name   string
		sample []byte
		want   string
	}{
		{"ascii", []byte("a,b,c\n1,2,3\n"), UTF8},
		{"utf8 multibyte", []byte("Stra\xc3\x9fe,5\xc2\xb0N\n"), UTF8},
		{"utf8 bom", []byte("\xef\xbb\xbfa,b\n"), UTF8},
		{"cp1252 degree sign", []byte("X,\"5\xb021'N\"\n"), Windows1252},
		{"cut rune at end of sample", []byte("abc\xc3"), UTF8},
		{"cut 3-byte rune", []byte("abc\xe2\x82"), UTF8},
		{"invalid before the end", []byte("ab\xc3x"), Windows1252},
		{"utf16le bom", []byte("\xff\xfea\x00"), UTF16LE},
		{"utf16be bom", []byte("\xfe\xff\x00a"), UTF16BE},
		{"empty", nil, UTF8},
	}
	for _, c := range cases {
		if got := Detect(c.sample); got != c.want {
			t.Errorf("%s: Detect(%q) = %q, want %q", c.name, c.sample, got, c.want)
		}
	}
}

func TestDecoder(t *testing.T) {
	decode := func(name string, in []byte) string {
		t.Helper()
		d, err := Decoder(name)
		if err != nil {
			t.Fatalf("Decoder(%q): %v", name, err)
		}
		if d == nil {
			return string(in)
		}
		out, err := io.ReadAll(transform.NewReader(strings.NewReader(string(in)), d))
		if err != nil {
			t.Fatalf("decode %q: %v", name, err)
		}
		return string(out)
	}
	if got := decode("cp1252", []byte("5\xb021'\x80")); got != "5°21'€" {
		t.Errorf("cp1252 = %q", got)
	}
	if got := decode("Windows-1252", []byte("\xe9")); got != "é" {
		t.Errorf("Windows-1252 = %q", got)
	}
	if got := decode("UTF8", []byte("é")); got != "é" {
		t.Errorf("UTF8 = %q", got)
	}
	if got := decode(UTF16LE, []byte("a\x00\xe9\x00")); got != "aé" {
		t.Errorf("utf-16le = %q", got)
	}
	if _, err := Decoder("klingon-7"); err == nil || !strings.Contains(err.Error(), "klingon-7") {
		t.Errorf("unknown encoding: err = %v, want one naming it", err)
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"UTF8": UTF8, " utf-8 ": UTF8, "cp1252": Windows1252, "ANSI 1252": Windows1252,
		"latin1": Windows1252, "ISO-8859-1": Windows1252, "shift_jis": "shift_jis",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}
