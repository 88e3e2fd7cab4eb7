package mapping

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The keys the parser accepts, per object. schema_test.go checks that
// schema.json lists exactly these.
var (
	topKeys       = []string{"version", "namespace", "job", "nodes", "connections", "sections"}
	jobKeys       = []string{"name", "model", "metadata"}
	commonSetKeys = []string{"name", "source", "sheet", "header_row", "delimiter", "encoding", "crs", "key", "match", "attributes"}
	setKeys       = map[Kind][]string{
		Node:       append(append([]string{}, commonSetKeys...), "latitude", "longitude"),
		Connection: append(append([]string{}, commonSetKeys...), "node_1", "node_2", "endpoints"),
		Section:    append(append([]string{}, commonSetKeys...), "connection", "latitude", "longitude", "midpoint"),
	}
	valueKeys     = []string{"value", "type", "map", "default", "required", "empty", "unit", "split"}
	attributeKeys = append(append([]string{}, valueKeys...), "fields")
	refKeys       = []string{"set", "key", "match"}
	matchKeys     = []string{"attribute", "value"}
	endpointKeys  = []string{"set", "snap_m"}
)

var (
	namespaceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	crsRE       = regexp.MustCompile(`^(?i)EPSG:\d+$`)
)

// Load reads and checks a mapping file. A mapping with problems returns a
// *LoadError listing every one as `file:line:col: message`.
func Load(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse checks a mapping file's contents; path names it in problems and
// anchors relative source paths.
func Parse(path string, data []byte) (*Mapping, error) {
	p := &parser{file: path}
	m := p.parse(data)
	if len(p.probs) > 0 {
		sort.SliceStable(p.probs, func(i, j int) bool {
			a, b := p.probs[i], p.probs[j]
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		return nil, &LoadError{Problems: p.probs}
	}
	return m, nil
}

type parser struct {
	file  string
	probs []Problem
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	pr := Problem{File: p.file, Msg: fmt.Sprintf(format, args...), Line: 1, Col: 1}
	if n != nil && n.Line > 0 {
		pr.Line, pr.Col = n.Line, n.Column
	}
	p.probs = append(p.probs, pr)
}

func pos(n *yaml.Node) Pos { return Pos{n.Line, n.Column} }

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *parser) parse(data []byte) *Mapping {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		msg := err.Error()
		line := 1
		if sm := yamlLineRE.FindStringSubmatch(msg); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			msg = sm[2]
		}
		if msg == "EOF" {
			msg = "the file is empty"
		}
		p.probs = append(p.probs, Problem{File: p.file, Line: line, Col: 1, Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")})
		return nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	m := &Mapping{Path: p.file, Dir: filepath.Dir(p.file)}
	fields := p.object(root, "the mapping file", topKeys)
	if fields == nil {
		return m
	}
	if n := fields["version"]; n == nil {
		p.errorf(root, "missing key version (write version: 1)")
	} else if v, ok := p.integer(n, "version"); ok {
		if v != 1 {
			p.errorf(n, "unsupported version %d: this kpbulk reads version 1", v)
		}
		m.Version = int(v)
	}
	if n := fields["namespace"]; n == nil {
		p.errorf(root, "missing key namespace: it seeds every entity id, e.g. namespace: acme-make-ready-2026")
	} else if s, ok := p.str(n, "namespace"); ok {
		if !namespaceRE.MatchString(s) {
			p.errorf(n, "namespace %q: use 1 to 100 of A-Z a-z 0-9 . _ - starting with a letter or digit", s)
		}
		m.Namespace = s
	}
	if n := fields["job"]; n != nil {
		m.Job = p.job(n)
	}
	for _, k := range []struct {
		key  string
		kind Kind
		dst  *[]*Set
	}{{"nodes", Node, &m.Nodes}, {"connections", Connection, &m.Connections}, {"sections", Section, &m.Sections}} {
		n := fields[k.key]
		if n == nil {
			continue
		}
		if n.Kind != yaml.SequenceNode {
			p.errorf(n, "%s must be a list of entity sets (each item starts with - name: ...)", k.key)
			continue
		}
		for _, item := range n.Content {
			if s := p.set(item, k.kind, m); s != nil {
				*k.dst = append(*k.dst, s)
			}
		}
	}
	if len(m.Sets()) == 0 && len(p.probs) == 0 {
		p.errorf(root, "the mapping has no entity sets: add nodes, connections or sections")
	}
	p.crossCheck(m)
	return m
}

// object checks that n is a mapping with only allowed keys and returns its
// values by key.
func (p *parser) object(n *yaml.Node, what string, allowed []string) map[string]*yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping of keys to values, not %s", what, describe(n))
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		name := k.Value
		if !contains(allowed, name) {
			msg := fmt.Sprintf("unknown key %q in %s", name, what)
			if s := suggest(name, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += "; expected one of: " + strings.Join(allowed, ", ")
			}
			p.errorf(k, "%s", msg)
			continue
		}
		if _, dup := out[name]; dup {
			p.errorf(k, "key %q appears twice in %s", name, what)
			continue
		}
		out[name] = v
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "this"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be text, not %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

func (p *parser) nonEmpty(n *yaml.Node, what string) (string, bool) {
	s, ok := p.str(n, what)
	if ok && s == "" {
		p.errorf(n, "%s must not be empty", what)
		return "", false
	}
	return s, ok
}

func (p *parser) integer(n *yaml.Node, what string) (int64, bool) {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64); err == nil {
			return v, true
		}
	}
	p.errorf(n, "%s must be a whole number, not %s", what, describe(n))
	return 0, false
}

func (p *parser) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	p.errorf(n, "%s must be true or false, not %s", what, describe(n))
	return false, false
}

