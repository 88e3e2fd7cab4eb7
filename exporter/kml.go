package exporter

import (
	"bufio"
	"os"

	"github.com/kpbulk/kpbulk/formats/kmlfile"
)

func writeKML(path, docName string, layers []*Layer) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	schemas := make([]kmlfile.Schema, len(layers))
	for i, l := range layers {
		fields := make([]kmlfile.Field, len(l.Columns))
		for j, c := range l.Columns {
			fields[j] = kmlfile.Field{Name: c.Name, Type: map[ColumnType]kmlfile.FieldType{
				Integer: kmlfile.Int, Real: kmlfile.Double, Bool: kmlfile.Bool,
			}[c.Type]}
			if fields[j].Type == "" {
				fields[j].Type = kmlfile.String
			}
		}
		schemas[i] = kmlfile.Schema{Name: l.Name, Fields: fields}
	}
	w, err := kmlfile.New(bw, docName, schemas)
	if err != nil {
		return err
	}
	for _, l := range layers {
		if err := w.BeginFolder(l.Name); err != nil {
			return errLayer(l, 0, err)
		}
		idCol := l.ColumnIndex("id")
		text := make([]string, len(l.Columns))
		row := 0
		for f := range l.Features {
			row++
			for i, v := range f.Values {
				text[i] = textOf(v)
				if b, ok := v.(bool); ok && b { // GDAL reads KML bool fields as 0/1 only
					text[i] = "1"
				} else if ok {
					text[i] = "0"
				}
			}
			name := ""
			if idCol >= 0 {
				name = text[idCol]
			}
			if err := w.Placemark(name, f.Geom, text); err != nil {
				return errLayer(l, row, err)
			}
		}
		if err := w.EndFolder(); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return bw.Flush()
}
