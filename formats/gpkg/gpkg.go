// Package gpkg writes OGC GeoPackage files (vector features, EPSG:4326) with
// the pure-Go SQLite driver modernc.org/sqlite, so no cgo is needed.
//
// A file holds one or more feature tables, each with a GeoPackage binary
// geometry column "geom" (header + little-endian WKB) and an R-tree spatial
// index (the gpkg_rtree_index extension). The index is filled as features are
// inserted; its maintenance triggers, which call the ST_* functions that GIS
// readers such as GDAL provide, are created when a layer is closed, so
// writing needs no SQL functions of its own.
package gpkg

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/wkb"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

const (
	applicationID = 0x47504B47 // "GPKG"
	userVersion   = 10200      // GeoPackage 1.2: the R-tree triggers below are 1.2 ones, and every GDAL since 2.x reads it
	srsID         = 4326
	geomColumn    = "geom"
	fidColumn     = "fid"
)

// FieldType is the SQL type of an attribute column.
type FieldType int

const (
	Text FieldType = iota
	Integer
	Real
	Boolean
	DateTime
)

func (t FieldType) sql() string {
	return [...]string{"TEXT", "INTEGER", "REAL", "BOOLEAN", "DATETIME"}[t]
}

// Field is an attribute column.
type Field struct {
	Name string
	Type FieldType
}

// GeomType is the geometry type declared for a layer.
type GeomType string

const (
	Point      GeomType = "POINT"
	LineString GeomType = "LINESTRING"
	Geometry   GeomType = "GEOMETRY"
)

// Writer creates one GeoPackage file.
type Writer struct {
	db   *sql.DB
	tx   *sql.Tx
	path string
	open *Layer
}

// Create makes a new GeoPackage at path. An existing file is replaced.
func Create(path string) (*Writer, error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("gpkg: %w", err)
	}
	// One connection: the pragmas and the transaction must see one session.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, fmt.Errorf("gpkg: %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	w := &Writer{db: db, path: path}
	if err := w.init(); err != nil {
		db.Close()
		os.Remove(path)
		return nil, err
	}
	return w, nil
}