func (p *parser) template(n *yaml.Node, what string) *Template {
	s, ok := p.str(n, what)
	if !ok {
		return nil
	}
	t, err := ParseTemplate(s)
	if err != nil {
		te := err.(*TemplateError)
		p.errorf(n, "%s %q: %s", what, s, te.Msg)
		return nil
	}
	t.Pos = pos(n)
	return t
}

func (p *parser) job(n *yaml.Node) *JobSpec {
	f := p.object(n, "job", jobKeys)
	if f == nil {
		return nil
	}
	j := &JobSpec{}
	if v := f["name"]; v == nil {
		p.errorf(n, "job needs a name: the job is found by exact name among active jobs, or created")
	} else {
		j.Name, _ = p.nonEmpty(v, "job name")
	}
	if v := f["model"]; v != nil {
		j.Model, _ = p.nonEmpty(v, "job model")
	}
	if v := f["metadata"]; v != nil {
		if v.Kind != yaml.MappingNode {
			p.errorf(v, "job metadata must be a mapping of keys to values, not %s", describe(v))
		} else if err := v.Decode(&j.Metadata); err != nil {
			p.errorf(v, "job metadata: %v", err)
		}
	}
	return j
}

var sourceExts = []string{".csv", ".tsv", ".txt", ".xlsx", ".geojson", ".json", ".shp", ".zip"}

