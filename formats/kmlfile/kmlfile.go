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
	"strconv"
	"unicode/utf8"

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

	// Per open folder: the SchemaData start tag and each field's
	// SimpleData start tag, escaped once.
	schemaData []byte
	simpleData [][]byte
	buf        []byte
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
	w.schemaData = appendEscaped([]byte(`<SchemaData schemaUrl="#`), w.ids[name])
	w.schemaData = append(w.schemaData, `">`...)
	w.simpleData = w.simpleData[:0]
	for _, f := range w.schemas[name].Fields {
		tag := appendEscaped([]byte(`<SimpleData name="`), f.Name)
		w.simpleData = append(w.simpleData, append(tag, `">`...))
	}
	if err := w.start(xml.StartElement{Name: xml.Name{Local: "Folder"}}); err != nil {
		return err
	}
	return w.enc.Encode(kml.Name(name))
}

// Placemark writes one feature of the open folder. values line up with the
// schema's fields; an empty value is left out. name labels the placemark.
//
// Placemarks are the bulk of a document, so they are written straight to
// the buffer (with XML escaping) rather than built as elements: that is
// several times faster than encoding an element tree per feature. Points and
// lines are written directly; other geometries go through go-geom's KML
// encoding.
func (w *Writer) Placemark(name string, g geom.T, values []string) error {
	s := w.schemas[w.folder]
	if w.folder == "" || len(values) != len(s.Fields) {
		return fmt.Errorf("kml: placemark %q: %d values for folder %q with %d fields", name, len(values), w.folder, len(s.Fields))
	}
	if err := w.enc.Flush(); err != nil {
		return err
	}
	b := append(w.buf[:0], "<Placemark><name>"...)
	b = appendEscaped(b, name)
	b = append(b, "</name><ExtendedData>"...)
	b = append(b, w.schemaData...)
	for i, v := range values {
		if v != "" {
			b = append(b, w.simpleData[i]...)
			b = appendEscaped(b, v)
			b = append(b, "</SimpleData>"...)
		}
	}
	b = append(b, "</SchemaData></ExtendedData>"...)
	var other geom.T
	switch g := g.(type) {
	case nil:
	case *geom.Point:
		if !g.Empty() {
			b = append(b, "<Point><coordinates>"...)
			b = appendCoords(b, g.FlatCoords(), g.Stride())
			b = append(b, "</coordinates></Point>"...)
		}
	case *geom.LineString:
		if !g.Empty() {
			b = append(b, "<LineString><coordinates>"...)
			b = appendCoords(b, g.FlatCoords(), g.Stride())
			b = append(b, "</coordinates></LineString>"...)
		}
	default:
		if !g.Empty() {
			other = g
		}
	}
	w.buf = b
	if other == nil {
		w.buf = append(w.buf, "</Placemark>"...)
		_, err := w.bw.Write(w.buf)
		return err
	}
	if _, err := w.bw.Write(w.buf); err != nil {
		return err
	}
	ge, err := geomkml.Encode(other)
	if err != nil {
		return fmt.Errorf("kml: placemark %q: %w", name, err)
	}
	if err := w.enc.Encode(ge); err != nil {
		return fmt.Errorf("kml: placemark %q: %w", name, err)
	}
	_, err = w.bw.WriteString("</Placemark>")
	return err
}

// appendCoords writes lon,lat pairs separated by spaces.
func appendCoords(b []byte, flat []float64, stride int) []byte {
	for i := 0; i+1 < len(flat); i += stride {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendFloat(b, flat[i], 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, flat[i+1], 'f', -1, 64)
	}
	return b
}

// appendEscaped appends s as XML character data (also safe in a quoted
// attribute). Characters XML 1.0 cannot hold become U+FFFD, as
// encoding/xml does; a carriage return is kept as a character reference so
// readers do not fold it into a newline.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '"':
				b = append(b, "&#34;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c < 0x20 && c != '\t' && c != '\n':
				b = append(b, "\uFFFD"...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
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
