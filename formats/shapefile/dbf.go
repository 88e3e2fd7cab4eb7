package shapefile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/kpbulk/kpbulk/formats/internal/textenc"
)

// dbfField is one DBF field descriptor.
type dbfField struct {
	name     string
	typ      byte
	length   int
	decimals int
	offset   int // within the record, after the deletion flag
}

// dbfReader streams the records of a dBASE III/IV table.
type dbfReader struct {
	r         *bufio.Reader
	fields    []dbfField
	records   int // from the header
	recordLen int
	ldid      byte
	buf       []byte
	read      int // records read so far
	dec       *textDecoder
}

// errDBF marks a malformed DBF so the caller can name the file.
type errDBF struct{ msg string }

func (e *errDBF) Error() string { return e.msg }

func dbfErrorf(format string, a ...any) error { return &errDBF{fmt.Sprintf(format, a...)} }

// maxDBFFields bounds the descriptor array; dBASE allows 255, Visual FoxPro
// 255, and GDAL writes up to 2046.
const maxDBFFields = 2046

// newDBFReader reads the header and field descriptors. dec may be nil, in
// which case it is chosen from the language driver id (see ldidEncoding).
func newDBFReader(r io.Reader) (*dbfReader, error) {
	d := &dbfReader{r: bufio.NewReaderSize(r, 64<<10)}
	var h [32]byte
	if _, err := io.ReadFull(d.r, h[:]); err != nil {
		return nil, dbfErrorf("DBF header truncated (%v)", err)
	}
	switch h[0] & 0x07 {
	case 3, 4, 5: // dBASE III, IV, 5 (with or without memo bits)
	default:
		if h[0] != 0x30 && h[0] != 0x31 && h[0] != 0x32 { // Visual FoxPro
			return nil, dbfErrorf("not a DBF file (version byte 0x%02x)", h[0])
		}
	}
	d.records = int(binary.LittleEndian.Uint32(h[4:8]))
	headerLen := int(binary.LittleEndian.Uint16(h[8:10]))
	d.recordLen = int(binary.LittleEndian.Uint16(h[10:12]))
	d.ldid = h[29]
	if headerLen < 33 || d.recordLen < 1 {
		return nil, dbfErrorf("bad DBF header: header length %d, record length %d", headerLen, d.recordLen)
	}
	pos := 32
	offset := 0
	var raw [32]byte
	for pos < headerLen {
		b, err := d.r.ReadByte()
		if err != nil {
			return nil, dbfErrorf("DBF field descriptors truncated")
		}
		pos++
		if b == 0x0D {
			break
		}
		raw[0] = b
		if pos+31 > headerLen {
			return nil, dbfErrorf("bad DBF header: field descriptor %d runs past the header length %d", len(d.fields)+1, headerLen)
		}
		if _, err := io.ReadFull(d.r, raw[1:]); err != nil {
			return nil, dbfErrorf("DBF field descriptors truncated")
		}
		pos += 31
		if len(d.fields) == maxDBFFields {
			return nil, dbfErrorf("bad DBF header: more than %d fields", maxDBFFields)
		}
		name := raw[:11]
		if i := strings.IndexByte(string(name), 0); i >= 0 {
			name = name[:i]
		}
		f := dbfField{name: strings.TrimSpace(string(name)), typ: raw[11], length: int(raw[16]), decimals: int(raw[17]), offset: offset}
		if f.typ == 'C' && f.decimals > 0 {
			// Clipper and FoxPro store long character lengths in the decimals byte.
			f.length += f.decimals << 8
			f.decimals = 0
		}
		if f.length == 0 {
			return nil, dbfErrorf("bad DBF header: field %q has length 0", f.name)
		}
		offset += f.length
		d.fields = append(d.fields, f)
	}
	if offset+1 != d.recordLen {
		return nil, dbfErrorf("bad DBF header: record length %d but the fields add up to %d", d.recordLen, offset+1)
	}
	if pos < headerLen {
		if _, err := d.r.Discard(headerLen - pos); err != nil {
			return nil, dbfErrorf("DBF header truncated")
		}
	}
	d.buf = make([]byte, d.recordLen)
	return d, nil
}