func (p *parser) set(n *yaml.Node, kind Kind, m *Mapping) *Set {
	what := fmt.Sprintf("a %s set", kind)
	n = resolve(n)
	f := p.object(n, what, setKeys[kind])
	if f == nil {
		return nil
	}
	s := &Set{Kind: kind, Pos: pos(n), m: m}
	if v := f["name"]; v == nil {
		p.errorf(n, "%s needs a name", what)
	} else if name, ok := p.nonEmpty(v, "the set name"); ok {
		s.Name = name
		what = fmt.Sprintf("%s set %q", kind, name)
	}
	if v := f["source"]; v == nil {
		p.errorf(n, "%s needs a source file", what)
	} else if src, ok := p.nonEmpty(v, "source"); ok {
		s.Source = src
		s.Path = src
		if !filepath.IsAbs(src) {
			s.Path = filepath.Join(m.Dir, src)
		}
		if !contains(sourceExts, strings.ToLower(filepath.Ext(src))) {
			p.errorf(v, "source %q: unknown file type; kpbulk reads %s", src, strings.Join(sourceExts, " "))
		}
	}
	ext := strings.ToLower(filepath.Ext(s.Source))
	if v := f["sheet"]; v != nil {
		s.Sheet, _ = p.nonEmpty(v, "sheet")
		if ext != ".xlsx" && ext != ".zip" && s.Source != "" {
			p.errorf(v, "sheet applies to .xlsx sources (and to the layer of a .zip with several shapefiles) only")
		}
	}
	if v := f["header_row"]; v != nil {
		if h, ok := p.integer(v, "header_row"); ok {
			if h < 1 {
				p.errorf(v, "header_row must be 1 or more")
			}
			s.HeaderRow = int(h)
		}
		if s.Geometry() {
			p.errorf(v, "header_row applies to CSV and XLSX sources only")
		}
	}
	if v := f["delimiter"]; v != nil {
		if d, ok := p.str(v, "delimiter"); ok {
			switch d {
			case "tab", `\t`, "\t":
				s.Delimiter = '\t'
			default:
				r := []rune(d)
				if len(r) != 1 || r[0] == '"' || r[0] == '\n' || r[0] == '\r' {
					p.errorf(v, "delimiter must be one character (or tab), not %q", d)
				} else {
					s.Delimiter = r[0]
				}
			}
		}
		if !isTextSource(s.Source) {
			p.errorf(v, "delimiter applies to CSV sources only")
		}
	}
	if v := f["encoding"]; v != nil {
		s.Encoding, _ = p.nonEmpty(v, "encoding")
	}
	if v := f["crs"]; v != nil {
		if c, ok := p.nonEmpty(v, "crs"); ok {
			if !crsRE.MatchString(c) {
				p.errorf(v, "crs %q: write it as EPSG:NNNN", c)
			}
			s.CRS = c
		}
		if !s.Geometry() && s.Source != "" {
			p.errorf(v, "crs applies to geometry sources (GeoJSON, Shapefile) only")
		}
	}
	if v := f["key"]; v != nil {
		s.Key = p.template(v, "key")
		if s.Key != nil {
			if _, c := s.Key.Constant(); c {
				p.errorf(v, "key %q has no {column}: every row would get the same key", s.Key.Raw)
			}
		}
	}
	if v := f["match"]; v != nil {
		s.Match = p.match(v)
		if f["key"] != nil {
			p.errorf(v, "a set has either key (create and update) or match (update existing entities), not both")
		}
	}
	if f["key"] == nil && f["match"] == nil {
		if kind == Section && f["midpoint"] != nil {
			// A midpoint section's key defaults to its connection's.
		} else {
			p.errorf(n, "%s needs a key (a template unique within the set, e.g. key: \"{Pole Tag}\") or a match", what)
		}
	}
	if v := f["attributes"]; v != nil {
		s.Attributes = p.attributes(v)
	}

	switch kind {
	case Node, Section:
		lat, lon := f["latitude"], f["longitude"]
		if lat != nil {
			s.Latitude = p.value(lat, "latitude", false, Number)
		}
		if lon != nil {
			s.Longitude = p.value(lon, "longitude", false, Number)
		}
		for _, c := range []*Value{s.Latitude, s.Longitude} {
			if c != nil && (c.Type != Number || c.Unit != "" || c.Split != "" || len(c.Map) > 0) {
				p.probs = append(p.probs, Problem{File: p.file, Line: c.Pos.Line, Col: c.Pos.Col,
					Msg: "coordinates are decimal degrees: drop type, unit, split and map"})
			}
		}
		if (lat == nil) != (lon == nil) {
			p.errorf(n, "%s: give both latitude and longitude", what)
		}
		if v := f["midpoint"]; v != nil {
			s.Midpoint, _ = p.boolean(v, "midpoint")
			if s.Midpoint && lat != nil {
				p.errorf(v, "midpoint: true sections are placed at their connection's midpoint: remove latitude and longitude")
			}
			if s.Midpoint && s.Geometry() {
				p.errorf(v, "midpoint: true needs a tabular source; a geometry source locates sections by their Point")
			}
		}
		if s.Source != "" && !s.Geometry() && lat == nil && s.Match == nil && !s.Midpoint {
			if kind == Node {
				p.errorf(n, "%s reads a table: give latitude and longitude columns, e.g. latitude: \"{Latitude}\"", what)
			} else {
				p.errorf(n, "%s reads a table: give latitude and longitude columns, or midpoint: true", what)
			}
		}
		if s.Geometry() && lat != nil {
			p.errorf(lat, "a geometry source locates entities by its Point geometry: remove latitude and longitude")
		}
		if kind == Section {
			if v := f["connection"]; v == nil {
				p.errorf(n, "%s needs a connection, e.g. connection: {set: spans, key: \"{From}->{To}\"}", what)
			} else {
				s.Connection = p.ref(v, "connection")
			}
		}
	case Connection:
		n1, n2, ep := f["node_1"], f["node_2"], f["endpoints"]
		if n1 != nil {
			s.Node1 = p.ref(n1, "node_1")
		}
		if n2 != nil {
			s.Node2 = p.ref(n2, "node_2")
		}
		if ep != nil {
			s.Endpoints = p.endpoints(ep)
			if n1 != nil || n2 != nil {
				p.errorf(ep, "a connection set has either node_1 and node_2, or endpoints, not both")
			}
			if !s.Geometry() && s.Source != "" {
				p.errorf(ep, "endpoints needs a line geometry source (GeoJSON or Shapefile); tables give node_1 and node_2")
			}
		} else if n1 == nil || n2 == nil {
			if s.Match == nil {
				p.errorf(n, "%s needs node_1 and node_2 (or endpoints for line geometry)", what)
			}
		}
	}
	return s
}

