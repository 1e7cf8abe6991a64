// Package cli is Flare's command line: flags, help text, wiring of the
// other packages and exit codes. It holds no data logic; cmd/flare only
// calls Main.
package cli
