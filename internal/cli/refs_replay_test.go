package cli

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// partitionFiles parses `flare table files` output into partition -> files.
func partitionFiles(t *testing.T, out string) map[string]string {
	t.Helper()
	by := map[string][]string{}
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasSuffix(f[0], ".parquet") {
			continue
		}
		by[f[1]] = append(by[f[1]], f[0])
	}
	res := map[string]string{}
	for k, v := range by {
		sort.Strings(v)
		res[k] = strings.Join(v, ",")
	}
	return res
}

// TestReplayExample runs docs/replay.md: load seven days, replay three with
// --var, and check the other four keep the same files and rows.
func TestReplayExample(t *testing.T) {
	project(t)
	const m = "examples/replay/daily_sales.yaml"
	const rows = `SELECT sale_date, store, orders, amount FROM lakehouse.replay.daily_sales ORDER BY ALL`
	mustFlare(t, "run", m, "--var", "from=2024-03-01", "--var", "to=2024-03-07")
	before := partitionFiles(t, mustFlare(t, "table", "files", "lakehouse.replay.daily_sales").stdout)
	beforeRows := mustFlare(t, "sql", "--format", "csv", rows).stdout
	if len(before) != 7 {
		t.Fatalf("%d partitions after the first load, want 7", len(before))
	}

	mustFlare(t, "run", m, "--var", "from=2024-03-03", "--var", "to=2024-03-05")
	after := partitionFiles(t, mustFlare(t, "table", "files", "lakehouse.replay.daily_sales").stdout)
	for part, files := range before {
		replayed := part >= "sale_date=2024-03-03" && part <= "sale_date=2024-03-05"
		if replayed == (after[part] == files) {
			t.Errorf("partition %s (replayed %v): files before %s, after %s", part, replayed, files, after[part])
		}
	}
	if got := mustFlare(t, "sql", "--format", "csv", rows).stdout; got != beforeRows {
		t.Errorf("rows changed by a replay of the same input:\n%s\nwant:\n%s", got, beforeRows)
	}
	got := mustFlare(t, "sql", "--format", "csv", `SELECT computed_for, count(*) FROM lakehouse.replay.daily_sales GROUP BY 1 ORDER BY 1`).stdout
	if want := "computed_for,count_star()\n2024-03-01..2024-03-07,12\n2024-03-03..2024-03-05,9\n"; got != want {
		t.Errorf("rows by run:\n%s\nwant:\n%s", got, want)
	}
	snaps := mustFlare(t, "table", "snapshots", "lakehouse.replay.daily_sales").stdout
	if n := strings.Count(snaps, "overwrite"); n != 1 {
		t.Errorf("the replay made %d overwrite snapshots, want 1:\n%s", n, snaps)
	}

	t.Run("an unset variable is an error naming it", func(t *testing.T) {
		r := flare(t, "run", m, "--var", "from=2024-03-03")
		if r.code == 0 || !strings.Contains(r.stderr, "to") {
			t.Errorf("exit %d, stderr %q; want a failure naming variable to", r.code, r.stderr)
		}
	})
}

