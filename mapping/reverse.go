package mapping

import (
	"fmt"
	"strings"
)

// Inverter turns live entities back into rows of a set's source (export
// with a mapping). Build one per set with Set.Inverter.
type Inverter struct {
	set    *Set
	cols   []string
	colIdx map[string]int

	consts   []constAttr
	attrs    []invAttr
	lat, lon int // column index, or -1
	match    *invMatch
	refs     []*invRef
}

// constAttr is a constant attribute: it selects the set's entities.
type constAttr struct {
	name string
	want string // formatted typed value
}

// invAttr writes one attribute's live values into columns.
type invAttr struct {
	name   string
	v      *Value
	t      *invTemplate
	fields []invField
}

type invField struct {
	name string
	v    *Value
	t    *invTemplate
}

type invMatch struct {
	attr string
	t    *invTemplate
}

// invRef fills the columns of a reference (node_1, node_2, connection)
// from the referenced live entity.
type invRef struct {
	role   string
	get    func(LiveEntity) string // the referenced id
	spec   *RefSpec
	t      *invTemplate
	target *Inverter // the referenced set, to rebuild its key
}

// invTemplate splits a value back into the columns of a template.
type invTemplate struct {
	parts []tpart
	cols  []int // column per placeholder, in order
}

// Inverter prepares the reverse of the set. The problems say which
// attributes cannot be inverted and why; their columns are left empty.
func (s *Set) Inverter() (*Inverter, []Problem) {
	inv := &Inverter{set: s, colIdx: map[string]int{}, lat: -1, lon: -1}
	var probs []Problem
	bad := func(at Pos, format string, args ...any) {
		file := ""
		if s.m != nil {
			file = s.m.Path
		}
		probs = append(probs, Problem{File: file, Line: at.Line, Col: at.Col, Set: s.Name,
			Msg: fmt.Sprintf("set %q: ", s.Name) + fmt.Sprintf(format, args...)})
	}
	// Columns in the order the mapping names them: key first.
	for _, t := range inv.templates() {
		for _, ph := range t.Placeholders() {
			if ph.Column != "" {
				inv.column(ph.Column)
			}
		}
	}
	tmpl := func(t *Template, what string) *invTemplate {
		it, why := inv.invertible(t)
		if why != "" {
			bad(t.Pos, "%s %q cannot be exported: %s", what, t.Raw, why)
			return nil
		}
		return it
	}
	written := map[string]bool{} // columns some non-key part fills

	if s.Latitude != nil && !s.Geometry() {
		for i, c := range []*Value{s.Latitude, s.Longitude} {
			ph := c.Template.Placeholders()
			if len(ph) != 1 || ph[0].Column == "" || len(c.Template.parts) != 1 {
				bad(c.Template.Pos, "coordinate %q cannot be exported: it must be exactly one {column}", c.Template.Raw)
				continue
			}
			idx := inv.colIdx[ph[0].Column]
			written[ph[0].Column] = true
			if i == 0 {
				inv.lat = idx
			} else {
				inv.lon = idx
			}
		}
	}
	if s.Match != nil {
		if it := tmpl(s.Match.Value, "match value"); it != nil {
			inv.match = &invMatch{attr: s.Match.Attribute, t: it}
			inv.mark(it, written)
		}
	}
	for _, a := range s.Attributes {
		if a.Value != nil {
			if c, ok := a.Value.Template.Constant(); ok {
				if c == "" {
					continue
				}
				if v, err := a.Value.apply(c); err == nil {
					inv.consts = append(inv.consts, constAttr{name: a.Name, want: formatValue(Attr{v: v}.Values()[0])})
				}
				continue
			}
			if why := invertibleValue(a.Value); why != "" {
				bad(a.Pos, "attribute %s cannot be exported: %s", a.Name, why)
				continue
			}
			if it := tmpl(a.Value.Template, "attribute "+a.Name); it != nil {
				inv.attrs = append(inv.attrs, invAttr{name: a.Name, v: a.Value, t: it})
				inv.mark(it, written)
			}
			continue
		}
		ia := invAttr{name: a.Name}
		for _, f := range a.Fields {
			if _, ok := f.Value.Template.Constant(); ok {
				continue
			}
			if why := invertibleValue(f.Value); why != "" {
				bad(a.Pos, "attribute %s::%s cannot be exported: %s", a.Name, f.Name, why)
				continue
			}
			if it := tmpl(f.Value.Template, "attribute "+a.Name+"::"+f.Name); it != nil {
				ia.fields = append(ia.fields, invField{name: f.Name, v: f.Value, t: it})
				inv.mark(it, written)
			}
		}
		inv.attrs = append(inv.attrs, ia)
	}
	for _, r := range []struct {
		spec *RefSpec
		role string
		get  func(LiveEntity) string
	}{
		{s.Node1, "node_1", func(e LiveEntity) string { return e.Node1 }},
		{s.Node2, "node_2", func(e LiveEntity) string { return e.Node2 }},
		{s.Connection, "connection", func(e LiveEntity) string { return e.Connection }},
	} {
		if r.spec == nil {
			continue
		}
		ir := &invRef{role: r.role, get: r.get, spec: r.spec}
		var t *Template
		if r.spec.Match != nil {
			t = r.spec.Match.Value
		} else {
			t = r.spec.Key
			if s.m != nil {
				if ts := s.m.Set(r.spec.Set); ts != nil && ts != s {
					ir.target, _ = ts.Inverter()
				}
			}
		}
		if t == nil {
			continue
		}
		if ir.t = tmpl(t, r.role); ir.t != nil {
			inv.refs = append(inv.refs, ir)
			inv.mark(ir.t, written)
		}
	}
	if s.Key != nil {
		for _, ph := range s.Key.Placeholders() {
			if ph.Column != "" && !written[ph.Column] {
				bad(s.Key.Pos, "key column %q is not written by any attribute or reference: the key cannot be recovered from an id, so export leaves it empty", ph.Column)
			}
		}
	}
	return inv, probs
}

