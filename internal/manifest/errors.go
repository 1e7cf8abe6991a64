package manifest

import "github.com/flare-lakehouse/flare/internal/spec"

// Pos is a place in a manifest (or in a file it names, such as a sqlFile).
type Pos = spec.Pos

// Error is one problem found in a manifest.
type Error = spec.Error

// ErrorList is every problem found in a manifest, sorted by position.
type ErrorList = spec.ErrorList
