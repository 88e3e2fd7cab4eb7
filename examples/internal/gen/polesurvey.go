package gen

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/kpbulk/kpbulk/internal/genxlsx"
)

// champaign holds streets of southwest Champaign, Illinois. Each route
// stops short of the crossing streets so no two routes share a pole.
var champaign = []Route{
	{"W Kirby Ave", []LatLon{{40.0957, -88.2966}, {40.0957, -88.2440}}},
	{"W Springfield Ave", []LatLon{{40.1128, -88.2966}, {40.1128, -88.2440}}},
	{"S Duncan Rd", []LatLon{{40.0962, -88.2966}, {40.1123, -88.2966}}},
	{"S Mattis Ave", []LatLon{{40.0962, -88.2786}, {40.1123, -88.2786}}},
	{"S Prospect Ave", []LatLon{{40.0962, -88.2601}, {40.1123, -88.2601}}},
}

// PoleSurveySeed fixes the pole-survey example's data.
const PoleSurveySeed = 20260417

// PoleSurvey generates the survey behind examples/pole-survey.
func PoleSurvey() *Survey {
	// Owners are weighted by repetition: most poles are the power utility's.
	return survey(newRNG(PoleSurveySeed), champaign, 510200,
		[]string{"Ameren Illinois", "Ameren Illinois", "Ameren Illinois", "Ameren Illinois", "AT&T", "City of Champaign"})
}

// WritePoleSurvey writes survey.xlsx (sheets Poles, Spans, Midspans) into dir.
func WritePoleSurvey(dir string, s *Survey) error {
	f, err := genxlsx.New("kpbulk example generator", "Pole survey example")
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := newBook(f)
	if err != nil {
		return err
	}

	poles := [][]any{{"Pole Tag", "Seq", "Street", "Latitude", "Longitude", "Height (ft)", "Class", "Owner", "Notes", "Install Date"}}
	for _, p := range s.Poles {
		var height any = p.HeightFt
		if p.HeightAsText {
			height = fmt.Sprint(p.HeightFt)
		}
		var installed any // empty cell when unknown
		if !p.Installed.IsZero() {
			installed = p.Installed
		}
		poles = append(poles, []any{p.Tag, p.Seq, p.Street, p.At.Lat, p.At.Lon, height, classCell(p.Class), p.Owner, p.Notes, installed})
	}
	spans := [][]any{{"From", "To", "Type", "Length (m)"}}
	for _, sp := range s.Spans {
		spans = append(spans, []any{sp.From.Tag, sp.To.Tag, sp.Type, sp.LengthM})
	}
	mids := [][]any{{"From", "To", "Seq", "Lat", "Lon", "Lowest Wire", "Remarks"}}
	for _, m := range s.Midspans {
		mids = append(mids, []any{m.Span.From.Tag, m.Span.To.Tag, m.Seq, m.At.Lat, m.At.Lon, ftIn(m.LowestWireIn), m.Remarks})
	}

	if err := f.SetSheetName("Sheet1", "Poles"); err != nil {
		return err
	}
	for _, sh := range []struct {
		name   string
		rows   [][]any
		widths []float64
	}{
		{"Poles", poles, []float64{10, 6, 18, 12, 13, 11, 7, 18, 40, 12}},
		{"Spans", spans, []float64{10, 10, 13, 11}},
		{"Midspans", mids, []float64{10, 10, 6, 12, 13, 12, 40}},
	} {
		if err := w.sheet(sh.name, sh.rows, sh.widths); err != nil {
			return fmt.Errorf("sheet %s: %w", sh.name, err)
		}
	}
	f.SetActiveSheet(0)
	return genxlsx.Save(f, filepath.Join(dir, "survey.xlsx"))
}

// classCell writes numeric classes as numbers and H1 as text, the mix a
// hand-kept workbook has.
func classCell(c string) any {
	if n, err := strconv.Atoi(c); err == nil {
		return n
	}
	return c
}
