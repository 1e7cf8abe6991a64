package kafka

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestScratchJSON(t *testing.T) {
	conn := duck(t)
	c := context.Background()
	ev := `SELECT i AS event_id, hash(i) % 100000 AS user_id,
  ['view', 'click', 'cart', 'buy'][1 + (i % 4)::INT] AS type,
  TIMESTAMPTZ '2026-11-01 00:00:00+00' + INTERVAL (i) MILLISECOND AS ts,
  round((hash(i * 7) % 100000) / 100.0, 2) AS amount,
  ['DE', 'FR', 'US', 'IN', 'BR', 'JP'][1 + (i % 6)::INT] AS country,
  '/product/' || (hash(i * 13) % 5000) AS page,
  md5(CAST(i // 20 AS VARCHAR)) AS session
FROM range(1000000) t(i)`
	exec := func(label, q string) {
		best, bestCPU := time.Hour, time.Hour
		for i := 0; i < 3; i++ {
			c0 := cpuTime()
			t0 := time.Now()
			if _, err := conn.ExecContext(c, q); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			best = min(best, time.Since(t0))
			bestCPU = min(bestCPU, cpuTime()-c0)
			if strings.HasPrefix(label, "make") || strings.HasPrefix(label, "drop") {
				break
			}
		}
		fmt.Printf("%-40s %8.3f s wall %8.3f s cpu\n", label, best.Seconds(), bestCPU.Seconds())
	}
	exec("make raw", "CREATE TEMP TABLE raw AS SELECT NULL::BLOB AS key, encode(to_json(e)::VARCHAR) AS value, 't' AS topic, (event_id % 4)::INT AS partition, event_id AS offset FROM ("+ev+") e")
	S := `'{"event_id":"BIGINT","user_id":"BIGINT","type":"VARCHAR","ts":"TIMESTAMP WITH TIME ZONE","amount":"DECIMAL(10,2)","country":"VARCHAR","page":"VARCHAR","session":"VARCHAR"}'`
	SJ := `'{"event_id":"JSON","user_id":"JSON","type":"JSON","ts":"JSON","amount":"JSON","country":"JSON","page":"JSON","session":"JSON"}'`
	exec("strict unnest", "CREATE OR REPLACE TEMP TABLE x AS SELECT unnest(json_transform_strict(decode(value), "+S+")) FROM raw")
	exec("strict unnest again", "CREATE OR REPLACE TEMP TABLE x AS SELECT unnest(json_transform_strict(decode(value), "+S+")) FROM raw")
	exec("lenient unnest", "CREATE OR REPLACE TEMP TABLE x AS SELECT unnest(json_transform(decode(value), "+S+")) FROM raw")
	exec("lenient unnest + oracle flag", "CREATE OR REPLACE TEMP TABLE x AS SELECT unnest(s), (s.event_id IS NULL AND j.event_id IS NOT NULL) OR (s.ts IS NULL AND j.ts IS NOT NULL) OR (s.amount IS NULL AND j.amount IS NOT NULL) OR (s.page IS NULL AND j.page IS NOT NULL) AS bad FROM (SELECT json_transform(v, "+S+") AS s, json_transform(v, "+SJ+") AS j FROM (SELECT decode(value) AS v FROM raw))")
	exec("TRY lenient unnest + oracle flag", "CREATE OR REPLACE TEMP TABLE x AS SELECT unnest(s), (s.event_id IS NULL AND j.event_id IS NOT NULL) OR (s.ts IS NULL AND j.ts IS NOT NULL) OR (s.amount IS NULL AND j.amount IS NOT NULL) OR (s.page IS NULL AND j.page IS NOT NULL) AS bad FROM (SELECT TRY(json_transform(v, "+S+")) AS s, TRY(json_transform(v, "+SJ+")) AS j FROM (SELECT TRY(decode(value)) AS v FROM raw))")
	exec("count bad (aggregate only)", "SELECT count(*) FILTER (WHERE (s.event_id IS NULL AND j.event_id IS NOT NULL) OR (s.ts IS NULL AND j.ts IS NOT NULL)) FROM (SELECT json_transform(v, "+S+") AS s, json_transform(v, "+SJ+") AS j FROM (SELECT decode(value) AS v FROM raw))")
	exec("select where not bad", "CREATE OR REPLACE TEMP TABLE y AS SELECT * FROM x")
	exec("positional join", "CREATE OR REPLACE TEMP TABLE z AS SELECT raw.*, x.event_id FROM raw POSITIONAL JOIN x WHERE x.event_id % 1000 = 0")
	exec("order by partition, offset", `CREATE OR REPLACE TEMP TABLE y AS SELECT * FROM raw ORDER BY "partition", "offset"`)
	exec("json_group_structure 100k", "SELECT json_group_structure(decode(value)::JSON) FROM (SELECT value FROM raw LIMIT 100000)")
	exec("distinct json_structure 100k", "SELECT json_group_structure(s) FROM (SELECT DISTINCT json_structure(decode(value)) s FROM (SELECT value FROM raw LIMIT 100000))")
	exec("distinct json_structure 1M", "SELECT json_group_structure(s) FROM (SELECT DISTINCT json_structure(decode(value)) s FROM raw)")
	exec("json_structure count 1M", "SELECT count(json_structure(decode(value))) FROM raw")
	exec("json_keys distinct 1M", "SELECT count(DISTINCT json_keys(decode(value))) FROM raw")
	_ = strings.Join
}