// templates lists the set's templates in column order.
func (inv *Inverter) templates() []*Template {
	s := inv.set
	var ts []*Template
	add := func(t *Template) {
		if t != nil {
			ts = append(ts, t)
		}
	}
	add(s.Key)
	if s.Match != nil {
		add(s.Match.Value)
	}
	if s.Latitude != nil && !s.Geometry() {
		add(s.Latitude.Template)
		add(s.Longitude.Template)
	}
	for _, r := range []*RefSpec{s.Node1, s.Node2, s.Connection} {
		if r != nil {
			add(r.Key)
			if r.Match != nil {
				add(r.Match.Value)
			}
		}
	}
	for _, a := range s.Attributes {
		if a.Value != nil {
			add(a.Value.Template)
		}
		for _, f := range a.Fields {
			add(f.Value.Template)
		}
	}
	return ts
}

func (inv *Inverter) column(name string) int {
	if i, ok := inv.colIdx[name]; ok {
		return i
	}
	inv.colIdx[name] = len(inv.cols)
	inv.cols = append(inv.cols, name)
	return len(inv.cols) - 1
}

func (inv *Inverter) mark(it *invTemplate, written map[string]bool) {
	for _, c := range it.cols {
		written[inv.cols[c]] = true
	}
}

// invertible checks that a template's placeholders can be told apart in a
// value: named columns, separated by literal text.
func (inv *Inverter) invertible(t *Template) (*invTemplate, string) {
	it := &invTemplate{parts: t.parts}
	prevPH := false
	for _, p := range t.parts {
		if p.ph == nil {
			prevPH = false
			continue
		}
		switch {
		case p.ph.Row:
			return nil, "{_row} is the row number, not a column"
		case p.ph.Index > 0:
			return nil, fmt.Sprintf("{#%d} names a column by position, and export does not know the header", p.ph.Index)
		case prevPH:
			return nil, "two placeholders with no text between them cannot be told apart"
		}
		prevPH = true
		it.cols = append(it.cols, inv.column(p.ph.Column))
	}
	return it, ""
}

// invertibleValue says why a value's map or type cannot be undone.
func invertibleValue(v *Value) string {
	seen := map[string]string{}
	for _, e := range v.Map {
		to := e.To
		if x, err := v.convert(to); err == nil {
			to = formatValue(x)
		}
		if from, dup := seen[to]; dup {
			return fmt.Sprintf("its map is not one-to-one: %q and %q both map to %q", from, e.From, e.To)
		}
		seen[to] = e.From
	}
	return ""
}

// Columns returns the columns of the set's source, in order: for tabular
// sources including the latitude/longitude columns; for geometry sources the
// property columns only. They are the columns the mapping names.
func (inv *Inverter) Columns() []string { return inv.cols }

// Geometry reports whether the set's source is a geometry format: the
// writer then writes a Point (nodes, sections) or a LineString
// (connections) per row.
func (inv *Inverter) Geometry() bool { return inv.set.Geometry() }

// Row returns e's row, aligned with Columns. ok is false when e does not
// belong to the set (another kind, or its constant attributes differ).
// lookup finds a connection's nodes (and a section's connection) so
// reference columns such as "{From}" invert through the referenced set's
// key template; nil lookup leaves them empty.
func (inv *Inverter) Row(e LiveEntity, lookup func(id string) (LiveEntity, bool)) (values []string, ok bool) {
	vals, ok := inv.row(e, lookup)
	return vals, ok
}

