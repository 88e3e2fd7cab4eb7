package exporter

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// Excel's limits: a longer cell would be cut silently by excelize.
const (
	maxCellChars = excelize.TotalCellChars
	maxRows      = excelize.TotalRows
)

// writeXLSX writes one sheet per layer with excelize's StreamWriter: the
// header row frozen, numbers typed, date-times as dates, booleans as the
// text true/false like Katapult's export. Text
// is always an inline string cell, never a formula, so a value starting
// with = + - @ stays text.
func writeXLSX(path string, layers []*Layer) error {
	f := excelize.NewFile()
	defer f.Close()
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for i, l := range layers {
		name := sheetName(l.Name, used)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return errLayer(l, 0, err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return errLayer(l, 0, err)
		}
		if err := writeSheet(f, name, l, header, date); err != nil {
			return err
		}
	}
	return f.SaveAs(path)
}

func writeSheet(f *excelize.File, sheet string, l *Layer, header, date int) error {
	head := max(l.HeaderRow, 1)
	if head+l.Len > maxRows {
		return errLayer(l, 0, fmt.Errorf("%d rows do not fit in a worksheet (at most %d)", l.Len, maxRows-head))
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return errLayer(l, 0, err)
	}
	below, _ := excelize.CoordinatesToCellName(1, head+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: below, ActivePane: "bottomLeft"}); err != nil {
		return errLayer(l, 0, err)
	}
	cells := make([]any, len(l.Columns))
	for i, c := range l.Columns {
		cells[i] = excelize.Cell{StyleID: header, Value: c.Name}
	}
	row := head
	at, _ := excelize.CoordinatesToCellName(1, row)
	if err := sw.SetRow(at, cells); err != nil {
		return errLayer(l, 0, err)
	}
	for ft := range l.Features {
		row++
		for i, v := range ft.Values {
			switch v := v.(type) {
			case time.Time:
				cells[i] = excelize.Cell{StyleID: date, Value: v}
			case bool:
				// As text, the way Katapult's own export writes booleans.
				cells[i] = strconv.FormatBool(v)
			case string:
				if len(v) > maxCellChars && len(utf16.Encode([]rune(v))) > maxCellChars {
					return errLayer(l, row-head, fmt.Errorf("column %s: value of %d characters does not fit in a cell (at most %d): %q...",
						l.Columns[i].Name, len(v), maxCellChars, v[:40]))
				}
				cells[i] = v
			default:
				cells[i] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, cells); err != nil {
			return errLayer(l, row-head, err)
		}
	}
	if err := sw.Flush(); err != nil {
		return errLayer(l, 0, err)
	}
	return nil
}

// sheetName makes a valid, unique sheet name: at most 31 characters, none
// of []:*?/\ and not starting or ending with an apostrophe.
func sheetName(s string, used map[string]bool) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, s)
	s = strings.Trim(s, "'")
	if s == "" {
		s = "Sheet"
	}
	base := truncRunes(s, 31)
	s = base
	for n := 2; used[strings.ToLower(s)]; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		s = truncRunes(base, 31-len(suffix)) + suffix
	}
	used[strings.ToLower(s)] = true
	return s
}

func truncRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
