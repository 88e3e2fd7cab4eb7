package xlsxfile

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// sharedStrings holds a workbook's shared string table compactly: all text
// in one string and an end offset per item, so a table of a million
// strings costs its text plus 4 bytes an item, and a lookup allocates
// nothing.
type sharedStrings struct {
	text string
	ends []uint32
}

func (t *sharedStrings) len() int { return len(t.ends) }

// get returns item i.
func (t *sharedStrings) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.text[start:t.ends[i]]
}

// maxSharedText bounds the shared-string table's text.
const maxSharedText = 1 << 31

// readSharedStrings streams a sharedStrings part. sizeHint, the part's
// declared uncompressed size, bounds the text it can hold: reserving that
// much at once avoids the copies (and the doubled peak) of a growing
// buffer. The reservation is capped, as a hostile file may declare more
// than it holds.
func readSharedStrings(r io.Reader, sizeHint int64) (*sharedStrings, error) {
	const maxReserve = 64 << 20
	x := newXMLScanner(r)
	var buf []byte // one item's text
	var text strings.Builder
	text.Grow(int(min(max(sizeHint, 0), maxReserve)))
	var ends []uint32
	for {
		_, t, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, sstError(err)
		}
		if string(t.name) != "si" {
			continue
		}
		switch t.kind {
		case tagStart:
			if buf, err = readRichText(x, buf[:0], "si"); err != nil {
				return nil, sstError(err)
			}
			text.Write(buf)
		case tagEmpty:
		default:
			continue
		}
		if text.Len() >= maxSharedText {
			return nil, errors.New("the shared strings exceed 2 GiB")
		}
		ends = append(ends, uint32(text.Len()))
	}
	return &sharedStrings{text: text.String(), ends: ends}, nil
}

func sstError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("the part ends early (truncated file?)")
	}
	return fmt.Errorf("shared strings: %w", err)
}
