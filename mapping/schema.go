package mapping

import _ "embed"

// Schema is the JSON Schema of the mapping file (draft-07), for editors:
// add `# yaml-language-server: $schema=<path to schema.json>` at the top of
// a mapping. schema_test.go keeps it in step with the parser.
//
//go:embed schema.json
var Schema []byte
