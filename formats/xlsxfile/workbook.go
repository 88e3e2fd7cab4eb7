package xlsxfile

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits against hostile workbooks. A zip bomb declares its uncompressed
// sizes honestly or is caught by archive/zip when it lies (reading past a
// declared size is an error), so capping the declared total bounds the
// work; 1 GiB is several times the largest survey sheet we expect.
var (
	maxUnzipped    int64 = 1 << 30
	maxMetaPart    int64 = 16 << 20 // workbook.xml, rels
	excelizeXMLMem int64 = 1 << 20  // parts excelize keeps in memory; larger go to temp files (we never ask excelize for the big ones)
)

// workbook is what the row reader needs from an opened XLSX file.
type workbook struct {
	zr       *zip.ReadCloser
	files    map[string]*zip.File // by lower-cased name
	sheets   []sheetRef
	sst      *sharedStrings
	styles   []dateKind // by cellXfs index
	date1904 bool
}

type sheetRef struct {
	name string
	part string // zip path of the worksheet part
}

// openWorkbook opens path, checks its size limits, lets excelize read the
// workbook (sheets, styles, the 1904 date system), resolves each sheet to
// its part and loads the shared strings.
func openWorkbook(path string) (*workbook, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("not a readable XLSX file (zip): %w", err)
	}
	wb := &workbook{zr: zr, files: make(map[string]*zip.File, len(zr.File))}
	if err := wb.load(path); err != nil {
		zr.Close()
		return nil, err
	}
	return wb, nil
}

func (wb *workbook) close() error { return wb.zr.Close() }

func (wb *workbook) load(filename string) error {
	var total uint64
	for _, f := range wb.zr.File {
		total += f.UncompressedSize64
		if total > uint64(maxUnzipped) {
			return fmt.Errorf("the workbook unzips to more than %d MiB (zip bomb?)", maxUnzipped>>20)
		}
		wb.files[strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))] = f
	}

	listed, err := wb.readWithExcelize(filename)
	if err != nil {
		return err
	}

	// Sheet name → part, through the package relationships.
	wbPart, err := wb.officeDocument()
	if err != nil {
		return err
	}
	relsPart := path.Join(path.Dir(wbPart), "_rels", path.Base(wbPart)+".rels")
	rels, err := wb.readRels(relsPart)
	if err != nil {
		return err
	}
	for _, s := range listed {
		for _, rel := range rels {
			if rel.ID == s.id {
				wb.sheets = append(wb.sheets, sheetRef{name: s.name, part: resolve(wbPart, rel.Target)})
			}
		}
	}
	if len(wb.sheets) == 0 {
		return errors.New("no sheet of the workbook has a worksheet part")
	}

	sstPart := "xl/sharedStrings.xml"
	for _, rel := range rels {
		if strings.HasSuffix(rel.Type, "/sharedStrings") {
			sstPart = resolve(wbPart, rel.Target)
		}
	}
	if f := wb.file(sstPart); f != nil {
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("shared strings: %w", err)
		}
		defer rc.Close()
		if wb.sst, err = readSharedStrings(rc, int64(f.UncompressedSize64)); err != nil {
			return err
		}
	} else {
		wb.sst = &sharedStrings{}
	}
	return nil
}

// readWithExcelize lets excelize open the workbook and takes what the row
// reader needs from it: the sheets (name and relationship id) in workbook
// order, the date kind of every cell style and the date system. excelize
// is closed before returning, so the parts it holds in memory are freed
// before the shared strings are read.
func (wb *workbook) readWithExcelize(filename string) ([]listedSheet, error) {
	meta, err := wb.metadataPackage()
	if err != nil {
		return nil, err
	}
	xf, err := excelize.OpenReader(bytes.NewReader(meta), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: excelizeXMLMem})
	if err != nil {
		return nil, fmt.Errorf("cannot open the workbook: %w", err)
	}
	defer xf.Close()
	if xf.WorkBook == nil || len(xf.WorkBook.Sheets.Sheet) == 0 {
		return nil, errors.New("the workbook lists no sheets")
	}
	if props, err := xf.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		wb.date1904 = *props.Date1904
	}
	for i := 0; ; i++ {
		st, err := xf.GetStyle(i)
		if err != nil {
			break
		}
		kind := builtinDateKind(st.NumFmt)
		if st.CustomNumFmt != nil {
			kind = formatDateKind(*st.CustomNumFmt)
		}
		wb.styles = append(wb.styles, kind)
	}
	var sheets []listedSheet
	for _, s := range xf.WorkBook.Sheets.Sheet {
		sheets = append(sheets, listedSheet{name: s.Name, id: s.ID})
	}
	return sheets, nil
}

type listedSheet struct{ name, id string }

// metadataPackage copies the workbook's parts except the worksheets, the
// shared strings and binary media into a new zip in memory, the entries
// still compressed. excelize inflates every part it is given (the large
// ones to temporary files); without the bulk data it opens a 100,000-row
// workbook in milliseconds, and the rows are streamed from the original.
func (wb *workbook) metadataPackage() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range wb.zr.File {
		name := strings.ToLower(f.Name)
		if strings.HasPrefix(name, "xl/worksheets/sheet") || strings.HasSuffix(name, "sharedstrings.xml") ||
			!(strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels")) {
			continue
		}
		if err := zw.Copy(f); err != nil {
			return nil, fmt.Errorf("cannot open the workbook: %s: %w", f.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// file finds a part by name, ignoring case as excelize does.
func (wb *workbook) file(name string) *zip.File {
	return wb.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

// readRels reads a relationships part.
func (wb *workbook) readRels(name string) ([]relationship, error) {
	f := wb.file(name)
	if f == nil {
		return nil, fmt.Errorf("the workbook has no %s", name)
	}
	if f.UncompressedSize64 > uint64(maxMetaPart) {
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxMetaPart>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxMetaPart))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if bytes.Contains(data, []byte("<!DOCTYPE")) {
		return nil, fmt.Errorf("%s: %w", name, errDOCTYPE)
	}
	var doc struct {
		Rels []relationship `xml:"Relationship"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return doc.Rels, nil
}

// officeDocument returns the workbook part named by the package rels.
func (wb *workbook) officeDocument() (string, error) {
	rels, err := wb.readRels("_rels/.rels")
	if err != nil {
		return "", err
	}
	for _, r := range rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			return strings.TrimPrefix(r.Target, "/"), nil
		}
	}
	return "", errors.New("_rels/.rels names no workbook part")
}

// resolve turns a relationship target into a zip path.
func resolve(base, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join(path.Dir(base), target)), "/")
}

// sheet finds a sheet by name: exactly, else ignoring case as Excel does.
// An empty name selects the first sheet.
func (wb *workbook) sheet(name string) (sheetRef, bool) {
	if name == "" {
		return wb.sheets[0], true
	}
	for _, s := range wb.sheets {
		if s.name == name {
			return s, true
		}
	}
	for _, s := range wb.sheets {
		if strings.EqualFold(s.name, name) {
			return s, true
		}
	}
	return sheetRef{}, false
}

func (wb *workbook) sheetNames() []string {
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = s.name
	}
	return names
}

// dateKind returns how style index s shows numbers.
func (wb *workbook) dateKind(s int) dateKind {
	if s < len(wb.styles) {
		return wb.styles[s]
	}
	return notDate
}

// openPart streams a part.
func (wb *workbook) openPart(name string) (io.ReadCloser, error) {
	f := wb.file(name)
	if f == nil {
		return nil, fmt.Errorf("the workbook has no part %s", name)
	}
	return f.Open()
}