func (w *Writer) init() error {
	stmts := []string{
		fmt.Sprintf("PRAGMA application_id = %d", applicationID),
		fmt.Sprintf("PRAGMA user_version = %d", userVersion),
		// A half-written export is useless anyway: skip the journal.
		"PRAGMA journal_mode = OFF",
		"PRAGMA synchronous = OFF",
		"PRAGMA locking_mode = EXCLUSIVE",
		"PRAGMA cache_size = -16384", // 16 MiB: the R-tree inserts revisit its pages
		`CREATE TABLE gpkg_spatial_ref_sys (
			srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
			organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
			definition TEXT NOT NULL, description TEXT)`,
		`CREATE TABLE gpkg_contents (
			table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
			identifier TEXT UNIQUE, description TEXT DEFAULT '',
			last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
			min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
			CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
		`CREATE TABLE gpkg_geometry_columns (
			table_name TEXT NOT NULL, column_name TEXT NOT NULL,
			geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
			z TINYINT NOT NULL, m TINYINT NOT NULL,
			CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
			CONSTRAINT uk_gc_table_name UNIQUE (table_name),
			CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
			CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`,
		`CREATE TABLE gpkg_extensions (
			table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
			definition TEXT NOT NULL, scope TEXT NOT NULL,
			CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`,
	}
	for _, s := range stmts {
		if _, err := w.db.Exec(s); err != nil {
			return fmt.Errorf("gpkg: %s: %w", w.path, err)
		}
	}
	_, err := w.db.Exec(`INSERT INTO gpkg_spatial_ref_sys VALUES
		('Undefined Cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined Cartesian coordinate reference system'),
		('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
		('WGS 84 geodetic', 4326, 'EPSG', 4326, ?, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')`,
		wgs84WKT)
	if err != nil {
		return fmt.Errorf("gpkg: %s: %w", w.path, err)
	}
	w.tx, err = w.db.Begin()
	if err != nil {
		return fmt.Errorf("gpkg: %s: %w", w.path, err)
	}
	return nil
}

const wgs84WKT = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`

// Layer is a feature table being filled. Only one layer is open at a time.
//
// Rows are inserted in batches, several rows per INSERT statement: each
// statement execution through database/sql costs far more than SQLite's
// work for one row.
type Layer struct {
	w      *Writer
	name   string
	fields []Field
	env    envelope
	fid    int64

	table, rt batch // the feature table and its R-tree
	row       []any // scratch for one row's values
}

// maxVariables is SQLite's default bound on parameters per statement.
const maxVariables = 32766

// batch buffers the rows of multi-row INSERTs into one table.
type batch struct {
	table string // quoted
	width int    // values per row
	size  int    // rows per full batch
	args  []any
	full  *sql.Stmt // prepared for a full batch
}

func newBatch(tx *sql.Tx, table string, width int) (batch, error) {
	b := batch{table: table, width: width, size: max(1, min(256, maxVariables/width))}
	var err error
	b.full, err = tx.Prepare(b.query(b.size))
	b.args = make([]any, 0, b.size*width)
	return b, err
}

func (b *batch) query(rows int) string {
	row := "(?" + strings.Repeat(", ?", b.width-1) + ")"
	return "INSERT INTO " + b.table + " VALUES " + row + strings.Repeat(", "+row, rows-1)
}

// add buffers one row, flushing a full batch.
func (b *batch) add(tx *sql.Tx, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) < b.size*b.width {
		return nil
	}
	return b.flush(tx)
}

func (b *batch) flush(tx *sql.Tx) error {
	rows := len(b.args) / b.width
	var err error
	switch {
	case rows == 0:
		return nil
	case rows == b.size:
		_, err = b.full.Exec(b.args...)
	default:
		_, err = tx.Exec(b.query(rows), b.args...)
	}
	clear(b.args)
	b.args = b.args[:0]
	return err
}

func (b *batch) close() {
	if b.full != nil {
		b.full.Close()
	}
}

// CreateLayer adds a feature table. Field names that SQLite would take for
// the same column (it compares names case-insensitively) or that clash with
// fid/geom get a numeric suffix; FieldNames reports the names used.
func (w *Writer) CreateLayer(name string, gt GeomType, fields []Field) (*Layer, error) {
	if w.open != nil {
		return nil, fmt.Errorf("gpkg: layer %q is still open", w.open.name)
	}
	if name == "" || strings.HasPrefix(strings.ToLower(name), "gpkg_") || strings.HasPrefix(strings.ToLower(name), "rtree_") {
		return nil, fmt.Errorf("gpkg: invalid layer name %q", name)
	}
	l := &Layer{w: w, name: name, fields: uniqueFields(fields), env: emptyEnvelope()}
	var cols strings.Builder
	fmt.Fprintf(&cols, "%s INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, %s %s", ident(fidColumn), ident(geomColumn), gt)
	for _, f := range l.fields {
		fmt.Fprintf(&cols, ", %s %s", ident(f.Name), f.Type.sql())
	}
	rt := ident("rtree_" + name + "_" + geomColumn)
	stmts := []string{
		fmt.Sprintf("CREATE TABLE %s (%s)", ident(name), cols.String()),
		fmt.Sprintf("CREATE VIRTUAL TABLE %s USING rtree(id, minx, maxx, miny, maxy)", rt),
	}
	for _, s := range stmts {
		if _, err := w.tx.Exec(s); err != nil {
			return nil, fmt.Errorf("gpkg: layer %q: %w", name, err)
		}
	}
	if _, err := w.tx.Exec(`INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, ?)`, name, name, srsID); err != nil {
		return nil, fmt.Errorf("gpkg: layer %q: %w", name, err)
	}
	if _, err := w.tx.Exec(`INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)`, name, geomColumn, string(gt), srsID); err != nil {
		return nil, fmt.Errorf("gpkg: layer %q: %w", name, err)
	}
	if _, err := w.tx.Exec(`INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')`, name, geomColumn); err != nil {
		return nil, fmt.Errorf("gpkg: layer %q: %w", name, err)
	}
	var err error
	if l.table, err = newBatch(w.tx, ident(name), 2+len(l.fields)); err != nil {
		return nil, fmt.Errorf("gpkg: layer %q: %w", name, err)
	}
	if l.rt, err = newBatch(w.tx, rt, 5); err != nil {
		l.table.close()
		return nil, fmt.Errorf("gpkg: layer %q: %w", name, err)
	}
	w.open = l
	return l, nil
}

