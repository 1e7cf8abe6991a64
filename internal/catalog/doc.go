// Package catalog opens the lakehouses of a project's depots, each once per
// run, and loads their tables by depot and name. The compile step reads
// table schemas through it and the runner reads and writes tables through
// it. It owns no data and no SQL.
package catalog
