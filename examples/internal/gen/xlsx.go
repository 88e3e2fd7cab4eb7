package gen

import (
	"time"

	"github.com/xuri/excelize/v2"
)

// book writes plain tables: a bold frozen header, then data rows whose
// time.Time values become real date cells.
type book struct {
	f            *excelize.File
	header, date int
}

func newBook(f *excelize.File) (*book, error) {
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	// Built-in format 14 is the locale's short date: every reader knows it
	// is a date.
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return nil, err
	}
	return &book{f: f, header: header, date: date}, nil
}

func (b *book) sheet(name string, rows [][]any, widths []float64) error {
	if idx, _ := b.f.GetSheetIndex(name); idx < 0 {
		if _, err := b.f.NewSheet(name); err != nil {
			return err
		}
	}
	for i, w := range widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := b.f.SetColWidth(name, col, col, w); err != nil {
			return err
		}
	}
	for r, row := range rows {
		for c, v := range row {
			if v == nil || v == "" {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				return err
			}
			if err := b.f.SetCellValue(name, cell, v); err != nil {
				return err
			}
			style := 0
			switch {
			case r == 0:
				style = b.header
			case isTime(v):
				style = b.date
			}
			if style != 0 {
				if err := b.f.SetCellStyle(name, cell, cell, style); err != nil {
					return err
				}
			}
		}
	}
	return b.f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func isTime(v any) bool { _, ok := v.(time.Time); return ok }