// TestWAPExample runs docs/branches.md: write to branch audit, audit it with
// a SQL assertion, publish only when it passes.
func TestWAPExample(t *testing.T) {
	project(t)
	count := func(args ...string) string {
		t.Helper()
		a := append([]string{"sql", "--format", "csv"}, args...)
		a = append(a, "SELECT count(*) AS n FROM lakehouse.wap.orders")
		return strings.TrimPrefix(strings.TrimSpace(mustFlare(t, a...).stdout), "n\n")
	}
	mustFlare(t, "run", "examples/wap/setup.yaml")
	r := mustFlare(t, "run", "examples/wap/orders.yaml", "--var", "file=orders_new.csv")
	if !strings.Contains(r.stdout+r.stderr, "2 of 2 jobs succeeded") {
		t.Errorf("run output:\n%s%s", r.stdout, r.stderr)
	}
	if got := count(); got != "6" {
		t.Errorf("main has %s rows before publish, want 6", got)
	}
	if got := count("--branch", "audit"); got != "9" {
		t.Errorf("branch audit has %s rows, want 9", got)
	}
	out := mustFlare(t, "table", "publish", "lakehouse.wap.orders", "audit").stdout
	if !strings.Contains(out, "fast-forward") {
		t.Errorf("publish said %q", out)
	}
	if got := count(); got != "9" {
		t.Errorf("main has %s rows after publish, want 9", got)
	}

	t.Run("a failed audit fails the run and main is unchanged", func(t *testing.T) {
		r := flare(t, "run", "examples/wap/orders.yaml", "--var", "file=orders_bad.csv")
		if r.code == 0 || !strings.Contains(r.stderr, "audit failed: 1 orders with a negative amount") {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		if got := count(); got != "9" {
			t.Errorf("main has %s rows, want 9", got)
		}
		mustFlare(t, "table", "branch", "drop", "lakehouse.wap.orders", "audit")
	})

	t.Run("publish refuses when main moved on", func(t *testing.T) {
		mustFlare(t, "run", "examples/wap/setup.yaml")                                  // main back to the 6 initial orders
		mustFlare(t, "run", "examples/wap/orders.yaml", "--var", "file=orders_new.csv") // recreates audit from main
		mustFlare(t, "run", "examples/wap/setup.yaml")                                  // main moves on
		r := flare(t, "table", "publish", "lakehouse.wap.orders", "audit")
		if r.code == 0 || !strings.Contains(r.stderr, "main has moved on") || !strings.Contains(r.stderr, "--force") {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
		mustFlare(t, "table", "publish", "lakehouse.wap.orders", "audit", "--force")
		if got := count(); got != "9" {
			t.Errorf("main has %s rows after a forced publish, want 9 (the branch's)", got)
		}
	})
}

// TestTableRefCommandsAndTimeTravel covers flare table branch|tag and the
// time-travel flags of flare sql, with their failure paths.
func TestTableRefCommandsAndTimeTravel(t *testing.T) {
	project(t)
	mustFlare(t, "run", "examples/wap/setup.yaml")
	snapRe := regexp.MustCompile(`at snapshot (\d+)`)
	out := mustFlare(t, "table", "tag", "create", "lakehouse.wap.orders", "v1").stdout
	m := snapRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("tag create said %q", out)
	}
	first := m[1]
	mustFlare(t, "run", "examples/wap/orders.yaml", "--var", "file=orders_new.csv")
	mustFlare(t, "table", "publish", "lakehouse.wap.orders", "audit")
	mustFlare(t, "table", "branch", "create", "lakehouse.wap.orders", "old", "--snapshot", first)

	if got := mustFlare(t, "table", "branch", "list", "lakehouse.wap.orders").stdout; !regexp.MustCompile(`(?m)^main .*\n^audit .*\n^old +` + first).MatchString(got) {
		t.Errorf("branch list:\n%s", got)
	}
	if got := mustFlare(t, "table", "tag", "list", "lakehouse.wap.orders").stdout; !regexp.MustCompile(`(?m)^v1 +` + first).MatchString(got) {
		t.Errorf("tag list:\n%s", got)
	}
	const q = "SELECT count(*) AS n FROM lakehouse.wap.orders"
	reads := []struct {
		flags []string
		want  string
	}{
		{nil, "9"},
		{[]string{"--tag", "v1"}, "6"},
		{[]string{"--branch", "old"}, "6"},
		{[]string{"--snapshot", first}, "6"},
		{[]string{"--as-of", "2000-01-01T00:00:00Z"}, ""}, // before the table: an error
		{[]string{"--as-of", fmt.Sprint(9999999999999)}, "9"},
	}
	for _, rd := range reads {
		t.Run("sql "+strings.Join(rd.flags, " "), func(t *testing.T) {
			args := append(append([]string{"sql", "--format", "csv"}, rd.flags...), q)
			r := flare(t, args...)
			if rd.want == "" {
				if r.code == 0 {
					t.Errorf("succeeded with %q, want an error", r.stdout)
				}
				return
			}
			if r.code != 0 || strings.TrimSpace(r.stdout) != "n\n"+rd.want {
				t.Errorf("exit %d, stdout %q, stderr %q; want %s rows", r.code, r.stdout, r.stderr, rd.want)
			}
		})
	}

	t.Run("input options", func(t *testing.T) {
		manifest := fmt.Sprintf(`version: v1
name: reads
type: workflow
workflow:
  dag:
    - name: reads
      spec:
        stack: flare:6.0
        stackSpec:
          job:
            inputs:
              - {name: at_tag, dataset: "dataos://lakehouse:wap/orders", format: iceberg, options: {tag: v1}}
              - {name: at_branch, dataset: "dataos://lakehouse:wap/orders", format: iceberg, options: {branch: old}}
              - {name: at_snapshot, dataset: "dataos://lakehouse:wap/orders", format: iceberg, options: {snapshot-id: "%s"}}
              - {name: as_of, dataset: "dataos://lakehouse:wap/orders", format: iceberg, options: {as-of-timestamp: "9999999999999"}}
            steps:
              - sequence:
                  - {name: counts, sql: "SELECT (SELECT count(*) FROM at_tag) || '|' || (SELECT count(*) FROM at_branch) || '|' || (SELECT count(*) FROM at_snapshot) || '|' || (SELECT count(*) FROM as_of) AS n"}
`, first)
		writeFile(t, "reads.yaml", manifest)
		got := mustFlare(t, "sql", "--format", "csv", "--manifest", "reads.yaml", "SELECT n FROM counts").stdout
		if strings.TrimSpace(got) != "n\n6|6|6|9" {
			t.Errorf("counts at tag, branch, snapshot, as-of: %q, want 6|6|6|9", got)
		}
	})

	failures := []struct {
		name string
		args []string
		msg  string
	}{
		{"two selectors", []string{"sql", "--tag", "v1", "--branch", "old", q}, "at most one"},
		{"bad --as-of", []string{"sql", "--as-of", "yesterday", q}, "--as-of"},
		{"unknown branch", []string{"sql", "--branch", "nope", q}, "nope"},
		{"existing tag", []string{"table", "tag", "create", "lakehouse.wap.orders", "v1"}, "already exists"},
		{"drop main", []string{"table", "branch", "drop", "lakehouse.wap.orders", "main"}, "main cannot be dropped"},
		{"drop a tag as a branch", []string{"table", "branch", "drop", "lakehouse.wap.orders", "v1"}, "it is a tag"},
		{"publish a missing branch", []string{"table", "publish", "lakehouse.wap.orders", "gone"}, "gone"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			r := flare(t, f.args...)
			if r.code == 0 || !strings.Contains(r.stderr, f.msg) {
				t.Errorf("exit %d, stderr %q; want a failure mentioning %q", r.code, r.stderr, f.msg)
			}
		})
	}

	mustFlare(t, "table", "branch", "drop", "lakehouse.wap.orders", "old")
	mustFlare(t, "table", "tag", "drop", "lakehouse.wap.orders", "v1")
	if got := mustFlare(t, "table", "tag", "list", "lakehouse.wap.orders").stdout; strings.Contains(got, "v1") {
		t.Errorf("tag v1 still listed:\n%s", got)
	}
}
