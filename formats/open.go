// Package formats opens any source kpbulk reads, choosing the reader by the
// file's extension.
package formats

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kpbulk/kpbulk/formats/csvfile"
	"github.com/kpbulk/kpbulk/formats/geojsonfile"
	"github.com/kpbulk/kpbulk/formats/rows"
	"github.com/kpbulk/kpbulk/formats/shapefile"
	"github.com/kpbulk/kpbulk/formats/xlsxfile"
)

// Open opens path with the reader for its extension: .csv .tsv .txt (CSV),
// .xlsx, .geojson .json (GeoJSON), .shp .zip (Shapefile).
func Open(path string, opts rows.Options) (rows.Reader, error) {
	name := opts.DisplayName
	if name == "" {
		name = path
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".tsv", ".txt":
		return csvfile.Open(path, opts)
	case ".xlsx":
		return xlsxfile.Open(path, opts)
	case ".shp", ".zip":
		return shapefile.Open(path, opts)
	case ".geojson", ".json":
		return geojsonfile.Open(path, opts)
	default:
		return nil, &rows.Error{File: name, Fatal: true,
			Msg: fmt.Sprintf("unknown file type %q: kpbulk reads .csv .tsv .txt .xlsx .geojson .json .shp .zip", ext)}
	}
}
