package mapping

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// Opener opens a source file; formats.Open in production. The mapping passes
// the set's reader options (sheet, crs, ...) and DisplayName = the source
// path as written in the mapping.
type Opener func(path string, opts rows.Options) (rows.Reader, error)

// Build reads every source and returns all entities and all problems in one
// pass. The error is non-nil only when the whole run stops (ctx cancelled);
// unreadable sources and bad values are Problems.
func (m *Mapping) Build(ctx context.Context, open Opener) (*Result, error) {
	b := &builder{
		m:        m,
		fp:       Fingerprint(m.Namespace),
		open:     open,
		res:      &Result{},
		index:    map[string]map[string]*Entity{},
		rejected: map[string]map[string]int{},
		snaps:    map[snapKey]*snapIndex{},
	}
	for _, s := range m.Sets() {
		if err := b.buildSet(ctx, s); err != nil {
			return nil, err
		}
	}
	// Mapping-file problems (a missing column) first: fixing them may
	// change everything after.
	sort.SliceStable(b.res.Problems, func(i, j int) bool {
		return b.res.Problems[i].InMapping() && !b.res.Problems[j].InMapping()
	})
	return b.res, nil
}

type builder struct {
	m    *Mapping
	fp   string // Fingerprint(m.Namespace)
	open Opener
	res  *Result
	// index finds an entity by set and key, for references; rejected finds
	// the row of a key whose row was invalid, to say so.
	index    map[string]map[string]*Entity
	rejected map[string]map[string]int
	snaps    map[snapKey]*snapIndex
}

// slabSize is the number of entities allocated at once.
const slabSize = 256

// setBuilder holds one set's templates bound to its source's columns.
type setBuilder struct {
	*builder
	s            *Set
	sr           *SetResult
	cols         []string
	key          *bound
	match        *bound
	lat, lon     *bound
	attrs        []battr
	node1, node2 *bref
	conn         *bref
	seen         map[string]int // match value → first row (match sets)
	// Entities and their attribute slices are carved from slabs: far fewer
	// allocations for 100,000 rows, and all of them live as long as the
	// result anyway.
	entSlab []Entity
	names   []string // the set's attribute names, shared by its entities' Attrs
	valSlab []any
	probs   []Problem // current row's problems
}

type battr struct {
	a      *Attribute
	b      *bound   // nil for fields
	fields []*bound // aligned with a.Fields
	// constant holds the value of a constant attribute (see Attr.v),
	// computed once and shared by every entity.
	constant any
	skip     bool // a constant that is empty and skipped
}

type bref struct {
	spec  *RefSpec
	role  string
	kind  Kind
	key   *bound
	match *bound
}

// ReaderOptions are the reader settings the set gives its source, with
// DisplayName = the source path as written in the mapping.
func (s *Set) ReaderOptions() rows.Options {
	return rows.Options{Sheet: s.Sheet, HeaderRow: s.HeaderRow, Delimiter: s.Delimiter,
		Encoding: s.Encoding, CRS: s.CRS, DisplayName: s.Source}
}

func (b *builder) problem(p Problem) { b.res.Problems = append(b.res.Problems, p) }

func (b *builder) buildSet(ctx context.Context, s *Set) error {
	sr := &SetResult{Set: s}
	b.res.Sets = append(b.res.Sets, sr)
	sb := &setBuilder{builder: b, s: s, sr: sr, seen: map[string]int{}}
	if b.index[s.Name] == nil {
		b.index[s.Name] = map[string]*Entity{}
		b.rejected[s.Name] = map[string]int{}
	}

	r, err := b.open(s.Path, s.ReaderOptions())
	if err != nil {
		sb.readerProblem(err)
		return nil
	}
	defer r.Close()
	sr.Columns = r.Columns()
	sb.cols = sr.Columns
	bindOK := sb.bind()

	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !sb.readerProblem(err) {
				break
			}
			continue
		}
		sr.Rows++
		if bindOK {
			sb.row(row)
		}
	}
	if d, ok := r.(rows.Describer); ok {
		for _, note := range d.Notes() {
			b.res.Notes = append(b.res.Notes, s.Source+": "+note)
		}
	}
	return nil
}

