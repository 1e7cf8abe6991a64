// Package workflow runs manifests: it checks a Workflow against the
// project's depots, orders its jobs by their dependencies, and runs each
// job's inputs, steps and outputs in an engine session, reporting progress
// and a summary.
//
// It is the only package that knows all the others: manifest (what to do),
// depot (where data lives), engine (SQL), connector (files), database
// (PostgreSQL and MySQL tables, database.go) and lakehouse (Iceberg tables).
// It must not hold format or table logic itself.
package workflow
