// Package doccases holds tests only: it runs the example manifests of the
// Flare docs' case-scenario pages (moderndatacompany/dataos.info,
// docs/resources/stacks/flare/case_scenario), copied as written into
// testdata/pages, with a flare.yaml depot map and small data of our own
// (testdata/make_data.py, testdata/seed), and checks their results: values,
// column names and types, partition specs and the files written.
//
// A manifest that does not run as written is a case that must fail with the
// message it fails with today, and says whose it is: the docs (the manifest
// is wrong as written, in Spark too) or the part of Flare-Go that has yet to
// run it. When such a case starts to run, the test fails until its mark is
// removed, so that it is then checked like the others.
//
// It must not hold code that other packages use.
package doccases
