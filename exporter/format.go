package exporter

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Format is an output format.
type Format string

// The formats of `kpbulk export`.
const (
	GPKG    Format = "gpkg"
	GeoJSON Format = "geojson"
	SHP     Format = "shp"
	KML     Format = "kml"
	XLSX    Format = "xlsx"
	CSV     Format = "csv"
)

// Formats lists every format, for help texts and errors.
var Formats = []Format{GPKG, GeoJSON, SHP, KML, XLSX, CSV}

// Tabular reports whether the format has no geometry (lines then go to a
// WKT column).
func (f Format) Tabular() bool { return f == XLSX || f == CSV }

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimPrefix(s, ".")))
	switch f {
	case "json":
		return GeoJSON, nil
	case "zip", "shapefile":
		return SHP, nil
	}
	for _, k := range Formats {
		if f == k {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want one of %s)", s, joinFormats())
}

func joinFormats() string {
	s := make([]string, len(Formats))
	for i, f := range Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// DetectFormat picks the format of an output path from its extension. A
// folder (no extension) needs an explicit format.
func DetectFormat(output string) (Format, error) {
	switch strings.ToLower(filepath.Ext(output)) {
	case ".gpkg":
		return GPKG, nil
	case ".geojson", ".json":
		return GeoJSON, nil
	case ".shp", ".zip":
		return SHP, nil
	case ".kml":
		return KML, nil
	case ".xlsx":
		return XLSX, nil
	case ".csv":
		return CSV, nil
	}
	return "", fmt.Errorf("cannot tell the format of %q from its extension: give --format (%s)", output, joinFormats())
}

// Write writes layers to output in format f.
//
// Single-file formats (gpkg, geojson, kml, xlsx, a shapefile .zip) are
// written to a temporary file next to output and renamed into place, so a
// failed export never leaves a half-written file under the final name.
// Folder formats (csv, shp, and geojson when output is an existing folder)
// write one file per layer, <layer>.<ext>; when output itself ends in the
// format's extension (job.csv, job.shp) the files are named
// <stem>_<layer>.<ext> next to it.
//
// The warnings report values changed to fit the format (Shapefile text cut
// to 254 bytes).
func Write(output string, f Format, layers []*Layer) (warnings []string, err error) {
	switch f {
	case GPKG:
		return nil, atomically(output, func(tmp string) error { return writeGPKG(tmp, layers) })
	case KML:
		return nil, atomically(output, func(tmp string) error {
			return writeKML(tmp, strings.TrimSuffix(filepath.Base(output), filepath.Ext(output)), layers)
		})
	case XLSX:
		return nil, atomically(output, func(tmp string) error { return writeXLSX(tmp, layers) })
	case GeoJSON:
		if isDir(output) {
			return nil, perLayer(output, ".geojson", layers, func(path string, l *Layer) error {
				return atomically(path, func(tmp string) error { return writeGeoJSON(tmp, []*Layer{l}, false) })
			})
		}
		return nil, atomically(output, func(tmp string) error { return writeGeoJSON(tmp, layers, true) })
	case CSV:
		return nil, perLayer(output, ".csv", layers, func(path string, l *Layer) error {
			return atomically(path, func(tmp string) error { return writeCSV(tmp, l) })
		})
	case SHP:
		if strings.EqualFold(filepath.Ext(output), ".zip") {
			err = atomically(output, func(tmp string) error {
				warnings, err = writeShapefileZip(tmp, layers)
				return err
			})
			return warnings, err
		}
		err = perLayer(output, ".shp", layers, func(path string, l *Layer) error {
			w, err := writeShapefile(path, l)
			warnings = append(warnings, w...)
			return err
		})
		return warnings, err
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

// WriteFile writes layers into exactly one file at path (an export with a
// mapping writes each source back under its own name): a CSV, GeoJSON or
// Shapefile gets the features of every layer in one table; an XLSX one
// sheet per layer. delim is the CSV delimiter (0: comma).
func WriteFile(path string, f Format, layers []*Layer, delim rune) (warnings []string, err error) {
	switch f {
	case CSV:
		return nil, atomically(path, func(tmp string) error { return writeCSVDelim(tmp, concat(layers), delim) })
	case GeoJSON:
		return nil, atomically(path, func(tmp string) error { return writeGeoJSON(tmp, layers, false) })
	case SHP:
		if strings.EqualFold(filepath.Ext(path), ".zip") {
			err = atomically(path, func(tmp string) error {
				warnings, err = writeShapefileZip(tmp, []*Layer{concat(layers)})
				return err
			})
			return warnings, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		return writeShapefile(path, concat(layers))
	}
	return Write(path, f, layers)
}

// concat joins layers with the same columns into one (the first layer's
// name and columns).
func concat(layers []*Layer) *Layer {
	if len(layers) == 1 {
		return layers[0]
	}
	c := *layers[0]
	c.Len = 0
	for _, l := range layers {
		c.Len += l.Len
	}
	c.Features = func(yield func(Feature) bool) {
		for _, l := range layers {
			for f := range l.Features {
				if !yield(f) {
					return
				}
			}
		}
	}
	return &c
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// perLayer writes each layer to its own file (see Write for the names).
func perLayer(output, ext string, layers []*Layer, write func(path string, l *Layer) error) error {
	dir, prefix := output, ""
	if strings.EqualFold(filepath.Ext(output), ext) {
		dir = filepath.Dir(output)
		prefix = strings.TrimSuffix(filepath.Base(output), filepath.Ext(output)) + "_"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, l := range layers {
		if err := write(filepath.Join(dir, prefix+fileName(l.Name)+ext), l); err != nil {
			return err
		}
	}
	return nil
}

// fileName makes a layer name safe as a file name on every OS.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "layer"
	}
	return s
}

// atomically runs write on a temporary path next to path and renames the
// result into place.
func atomically(path string, write func(tmp string) error) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// The extension stays last: some writers (excelize) check it.
	ext := filepath.Ext(path)
	tmp := filepath.Join(filepath.Dir(path), "."+strings.TrimSuffix(filepath.Base(path), ext)+".tmp"+strconv.Itoa(os.Getpid())+ext)
	if err := write(tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// textOf renders a value for text formats (CSV, KML, DBF text).
func textOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	default:
		return fmt.Sprint(v)
	}
}

// errLayer wraps a writer error with the layer and feature it concerns.
func errLayer(l *Layer, row int, err error) error {
	if row > 0 {
		return fmt.Errorf("layer %s, feature %d: %w", l.Name, row, err)
	}
	return fmt.Errorf("layer %s: %w", l.Name, err)
}
