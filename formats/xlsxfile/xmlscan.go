package xlsxfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a minimal, allocation-free tokenizer for the flat XML of
// worksheet and shared-string parts. It knows start, end and empty-element
// tags, text, CDATA, comments and processing instructions; it refuses a
// DOCTYPE (so no entity can expand), bounds every token, and never recurses,
// so hostile input costs bounded memory and time. Slices it returns point
// into its buffer and are valid until the next call.
type xmlScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool
	maxToken int
	offset   int64 // bytes consumed before buf[0], for messages
}

type tagKind uint8

const (
	tagStart tagKind = iota + 1
	tagEnd
	tagEmpty // <x/>
	tagCDATA // <![CDATA[...]]>: name holds the content
	tagOther // comment or processing instruction: skipped by callers
)

type tag struct {
	kind  tagKind
	name  []byte // local name, prefix removed
	attrs []byte // raw attribute text
}

const (
	scanBufSize     = 256 << 10
	defaultMaxToken = 16 << 20
)

var errDOCTYPE = errors.New("the XML declares a DOCTYPE, which spreadsheets never do (entity expansion refused)")

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, scanBufSize), maxToken: defaultMaxToken}
}

// fill moves the unread bytes to the front and reads more, growing the
// buffer (up to maxToken) when a single token does not fit.
func (s *xmlScanner) fill() error {
	if s.eof {
		return io.ErrUnexpectedEOF
	}
	if s.pos > 0 {
		s.offset += int64(s.pos)
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxToken {
			return fmt.Errorf("an XML token near byte %d is longer than %d MiB", s.offset, s.maxToken>>20)
		}
		nb := make([]byte, min(2*len(s.buf), s.maxToken))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			if n == 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
}

// next returns the text before the next tag (raw, entities not decoded)
// and the tag itself. At the end of input it returns io.EOF with any
// trailing text.
func (s *xmlScanner) next() (text []byte, t tag, err error) {
	scanned := 0 // bytes after s.pos already searched for '<'
	for {
		if i := bytes.IndexByte(s.buf[s.pos+scanned:s.end], '<'); i >= 0 {
			scanned += i
			break
		}
		scanned = s.end - s.pos
		if err := s.fill(); err != nil {
			if err == io.ErrUnexpectedEOF {
				text = s.buf[s.pos:s.end]
				s.pos = s.end
				return text, t, io.EOF
			}
			return nil, t, err
		}
	}
	for {
		lt := s.pos + scanned
		if n, kind, ok := s.tagEnd(lt); ok {
			text = s.buf[s.pos:lt]
			t, err = s.parseTag(lt, n, kind)
			s.pos = lt + n
			return text, t, err
		}
		if err := s.fill(); err != nil {
			if err == io.ErrUnexpectedEOF {
				return nil, t, fmt.Errorf("malformed XML: the part ends inside a tag near byte %d", s.offset+int64(lt))
			}
			return nil, t, err
		}
	}
}

// tagEnd finds the length of the markup starting at buf[lt] ('<'). ok is
// false when the buffer does not hold all of it yet.
func (s *xmlScanner) tagEnd(lt int) (n int, kind tagKind, ok bool) {
	b := s.buf[lt:s.end]
	if len(b) < 2 {
		return 0, 0, false
	}
	switch b[1] {
	case '?':
		if i := bytes.Index(b, []byte("?>")); i >= 0 {
			return i + 2, tagOther, true
		}
		return 0, 0, false
	case '!':
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			if i := bytes.Index(b[4:], []byte("-->")); i >= 0 {
				return i + 7, tagOther, true
			}
			return 0, 0, false
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			if i := bytes.Index(b[9:], []byte("]]>")); i >= 0 {
				return i + 12, tagCDATA, true
			}
			return 0, 0, false
		case len(b) < 9:
			return 0, 0, false
		}
		return 2, tagOther, true // anything else (DOCTYPE) is refused by parseTag
	}
	// An ordinary tag ends at the first '>' outside quotes.
	var quote byte
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			if b[1] == '/' {
				return i + 1, tagEnd, true
			}
			if b[i-1] == '/' {
				return i + 1, tagEmpty, true
			}
			return i + 1, tagStart, true
		case c == '<':
			return i, 0, true // parseTag reports it
		}
	}
	return 0, 0, false
}