func isTextSource(src string) bool {
	switch strings.ToLower(filepath.Ext(src)) {
	case ".csv", ".tsv", ".txt":
		return true
	}
	return false
}

func (p *parser) match(n *yaml.Node) *MatchSpec {
	f := p.object(n, "match", matchKeys)
	if f == nil {
		return nil
	}
	ms := &MatchSpec{Pos: pos(n)}
	if v := f["attribute"]; v == nil {
		p.errorf(n, "match needs an attribute (the live attribute to compare)")
	} else {
		ms.Attribute, _ = p.nonEmpty(v, "match attribute")
	}
	if v := f["value"]; v == nil {
		p.errorf(n, "match needs a value template, e.g. value: \"{Pole #}\"")
	} else {
		ms.Value = p.template(v, "match value")
	}
	return ms
}

func (p *parser) ref(n *yaml.Node, what string) *RefSpec {
	f := p.object(n, what, refKeys)
	if f == nil {
		return nil
	}
	r := &RefSpec{Pos: pos(n)}
	if v := f["set"]; v != nil {
		r.Set, _ = p.nonEmpty(v, what+" set")
	}
	if v := f["key"]; v != nil {
		r.Key = p.template(v, what+" key")
	}
	if v := f["match"]; v != nil {
		r.Match = p.match(v)
	}
	switch {
	case r.Key != nil && r.Match != nil:
		p.errorf(n, "%s has either key or match, not both", what)
	case f["key"] == nil && f["match"] == nil:
		p.errorf(n, "%s needs key (an entity of this import) or match (an existing entity)", what)
	case f["key"] != nil && r.Set == "":
		p.errorf(n, "%s needs the set its key belongs to, e.g. {set: poles, key: \"{From}\"}", what)
	}
	return r
}

func (p *parser) endpoints(n *yaml.Node) *Endpoints {
	f := p.object(n, "endpoints", endpointKeys)
	if f == nil {
		return nil
	}
	e := &Endpoints{Pos: pos(n)}
	if v := f["set"]; v == nil {
		p.errorf(n, "endpoints needs the node set to snap to, e.g. {set: poles, snap_m: 3}")
	} else {
		e.Set, _ = p.nonEmpty(v, "endpoints set")
	}
	if v := f["snap_m"]; v == nil {
		p.errorf(n, "endpoints needs snap_m: the largest distance in metres from a line end to its node")
	} else {
		d, err := strconv.ParseFloat(v.Value, 64)
		if v.Kind != yaml.ScalarNode || err != nil || !(d > 0) || d > 10000 {
			p.errorf(v, "snap_m must be a distance in metres above 0 (at most 10000), not %s", describe(v))
		}
		e.SnapM = d
	}
	return e
}