// FieldNames returns the column names as written (see CreateLayer).
func (l *Layer) FieldNames() []string {
	names := make([]string, len(l.fields))
	for i, f := range l.fields {
		names[i] = f.Name
	}
	return names
}

// Insert adds one feature. values line up with the layer's fields and hold
// string, int64, float64, bool, time.Time or nil; g is WGS84 lon/lat or nil.
// Errors from SQLite may surface on a later Insert or on Close, as rows are
// written in batches.
func (l *Layer) Insert(g geom.T, values []any) error {
	if len(values) != len(l.fields) {
		return fmt.Errorf("gpkg: layer %q: %d values for %d fields", l.name, len(values), len(l.fields))
	}
	l.fid++
	tx := l.w.tx
	row := append(l.row[:0], l.fid, nil)
	var env envelope
	hasGeom := g != nil && !g.Empty()
	if hasGeom {
		env = envelopeOf(g)
		blob, err := encodeGeometry(nil, g, env) // kept by the batch: a fresh slice
		if err != nil {
			return fmt.Errorf("gpkg: layer %q feature %d: %w", l.name, l.fid, err)
		}
		row[1] = blob
	}
	for i, v := range values {
		switch v := v.(type) {
		case time.Time:
			row = append(row, v.UTC().Format("2006-01-02T15:04:05.000Z"))
		case string, int64, float64, bool, nil:
			row = append(row, v)
		default:
			return fmt.Errorf("gpkg: layer %q feature %d field %q: unsupported value type %T", l.name, l.fid, l.fields[i].Name, v)
		}
	}
	l.row = row
	if err := l.table.add(tx, row...); err != nil {
		return fmt.Errorf("gpkg: layer %q, features up to %d: %w", l.name, l.fid, err)
	}
	if hasGeom {
		if err := l.rt.add(tx, l.fid, env.minX, env.maxX, env.minY, env.maxY); err != nil {
			return fmt.Errorf("gpkg: layer %q, features up to %d: spatial index: %w", l.name, l.fid, err)
		}
		l.env.extend(env)
	}
	return nil
}

// Close writes the last rows, records the layer's extent and creates its
// index triggers.
func (l *Layer) Close() error {
	if l.w.open != l {
		return nil
	}
	l.w.open = nil
	tx := l.w.tx
	err := l.table.flush(tx)
	if err == nil {
		err = l.rt.flush(tx)
	}
	l.table.close()
	l.rt.close()
	if err != nil {
		return fmt.Errorf("gpkg: layer %q: %w", l.name, err)
	}
	if l.env.valid() {
		if _, err := tx.Exec(`UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?`,
			l.env.minX, l.env.minY, l.env.maxX, l.env.maxY, l.name); err != nil {
			return fmt.Errorf("gpkg: layer %q: %w", l.name, err)
		}
	}
	for _, s := range rtreeTriggers(l.name, geomColumn, fidColumn) {
		if _, err := tx.Exec(s); err != nil {
			return fmt.Errorf("gpkg: layer %q: index trigger: %w", l.name, err)
		}
	}
	return nil
}

// Close commits and closes the file.
func (w *Writer) Close() error {
	var errs []error
	if w.open != nil {
		errs = append(errs, w.open.Close())
	}
	if w.tx != nil {
		errs = append(errs, w.tx.Commit())
		w.tx = nil
	}
	errs = append(errs, w.db.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gpkg: %s: %w", w.path, err)
	}
	return nil
}

// Abort closes the file without committing and removes it.
func (w *Writer) Abort() {
	if w.tx != nil {
		w.tx.Rollback()
	}
	w.db.Close()
	os.Remove(w.path)
}

