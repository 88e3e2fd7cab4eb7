package mapping

import (
	"iter"
	"sort"
)

// Kind is the kind of entity a set makes.
type Kind string

// The entity kinds, as the mapping file's top-level keys name them.
const (
	Node       Kind = "node"
	Connection Kind = "connection"
	Section    Kind = "section"
)

// Mapping is a parsed, checked mapping file.
type Mapping struct {
	Path        string // the mapping file as given to Load
	Dir         string // its directory: source paths are relative to it
	Version     int
	Namespace   string
	Job         *JobSpec // nil when the file has no job block
	Nodes       []*Set
	Connections []*Set
	Sections    []*Set
}

// JobSpec is the mapping's `job:` block, used when --job is not given.
type JobSpec struct {
	Name     string
	Model    string
	Metadata map[string]any
}

// Pos is a 1-based line and column in the mapping file.
type Pos struct{ Line, Col int }

// Set is one entity set: a source and how its rows become entities.
type Set struct {
	Kind   Kind
	Name   string
	Source string // as written in the mapping
	Path   string // Source resolved against the mapping's directory
	Sheet  string // xlsx sheet ("" = first)

	// Reader options.
	HeaderRow int
	Delimiter rune
	Encoding  string
	CRS       string

	// Key is the natural key template; nil for match sets (and for
	// midpoint sections without a key, whose key is their connection's).
	Key *Template
	// Match makes this an enrichment set: rows update the live entities
	// whose attribute equals the value; no entity is created.
	Match *MatchSpec

	// Latitude and Longitude locate nodes and sections from tabular sources;
	// nil for geometry sources (their Point is the location).
	Latitude, Longitude *Value

	Attributes []*Attribute // in mapping order

	// Connections: endpoints by reference (Node1, Node2) or, for line
	// geometry, by snapping the line's ends to nodes (Endpoints).
	Node1, Node2 *RefSpec
	Endpoints    *Endpoints

	// Sections: the connection they belong to, and whether they sit at
	// their connection's midpoint (no coordinates in the source).
	Connection *RefSpec
	Midpoint   bool

	Pos Pos // the set's position in the mapping file

	m *Mapping // the mapping the set belongs to (namespace, other sets)
}

// Geometry reports whether the set's source is a geometry format (GeoJSON,
// Shapefile) whose rows carry a geometry.
func (s *Set) Geometry() bool { return isGeometrySource(s.Source) }

// Attribute is one mapped attribute: a value, or fields of an object value.
type Attribute struct {
	Name   string
	Value  *Value   // nil when Fields is set
	Fields []*Field // object-valued attribute, in mapping order
	Pos    Pos
}

// Field is one field of an object-valued attribute.
type Field struct {
	Name  string
	Value *Value
}

// ValueType is the JSON type a value is written as.
type ValueType string

// Value types (the object form's `type`).
const (
	String  ValueType = "string"
	Number  ValueType = "number"
	Integer ValueType = "integer"
	Boolean ValueType = "boolean"
)

// Unit is a length unit a source value is given in (`unit`). Values with a
// unit are converted to decimal feet, the unit Katapult stores heights and
// lengths in, and written as numbers.
type Unit string

// Units.
const (
	Feet       Unit = "ft"
	Metres     Unit = "m"
	Inches     Unit = "in"
	FeetInches Unit = "ft-in" // 35-6, 35' 6", 35'6
)

// Value is a template with the object form's rules. A plain string in the
// mapping is a Value with only Template set (type string, empty: skip).
type Value struct {
	Template *Template
	Type     ValueType
	Map      []MapEntry // lookup table, in mapping order
	Default  *string    // used for empty and unmapped values
	Required bool
	Empty    EmptyMode
	Unit     Unit
	Split    string // separator: one cell → several instances
	Pos      Pos

	mapIndex map[string]string
}

// MapEntry is one `map` entry: source text → written text.
type MapEntry struct{ From, To string }

// EmptyMode says what an empty value does.
type EmptyMode string

// Empty modes.
const (
	EmptySkip  EmptyMode = "skip"  // do not write the attribute (default)
	EmptyWrite EmptyMode = "write" // write the empty string (type string only)
)

// MatchSpec selects live entities by attribute value.
type MatchSpec struct {
	Attribute string
	Value     *Template
	Pos       Pos
}

// RefSpec refers to an entity of another set: by key within the import, or
// by match against the live job.
type RefSpec struct {
	Set   string
	Key   *Template // nil when Match is set
	Match *MatchSpec
	Pos   Pos
}

// Endpoints joins each end of a line geometry to the nearest node of Set
// within SnapM metres.
type Endpoints struct {
	Set   string
	SnapM float64
	Pos   Pos
}

// Sets returns every set: nodes, then connections, then sections.
func (m *Mapping) Sets() []*Set {
	out := make([]*Set, 0, len(m.Nodes)+len(m.Connections)+len(m.Sections))
	out = append(out, m.Nodes...)
	out = append(out, m.Connections...)
	return append(out, m.Sections...)
}

