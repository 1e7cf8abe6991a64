package workflow

import (
	"slices"
	"strconv"
	"testing"
)

// TestFilesState: a file list survives encoding; an empty list and an
// unset state decode to none; a foreign value is an error.
func TestFilesState(t *testing.T) {
	for _, files := range [][]string{nil, {"a.csv"}, {"2024/b.csv", "a b.csv", "c.csv"}} {
		enc, err := EncodeFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeFiles(enc)
		if err != nil || !slices.Equal(got, files) {
			t.Errorf("%v: decoded %v, %v", files, got, err)
		}
		if want := len(files); StateDisplay(enc) != "("+strconv.Itoa(want)+" files read)" {
			t.Errorf("%v: shown as %q", files, StateDisplay(enc))
		}
	}
	if got, err := DecodeFiles(""); err != nil || got != nil {
		t.Errorf("unset state: %v, %v", got, err)
	}
	if _, err := DecodeFiles("2020-01-01"); err == nil {
		t.Error("a foreign value decoded as a file list")
	}
}
