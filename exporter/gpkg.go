package exporter

import (
	"github.com/kpbulk/kpbulk/formats/gpkg"
)

func writeGPKG(path string, layers []*Layer) error {
	w, err := gpkg.Create(path)
	if err != nil {
		return err
	}
	for _, l := range layers {
		if err := writeGPKGLayer(w, l); err != nil {
			w.Abort()
			return err
		}
	}
	return w.Close()
}

func writeGPKGLayer(w *gpkg.Writer, l *Layer) error {
	fields := make([]gpkg.Field, len(l.Columns))
	for i, c := range l.Columns {
		fields[i] = gpkg.Field{Name: c.Name, Type: [...]gpkg.FieldType{
			String: gpkg.Text, Integer: gpkg.Integer, Real: gpkg.Real, Bool: gpkg.Boolean, DateTime: gpkg.DateTime,
		}[c.Type]}
	}
	gt := map[GeomKind]gpkg.GeomType{Point: gpkg.Point, LineString: gpkg.LineString}[l.Geom]
	if gt == "" {
		gt = gpkg.Geometry
	}
	gl, err := w.CreateLayer(l.Name, gt, fields)
	if err != nil {
		return err
	}
	row := 0
	for f := range l.Features {
		row++
		if err = gl.Insert(f.Geom, f.Values); err != nil {
			return errLayer(l, row, err)
		}
	}
	return gl.Close()
}
