package formats

import "github.com/kpbulk/kpbulk/formats/rows"

// openGeoJSON is replaced by geojsonfile.Open once that reader lands.
func openGeoJSON(path string, opts rows.Options) (rows.Reader, error) {
	name := opts.DisplayName
	if name == "" {
		name = path
	}
	return nil, &rows.Error{File: name, Fatal: true, Msg: "GeoJSON reading is not available in this build yet"}
}
