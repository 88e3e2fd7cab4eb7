package mapping

import (
	"context"
	"errors"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// Opener opens a source file; formats.Open in production. The mapping passes
// the set's reader options (sheet, crs, ...) and DisplayName = the source
// path as written in the mapping.
type Opener func(path string, opts rows.Options) (rows.Reader, error)

// Build reads every source and returns all entities and all problems in one
// pass. The error is non-nil only when the whole run stops (ctx cancelled);
// unreadable sources and bad values are Problems.
func (m *Mapping) Build(ctx context.Context, open Opener) (*Result, error) {
	return nil, errors.New("mapping: Build not implemented yet")
}
