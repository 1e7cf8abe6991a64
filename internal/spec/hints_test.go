package spec

import "testing"

func TestHints(t *testing.T) {
	allowed := []string{"saveMode", "extraOptions", "compressionType", "sort", "iceberg"}
	tests := map[string]string{
		"savemode":       "saveMode",
		"save_mode":      "saveMode",
		"SaveMod":        "saveMode",
		"extraOption":    "extraOptions",
		"icebreg":        "iceberg",
		"sorted":         "sort",
		"totallydiffers": "",
		"x":              "",
	}
	for got, want := range tests {
		if c := Closest(got, allowed); c != want {
			t.Errorf("Closest(%q) = %q, want %q", got, c, want)
		}
	}
	for in, want := range map[string]string{"older_than": "olderThan", "dry_run": "dryRun", "max_concurrent_deletes": "maxConcurrentDeletes", "plain": "plain", "_x": "_x"} {
		if got := CamelKey(in); got != want {
			t.Errorf("CamelKey(%q) = %q, want %q", in, got, want)
		}
	}
}
