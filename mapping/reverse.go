package mapping

import "errors"

// Inverter turns live entities back into rows of a set's source (export
// with a mapping).
type Inverter struct {
	set *Set
}

// Inverter prepares the reverse of the set. The problems say which
// attributes cannot be inverted and why; those columns are written empty.
func (s *Set) Inverter() (*Inverter, []Problem) {
	return &Inverter{set: s}, []Problem{{Msg: errors.New("not implemented").Error()}}
}

// Columns returns the columns of the set's source, in order: for tabular
// sources including the latitude/longitude columns; for geometry sources the
// property columns only.
func (inv *Inverter) Columns() []string { return nil }

// Geometry reports whether the set's source is a geometry format: the
// writer then writes a Point (nodes, sections) or a LineString
// (connections) per row.
func (inv *Inverter) Geometry() bool { return inv.set.Geometry() }

// Row returns e's row. ok is false when e does not belong to the set (its
// constant attributes differ, or its kind is not the set's). lookup finds a
// connection's nodes (and a section's connection) so "{From}" columns invert
// through the referenced set's key template.
func (inv *Inverter) Row(e LiveEntity, lookup func(id string) (LiveEntity, bool)) (values []string, ok bool) {
	return nil, false
}
