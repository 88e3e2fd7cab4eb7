package gen

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// InspectionsSeed fixes the enrich example's data.
const InspectionsSeed = 20260611

// Inspection is a later visit to a pole of the survey, identified the way
// field crews do: by the survey's sequence number (the job's scid).
type Inspection struct {
	Pole      *Pole
	Date      time.Time
	Condition string
	Inspector string
	Remarks   string
}

// Inspections picks every seventh pole of s and records an inspection of
// it, as a crew's follow-up sheet would.
func Inspections(s *Survey) []Inspection {
	r := newRNG(InspectionsSeed)
	var out []Inspection
	for i := 3; i < len(s.Poles); i += 7 {
		in := Inspection{
			Pole:      s.Poles[i],
			Date:      time.Date(2026, time.March, 2+r.intn(25), 0, 0, 0, 0, time.UTC),
			Condition: pick(r, []string{"Good", "Good", "Good", "Fair", "Fair", "Poor", "Reject"}),
			Inspector: pick(r, []string{"J. Alvarez", "K. Nguyen", "M. Okafor"}),
		}
		if in.Condition == "Poor" || in.Condition == "Reject" || r.chance(0.2) {
			in.Remarks = pick(r, []string{
				"Shell rot below groundline",
				"Ground wire cut, reattach",
				"Top cracked; replace, not reinforce",
				"Sounded OK, bored: 2\" shell",
			})
		}
		out = append(out, in)
	}
	return out
}

// WriteInspections writes inspections.csv into dir.
func WriteInspections(dir string, ins []Inspection) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"Pole #", "Inspection Date", "Condition", "Inspector", "Remarks"})
	for _, in := range ins {
		w.Write([]string{strconv.Itoa(in.Pole.Seq), in.Date.Format("2006-01-02"), in.Condition, in.Inspector, in.Remarks})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "inspections.csv"), b.Bytes(), 0o644)
}