// readerProblem records a reader or open error and reports whether reading
// may go on.
func (sb *setBuilder) readerProblem(err error) bool {
	sb.sr.Errors++
	var re *rows.Error
	if errors.As(err, &re) {
		file := re.File
		if file == "" {
			file = sb.s.Source
		}
		sb.problem(Problem{File: file, Sheet: re.Sheet, Row: re.Row, Column: re.Column,
			Value: re.Value, Msg: re.Msg, Set: sb.s.Name})
		return !re.Fatal
	}
	sb.problem(Problem{File: sb.s.Source, Sheet: sb.s.Sheet, Msg: err.Error(), Set: sb.s.Name})
	return false
}

// bind resolves every template of the set against the source's columns;
// a missing column is a mapping-file problem naming the columns that exist.
func (sb *setBuilder) bind() bool {
	ok := true
	src := sb.s.Source
	if sb.s.Sheet != "" {
		src += ":" + sb.s.Sheet
	}
	bind := func(t *Template, what string) *bound {
		if t == nil {
			return nil
		}
		bt, err := t.bind(sb.cols)
		if err != nil {
			ok = false
			sb.sr.Errors++
			sb.problem(Problem{File: sb.m.Path, Line: t.Pos.Line, Col: t.Pos.Col, Set: sb.s.Name,
				Msg: fmt.Sprintf("set %q, %s: %v (in %s)", sb.s.Name, what, err, src)})
		}
		return bt
	}
	s := sb.s
	sb.key = bind(s.Key, "key")
	if s.Match != nil {
		sb.match = bind(s.Match.Value, "match value")
	}
	if s.Latitude != nil {
		sb.lat = bind(s.Latitude.Template, "latitude")
		sb.lon = bind(s.Longitude.Template, "longitude")
	}
	for _, a := range s.Attributes {
		ba := battr{a: a}
		if a.Value != nil {
			ba.b = bind(a.Value.Template, "attribute "+a.Name)
			if c, isConst := a.Value.Template.Constant(); isConst {
				v, err := a.Value.apply(c)
				switch {
				case err == errSkip:
					ba.skip = true
				case err != nil:
					ok = false
					sb.problem(Problem{File: sb.m.Path, Line: a.Pos.Line, Col: a.Pos.Col, Set: s.Name,
						Msg: fmt.Sprintf("set %q, attribute %s: constant %q: %v", s.Name, a.Name, c, err)})
				default:
					ba.constant = v
				}
			}
		}
		for _, f := range a.Fields {
			ba.fields = append(ba.fields, bind(f.Value.Template, "attribute "+a.Name+"::"+f.Name))
		}
		sb.attrs = append(sb.attrs, ba)
		sb.names = append(sb.names, a.Name)
	}
	ref := func(r *RefSpec, role string, kind Kind) *bref {
		if r == nil {
			return nil
		}
		br := &bref{spec: r, role: role, kind: kind}
		br.key = bind(r.Key, role+" key")
		if r.Match != nil {
			br.match = bind(r.Match.Value, role+" match value")
		}
		return br
	}
	sb.node1 = ref(s.Node1, "node_1", Node)
	sb.node2 = ref(s.Node2, "node_2", Node)
	sb.conn = ref(s.Connection, "connection", Connection)
	return ok
}

// fail records a problem of the current row.
func (sb *setBuilder) fail(row int, column, value, format string, args ...any) {
	sb.probs = append(sb.probs, Problem{File: sb.s.Source, Sheet: sb.s.Sheet, Row: row,
		Column: column, Value: value, Msg: fmt.Sprintf(format, args...), Set: sb.s.Name})
}

