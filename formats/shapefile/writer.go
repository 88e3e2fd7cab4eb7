package shapefile

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
)

// GeomKind is the shape type a Writer writes.
type GeomKind int

// Shape types the writer supports.
const (
	Point    GeomKind = shapePoint
	PolyLine GeomKind = shapePolyLine
)

// Field describes a DBF column. Type is 'C' (text, Length up to 254,
// default 254), 'N' or 'F' (number, default Length 19), 'L' (logical) or
// 'D' (date). Name is the full name; the writer shortens it (see
// TruncateNames).
type Field struct {
	Name             string
	Type             byte
	Length, Decimals int
}

// maxCharLen is the longest DBF character field.
const maxCharLen = 254

// maxWarnings bounds the warnings kept; the rest are counted.
const maxWarnings = 100

// Option configures Create.
type Option func(*Writer)

// WithPRJ writes prj (ESRI WKT, e.g. from (*crs.CRS).ESRIWKT) instead of
// WGS84; the caller then passes coordinates in that CRS.
func WithPRJ(prj string) Option { return func(w *Writer) { w.prj = prj } }

// Writer writes a shapefile set (.shp .shx .dbf .prj .cpg, and
// .fieldnames.csv when names were shortened) record by record. Create it
// with Create; Close patches the headers.
type Writer struct {
	base    string
	kind    GeomKind
	fields  []Field
	short   []string
	prj     string
	shpF    *os.File
	shxF    *os.File
	dbfF    *os.File
	shp     *bufio.Writer
	shx     *bufio.Writer
	dbf     *bufio.Writer
	offset  int64 // .shp bytes written
	records int
	bbox    [4]float64
	hasBox  bool
	rec     []byte
	buf     []byte

	warnings []string
	dropped  int
	err      error
}

// Create starts a shapefile at base (a path without extension; a trailing
// .shp is removed). Coordinates are WGS84 longitude/latitude unless WithPRJ
// says otherwise.
func Create(base string, kind GeomKind, fields []Field, opts ...Option) (*Writer, error) {
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".shp") {
		base = strings.TrimSuffix(base, ext)
	}
	if kind != Point && kind != PolyLine {
		return nil, fmt.Errorf("shapefile: unsupported shape kind %d (Point or PolyLine)", kind)
	}
	w := &Writer{base: base, kind: kind, prj: crs.WGS84.ESRIWKT()}
	for _, o := range opts {
		o(w)
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	w.short = TruncateNames(names)
	recLen := 1
	for _, f := range fields {
		switch f.Type {
		case 'C':
			if f.Length == 0 {
				f.Length = maxCharLen
			}
			f.Decimals = 0
		case 'N', 'F':
			if f.Length == 0 {
				f.Length = 19
			}
		case 'L':
			f.Length, f.Decimals = 1, 0
		case 'D':
			f.Length, f.Decimals = 8, 0
		default:
			return nil, fmt.Errorf("shapefile: field %q: unsupported DBF type %q", f.Name, f.Type)
		}
		if f.Length < 1 || f.Length > maxCharLen || f.Decimals < 0 || f.Decimals > 15 || (f.Decimals > 0 && f.Decimals >= f.Length-1) {
			return nil, fmt.Errorf("shapefile: field %q: bad length %d.%d", f.Name, f.Length, f.Decimals)
		}
		recLen += f.Length
		w.fields = append(w.fields, f)
	}
	if len(fields) > 255 {
		return nil, fmt.Errorf("shapefile: %d fields; DBF allows 255", len(fields))
	}
	if recLen > math.MaxUint16 {
		return nil, fmt.Errorf("shapefile: records of %d bytes; DBF allows %d", recLen, math.MaxUint16)
	}
	w.rec = make([]byte, recLen)
	if err := w.open(); err != nil {
		w.abort()
		return nil, err
	}
	return w, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (w *Writer) open() error {
	var err error
	for _, f := range []struct {
		file **os.File
		buf  **bufio.Writer
		ext  string
	}{{&w.shpF, &w.shp, ".shp"}, {&w.shxF, &w.shx, ".shx"}, {&w.dbfF, &w.dbf, ".dbf"}} {
		if *f.file, err = os.Create(w.base + f.ext); err != nil {
			return fmt.Errorf("shapefile: %w", err)
		}
		*f.buf = bufio.NewWriterSize(*f.file, 256<<10)
	}
	var zero [100]byte
	w.shp.Write(zero[:])
	w.shx.Write(zero[:])
	w.offset = 100
	w.dbf.Write(w.dbfHeader())
	if err := os.WriteFile(w.base+".prj", []byte(w.prj), 0o644); err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	if err := os.WriteFile(w.base+".cpg", []byte("UTF-8"), 0o644); err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	return w.writeNames()
}

// writeNames writes <base>.fieldnames.csv (short,full) when any name was
// shortened, and removes a stale one otherwise.
func (w *Writer) writeNames() error {
	p := w.base + ".fieldnames.csv"
	changed := false
	for i, f := range w.fields {
		changed = changed || f.Name != w.short[i]
	}
	if !changed {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("shapefile: %w", err)
		}
		return nil
	}
	f, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	cw := csv.NewWriter(f)
	cw.Write([]string{"short", "full"})
	for i, fl := range w.fields {
		cw.Write([]string{w.short[i], fl.Name})
	}
	cw.Flush()
	return errors.Join(cw.Error(), f.Close())
}