func (p *parser) attributes(n *yaml.Node) []*Attribute {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "attributes must be a mapping of attribute names to values, not %s", describe(n))
		return nil
	}
	var out []*Attribute
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if k.Value == "" {
			p.errorf(k, "attribute names must not be empty")
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "attribute %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		a := &Attribute{Name: k.Value, Pos: pos(k)}
		if v.Kind == yaml.MappingNode && hasKey(v, "fields") {
			a.Fields = p.fields(v, k.Value)
		} else {
			a.Value = p.value(v, "attribute "+strconv.Quote(k.Value), true, String)
			if a.Value == nil {
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func (p *parser) fields(n *yaml.Node, attr string) []*Field {
	f := p.object(n, "attribute "+strconv.Quote(attr), attributeKeys)
	if f == nil {
		return nil
	}
	for k := range f {
		if k != "fields" {
			p.errorf(n, "attribute %q: fields cannot be combined with %s (give them per field)", attr, k)
		}
	}
	fn := f["fields"]
	if fn.Kind != yaml.MappingNode || len(fn.Content) == 0 {
		p.errorf(fn, "fields must map field names to values, e.g. fields: {pole_class: \"{Class}\"}")
		return nil
	}
	var out []*Field
	seen := map[string]bool{}
	for i := 0; i+1 < len(fn.Content); i += 2 {
		k, v := fn.Content[i], resolve(fn.Content[i+1])
		if seen[k.Value] {
			p.errorf(k, "field %q appears twice", k.Value)
			continue
		}
		seen[k.Value] = true
		val := p.value(v, fmt.Sprintf("field %q of %q", k.Value, attr), true, String)
		if val == nil {
			continue
		}
		if val.Split != "" {
			p.errorf(v, "split is not allowed inside fields: an object attribute has one value per field")
		}
		out = append(out, &Field{Name: k.Value, Value: val})
	}
	return out
}

// value parses a plain template or the object form. typed says whether a
// plain YAML number or boolean makes a typed constant.
func (p *parser) value(n *yaml.Node, what string, typed bool, defType ValueType) *Value {
	v := &Value{Pos: pos(n), Empty: EmptySkip}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			p.errorf(n, "%s has no value", what)
			return nil
		}
		v.Template = p.template(n, what)
		if typed && n.Style == 0 {
			switch n.Tag {
			case "!!bool":
				v.Type = Boolean
			case "!!int":
				v.Type = Integer
			case "!!float":
				v.Type = Number
			}
		}
	case yaml.MappingNode:
		f := p.object(n, what, valueKeys)
		if f == nil {
			return nil
		}
		if t := f["value"]; t == nil {
			p.errorf(n, "%s needs a value template, e.g. value: \"{Height}\"", what)
		} else {
			v.Template = p.template(t, what+" value")
		}
		if t := f["type"]; t != nil {
			if s, ok := p.str(t, "type"); ok {
				switch ValueType(s) {
				case String, Number, Integer, Boolean:
					v.Type = ValueType(s)
				default:
					p.errorf(t, "type %q: expected string, number, integer or boolean", s)
				}
			}
		}
		if u := f["unit"]; u != nil {
			if s, ok := p.str(u, "unit"); ok {
				switch Unit(s) {
				case Feet, Metres, Inches, FeetInches:
					v.Unit = Unit(s)
				default:
					p.errorf(u, "unit %q: expected ft, m, in or ft-in", s)
				}
			}
			if v.Type != "" && v.Type != Number {
				p.errorf(u, "a value with a unit is converted to decimal feet: its type is number, not %s", v.Type)
			}
			v.Type = Number
		}
		if t := f["map"]; t != nil {
			p.lookup(t, v)
		}
		if t := f["default"]; t != nil {
			if s, ok := p.str(t, "default"); ok {
				v.Default = &s
			}
		}
		if t := f["required"]; t != nil {
			v.Required, _ = p.boolean(t, "required")
		}
		if t := f["empty"]; t != nil {
			if s, ok := p.str(t, "empty"); ok {
				switch EmptyMode(s) {
				case EmptySkip, EmptyWrite:
					v.Empty = EmptyMode(s)
				default:
					p.errorf(t, "empty %q: expected skip (do not write the attribute) or write (write empty text)", s)
				}
			}
		}
		if t := f["split"]; t != nil {
			if s, ok := p.str(t, "split"); ok {
				if s == "" {
					p.errorf(t, "split needs a separator, e.g. split: \",\"")
				}
				v.Split = s
			}
		}
	default:
		p.errorf(n, "%s must be text (a template or constant) or a mapping with value:, not %s", what, describe(n))
		return nil
	}
	if v.Type == "" {
		v.Type = defType
	}
	if v.Empty == EmptyWrite && v.Type != String {
		p.errorf(n, "%s: empty: write writes empty text, so the type must be string", what)
	}
	// Constants, map targets and defaults must convert to the type now, so a
	// typo fails validation instead of every row.
	check := func(s, role string) {
		if _, err := v.convert(s); err != nil {
			p.errorf(n, "%s: %s %q: %v", what, role, s, err)
		}
	}
	if v.Template != nil {
		if c, ok := v.Template.Constant(); ok && c != "" && v.mapIndex == nil {
			check(c, "constant")
		}
	}
	for _, e := range v.Map {
		check(e.To, "map value")
	}
	if v.Default != nil {
		check(*v.Default, "default")
	}
	return v
}

func (p *parser) lookup(n *yaml.Node, v *Value) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "map must be a mapping of source values to written values, not %s", describe(n))
		return
	}
	v.mapIndex = make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, t := n.Content[i], resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || t.Kind != yaml.ScalarNode || t.Tag == "!!null" {
			p.errorf(k, "map entries map text to text (quote both sides)")
			continue
		}
		from := k.Value
		if k.Tag == "!!null" {
			from = ""
		}
		if _, dup := v.mapIndex[from]; dup {
			p.errorf(k, "map key %q appears twice", from)
			continue
		}
		v.mapIndex[from] = t.Value
		v.Map = append(v.Map, MapEntry{From: from, To: t.Value})
	}
}