func (sb *setBuilder) row(r rows.Row) {
	s := sb.s
	sb.probs = sb.probs[:0]
	if len(sb.entSlab) == 0 {
		sb.entSlab = make([]Entity, slabSize)
	}
	e := &sb.entSlab[0]
	sb.entSlab = sb.entSlab[1:]
	*e = Entity{Kind: s.Kind, Set: s.Name, Midpoint: s.Midpoint,
		Source: Loc{File: s.Source, Sheet: s.Sheet, Row: r.Num}}

	dupKey := ""
	if sb.key != nil {
		e.Key = sb.key.eval(r.Num, r.Values)
		if isBlank(e.Key) {
			sb.fail(r.Num, sb.key.column(sb.cols), "", "the key %q is empty", s.Key.Raw)
		}
		dupKey = e.Key
	}
	if sb.match != nil {
		v := sb.match.eval(r.Num, r.Values)
		if isBlank(v) {
			sb.fail(r.Num, sb.match.column(sb.cols), "", "the match value is empty")
		}
		e.Match = &Match{Attribute: s.Match.Attribute, Value: v}
		dupKey = v
	}

	sb.locate(e, r)
	e.Attrs = sb.attributes(r)

	switch s.Kind {
	case Connection:
		if s.Endpoints != nil {
			sb.snapEnds(e, r)
		} else {
			e.Node1 = sb.resolve(sb.node1, r)
			e.Node2 = sb.resolve(sb.node2, r)
			if e.Node1 != nil && e.Node2 != nil && e.Node1.ID != "" && e.Node1.ID == e.Node2.ID {
				sb.fail(r.Num, sb.node2.key.column(sb.cols), e.Node2.Key, "node_1 and node_2 are the same node")
			}
		}
	case Section:
		e.Connection = sb.resolve(sb.conn, r)
		if sb.key == nil && sb.match == nil && e.Connection != nil {
			// A midpoint set without key: one section per connection.
			e.Key = e.Connection.Key
			dupKey = e.Key
		}
	}

	if !isBlank(dupKey) {
		if first, dup := sb.firstRow(dupKey); dup {
			what, col := "key", ""
			if sb.key != nil {
				col = sb.key.column(sb.cols)
			} else if sb.match != nil {
				what, col = "match value", sb.match.column(sb.cols)
			}
			sb.fail(r.Num, col, dupKey, "duplicate %s in set %q: row %d has the same %s", what, s.Name, first, what)
		} else if sb.match != nil {
			sb.seen[dupKey] = r.Num
		}
	}

	if len(sb.probs) > 0 {
		sb.reject(e, r)
		return
	}
	if e.Key != "" && sb.match == nil {
		e.ID = entityID(sb.fp, sb.m.Namespace, s.Kind, s.Name, e.Key)
		sb.index[s.Name][e.Key] = e
	}
	sb.sr.Entities = append(sb.sr.Entities, e)
}

// firstRow finds an earlier row with the same key (or match value): keyed
// sets look in the entity index and the rejected keys, so no third map is
// kept per row.
func (sb *setBuilder) firstRow(key string) (int, bool) {
	if sb.match != nil {
		n, ok := sb.seen[key]
		return n, ok
	}
	if e, ok := sb.index[sb.s.Name][key]; ok {
		return e.Source.Row, true
	}
	n, ok := sb.rejected[sb.s.Name][key]
	return n, ok
}

func (sb *setBuilder) reject(e *Entity, r rows.Row) {
	msgs := make([]string, len(sb.probs))
	for i, p := range sb.probs {
		msgs[i] = p.String()
	}
	sb.res.Problems = append(sb.res.Problems, sb.probs...)
	sb.sr.Errors += len(sb.probs)
	sb.sr.Rejects = append(sb.sr.Rejects, Reject{Source: e.Source, Columns: sb.cols,
		Values: append([]string(nil), r.Values...), Errors: msgs})
	if e.Key != "" {
		if _, ok := sb.rejected[sb.s.Name][e.Key]; !ok {
			sb.rejected[sb.s.Name][e.Key] = r.Num
		}
	}
}