func (w *Writer) dbfHeader() []byte {
	h := make([]byte, 32+32*len(w.fields)+1)
	h[0] = 0x03
	now := time.Now().UTC()
	h[1], h[2], h[3] = byte(now.Year()-1900), byte(now.Month()), byte(now.Day())
	binary.LittleEndian.PutUint32(h[4:], uint32(w.records))
	binary.LittleEndian.PutUint16(h[8:], uint16(len(h)))
	binary.LittleEndian.PutUint16(h[10:], uint16(len(w.rec)))
	h[29] = 0 // codepage given by the .cpg
	for i, f := range w.fields {
		d := h[32+32*i:]
		copy(d[:10], w.short[i])
		d[11] = f.Type
		d[16], d[17] = byte(f.Length), byte(f.Decimals)
	}
	h[len(h)-1] = 0x0D
	return h
}

// FieldNames returns the DBF names written, aligned with the fields.
func (w *Writer) FieldNames() []string { return w.short }

// Warnings returns what was changed to fit the format: values longer than
// their field (254 bytes at most) cut, numbers that did not fit.
func (w *Writer) Warnings() []string {
	if w.dropped > 0 {
		return append(w.warnings[:len(w.warnings):len(w.warnings)], fmt.Sprintf("%d more warnings not shown", w.dropped))
	}
	return w.warnings
}

func (w *Writer) warnf(format string, a ...any) {
	if len(w.warnings) >= maxWarnings {
		w.dropped++
		return
	}
	w.warnings = append(w.warnings, fmt.Sprintf(format, a...))
}

// Write appends a record. g is *geom.Point for Point files and
// *geom.LineString or *geom.MultiLineString for PolyLine files; nil writes
// a null shape. values align with the fields: string, float64, int64, int,
// bool, time.Time or nil (empty).
func (w *Writer) Write(g geom.T, values []any) error {
	if w.err != nil {
		return w.err
	}
	if len(values) != len(w.fields) {
		return fmt.Errorf("shapefile: record %d has %d values for %d fields", w.records+1, len(values), len(w.fields))
	}
	content, err := w.shape(g)
	if err != nil {
		return fmt.Errorf("shapefile: record %d: %w", w.records+1, err)
	}
	w.records++
	w.record(values)
	var rh [8]byte
	binary.BigEndian.PutUint32(rh[0:], uint32(w.records))
	binary.BigEndian.PutUint32(rh[4:], uint32(len(content)/2))
	var ix [8]byte
	binary.BigEndian.PutUint32(ix[0:], uint32(w.offset/2))
	binary.BigEndian.PutUint32(ix[4:], uint32(len(content)/2))
	w.shp.Write(rh[:])
	w.shp.Write(content)
	w.shx.Write(ix[:])
	_, err = w.dbf.Write(w.rec)
	w.offset += int64(8 + len(content))
	if w.offset > math.MaxInt32*2 {
		w.err = errors.New("shapefile: the .shp would pass 4 GB, the format's limit")
	}
	if err != nil {
		w.err = fmt.Errorf("shapefile: %w", err)
	}
	return w.err
}