// encodeGeometry appends a GeoPackage binary geometry: "GP", version 0,
// flags (little endian; envelope [minx,maxx,miny,maxy] except for points,
// whose envelope is the point itself), srs_id, then ISO WKB.
func encodeGeometry(buf []byte, g geom.T, env envelope) ([]byte, error) {
	_, isPoint := g.(*geom.Point)
	flags := byte(1) // little endian
	if !isPoint {
		flags |= 1 << 1 // envelope: minx, maxx, miny, maxy
	}
	buf = append(buf, 'G', 'P', 0, flags)
	buf = binary.LittleEndian.AppendUint32(buf, srsID)
	if !isPoint {
		for _, v := range [...]float64{env.minX, env.maxX, env.minY, env.maxY} {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	}
	b, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	return append(buf, b...), nil
}

type envelope struct{ minX, maxX, minY, maxY float64 }

func emptyEnvelope() envelope {
	return envelope{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
}

func (e envelope) valid() bool { return e.minX <= e.maxX }

func (e *envelope) extend(o envelope) {
	e.minX, e.maxX = min(e.minX, o.minX), max(e.maxX, o.maxX)
	e.minY, e.maxY = min(e.minY, o.minY), max(e.maxY, o.maxY)
}

func envelopeOf(g geom.T) envelope {
	e := emptyEnvelope()
	flat, stride := g.FlatCoords(), g.Stride()
	for i := 0; i+1 < len(flat); i += stride {
		e.minX, e.maxX = min(e.minX, flat[i]), max(e.maxX, flat[i])
		e.minY, e.maxY = min(e.minY, flat[i+1]), max(e.maxY, flat[i+1])
	}
	return e
}

// uniqueFields renames fields SQLite would see as duplicates.
func uniqueFields(fields []Field) []Field {
	out := make([]Field, len(fields))
	used := map[string]bool{fidColumn: true, geomColumn: true}
	for i, f := range fields {
		name := f.Name
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s_%d", f.Name, n)
		}
		used[strings.ToLower(name)] = true
		out[i] = Field{name, f.Type}
	}
	return out
}

// ident quotes an SQL identifier.
func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// rtreeTriggers are the index maintenance triggers of the GeoPackage 1.2
// R-tree extension, for edits made later by other tools.
func rtreeTriggers(t, c, i string) []string {
	rt := ident("rtree_" + t + "_" + c)
	name := func(suffix string) string { return ident("rtree_" + t + "_" + c + "_" + suffix) }
	T, C, I := ident(t), ident(c), ident(i)
	values := fmt.Sprintf("(NEW.%[2]s, ST_MinX(NEW.%[1]s), ST_MaxX(NEW.%[1]s), ST_MinY(NEW.%[1]s), ST_MaxY(NEW.%[1]s))", C, I)
	return []string{
		fmt.Sprintf(`CREATE TRIGGER %s AFTER INSERT ON %s WHEN (NEW.%s NOT NULL AND NOT ST_IsEmpty(NEW.%s)) BEGIN INSERT OR REPLACE INTO %s VALUES %s; END`,
			name("insert"), T, C, C, rt, values),
		fmt.Sprintf(`CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN OLD.%s = NEW.%s AND (NEW.%s NOTNULL AND NOT ST_IsEmpty(NEW.%s)) BEGIN INSERT OR REPLACE INTO %s VALUES %s; END`,
			name("update1"), C, T, I, I, C, C, rt, values),
		fmt.Sprintf(`CREATE TRIGGER %s AFTER UPDATE OF %s ON %s WHEN OLD.%s = NEW.%s AND (NEW.%s ISNULL OR ST_IsEmpty(NEW.%s)) BEGIN DELETE FROM %s WHERE id = OLD.%s; END`,
			name("update2"), C, T, I, I, C, C, rt, I),
		fmt.Sprintf(`CREATE TRIGGER %s AFTER UPDATE ON %s WHEN OLD.%s != NEW.%s AND (NEW.%s NOTNULL AND NOT ST_IsEmpty(NEW.%s)) BEGIN DELETE FROM %s WHERE id = OLD.%s; INSERT OR REPLACE INTO %s VALUES %s; END`,
			name("update3"), T, I, I, C, C, rt, I, rt, values),
		fmt.Sprintf(`CREATE TRIGGER %s AFTER UPDATE ON %s WHEN OLD.%s != NEW.%s AND (NEW.%s ISNULL OR ST_IsEmpty(NEW.%s)) BEGIN DELETE FROM %s WHERE id IN (OLD.%s, NEW.%s); END`,
			name("update4"), T, I, I, C, C, rt, I, I),
		fmt.Sprintf(`CREATE TRIGGER %s AFTER DELETE ON %s WHEN OLD.%s NOT NULL BEGIN DELETE FROM %s WHERE id = OLD.%s; END`,
			name("delete"), T, C, rt, I),
	}
}