func (inv *Inverter) row(e LiveEntity, lookup func(id string) (LiveEntity, bool)) ([]string, bool) {
	if e.Kind != inv.set.Kind {
		return nil, false
	}
	for _, c := range inv.consts {
		if !hasValue(e.Attrs[c.name], c.want) {
			return nil, false
		}
	}
	vals := make([]string, len(inv.cols))
	if inv.match != nil {
		mv := e.Attrs[inv.match.attr]
		if len(mv) == 0 {
			return nil, false
		}
		inv.match.t.fill(formatValue(mv[0]), vals)
	}
	if e.HasLocation {
		if inv.lat >= 0 {
			vals[inv.lat] = formatFloat(e.Lat)
		}
		if inv.lon >= 0 {
			vals[inv.lon] = formatFloat(e.Lon)
		}
	}
	for _, a := range inv.attrs {
		live := e.Attrs[a.name]
		if len(live) == 0 {
			continue
		}
		if a.v != nil {
			parts := make([]string, 0, len(live))
			for _, x := range live {
				if s, ok := a.v.unapply(x); ok {
					parts = append(parts, s)
				}
			}
			if len(parts) > 0 {
				a.t.fill(strings.Join(parts, a.v.Split), vals)
			}
			continue
		}
		obj, _ := live[0].(map[string]any)
		for _, f := range a.fields {
			if x, ok := obj[f.name]; ok {
				if s, ok := f.v.unapply(x); ok {
					f.t.fill(s, vals)
				}
			}
		}
	}
	for _, r := range inv.refs {
		if lookup == nil {
			continue
		}
		target, ok := lookup(r.get(e))
		if !ok {
			continue
		}
		if r.spec.Match != nil {
			if mv := target.Attrs[r.spec.Match.Attribute]; len(mv) > 0 {
				r.t.fill(formatValue(mv[0]), vals)
			}
			continue
		}
		if r.target == nil {
			continue
		}
		if key, ok := r.target.key(target, lookup); ok {
			r.t.fill(key, vals)
		}
	}
	return vals, true
}

// key rebuilds a live entity's natural key from its row.
func (inv *Inverter) key(e LiveEntity, lookup func(id string) (LiveEntity, bool)) (string, bool) {
	k := inv.set.Key
	if k == nil {
		return "", false
	}
	vals, ok := inv.row(e, lookup)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, p := range k.parts {
		if p.ph == nil {
			b.WriteString(p.lit)
			continue
		}
		i, ok := inv.colIdx[p.ph.Column]
		if !ok || vals[i] == "" {
			return "", false
		}
		b.WriteString(vals[i])
	}
	return b.String(), true
}

func hasValue(vals []any, want string) bool {
	for _, v := range vals {
		if formatValue(v) == want {
			return true
		}
	}
	return false
}

// unapply turns a live value back into source text: the inverse of unit,
// type and map.
func (v *Value) unapply(x any) (string, bool) {
	var s string
	if f, ok := x.(float64); ok && v.Unit != "" {
		s = formatLength(f, v.Unit)
	} else {
		s = formatValue(x)
	}
	if len(v.Map) == 0 {
		return s, true
	}
	for _, e := range v.Map {
		to := e.To
		if y, err := v.convert(to); err == nil {
			to = formatValue(y)
		}
		if to == s {
			return e.From, true
		}
	}
	// A value the map does not produce came from default (or from someone
	// else): it has no source text.
	return "", false
}

// fill splits value into the template's columns: each placeholder takes the
// text up to the first occurrence of the literal that follows it.
func (it *invTemplate) fill(value string, vals []string) bool {
	rest := value
	out := make([]string, 0, len(it.cols))
	for i, p := range it.parts {
		if p.ph == nil {
			if !strings.HasPrefix(rest, p.lit) {
				return false
			}
			rest = rest[len(p.lit):]
			continue
		}
		if i+1 < len(it.parts) {
			next := it.parts[i+1].lit
			k := strings.Index(rest, next)
			if i+2 == len(it.parts) {
				// The literal ends the template: it is a suffix.
				k = len(rest) - len(next)
				if !strings.HasSuffix(rest, next) {
					k = -1
				}
			}
			if k < 0 {
				return false
			}
			out = append(out, rest[:k])
			rest = rest[k:]
		} else {
			out = append(out, rest)
			rest = ""
		}
	}
	if rest != "" {
		return false
	}
	for i, c := range it.cols {
		if vals[c] == "" {
			vals[c] = out[i]
		}
	}
	return true
}