// shape encodes g as record content into w.buf.
func (w *Writer) shape(g geom.T) ([]byte, error) {
	b := w.buf[:0]
	put32 := func(v int) { b = binary.LittleEndian.AppendUint32(b, uint32(v)) }
	putf := func(v float64) { b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v)) }
	if g == nil || g.Empty() {
		put32(shapeNull)
		w.buf = b
		return b, nil
	}
	flat, stride := g.FlatCoords(), g.Stride()
	for i := 0; i < len(flat); i += stride {
		if math.IsNaN(flat[i]) || math.IsNaN(flat[i+1]) || math.IsInf(flat[i], 0) || math.IsInf(flat[i+1], 0) {
			return nil, fmt.Errorf("coordinate %v, %v is not a number", flat[i], flat[i+1])
		}
	}
	switch t := g.(type) {
	case *geom.Point:
		if w.kind != Point {
			return nil, errors.New("a Point in a PolyLine shapefile")
		}
		put32(shapePoint)
		putf(t.X())
		putf(t.Y())
		w.extend(t.X(), t.Y(), t.X(), t.Y())
	case *geom.LineString, *geom.MultiLineString:
		if w.kind != PolyLine {
			return nil, fmt.Errorf("a %T in a Point shapefile", g)
		}
		var ends []int
		if ml, ok := t.(*geom.MultiLineString); ok {
			ends = ml.Ends()
		} else {
			ends = []int{len(flat)}
		}
		bounds := geom.NewBounds(geom.XY).Extend(g)
		put32(shapePolyLine)
		minX, minY, maxX, maxY := bounds.Min(0), bounds.Min(1), bounds.Max(0), bounds.Max(1)
		putf(minX)
		putf(minY)
		putf(maxX)
		putf(maxY)
		put32(len(ends))
		put32(len(flat) / stride)
		start := 0
		for _, e := range ends {
			put32(start / stride)
			start = e
		}
		for i := 0; i < len(flat); i += stride {
			putf(flat[i])
			putf(flat[i+1])
		}
		w.extend(minX, minY, maxX, maxY)
	default:
		return nil, fmt.Errorf("unsupported geometry %T", g)
	}
	w.buf = b
	return b, nil
}

func (w *Writer) extend(minX, minY, maxX, maxY float64) {
	if !w.hasBox {
		w.bbox, w.hasBox = [4]float64{minX, minY, maxX, maxY}, true
		return
	}
	w.bbox = [4]float64{min(w.bbox[0], minX), min(w.bbox[1], minY), max(w.bbox[2], maxX), max(w.bbox[3], maxY)}
}

// record fills w.rec with the DBF record for values.
func (w *Writer) record(values []any) {
	w.rec[0] = ' '
	off := 1
	for i, f := range w.fields {
		cell := w.rec[off : off+f.Length]
		off += f.Length
		for j := range cell {
			cell[j] = ' '
		}
		v := values[i]
		if v == nil {
			continue
		}
		switch f.Type {
		case 'C':
			s := text(v)
			if len(s) > f.Length {
				cut := f.Length
				for cut > 0 && !utf8.RuneStart(s[cut]) {
					cut--
				}
				w.warnf("record %d, field %s: value of %d bytes cut to %d", w.records, f.Name, len(s), cut)
				s = s[:cut]
			}
			copy(cell, s)
		case 'N', 'F':
			s, ok := number(v, f.Decimals)
			if !ok {
				w.warnf("record %d, field %s: %q is not a number; left empty", w.records, f.Name, text(v))
				continue
			}
			if len(s) > f.Length {
				s = w.fit(s, f)
				if s == "" {
					continue
				}
			}
			copy(cell[f.Length-len(s):], s)
		case 'L':
			switch t := v.(type) {
			case bool:
				cell[0] = "FT"[boolInt(t)]
			case string:
				if b, err := strconv.ParseBool(t); err == nil {
					cell[0] = "FT"[boolInt(b)]
				} else if t != "" {
					w.warnf("record %d, field %s: %q is not a boolean; left empty", w.records, f.Name, t)
				}
			default:
				w.warnf("record %d, field %s: %v is not a boolean; left empty", w.records, f.Name, v)
			}
		case 'D':
			var s string
			switch t := v.(type) {
			case time.Time:
				s = t.Format("20060102")
			case string:
				if d, err := time.Parse("2006-01-02", t[:min(len(t), 10)]); err == nil {
					s = d.Format("20060102")
				} else if t != "" {
					w.warnf("record %d, field %s: %q is not a YYYY-MM-DD date; left empty", w.records, f.Name, t)
				}
			}
			copy(cell, s)
		}
	}
}

// fit shortens a number that is too wide for its field by dropping
// decimals; it warns when that changes the value, and leaves the cell
// empty when even the integer part does not fit.
func (w *Writer) fit(s string, f Field) string {
	v, _ := strconv.ParseFloat(s, 64)
	for d := f.Decimals - 1; d >= 0; d-- {
		t := strconv.FormatFloat(v, 'f', d, 64)
		if len(t) <= f.Length {
			if back, _ := strconv.ParseFloat(t, 64); back != v {
				w.warnf("record %d, field %s: %s rounded to %s to fit %d characters", w.records, f.Name, s, t, f.Length)
			}
			return t
		}
	}
	w.warnf("record %d, field %s: %s does not fit in %d characters; left empty", w.records, f.Name, s, f.Length)
	return ""
}

