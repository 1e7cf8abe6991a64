package plan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/connector"
	"github.com/flare-lakehouse/flare/internal/engine"
)

// tuningManifest is the shape of case_scenario/job_optimization_by_tuning.md
// over a file input: stack is the stack section's keys before job, conf
// the sparkConf list items.
func tuningManifest(stack, conf string) string {
	m := `version: v1
name: wf-orders-enriched-data
type: workflow
workflow:
  title: Customer Order Enriched Data
  dag:
    - name: orders-enriched-data
      spec:
        stack: flare:7.0
        compute: runnable-default
        stackSpec:
` + stack + `
          job:
            explain: true
            inputs:
              - name: city
                dataset: dataos://files:none/city.csv
                format: csv
                options: {header: true}
            logLevel: INFO
            outputs:
              - name: settings
                dataset: dataos://files:exports/settings
                format: json
            steps:
              - sequence:
                  - name: settings
                    sql: SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory, current_setting('partitioned_write_max_open_files') AS open_files, count(*) AS n FROM city
`
	if conf != "" {
		m += "          sparkConf:\n" + conf
	}
	return m
}

const docsSizes = `          driver:
            coreLimit: 2000m
            cores: 2
            memory: 2000m
          executor:
            coreLimit: 2200m
            cores: 3
            instances: 2
            memory: 4800m`

const docsConf = `            - spark.sql.adaptive.autoBroadcastJoinThreshold: 10m
            - spark.sql.shuffle.partitions: 50
            - spark.sql.optimizer.dynamicPartitionPruning.enabled: true
            - spark.serializer: org.apache.spark.serializer.KryoSerializer
            - spark.default.parallelism: 45
            - spark.sql.broadcastTimeout: 15
`

// TestTuningPlan compiles Spark sizes and settings into the job's engine
// settings and checks the notes for those that have no effect.
func TestTuningPlan(t *testing.T) {
	p := newProject(t)
	for _, tc := range []struct {
		name, stack, conf string
		threads           int
		memory, tempDir   string
		openFiles         int
		notes             []string
	}{
		{name: "the docs' sizes", stack: docsSizes, conf: docsConf, threads: 4, memory: "9600MiB",
			// coreLimit 2200m caps each executor's 3 cores at 2.
			notes: []string{"driver cores, coreLimit, memory: no effect here",
				"sparkConf.spark.sql.shuffle.partitions has no effect here", "spark.serializer has no effect here",
				"spark.default.parallelism has no effect here", "spark.sql.broadcastTimeout has no effect here",
				"spark.sql.adaptive.autoBroadcastJoinThreshold has no effect here", "spark.sql.optimizer.dynamicPartitionPruning.enabled has no effect here"}},
		{name: "driver only (local mode)", stack: "          driver:\n            cores: 2\n            memory: 3072m", threads: 2, memory: "3072MiB"},
		{name: "memory without a unit is MiB; Gi", stack: "          executor:\n            memory: 2048\n          driver:\n            memory: 1Gi", memory: "2048MiB",
			notes: []string{"driver memory: no effect here"}},
		{name: "sizes in sparkConf", stack: "", conf: "            - spark.executor.cores: 2\n            - spark.executor.instances: 3\n            - spark.executor.memory: 1g\n", threads: 6, memory: "3072MiB"},
		{name: "temp directory and open files", stack: "", conf: "            - spark.local.dir: /tmp/flare-spill,/tmp/other\n            - spark.sql.maxConcurrentOutputFileWriters: 64\n", tempDir: "/tmp/flare-spill", openFiles: 64},
		{name: "instances alone", stack: "          executor:\n            instances: 4", notes: []string{"executor instances: no effect here"}},
		{name: "JVM memory fractions (data_quality_jobs.md)", conf: "            - spark.memory.storageFraction: \"0.1\"\n            - spark.memory.fraction: \"0.1\"\n            - spark.shuffle.memoryFraction: \"0.2\"\n",
			notes: []string{"spark.memory.fraction has no effect here", "spark.memory.storageFraction has no effect here", "spark.shuffle.memoryFraction has no effect here"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(f, []byte(tuningManifest(tc.stack, tc.conf)), 0o644); err != nil {
				t.Fatal(err)
			}
			pl, err := p.compile(f)
			if err != nil {
				t.Fatal(err)
			}
			tu := pl.Jobs[0].Tuning
			var threads, openFiles int
			var memory, tempDir string
			if tu != nil {
				threads, memory, tempDir, openFiles = tu.Threads, tu.MemoryLimit, tu.TempDir, tu.MaxOpenFiles
			}
			if threads != tc.threads || memory != tc.memory || tempDir != tc.tempDir || openFiles != tc.openFiles {
				t.Errorf("engine settings %+v, want threads %d, memory %q, temp %q, open files %d", tu, tc.threads, tc.memory, tc.tempDir, tc.openFiles)
			}
			notes := pl.Notes.Error()
			for _, n := range tc.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("no note %q in:\n%s", n, notes)
				}
			}
			// Every case also has the note for compute: runnable-default.
			if want := len(tc.notes) + 1; len(pl.Notes) != want {
				t.Errorf("%d notes, want %d:\n%s", len(pl.Notes), want, notes)
			}
		})
	}
}

