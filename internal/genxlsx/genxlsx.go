// Package genxlsx holds what the data generators (examples, testdata) need
// to write workbooks that a fresh run reproduces.
package genxlsx

import (
	"os"

	"github.com/xuri/excelize/v2"
)

// New returns an empty workbook with fixed document properties: excelize
// would otherwise stamp the time of the run.
func New(creator, title string) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator:  creator,
		Title:    title,
		Created:  "2026-01-01T00:00:00Z",
		Modified: "2026-01-01T00:00:00Z",
	}); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Save writes f to path as an ordinary (non-executable) file; excelize's
// SaveAs would create it with mode 0777.
func Save(f *excelize.File, path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.WriteTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