func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(t, 10)
	case int:
		return strconv.Itoa(t)
	case bool:
		return strconv.FormatBool(t)
	case time.Time:
		return t.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func number(v any, decimals int) (string, bool) {
	var f float64
	switch t := v.(type) {
	case float64:
		f = t
	case int64:
		if decimals == 0 {
			return strconv.FormatInt(t, 10), true
		}
		f = float64(t)
	case int:
		if decimals == 0 {
			return strconv.Itoa(t), true
		}
		f = float64(t)
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return "", true
		}
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return "", false
		}
	default:
		return "", false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', decimals, 64), true
}

// Close flushes the files and patches the headers (file lengths, bounding
// box, record count).
func (w *Writer) Close() error {
	if w.shpF == nil {
		return w.err
	}
	errs := []error{w.err}
	w.dbf.WriteByte(0x1A)
	for _, b := range []*bufio.Writer{w.shp, w.shx, w.dbf} {
		errs = append(errs, b.Flush())
	}
	_, err := w.shpF.WriteAt(w.fileHeader(w.offset), 0)
	errs = append(errs, err)
	_, err = w.shxF.WriteAt(w.fileHeader(100+8*int64(w.records)), 0)
	errs = append(errs, err)
	_, err = w.dbfF.WriteAt(w.dbfHeader()[:32], 0)
	errs = append(errs, err)
	for _, f := range []*os.File{w.shpF, w.shxF, w.dbfF} {
		errs = append(errs, f.Close())
	}
	w.shpF = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	return nil
}

func (w *Writer) abort() {
	for _, f := range []*os.File{w.shpF, w.shxF, w.dbfF} {
		if f != nil {
			f.Close()
		}
	}
	w.shpF = nil
}

func (w *Writer) fileHeader(length int64) []byte {
	h := make([]byte, 100)
	binary.BigEndian.PutUint32(h[0:], 9994)
	binary.BigEndian.PutUint32(h[24:], uint32(length/2))
	binary.LittleEndian.PutUint32(h[28:], 1000)
	binary.LittleEndian.PutUint32(h[32:], uint32(w.kind))
	for i, v := range w.bbox {
		binary.LittleEndian.PutUint64(h[36+8*i:], math.Float64bits(v))
	}
	return h
}

// Files lists the files of the set that exist.
func Files(base string) []string {
	var out []string
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj", ".cpg", ".fieldnames.csv"} {
		if _, err := os.Stat(base + ext); err == nil {
			out = append(out, base+ext)
		}
	}
	return out
}

// WriteZip writes the sets at bases (paths without extension, closed
// Writers) into one zip at zipPath, each file at the zip's root.
func WriteZip(zipPath string, bases ...string) error {
	f, err := os.Create(zipPath)
	if err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	zw := zip.NewWriter(f)
	for _, base := range bases {
		files := Files(base)
		if len(files) == 0 {
			err = fmt.Errorf("shapefile: no files at %s", base)
			break
		}
		for _, p := range files {
			if err = addToZip(zw, p); err != nil {
				break
			}
		}
	}
	if err2 := zw.Close(); err == nil {
		err = err2
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	return err
}

func addToZip(zw *zip.Writer, p string) error {
	src, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	defer src.Close()
	dst, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.Base(p), Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("shapefile: %w", err)
	}
	return nil
}

// TruncateNames shortens names to DBF's 10 bytes (at a character boundary),
// unique without regard to letter case: names that already fit keep their
// place, longer ones are cut and, on a collision, end in _1, _2, ...; an
// empty name becomes FIELD.
func TruncateNames(names []string) []string {
	out := make([]string, len(names))
	used := map[string]bool{}
	fits := func(s string) bool { return len(s) <= 10 && s != "" }
	for i, n := range names {
		if fits(n) && !used[strings.ToUpper(n)] {
			out[i] = n
			used[strings.ToUpper(n)] = true
		}
	}
	for i, n := range names {
		if out[i] != "" {
			continue
		}
		if n == "" {
			n = "FIELD"
		}
		cand := cut(n, 10)
		for k := 1; used[strings.ToUpper(cand)]; k++ {
			suffix := "_" + strconv.Itoa(k)
			cand = cut(n, 10-len(suffix)) + suffix
		}
		out[i] = cand
		used[strings.ToUpper(cand)] = true
	}
	return out
}

// cut returns at most n bytes of s, not splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
