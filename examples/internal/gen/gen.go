// Package gen generates kpbulk's example data sets deterministically: the
// same program always writes the same files, so the committed examples can
// be checked against a fresh run and never drift from their generator.
package gen

import (
	"fmt"
	"os"
	"path/filepath"
)

// All writes every generated example file under root (the examples
// directory). Hand-written files (mappings, READMEs) are left alone.
func All(root string) error {
	dir := filepath.Join(root, "pole-survey")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	survey := PoleSurvey()
	if err := WritePoleSurvey(dir, survey); err != nil {
		return fmt.Errorf("pole-survey: %w", err)
	}
	dir = filepath.Join(root, "enrich")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := WriteInspections(dir, Inspections(survey)); err != nil {
		return fmt.Errorf("enrich: %w", err)
	}
	dir = filepath.Join(root, "gis")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	g := GISData()
	if err := WriteGISPoles(dir, g); err != nil {
		return fmt.Errorf("gis: %w", err)
	}
	if err := WriteGISSpans(dir, g); err != nil {
		return fmt.Errorf("gis: %w", err)
	}
	return nil
}
