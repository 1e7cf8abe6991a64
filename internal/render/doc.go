// Package render prints query results for people and programs: an aligned
// text table, CSV, or JSON lines. It owns value formatting (timestamps,
// NULLs, nested values) and nothing else.
package render
