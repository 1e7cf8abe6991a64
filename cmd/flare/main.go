// Command flare runs Flare manifests: batch jobs that read datasets, run
// SQL steps on an embedded DuckDB engine and write Apache Iceberg tables.
// Run `flare --help` for the commands.
package main

import (
	"os"

	"github.com/flare-lakehouse/flare/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