func TestTuningErrors(t *testing.T) {
	p := newProject(t)
	for _, tc := range []struct{ name, stack, conf, err string }{
		{"a size given twice", "          executor:\n            cores: 3", "            - spark.executor.cores: 4\n", "sparkConf spark.executor.cores is 4, but stackSpec.executor.cores is 3"},
		{"driver instances", "          driver:\n            instances: 2", "", "a Spark job has one driver"},
		{"a bad memory size", "          executor:\n            memory: 4 bananas", "", "unknown unit"},
		{"a bad core limit", "          executor:\n            coreLimit: lots", "", "not a CPU quantity"},
		{"zero cores", "          executor:\n            cores: 0", "", "cores"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "m.yaml")
			if err := os.WriteFile(f, []byte(tuningManifest(tc.stack, tc.conf)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := p.compile(f)
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "m.yaml:") {
				t.Fatalf("error %v\nwant one at m.yaml:line containing %q", err, tc.err)
			}
		})
	}
}

// TestTuningRuns runs a job sized for one thread and a small memory limit
// and reads, from inside the job's SQL, the settings it ran with.
func TestTuningRuns(t *testing.T) {
	p := newProject(t)
	// An engine without settings of its own: the project's fixes threads,
	// as --threads would, which wins over the job's.
	eng := engine.NewPool(engine.Settings{})
	defer eng.Close()
	p.eng = eng
	stack := "          executor:\n            cores: 1\n            memory: 256m"
	conf := "            - spark.sql.maxConcurrentOutputFileWriters: 17\n"
	if err := p.run(t, tuningManifest(stack, conf)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ses, err := p.eng.Session(ctx, engine.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	defer ses.Close()
	rel, err := connector.ReadSQL(connector.Source{Path: filepath.Join(p.dir, "data/exports/settings"), Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ses.Query(ctx, "SELECT threads, memory, open_files FROM "+rel, -1)
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	if fmt.Sprint(row[0]) != "1" || fmt.Sprint(row[1]) != "256.0 MiB" || fmt.Sprint(row[2]) != "17" {
		t.Errorf("the job ran with threads %v, memory %v, open files %v; want 1, 256.0 MiB, 17", row[0], row[1], row[2])
	}
	// The command's engine keeps its own settings (the job had an engine of
	// its own).
	res, err = ses.Query(ctx, "SELECT current_setting('threads'), current_setting('partitioned_write_max_open_files')", -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Rows[0]; fmt.Sprint(got[0]) != strconv.Itoa(runtime.NumCPU()) || fmt.Sprint(got[1]) != "1000" {
		t.Errorf("after the job: threads %v, open files %v; want the engine's own (%d, 1000)", got[0], got[1], runtime.NumCPU())
	}
}
