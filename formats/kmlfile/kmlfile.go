// Package kmlfile writes KML 2.2 documents that stream: one Folder per layer,
// one Placemark per feature with its attributes as typed ExtendedData
// (Schema/SchemaData, the form GDAL and Google Earth read as fields).
//
// Elements come from go-kml and geometries from go-geom's kml encoding; the
// document skeleton is written token by token so a large layer never sits in
// memory as one element tree.
package kmlfile

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"

	"github.com/twpayne/go-geom"
	geomkml "github.com/twpayne/go-geom/encoding/kml"
	"github.com/twpayne/go-kml/v3"
)

// FieldType is the KML SimpleField type.
type FieldType string

const (
	String FieldType = "string"
	Int    FieldType = "int"
	Double FieldType = "double"
	Bool   FieldType = "bool"
)

// Field is one attribute of a schema.
type Field struct {
	Name string
	Type FieldType
}

// Schema describes the attributes of one layer.
type Schema struct {
	Name   string
	Fields []Field
}

// Writer writes one KML document.
type Writer struct {
	bw      *bufio.Writer
	enc     *xml.Encoder
	ids     map[string]string // schema name → XML id
	schemas map[string]Schema
	folder  string
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// New starts a document named name on w. Every layer's schema is declared up
// front, as KML requires schemas before features.
func New(w io.Writer, name string, schemas []Schema) (*Writer, error) {
	kw := &Writer{bw: bufio.NewWriterSize(w, 64<<10), ids: map[string]string{}, schemas: map[string]Schema{}}
	kw.enc = xml.NewEncoder(kw.bw)
	if _, err := kw.bw.WriteString(xml.Header); err != nil {
		return nil, err
	}
	kmlStart := xml.StartElement{Name: xml.Name{Local: "kml"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: kml.Namespace}}}
	if err := kw.start(kmlStart, xml.StartElement{Name: xml.Name{Local: "Document"}}); err != nil {
		return nil, err
	}
	if err := kw.enc.Encode(kml.Name(name)); err != nil {
		return nil, err
	}
	for _, s := range schemas {
		id := nonID.ReplaceAllString(s.Name, "_")
		if id == "" || !isNameStart(id[0]) {
			id = "_" + id
		}
		for base, n := id, 2; kw.used(id); n++ {
			id = fmt.Sprintf("%s_%d", base, n)
		}
		kw.ids[s.Name], kw.schemas[s.Name] = id, s
		fields := make([]kml.Element, len(s.Fields))
		for i, f := range s.Fields {
			fields[i] = kml.SimpleField(f.Name, string(f.Type))
		}
		if err := kw.enc.Encode(kml.NamedSchema(id, s.Name, fields...)); err != nil {
			return nil, fmt.Errorf("kml: schema %q: %w", s.Name, err)
		}
	}
	return kw, nil
}

func (w *Writer) used(id string) bool {
	for _, v := range w.ids {
		if v == id {
			return true
		}
	}
	return false
}

func isNameStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }

func (w *Writer) start(els ...xml.StartElement) error {
	for _, e := range els {
		if err := w.enc.EncodeToken(e); err != nil {
			return err
		}
	}
	return nil
}

// BeginFolder opens the folder of the layer whose schema is named name.
func (w *Writer) BeginFolder(name string) error {
	if w.folder != "" {
		return fmt.Errorf("kml: folder %q is still open", w.folder)
	}
	if _, ok := w.ids[name]; !ok {
		return fmt.Errorf("kml: no schema %q", name)
	}
	w.folder = name
	if err := w.start(xml.StartElement{Name: xml.Name{Local: "Folder"}}); err != nil {
		return err
	}
	return w.enc.Encode(kml.Name(name))
}

// Placemark writes one feature of the open folder. values line up with the
// schema's fields; an empty value is left out. name labels the placemark.
func (w *Writer) Placemark(name string, g geom.T, values []string) error {
	s := w.schemas[w.folder]
	if w.folder == "" || len(values) != len(s.Fields) {
		return fmt.Errorf("kml: placemark %q: %d values for folder %q with %d fields", name, len(values), w.folder, len(s.Fields))
	}
	data := make([]kml.Element, 0, len(values))
	for i, v := range values {
		if v != "" {
			data = append(data, kml.SimpleData(s.Fields[i].Name, v))
		}
	}
	children := []kml.Element{kml.Name(name), kml.ExtendedData(kml.SchemaData("#"+w.ids[w.folder], data...))}
	if g != nil && !g.Empty() {
		ge, err := geomkml.Encode(g)
		if err != nil {
			return fmt.Errorf("kml: placemark %q: %w", name, err)
		}
		children = append(children, ge)
	}
	if err := w.enc.Encode(kml.Placemark(children...)); err != nil {
		return fmt.Errorf("kml: placemark %q: %w", name, err)
	}
	return nil
}

// EndFolder closes the open folder.
func (w *Writer) EndFolder() error {
	if w.folder == "" {
		return nil
	}
	w.folder = ""
	return w.enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: "Folder"}})
}

// Close ends the document and flushes it; it does not close the underlying
// writer.
func (w *Writer) Close() error {
	if err := w.EndFolder(); err != nil {
		return err
	}
	for _, n := range []string{"Document", "kml"} {
		if err := w.enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: n}}); err != nil {
			return err
		}
	}
	if err := w.enc.Flush(); err != nil {
		return err
	}
	if _, err := w.bw.WriteString("\n"); err != nil {
		return err
	}
	return w.bw.Flush()
}
