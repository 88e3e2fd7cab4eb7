package shapefile

import (
	"archive/zip"
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
	"github.com/kpbulk/kpbulk/formats/internal/reproject"
	"github.com/kpbulk/kpbulk/formats/rows"
)

// maxRecordBytes bounds one record's content (a PolyLine of ~8 million
// vertices); a header claiming more is corrupt or hostile.
const maxRecordBytes = 128 << 20

// maxSidecarBytes bounds .prj, .cpg and .cst files, which hold one line.
const maxSidecarBytes = 1 << 20

// member is one file of the set, on disk or in a zip.
type member struct {
	name string // as shown in messages (base name)
	open func() (io.ReadCloser, error)
	size int64
}

// fileSet is a shapefile's companion files; missing ones are nil.
type fileSet struct {
	shp, shx, dbf, prj, cpg *member
	layer                   string
	closer                  io.Closer // the zip, when there is one
}

// Reader streams a shapefile's records as rows. Create it with Open.
type Reader struct {
	display string
	sheet   string
	closers []io.Closer

	shp     *bufio.Reader
	hdr     header
	pos     int64 // bytes of .shp consumed
	shx     *bufio.Reader
	shxName string
	dbf     *dbfReader
	dbfName string
	columns []string
	content []byte

	crs   *crs.CRS // nil: coordinates are WGS84 lon/lat already
	notes []string
	num   int
	err   error // sticky fatal error
}

// Open opens a shapefile: path is the .shp (its companions are found next
// to it by base name, any letter case) or a .zip holding the set in any
// folder. When a zip holds several .shp files, opts.Sheet names the layer
// (the base name without extension).
func Open(p string, opts rows.Options) (rows.Reader, error) {
	r := &Reader{display: cmp.Or(opts.DisplayName, p)}
	fs, err := r.find(p, opts.Sheet)
	if err != nil {
		return nil, err
	}
	if fs.closer != nil {
		r.closers = append(r.closers, fs.closer)
	}
	if err := r.init(fs, opts); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Reader) fatal(row int, col, value, format string, a ...any) *rows.Error {
	return &rows.Error{File: r.display, Sheet: r.sheet, Row: row, Column: col, Value: value, Msg: fmt.Sprintf(format, a...), Fatal: true}
}

// find locates the companion files of p.
func (r *Reader) find(p, layer string) (*fileSet, error) {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".shp":
		dir, base := filepath.Split(p)
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		entries, err := os.ReadDir(cmp.Or(dir, "."))
		if err != nil {
			return nil, r.fatal(0, "", "", "%v", err)
		}
		fs := &fileSet{layer: stem}
		for _, e := range entries {
			name := e.Name()
			ext := strings.ToLower(filepath.Ext(name))
			if !strings.EqualFold(strings.TrimSuffix(name, filepath.Ext(name)), stem) || e.IsDir() {
				continue
			}
			full := filepath.Join(dir, name)
			info, err := e.Info()
			if err != nil {
				continue
			}
			m := &member{name: name, size: info.Size(), open: func() (io.ReadCloser, error) { return os.Open(full) }}
			fs.set(ext, m, strings.TrimSuffix(name, filepath.Ext(name)) == stem)
		}
		if fs.shp == nil {
			return nil, r.fatal(0, "", "", "file not found")
		}
		return fs, nil
	case ".zip":
		return r.findZip(p, layer)
	}
	return nil, r.fatal(0, "", "", "not a shapefile: expected a .shp or a .zip")
}

// set records companion m under its extension; exact preferred over a
// case-insensitive match.
func (fs *fileSet) set(ext string, m *member, exact bool) {
	var slot **member
	switch ext {
	case ".shp":
		slot = &fs.shp
	case ".shx":
		slot = &fs.shx
	case ".dbf":
		slot = &fs.dbf
	case ".prj":
		slot = &fs.prj
	case ".cpg", ".cst":
		slot = &fs.cpg
	default:
		return
	}
	if *slot == nil || exact {
		*slot = m
	}
}

