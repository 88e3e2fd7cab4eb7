package mapping

import (
	"errors"
	"path/filepath"
	"strings"
)

// Load reads and checks a mapping file. A mapping with problems returns a
// *LoadError listing every one as `file:line:col: message`.
func Load(path string) (*Mapping, error) {
	return nil, errors.New("mapping: Load not implemented yet")
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