// parseTag splits the markup buf[lt:lt+n] into a tag.
func (s *xmlScanner) parseTag(lt, n int, kind tagKind) (tag, error) {
	b := s.buf[lt : lt+n]
	switch kind {
	case tagOther:
		if bytes.HasPrefix(b, []byte("<!")) && !bytes.HasPrefix(b, []byte("<!--")) {
			return tag{}, errDOCTYPE
		}
		return tag{kind: tagOther}, nil
	case tagCDATA:
		return tag{kind: tagCDATA, name: b[9 : len(b)-3]}, nil
	case 0:
		return tag{}, fmt.Errorf("malformed XML near byte %d: '<' inside a tag", s.offset+int64(lt))
	}
	inner := b[1 : len(b)-1]
	switch kind {
	case tagEnd:
		inner = inner[1:]
	case tagEmpty:
		inner = inner[:len(inner)-1]
	}
	name, attrs := inner, []byte(nil)
	for i, c := range inner {
		if isSpace(c) {
			name, attrs = inner[:i], inner[i+1:]
			break
		}
	}
	if len(name) == 0 {
		return tag{}, fmt.Errorf("malformed XML near byte %d: tag without a name", s.offset+int64(lt))
	}
	if j := bytes.IndexByte(name, ':'); j >= 0 {
		name = name[j+1:]
	}
	return tag{kind: kind, name: name, attrs: attrs}, nil
}

// skip consumes the rest of the element whose start tag was just read,
// counting depth without recursion.
func (s *xmlScanner) skip() error {
	depth := 1
	for depth > 0 {
		_, t, err := s.next()
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		switch t.kind {
		case tagStart:
			depth++
		case tagEnd:
			depth--
		}
	}
	return nil
}

// nextAttr parses the attribute starting at or after attrs[i]: its local
// name (prefix removed), raw value and the index after it. ok is false at
// the end or on malformed attribute text.
func nextAttr(attrs []byte, i int) (key, val []byte, next int, ok bool) {
	for i < len(attrs) && isSpace(attrs[i]) {
		i++
	}
	start := i
	for i < len(attrs) && attrs[i] != '=' && !isSpace(attrs[i]) {
		i++
	}
	key = attrs[start:i]
	for i < len(attrs) && isSpace(attrs[i]) {
		i++
	}
	if i >= len(attrs) || attrs[i] != '=' || len(key) == 0 {
		return nil, nil, 0, false
	}
	i++
	for i < len(attrs) && isSpace(attrs[i]) {
		i++
	}
	if i >= len(attrs) || (attrs[i] != '"' && attrs[i] != '\'') {
		return nil, nil, 0, false
	}
	end := bytes.IndexByte(attrs[i+1:], attrs[i])
	if end < 0 {
		return nil, nil, 0, false
	}
	val = attrs[i+1 : i+1+end]
	if j := bytes.IndexByte(key, ':'); j >= 0 {
		key = key[j+1:]
	}
	return key, val, i + end + 2, true
}

// attr returns the raw value of the attribute named name (local name, any
// prefix) in attrs, or nil.
func attr(attrs []byte, name string) []byte {
	for i := 0; ; {
		key, val, next, ok := nextAttr(attrs, i)
		if !ok {
			return nil
		}
		if string(key) == name {
			return val
		}
		i = next
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// appendText appends XML character data to dst with entities decoded and
// line ends normalised ("\r\n" and "\r" become "\n"), as any XML parser
// (and so excelize) reports them.
func appendText(dst, src []byte) ([]byte, error) {
	for len(src) > 0 {
		i := bytes.IndexAny(src, "&\r")
		if i < 0 {
			return append(dst, src...), nil
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		if src[0] == '\r' {
			dst = append(dst, '\n')
			src = src[1:]
			if len(src) > 0 && src[0] == '\n' {
				src = src[1:]
			}
			continue
		}
		semi := bytes.IndexByte(src, ';')
		if semi < 0 || semi > 12 {
			return dst, fmt.Errorf("malformed XML: unterminated entity reference %q", truncate(src, 12))
		}
		ent := src[1:semi]
		src = src[semi+1:]
		switch string(ent) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				return dst, fmt.Errorf("malformed XML: unknown entity &%s;", ent)
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}

// charRef decodes "#123" or "#x7B".
func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var v uint64
	var err error
	if ent[1] == 'x' {
		v, err = strconv.ParseUint(string(ent[2:]), 16, 32)
	} else {
		v, err = strconv.ParseUint(string(ent[1:]), 10, 32)
	}
	if err != nil || !utf8.ValidRune(rune(v)) {
		return 0, false
	}
	return rune(v), true
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