func (r *Reader) findZip(p, layer string) (*fileSet, error) {
	z, err := zip.OpenReader(p)
	if err != nil {
		return nil, r.fatal(0, "", "", "cannot open zip: %v", err)
	}
	var shps []string
	for _, f := range z.File {
		if strings.EqualFold(path.Ext(f.Name), ".shp") && !strings.HasPrefix(path.Base(f.Name), "._") {
			shps = append(shps, f.Name)
		}
	}
	var chosen string
	switch {
	case len(shps) == 0:
		z.Close()
		return nil, r.fatal(0, "", "", "the zip holds no .shp file")
	case layer != "":
		for _, s := range shps {
			if strings.EqualFold(strings.TrimSuffix(path.Base(s), path.Ext(s)), layer) {
				chosen = s
			}
		}
		if chosen == "" {
			z.Close()
			return nil, r.fatal(0, "", layer, "no layer of that name in the zip (layers: %s)", layerNames(shps))
		}
		r.sheet = layer
	case len(shps) > 1:
		z.Close()
		return nil, r.fatal(0, "", "", "the zip holds %d shapefiles; choose one with sheet: (layers: %s)", len(shps), layerNames(shps))
	default:
		chosen = shps[0]
	}
	stem := strings.TrimSuffix(chosen, path.Ext(chosen))
	fs := &fileSet{layer: path.Base(stem), closer: z}
	for _, f := range z.File {
		if !strings.EqualFold(strings.TrimSuffix(f.Name, path.Ext(f.Name)), stem) {
			continue
		}
		m := &member{name: path.Base(f.Name), size: int64(f.UncompressedSize64), open: f.Open}
		fs.set(strings.ToLower(path.Ext(f.Name)), m, strings.HasPrefix(f.Name, stem))
	}
	return fs, nil
}

func layerNames(shps []string) string {
	names := make([]string, len(shps))
	for i, s := range shps {
		names[i] = strings.TrimSuffix(path.Base(s), path.Ext(s))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func readSmall(m *member) (string, error) {
	rc, err := m.open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSidecarBytes))
	return string(b), err
}

func (r *Reader) init(fs *fileSet, opts rows.Options) error {
	rc, err := fs.shp.open()
	if err != nil {
		return r.fatal(0, "", "", "%v", err)
	}
	r.closers = append(r.closers, rc)
	r.shp = bufio.NewReaderSize(rc, int(min(max(fs.shp.size, 16), 256<<10)))
	var hb [100]byte
	n, _ := io.ReadFull(r.shp, hb[:])
	if r.hdr, err = parseHeader(hb[:n]); err != nil {
		return r.fatal(0, "", "", "%s: %v", fs.shp.name, err)
	}
	r.pos = 100
	switch r.hdr.shapeType {
	case shapePolygon, shapePolygonZ, shapePolygonM, shapeMultiPatch:
		return r.fatal(0, "", "", "%s holds %s shapes; kpbulk imports points (poles) and lines (spans) only", fs.shp.name, shapeName(r.hdr.shapeType))
	}
	switch {
	case r.hdr.fileLen < 100:
		return r.fatal(0, "", "", "%s: bad header: file length %d bytes", fs.shp.name, r.hdr.fileLen)
	case fs.shp.size > r.hdr.fileLen:
		r.notes = append(r.notes, fmt.Sprintf("%s is %d bytes but its header says %d; the extra bytes are ignored", fs.shp.name, fs.shp.size, r.hdr.fileLen))
	case fs.shp.size < r.hdr.fileLen:
		return r.fatal(0, "", "", "%s is truncated: %d bytes, its header says %d", fs.shp.name, fs.shp.size, r.hdr.fileLen)
	}

	if fs.shx != nil {
		if err := r.openShx(fs.shx); err != nil {
			return err
		}
	} else {
		r.notes = append(r.notes, fmt.Sprintf("%s.shx is missing: records read in sequence from the .shp", fs.layer))
	}

	// Codepage: option, then .cpg/.cst, then the DBF language driver.
	explicit, source := opts.Encoding, "the encoding option"
	if explicit == "" && fs.cpg != nil {
		if explicit, err = readSmall(fs.cpg); err != nil {
			return r.fatal(0, "", "", "%s: %v", fs.cpg.name, err)
		}
		source = fs.cpg.name
	}
	if fs.dbf != nil {
		if err := r.openDbf(fs.dbf, explicit, source); err != nil {
			return err
		}
	} else {
		r.notes = append(r.notes, fmt.Sprintf("%s.dbf is missing: geometry only, no attribute columns", fs.layer))
	}

	return r.initCRS(fs, opts)
}

