package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kpbulk/kpbulk/formats/csvfile"
	"github.com/kpbulk/kpbulk/formats/rows"
	"github.com/kpbulk/kpbulk/formats/xlsxfile"
)

func init() {
	formats = append(formats,
		format{name: "csv", ext: ".csv", generate: generateCSV, open: openWith(csvfile.Open)},
		format{name: "xlsx", ext: ".xlsx", generate: generateXLSX, open: openWith(xlsxfile.Open)},
	)
}

func openWith(open func(string, rows.Options) (rows.Reader, error)) func(string) (rows.Reader, error) {
	return func(p string) (rows.Reader, error) { return open(p, rows.Options{}) }
}

// surveyRow makes row i of a pole survey: ids, coordinates, heights,
// owners, dates and free text, the mix a real survey sheet holds.
func surveyRow(rng *rand.Rand, i, cols int) []any {
	owners := []string{"SCL", "AT&T CORP", "Comcast", "CenturyLink", "Zayo"}
	v := []any{
		fmt.Sprintf("P-%06d", i),
		47.5 + rng.Float64()*0.3,
		-122.4 + rng.Float64()*0.3,
		30 + rng.IntN(30),
		owners[rng.IntN(len(owners))],
		rng.IntN(2) == 0,
		time.Date(2020+rng.IntN(5), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC),
		fmt.Sprintf("%d-%d", 30+rng.IntN(20), rng.IntN(12)),
		"Class " + strconv.Itoa(1+rng.IntN(6)),
		rng.IntN(1000000000) + 1000000000,
		fmt.Sprintf("Note for pole %d: guy wire, 2 crossarms", i),
	}
	for len(v) < cols {
		v = append(v, fmt.Sprintf("attr-%d-%d", len(v), rng.IntN(1000)))
	}
	return v[:cols]
}

func header(cols int) []string {
	h := []string{"Pole ID", "Latitude", "Longitude", "Height", "Owner", "Grounded", "Survey Date",
		"Length ft-in", "Class", "Tag", "Remarks"}
	for i := len(h); i < cols; i++ {
		h = append(h, fmt.Sprintf("Extra %d", i+1))
	}
	return h[:cols]
}

func generateCSV(path string, n, cols int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	w.Write(header(cols))
	rng := rand.New(rand.NewPCG(1, 2))
	rec := make([]string, cols)
	for i := 0; i < n; i++ {
		for j, v := range surveyRow(rng, i, cols) {
			switch v := v.(type) {
			case time.Time:
				rec[j] = v.Format("2006-01-02")
			default:
				rec[j] = fmt.Sprint(v)
			}
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// generateXLSX writes the workbook with excelize's stream writer, as
// kpbulk's own exports are written.
func generateXLSX(path string, n, cols int) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	h := header(cols)
	hv := make([]any, cols)
	for i, s := range h {
		hv[i] = s
	}
	if err := sw.SetRow("A1", hv); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		vals := surveyRow(rng, i, cols)
		for j, v := range vals {
			if t, ok := v.(time.Time); ok {
				vals[j] = excelize.Cell{StyleID: dateStyle, Value: t}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}