// crossCheck resolves set references by name once every set is parsed.
func (p *parser) crossCheck(m *Mapping) {
	byName := map[string]*Set{}
	for _, s := range m.Sets() {
		if s.Name == "" {
			continue
		}
		if prev, dup := byName[s.Name]; dup {
			p.probs = append(p.probs, Problem{File: p.file, Line: s.Pos.Line, Col: s.Pos.Col,
				Msg: fmt.Sprintf("set name %q is already used by the %s set at line %d: set names are unique in a mapping", s.Name, prev.Kind, prev.Pos.Line)})
			continue
		}
		byName[s.Name] = s
	}
	names := sortedKeys(byName)
	check := func(set string, at Pos, role string, want Kind, byKey bool) {
		if set == "" {
			return
		}
		t, ok := byName[set]
		pr := Problem{File: p.file, Line: at.Line, Col: at.Col}
		switch {
		case !ok:
			pr.Msg = fmt.Sprintf("%s: unknown entity set %q", role, set)
			if s := suggest(set, names); s != "" {
				pr.Msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				pr.Msg += "; the sets are: " + strings.Join(names, ", ")
			}
		case t.Kind != want:
			pr.Msg = fmt.Sprintf("%s: set %q makes %ss, not %ss", role, set, t.Kind, want)
		case byKey && t.Key == nil:
			pr.Msg = fmt.Sprintf("%s: set %q is a match set (it has no keys); refer to existing entities with match instead", role, set)
		default:
			return
		}
		p.probs = append(p.probs, pr)
	}
	for _, s := range m.Sets() {
		for _, r := range []struct {
			ref  *RefSpec
			role string
			want Kind
		}{{s.Node1, "node_1", Node}, {s.Node2, "node_2", Node}, {s.Connection, "connection", Connection}} {
			if r.ref != nil && r.ref.Set != "" {
				check(r.ref.Set, r.ref.Pos, r.role, r.want, r.ref.Key != nil)
			}
		}
		if s.Endpoints != nil {
			check(s.Endpoints.Set, s.Endpoints.Pos, "endpoints", Node, true)
		}
		if s.Kind == Section && s.Key == nil && s.Match == nil && s.Connection != nil && s.Connection.Key == nil && s.Midpoint {
			p.probs = append(p.probs, Problem{File: p.file, Line: s.Pos.Line, Col: s.Pos.Col,
				Msg: fmt.Sprintf("section set %q: a midpoint set without key takes its connection's key, so its connection needs a key", s.Name)})
		}
	}
}

// suggest returns the candidate closest to s when it is a plausible typo
// (at most two edits, and fewer than half the word).
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if d < bestD && 2*d < len(c) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and adjacent transpositions ("kye" → "key").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// isGeometrySource reports whether the source's extension is a geometry
// format.
func isGeometrySource(src string) bool {
	switch strings.ToLower(filepath.Ext(src)) {
	case ".geojson", ".json", ".shp", ".zip":
		return true
	}
	return false
}