// locate sets the entity's location from coordinate columns or a Point.
func (sb *setBuilder) locate(e *Entity, r rows.Row) {
	s := sb.s
	if s.Kind == Connection || s.Midpoint {
		return
	}
	if sb.lat != nil {
		lat, ok1 := sb.coordinate(r, sb.lat, s.Latitude, "latitude", 90)
		lon, ok2 := sb.coordinate(r, sb.lon, s.Longitude, "longitude", 180)
		if ok1 && ok2 {
			e.Location = &LatLon{Lat: lat, Lon: lon}
		}
		return
	}
	if !s.Geometry() {
		return
	}
	switch g := r.Geom.(type) {
	case nil:
		if s.Match == nil {
			sb.fail(r.Num, "", "", "the %s has no geometry (null shape); %s sets need a Point", rowWord(s), s.Kind)
		}
	case *geom.Point:
		if g.Empty() {
			sb.fail(r.Num, "", "", "the Point is empty")
			return
		}
		lon, lat := g.X(), g.Y()
		if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			sb.fail(r.Num, "", fmt.Sprintf("%v,%v", lon, lat), "the Point is not a WGS84 longitude,latitude (is the CRS right? give crs: EPSG:NNNN)")
			return
		}
		e.Location = &LatLon{Lat: lat, Lon: lon}
	default:
		sb.fail(r.Num, "", "", "the geometry is a %s; %s sets need a Point", geomName(g), s.Kind)
	}
}

func rowWord(s *Set) string {
	if s.Geometry() {
		return "feature"
	}
	return "row"
}

func geomName(g geom.T) string {
	switch g.(type) {
	case *geom.Point:
		return "Point"
	case *geom.MultiPoint:
		return "MultiPoint"
	case *geom.LineString:
		return "LineString"
	case *geom.MultiLineString:
		return "MultiLineString"
	case *geom.Polygon:
		return "Polygon"
	case *geom.MultiPolygon:
		return "MultiPolygon"
	}
	return fmt.Sprintf("%T", g)
}

func (sb *setBuilder) coordinate(r rows.Row, b *bound, v *Value, what string, limit float64) (float64, bool) {
	raw := b.eval(r.Num, r.Values)
	col := b.column(sb.cols)
	if isBlank(raw) {
		sb.fail(r.Num, col, "", "%s is empty", what)
		return 0, false
	}
	x, err := v.convert(raw)
	f, _ := x.(float64)
	if err != nil {
		sb.fail(r.Num, col, raw, "%s is not a number", what)
		return 0, false
	}
	if f < -limit || f > limit {
		sb.fail(r.Num, col, raw, "%s %v is out of range -%v..%v", what, f, limit, limit)
		return 0, false
	}
	return f, true
}

// attributes evaluates every attribute.
func (sb *setBuilder) attributes(r rows.Row) Attrs {
	n := len(sb.attrs)
	if n == 0 {
		return Attrs{}
	}
	if len(sb.valSlab) < n {
		sb.valSlab = make([]any, slabSize*n)
	}
	out := sb.valSlab[:n:n]
	sb.valSlab = sb.valSlab[n:]
	for i, ba := range sb.attrs {
		switch {
		case ba.constant != nil:
			out[i] = ba.constant
			continue
		case ba.skip:
			continue // no values: skipped
		}
		if ba.b == nil {
			out[i] = sb.object(r, ba)
			continue
		}
		raw := ba.b.eval(r.Num, r.Values)
		v, err := ba.a.Value.apply(raw)
		switch {
		case err == errSkip:
			// no values: skipped
		case err != nil:
			sb.fail(r.Num, ba.b.column(sb.cols), raw, "attribute %s: %v", ba.a.Name, err)
		default:
			out[i] = v
		}
	}
	return Attrs{names: sb.names, vals: out}
}

// object evaluates an object-valued attribute; empty fields are left out,
// and an object with no fields is skipped (nil).
func (sb *setBuilder) object(r rows.Row, ba battr) any {
	obj := make(map[string]any, len(ba.fields))
	for j, f := range ba.a.Fields {
		raw := ba.fields[j].eval(r.Num, r.Values)
		v, err := f.Value.apply(raw)
		switch {
		case err == errSkip:
		case err != nil:
			sb.fail(r.Num, ba.fields[j].column(sb.cols), raw, "attribute %s::%s: %v", ba.a.Name, f.Name, err)
		default:
			obj[f.Name] = v
		}
	}
	if len(obj) == 0 {
		return nil
	}
	return obj
}