// next reads the next record's raw bytes; deleted reports a record marked
// deleted ('*'). It returns io.EOF after the header's record count.
func (d *dbfReader) next() (rec []byte, deleted bool, err error) {
	if d.read >= d.records {
		return nil, false, io.EOF
	}
	if _, err := io.ReadFull(d.r, d.buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, dbfErrorf("DBF truncated: the header promises %d records, the file ends in record %d", d.records, d.read+1)
		}
		return nil, false, err
	}
	d.read++
	return d.buf[1:], d.buf[0] == '*', nil
}

// value decodes field i of a record to text (see the package doc).
func (d *dbfReader) value(rec []byte, i int) (string, error) {
	f := d.fields[i]
	raw := rec[f.offset : f.offset+f.length]
	switch f.typ {
	case 'C':
		return d.dec.text(trimRight(raw)), nil
	case 'N', 'F':
		s := strings.TrimSpace(string(raw))
		if s == "" || strings.Trim(s, "*") == "" || s == "." {
			return "", nil // null
		}
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return s, fmt.Errorf("not a number")
		}
		return s, nil
	case 'L':
		switch raw[0] {
		case 'T', 't', 'Y', 'y':
			return "true", nil
		case 'F', 'f', 'N', 'n':
			return "false", nil
		case '?', ' ', 0:
			return "", nil
		}
		return string(raw[:1]), fmt.Errorf("not a logical value")
	case 'D':
		s := strings.TrimSpace(string(raw))
		if s == "" || strings.Trim(s, "0") == "" {
			return "", nil
		}
		if len(s) != 8 || strings.Trim(s, "0123456789") != "" {
			return s, fmt.Errorf("not a YYYYMMDD date")
		}
		return s[:4] + "-" + s[4:6] + "-" + s[6:], nil
	case 'I':
		if len(raw) == 4 {
			return strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(raw))), 10), nil
		}
	case 'O':
		if len(raw) == 8 {
			return strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(raw)), 'g', -1, 64), nil
		}
	case 'M':
		// Memo values live in a .dbt/.fpt file that kpbulk does not read;
		// the record holds a block number only.
		return "", nil
	}
	return d.dec.text(trimRight(raw)), nil
}

func trimRight(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	return b
}

// textDecoder turns DBF bytes into UTF-8. ASCII passes through untouched.
type textDecoder struct {
	name string // canonical encoding name for notes
	dec  *encoding.Decoder
	// guess: no codepage was declared; valid UTF-8 is kept as is and
	// anything else is decoded as Windows-1252.
	guess bool
}

