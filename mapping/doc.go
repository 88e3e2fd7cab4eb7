// Package mapping turns kpbulk mapping files (PRODUCT.md sections 2 and 3)
// into entities and back.
//
// A mapping file is YAML. Load parses and checks it, reporting problems as
// `mapping.yaml:line:col: message`:
//
//	m, err := mapping.Load("import.yaml")
//
// Forward (import): Build reads every source through an Opener (formats.Open
// in production; mapping does not import the readers) and returns every
// entity and every problem in one pass:
//
//	res, err := m.Build(ctx, formats.Open)
//	if err != nil { ... }            // cancelled; nothing usable
//	if !res.OK() { ... }             // res.Problems, one per bad value
//	for _, sr := range res.Sets { for _, e := range sr.Entities { ... } }
//
// Sets are built in the order nodes, connections, sections, so node
// references (node_1, node_2, endpoints) and section connection references
// resolve to ids within the import. References written with `match` are left
// for the importer to resolve against the live job (Ref.Match).
//
// Ids (section 3) are a compatibility promise pinned by golden tests:
// EntityID(namespace, kind, set, key) and InstanceID(namespace, entityID,
// attr, index). Every id begins with Fingerprint(namespace), so Owns tells
// kpbulk's own entities apart without any marker attribute.
//
// Other helpers: Parse (Load from bytes), Set.ReaderOptions (the reader
// settings a set gives its source), ValidID (the API's id rules), and Schema
// (the embedded JSON Schema of the mapping file, schema.json).
//
// Reverse (export): Set.Inverter returns an Inverter that selects the live
// entities belonging to the set (its constants) and turns each into a row of
// the set's source columns, plus the problems that keep some attributes from
// inverting.
package mapping