// resolve turns a reference into an id within the import or a live match.
func (sb *setBuilder) resolve(br *bref, r rows.Row) *Ref {
	if br == nil {
		return nil
	}
	ref := &Ref{Set: br.spec.Set}
	if br.match != nil {
		v := br.match.eval(r.Num, r.Values)
		if isBlank(v) {
			sb.fail(r.Num, br.match.column(sb.cols), "", "%s: the match value is empty", br.role)
			return nil
		}
		ref.Match = &Match{Attribute: br.spec.Match.Attribute, Value: v}
		return ref
	}
	key := br.key.eval(r.Num, r.Values)
	col := br.key.column(sb.cols)
	if isBlank(key) {
		sb.fail(r.Num, col, "", "%s: the key is empty", br.role)
		return nil
	}
	ref.Key = key
	if t, ok := sb.index[br.spec.Set][key]; ok {
		ref.ID = t.ID
		return ref
	}
	if row, ok := sb.rejected[br.spec.Set][key]; ok {
		sb.fail(r.Num, col, key, "%s: the %s with this key in set %q is invalid (its row %d)", br.role, br.kind, br.spec.Set, row)
		return nil
	}
	sb.fail(r.Num, col, key, "%s: no %s with this key in set %q", br.role, br.kind, br.spec.Set)
	return nil
}

// snapEnds joins a line's two ends to the nearest nodes of the endpoints set.
func (sb *setBuilder) snapEnds(e *Entity, r rows.Row) {
	ep := sb.s.Endpoints
	var first, last geom.Coord
	switch g := r.Geom.(type) {
	case *geom.LineString:
		if g.NumCoords() >= 2 {
			first, last = g.Coord(0), g.Coord(g.NumCoords()-1)
		}
	case *geom.MultiLineString:
		for i := 0; i < g.NumLineStrings(); i++ {
			ls := g.LineString(i)
			if ls.NumCoords() == 0 {
				continue
			}
			if first == nil {
				first = ls.Coord(0)
			}
			last = ls.Coord(ls.NumCoords() - 1)
		}
	case nil:
		sb.fail(r.Num, "", "", "the feature has no geometry (null shape); endpoints needs a LineString")
		return
	default:
		sb.fail(r.Num, "", "", "the geometry is a %s; endpoints needs a LineString or MultiLineString", geomName(g))
		return
	}
	if first == nil || last == nil {
		sb.fail(r.Num, "", "", "the line has fewer than two points")
		return
	}
	idx := sb.snapIndex(ep.Set, ep.SnapM)
	ends := [2]*Ref{}
	for i, c := range []geom.Coord{first, last} {
		which := [2]string{"start", "end"}[i]
		pt := fmt.Sprintf("%.7f,%.7f", c[0], c[1])
		hits := idx.near(c[1], c[0])
		switch {
		case len(hits) == 0:
			sb.fail(r.Num, "", pt, "the line's %s has no node of set %q within %v m", which, ep.Set, ep.SnapM)
		case len(hits) > 1 && hits[1].d-hits[0].d <= ep.SnapM/10:
			// The nearest is not clearly nearer than the next: a tie
			// (coincident nodes, or a line end between two poles).
			var names []string
			for _, h := range hits {
				names = append(names, fmt.Sprintf("%q at %.2f m", h.e.Key, h.d))
			}
			sb.fail(r.Num, "", pt, "the line's %s is ambiguous: %d nodes of set %q within %v m (%s)", which, len(hits), ep.Set, ep.SnapM, strings.Join(names, ", "))
		default:
			ends[i] = &Ref{Set: ep.Set, Key: hits[0].e.Key, ID: hits[0].e.ID}
		}
	}
	if ends[0] != nil && ends[1] != nil && ends[0].ID == ends[1].ID {
		sb.fail(r.Num, "", ends[0].Key, "both ends of the line snap to the same node")
		return
	}
	e.Node1, e.Node2 = ends[0], ends[1]
}

func (sb *setBuilder) snapIndex(set string, snap float64) *snapIndex {
	k := snapKey{set, snap}
	if idx, ok := sb.snaps[k]; ok {
		return idx
	}
	var es []*Entity
	for _, sr := range sb.res.Sets {
		if sr.Set.Name == set {
			es = sr.Entities
		}
	}
	idx := newSnapIndex(es, snap)
	sb.snaps[k] = idx
	return idx
}