// Set returns the set named name, or nil.
func (m *Mapping) Set(name string) *Set {
	for _, s := range m.Sets() {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Entity is one desired entity built from a source row.
type Entity struct {
	Kind Kind
	Set  string
	Key  string // natural key; empty for match sets
	ID   string // EntityID(namespace, Kind, Set, Key); empty for match sets
	// Match, for enrichment sets: the live entities whose Attribute equals
	// Value are updated.
	Match *Match
	// Location is nil when the set has none (midpoint sections,
	// connections, match sets without coordinates).
	Location *LatLon
	Attrs    Attrs // in mapping order
	// Connections: their nodes. Sections: their connection.
	Node1, Node2 *Ref
	Connection   *Ref
	// Midpoint: the section sits at its connection's midpoint, computed by
	// the importer from the two nodes.
	Midpoint bool
	Source   Loc
}

// LatLon is a WGS84 position.
type LatLon struct{ Lat, Lon float64 }

// Attrs is an entity's attributes, in mapping order. The names are the
// set's, shared by all its entities; an entity holds only its values, 16
// bytes an attribute, which is most of what an import keeps in memory per
// row until it is planned.
type Attrs struct {
	names []string // shared: read, never modify
	vals  []any    // aligned with names; see Attr.v
}

// MakeAttrs returns these attributes as an entity's Attrs.
func MakeAttrs(attrs ...Attr) Attrs {
	as := Attrs{names: make([]string, len(attrs)), vals: make([]any, len(attrs))}
	for i, a := range attrs {
		as.names[i], as.vals[i] = a.Name, a.v
	}
	return as
}

// Len is the number of attributes.
func (as Attrs) Len() int { return len(as.vals) }

// At returns attribute i.
func (as Attrs) At(i int) Attr { return Attr{Name: as.names[i], v: as.vals[i]} }

// All yields the attributes in order.
func (as Attrs) All() iter.Seq[Attr] {
	return func(yield func(Attr) bool) {
		for i := range as.vals {
			if !yield(as.At(i)) {
				return
			}
		}
	}
}

// Attr is one attribute's desired instances: none when its value was empty
// under `empty: skip` (the importer then removes only the instances it wrote
// earlier and leaves others' alone), several from `split`, otherwise one.
// Instance i has id InstanceID(namespace, entity id, Name, i).
//
// The value is held inline, not in a slice, for the memory reason Attrs
// gives.
type Attr struct {
	Name string
	// v is nil (skipped), a multi (split), or the one value: string,
	// float64, int64, bool, or map[string]any for object-valued attributes.
	v any
}

// multi is the values of a split attribute. A type of its own so that no
// value a mapping produces can be mistaken for it.
type multi []any

// NewAttr returns the attribute with these values, in instance order; with
// none it is skipped.
func NewAttr(name string, values ...any) Attr {
	switch len(values) {
	case 0:
		return Attr{Name: name}
	case 1:
		return Attr{Name: name, v: values[0]}
	}
	return Attr{Name: name, v: multi(values)}
}

// Values returns the values in instance order (none when skipped). A
// split attribute's slice may be shared with other entities of its set
// (a constant): read it, never modify it.
func (a Attr) Values() []any {
	switch v := a.v.(type) {
	case nil:
		return nil
	case multi:
		return v[:len(v):len(v)] // an append by the caller copies
	}
	return []any{a.v}
}

// Skip reports an attribute with no values (see Attr).
func (a Attr) Skip() bool { return a.v == nil }

// Match is a live lookup: entities whose Attribute equals Value.
type Match struct{ Attribute, Value string }

// Ref points at another entity: ID when it is resolved within the import,
// or Match for a live lookup by the importer.
type Ref struct {
	Set   string
	Key   string
	ID    string
	Match *Match
}

// Loc locates a source row.
type Loc struct {
	File  string // source path as written in the mapping
	Sheet string
	Row   int
}

// Result is the outcome of Build.
type Result struct {
	Sets     []*SetResult // in Mapping.Sets order
	Problems []Problem    // every problem, mapping-file ones first
	// Notes are the readers' notes (rows.Describer), prefixed with the
	// source path.
	Notes []string
}

// OK reports whether Build found no problems.
func (r *Result) OK() bool { return len(r.Problems) == 0 }

// Entities returns the number of entities over all sets.
func (r *Result) Entities() int {
	n := 0
	for _, s := range r.Sets {
		n += len(s.Entities)
	}
	return n
}

// SetResult is one set's entities and rejected rows.
type SetResult struct {
	Set      *Set
	Columns  []string // the source header
	Entities []*Entity
	Rows     int // rows read
	Errors   int // problems in this set
	// Rejects are the invalid rows (for --skip-invalid): original values and
	// the error texts.
	Rejects []Reject
}

// Reject is a source row that could not become an entity.
type Reject struct {
	Source  Loc
	Columns []string // shared with SetResult.Columns
	Values  []string
	Errors  []string
}

// LiveEntity is an entity of the live job, as export sees it.
type LiveEntity struct {
	Kind        Kind
	ID          string
	Lat, Lon    float64
	HasLocation bool
	// Attrs holds each attribute's instance values in a stable order (sorted
	// by instance id).
	Attrs                    map[string][]any
	Node1, Node2, Connection string // ids
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
