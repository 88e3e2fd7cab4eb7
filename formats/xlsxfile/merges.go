package xlsxfile

import (
	"bytes"
	"io"
)

// scanMerges returns the ref of every <mergeCell> in a worksheet part. The
// merges follow <sheetData>, so this is a second pass over the part; it
// only searches bytes (no tokenising), which costs little next to the
// decompression. A merge list longer than maxMerges is cut.
func scanMerges(r io.Reader) ([]string, error) {
	const chunk = 1 << 20
	const maxMerges = 100000
	needle := []byte("mergeCell ")
	buf := make([]byte, 0, chunk+4096)
	var refs []string
	eof := false
	for !eof && len(refs) < maxMerges {
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			eof = true
		} else if err != nil {
			return refs, err
		}
		keep := max(len(buf)-len(needle)-1, 0) // where the unsearched tail starts
		for i := 0; ; {
			j := bytes.Index(buf[i:], needle)
			if j < 0 {
				break
			}
			at := i + j
			end := bytes.IndexByte(buf[at:], '>')
			if end < 0 {
				if !eof {
					keep = at // the tag continues in the next chunk
				}
				break
			}
			if ref := attr(buf[at+len(needle):at+end], "ref"); ref != nil {
				refs = append(refs, string(ref))
			}
			i = at + end
			keep = max(keep, i)
		}
		buf = buf[:copy(buf, buf[min(keep, len(buf)):])]
		if len(buf) > 4096 { // a "tag" this long is not a mergeCell
			buf = buf[:0]
		}
	}
	return refs, nil
}

// parseRange splits "A1:C2" (or a single cell "B3") into 0-based columns
// and row numbers.
func parseRange(ref string) (c1, r1, c2, r2 int, ok bool) {
	a, b, found := bytes.Cut([]byte(ref), []byte(":"))
	if c1, r1, ok = parseRef(a); !ok {
		return
	}
	c2, r2 = c1, r1
	if found {
		if c2, r2, ok = parseRef(b); !ok {
			return
		}
	}
	return c1, r1, c2, r2, true
}