func (r *Reader) openShx(m *member) error {
	rc, err := m.open()
	if err != nil {
		return r.fatal(0, "", "", "%s: %v", m.name, err)
	}
	r.closers = append(r.closers, rc)
	r.shx = bufio.NewReader(rc)
	r.shxName = m.name
	var hb [100]byte
	n, _ := io.ReadFull(r.shx, hb[:])
	h, err := parseHeader(hb[:n])
	if err != nil {
		return r.fatal(0, "", "", "%s: %v", m.name, err)
	}
	if h.shapeType != r.hdr.shapeType {
		return r.fatal(0, "", "", "%s says shape type %s but the .shp says %s", m.name, shapeName(h.shapeType), shapeName(r.hdr.shapeType))
	}
	if m.size < h.fileLen {
		return r.fatal(0, "", "", "%s is truncated: %d bytes, its header says %d", m.name, m.size, h.fileLen)
	}
	return nil
}

func (r *Reader) openDbf(m *member, explicit, source string) error {
	rc, err := m.open()
	if err != nil {
		return r.fatal(0, "", "", "%s: %v", m.name, err)
	}
	r.closers = append(r.closers, rc)
	r.dbfName = m.name
	if r.dbf, err = newDBFReader(rc); err != nil {
		return r.fatal(0, "", "", "%s: %v", m.name, err)
	}
	dec, note, err := chooseDecoder(explicit, source, r.dbf.ldid)
	if err != nil {
		return r.fatal(0, "", "", "%v", err)
	}
	r.dbf.dec = dec
	r.notes = append(r.notes, note)
	if need := int64(32+32*len(r.dbf.fields)+1) + int64(r.dbf.records)*int64(r.dbf.recordLen); m.size < need {
		return r.fatal(0, "", "", "%s is truncated: %d bytes for %d records of %d bytes", m.name, m.size, r.dbf.records, r.dbf.recordLen)
	}
	r.columns = make([]string, len(r.dbf.fields))
	for i, f := range r.dbf.fields {
		r.columns[i] = dec.text([]byte(f.name))
		switch f.typ {
		case 'C', 'N', 'F', 'L', 'D', 'I', 'O':
		case 'M':
			r.notes = append(r.notes, fmt.Sprintf("field %s is a memo field: its text is in a .dbt file that kpbulk does not read, so it is empty", r.columns[i]))
		default:
			r.notes = append(r.notes, fmt.Sprintf("field %s has DBF type %q: read as raw text", r.columns[i], f.typ))
		}
	}
	return nil
}

func (r *Reader) initCRS(fs *fileSet, opts rows.Options) error {
	var err error
	switch {
	case opts.CRS != "":
		if r.crs, err = crs.Parse(opts.CRS); err != nil {
			return r.fatal(0, "", opts.CRS, "%v", err)
		}
		r.notes = append(r.notes, fmt.Sprintf("CRS %s (from the crs option); %s", r.crs.Name(), r.crs.Accuracy()))
	case fs.prj != nil:
		text, err := readSmall(fs.prj)
		if err != nil {
			return r.fatal(0, "", "", "%s: %v", fs.prj.name, err)
		}
		if r.crs, err = crs.Parse(text); err != nil {
			return r.fatal(0, "", "", "%s: %v; set crs: EPSG:NNNN to override", fs.prj.name, err)
		}
		r.notes = append(r.notes, fmt.Sprintf("CRS %s (from %s); %s", r.crs.Name(), fs.prj.name, r.crs.Accuracy()))
	default:
		b := r.hdr.bbox
		if r.hdr.fileLen > 100 && (b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90) {
			return r.fatal(0, "", "", "no .prj and no crs: the coordinates (x %g to %g, y %g to %g) are not longitude/latitude; set crs: EPSG:NNNN on the set", b[0], b[2], b[1], b[3])
		}
		r.notes = append(r.notes, fmt.Sprintf("%s.prj is missing: coordinates taken as WGS84 longitude/latitude", fs.layer))
	}
	if r.crs != nil && r.crs.IsWGS84() {
		r.crs = nil
	}
	return nil
}

// Columns returns the DBF field names.
func (r *Reader) Columns() []string { return r.columns }

// Notes reports the codepage, the CRS and its accuracy, and anything
// unusual about the file set.
func (r *Reader) Notes() []string { return r.notes }

// Close releases the files.
func (r *Reader) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i].Close())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// Next returns the next record. Deleted DBF records are skipped, as are
// null shapes whose attributes are all empty.
func (r *Reader) Next() (rows.Row, error) {
	for {
		if r.err != nil {
			return rows.Row{}, r.err
		}
		row, skip, err := r.next()
		if err != nil {
			var re *rows.Error
			if errors.As(err, &re) && !re.Fatal {
				return row, err
			}
			r.err = err
			return rows.Row{}, err
		}
		if !skip {
			return row, nil
		}
	}
}