func (t *textDecoder) text(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii || t == nil {
		return string(b)
	}
	if t.guess {
		if utf8.Valid(b) {
			return string(b)
		}
		s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
		return string(s)
	}
	if t.dec == nil { // UTF-8: keep, replacing invalid bytes
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	s, err := t.dec.Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// ldidEncodings maps DBF language driver ids to codepages (from the dBASE
// and ESRI tables; 0x57 is ESRI's "ANSI", the system codepage, taken as
// Windows-1252).
var ldidEncodings = map[byte]struct {
	name string
	enc  encoding.Encoding
}{
	0x01: {"cp437", charmap.CodePage437},
	0x02: {"cp850", charmap.CodePage850},
	0x03: {"windows-1252", charmap.Windows1252},
	0x08: {"cp865", charmap.CodePage865},
	0x13: {"shift_jis", japanese.ShiftJIS},
	0x24: {"cp860", charmap.CodePage860},
	0x25: {"cp850", charmap.CodePage850},
	0x26: {"cp866", charmap.CodePage866},
	0x37: {"cp850", charmap.CodePage850},
	0x4D: {"gbk", simplifiedchinese.GBK},
	0x4E: {"euc-kr", korean.EUCKR},
	0x4F: {"big5", traditionalchinese.Big5},
	0x57: {"windows-1252", charmap.Windows1252},
	0x58: {"windows-1252", charmap.Windows1252},
	0x59: {"windows-1252", charmap.Windows1252},
	0x64: {"cp852", charmap.CodePage852},
	0x65: {"cp866", charmap.CodePage866},
	0x66: {"cp865", charmap.CodePage865},
	0x6A: {"cp737", nil},
	0x6B: {"cp857", nil},
	0x7C: {"windows-874", charmap.Windows874},
	0x7D: {"windows-1255", charmap.Windows1255},
	0x7E: {"windows-1256", charmap.Windows1256},
	0xC8: {"windows-1250", charmap.Windows1250},
	0xC9: {"windows-1251", charmap.Windows1251},
	0xCA: {"windows-1254", charmap.Windows1254},
	0xCB: {"windows-1253", charmap.Windows1253},
	0xCC: {"windows-1257", charmap.Windows1257},
}

// oemEncodings are DOS codepages that the WHATWG index (textenc) lacks.
var oemEncodings = map[string]encoding.Encoding{
	"cp437": charmap.CodePage437, "cp850": charmap.CodePage850, "cp852": charmap.CodePage852,
	"cp860": charmap.CodePage860, "cp865": charmap.CodePage865,
}

// chooseDecoder picks the codepage: an explicit name (option, .cpg or .cst)
// wins, then the language driver id, then the UTF-8/Windows-1252 guess.
// The note says which was used and why.
func chooseDecoder(explicit, source string, ldid byte) (*textDecoder, string, error) {
	if explicit != "" {
		name := cpgName(explicit)
		if e := oemEncodings[name]; e != nil {
			return &textDecoder{name: name, dec: e.NewDecoder()}, fmt.Sprintf("codepage %s (from %s)", name, source), nil
		}
		dec, err := textenc.Decoder(name)
		if err != nil {
			return nil, "", fmt.Errorf("codepage %q from %s is not supported", strings.TrimSpace(explicit), source)
		}
		return &textDecoder{name: textenc.Canonical(name), dec: dec}, fmt.Sprintf("codepage %s (from %s)", textenc.Canonical(name), source), nil
	}
	if ldid != 0 {
		if e, ok := ldidEncodings[ldid]; ok && e.enc != nil {
			t := &textDecoder{name: e.name}
			if e.enc != encoding.Nop {
				t.dec = e.enc.NewDecoder()
			}
			return t, fmt.Sprintf("codepage %s (from the DBF language driver id 0x%02X; add a .cpg to override)", e.name, ldid), nil
		}
		return &textDecoder{name: "utf-8", guess: true}, fmt.Sprintf("DBF language driver id 0x%02X is not supported: text read as UTF-8 where valid, else Windows-1252; add a .cpg or set encoding to override", ldid), nil
	}
	return &textDecoder{name: "utf-8", guess: true}, "no codepage declared (no .cpg, language driver id 0): text read as UTF-8 where valid, else Windows-1252", nil
}

// cpgName maps .cpg contents ("UTF-8", "1252", "ANSI 1251", "88591") to an
// encoding name textenc knows.
func cpgName(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	up := strings.ToUpper(s)
	up = strings.TrimSpace(strings.TrimPrefix(up, "ANSI"))
	up = strings.TrimPrefix(up, "OEM ")
	switch {
	case up == "UTF-8" || up == "UTF8" || up == "65001":
		return "utf-8"
	case strings.HasPrefix(up, "8859"):
		return "iso-8859-" + strings.TrimLeft(up[4:], "-_")
	case strings.HasPrefix(up, "CP") && isDigits(up[2:]):
		up = up[2:]
		fallthrough
	case isDigits(up):
		n, _ := strconv.Atoi(up)
		switch {
		case n >= 1250 && n <= 1258, n == 874:
			return "windows-" + up
		case n == 866:
			return "ibm866"
		case oemEncodings["cp"+up] != nil:
			return "cp" + up
		case n == 932:
			return "shift_jis"
		case n == 936:
			return "gbk"
		case n == 949:
			return "euc-kr"
		case n == 950:
			return "big5"
		}
	}
	return s
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
