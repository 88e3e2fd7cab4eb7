// Package rowstest holds what the format readers' tests share: finding the
// real files in ../shared/realdata (skipping when they are absent), reading
// a rows.Reader to its end, and a scratch folder for fuzz inputs.
package rowstest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// realdataRoot is ../shared/realdata beside the module root, found from the
// working directory (a package directory under go test); "" when there is
// no module root above it.
var realdataRoot = sync.OnceValue(func() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "realdata")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
})

// Realdata returns the path of rel inside the shared real data, or skips
// the test saying it is absent: the real files are read in place, never
// copied into the repository.
func Realdata(t testing.TB, rel string) string {
	t.Helper()
	root := realdataRoot()
	if root == "" {
		t.Skip("realdata not present: no module root above the working directory")
	}
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skip("realdata not present: " + p)
	}
	return p
}

// AddSeeds adds the bytes of each real file present as a fuzz seed; absent
// ones are passed over, so fuzzing still runs without the real data.
func AddSeeds(f *testing.F, rels ...string) {
	root := realdataRoot()
	if root == "" {
		return
	}
	for _, rel := range rels {
		if b, err := os.ReadFile(filepath.Join(root, rel)); err == nil {
			f.Add(b)
		}
	}
}

// ReadAll reads every row. Non-fatal *rows.Error values are collected; a
// fatal one, or any other error, ends the read and is returned as fatal.
// A reader that never ends fails the test instead of hanging it.
func ReadAll(t testing.TB, r rows.Reader) (out []rows.Row, errs []*rows.Error, fatal error) {
	t.Helper()
	for i := 0; ; i++ {
		if i > 10_000_000 {
			t.Fatal("reader does not end")
		}
		row, err := r.Next()
		if err == io.EOF {
			return out, errs, nil
		}
		var re *rows.Error
		if errors.As(err, &re) && !re.Fatal {
			errs = append(errs, re)
			continue
		}
		if err != nil {
			return out, errs, err
		}
		out = append(out, row)
	}
}

// ReadAllErrors reads every row like ReadAll and returns every error, the
// fatal one that ended the read last; an error that is not a *rows.Error
// fails the test, as every reader error must be one.
func ReadAllErrors(t testing.TB, r rows.Reader) ([]rows.Row, []*rows.Error) {
	t.Helper()
	out, errs, fatal := ReadAll(t, r)
	if fatal != nil {
		var re *rows.Error
		if !errors.As(fatal, &re) {
			t.Fatalf("error %T (%v) is not a *rows.Error", fatal, fatal)
		}
		errs = append(errs, re)
	}
	return out, errs
}

var fuzzDir struct {
	sync.Once
	dir string
}

// FuzzDir is one scratch directory per fuzzing process, reused for every
// input: a t.TempDir per input stalls the fuzzing engine.
func FuzzDir(t testing.TB) string {
	fuzzDir.Do(func() {
		var err error
		if fuzzDir.dir, err = os.MkdirTemp("", "kpbulk-fuzz"); err != nil {
			t.Fatal(err)
		}
	})
	return fuzzDir.dir
}