func (r *Reader) next() (row rows.Row, skip bool, err error) {
	if rest := r.hdr.fileLen - r.pos; rest > 0 && rest < 8 {
		// Too short for a record header: padding some writers leave (and
		// a header length a few bytes off, as in pyshp's corrupt_too_long).
		r.notes = append(r.notes, fmt.Sprintf("%d bytes after the last .shp record ignored", rest))
		r.pos = r.hdr.fileLen
	}
	if r.pos >= r.hdr.fileLen {
		if r.dbf != nil && r.dbf.read < r.dbf.records {
			return row, false, r.fatal(0, "", "", "%s has %d records but the .shp has %d", r.dbfName, r.dbf.records, r.num)
		}
		return row, false, io.EOF
	}
	r.num++
	row.Num = r.num
	var rh [8]byte
	if _, err := io.ReadFull(r.shp, rh[:]); err != nil {
		return row, false, r.fatal(r.num, "", "", ".shp truncated in the header of record %d", r.num)
	}
	clen := int64(binary.BigEndian.Uint32(rh[4:])) * 2
	if clen > maxRecordBytes || r.pos+8+clen > r.hdr.fileLen {
		return row, false, r.fatal(r.num, "", "", ".shp record %d claims %d bytes, past the end of the file", r.num, clen)
	}
	if r.shx != nil {
		var ix [8]byte
		if _, err := io.ReadFull(r.shx, ix[:]); err != nil {
			return row, false, r.fatal(r.num, "", "", "%s has fewer entries than the .shp has records", r.shxName)
		}
		off, l := int64(binary.BigEndian.Uint32(ix[:]))*2, int64(binary.BigEndian.Uint32(ix[4:]))*2
		if off != r.pos || l != clen {
			return row, false, r.fatal(r.num, "", "", "%s does not match the .shp: record %d at offset %d (%d bytes) in the index, %d (%d bytes) in the .shp", r.shxName, r.num, off, l, r.pos, clen)
		}
	}
	if int64(cap(r.content)) < clen {
		r.content = make([]byte, clen)
	}
	content := r.content[:clen]
	if _, err := io.ReadFull(r.shp, content); err != nil {
		return row, false, r.fatal(r.num, "", "", ".shp truncated in record %d", r.num)
	}
	r.pos += 8 + clen
	g, typ, gerr := decodeShape(content)

	var rowErr *rows.Error
	if r.dbf != nil {
		rec, deleted, err := r.dbf.next()
		if err == io.EOF {
			return row, false, r.fatal(r.num, "", "", "%s has %d records but the .shp has more", r.dbfName, r.dbf.records)
		} else if err != nil {
			return row, false, r.fatal(r.num, "", "", "%s: %v", r.dbfName, err)
		}
		if deleted {
			return row, true, nil
		}
		row.Values = make([]string, len(r.dbf.fields))
		for i := range r.dbf.fields {
			v, err := r.dbf.value(rec, i)
			row.Values[i] = v
			if err != nil && rowErr == nil {
				rowErr = &rows.Error{File: r.display, Sheet: r.sheet, Row: r.num, Column: r.columns[i], Value: v, Msg: err.Error()}
			}
		}
	}
	if gerr != nil {
		return row, false, &rows.Error{File: r.display, Sheet: r.sheet, Row: r.num, Column: "geometry", Msg: gerr.Error()}
	}
	if typ != shapeNull && typ != r.hdr.shapeType {
		return row, false, &rows.Error{File: r.display, Sheet: r.sheet, Row: r.num, Column: "geometry", Value: shapeName(typ), Msg: fmt.Sprintf("shape type differs from the file's %s", shapeName(r.hdr.shapeType))}
	}
	if g != nil {
		if err := r.reproject(g); err != nil {
			return row, false, &rows.Error{File: r.display, Sheet: r.sheet, Row: r.num, Column: "geometry", Msg: err.Error()}
		}
		row.Geom = g
	}
	if rowErr != nil {
		return row, false, rowErr
	}
	if g == nil && allEmpty(row.Values) {
		return row, true, nil
	}
	return row, false, nil
}

func allEmpty(vs []string) bool {
	for _, v := range vs {
		if v != "" {
			return false
		}
	}
	return true
}

// reproject converts g's coordinates to WGS84 in place (or, with no CRS,
// checks that they are longitude/latitude).
func (r *Reader) reproject(g geom.T) error {
	return reproject.ToWGS84(g, r.crs, func(x, y float64) error {
		return fmt.Errorf("coordinate %v, %v is not a longitude/latitude (the file has no .prj; set crs: EPSG:NNNN)", x, y)
	})
}
