package plan_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/lakehouse"
	"github.com/flare-lakehouse/flare/internal/plan"
)

// TestParseMergeClauses: the forms of a merge's whenClause, split with
// the Spark SQL lexer into typed clauses whose expressions went through
// the Spark SQL front, and its mistakes at line:col of the clause text.
func TestParseMergeClauses(t *testing.T) {
	tests := []struct {
		when string
		want string // the clauses rendered (lakehouse.MergeClausesSQL) or, for an error, "line:col: message"
	}{
		{"MATCHED THEN UPDATE SET *", "WHEN MATCHED THEN UPDATE SET *"},
		{"when matched then delete", "WHEN MATCHED THEN DELETE"},
		{"WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *", "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"},
		{"MATCHED THEN UPDATE SET old.email = new.email, `Na me` = coalesce(new.a, 'x = y, z')",
			`WHEN MATCHED THEN UPDATE SET "email" = new.email, "Na me" = coalesce(new.a, 'x = y, z')`},
		// Spark's "..." is a string; the condition's WHEN ... THEN is a CASE's.
		{`MATCHED AND new.op = "when" THEN DELETE WHEN NOT MATCHED BY TARGET AND CASE WHEN new.v > 0 THEN true END THEN INSERT (id, v) VALUES (new.id, coalesce(new.v, 0))`,
			`WHEN MATCHED AND new.op = 'when' THEN DELETE WHEN NOT MATCHED AND CASE WHEN new.v > 0 THEN true END THEN INSERT ("id", "v") VALUES (new.id, coalesce(new.v, 0))`},
		{"MATCHED AND new.zip = \"36006\" -- a comment\n  THEN UPDATE SET city = upper(new.city)",
			`WHEN MATCHED AND new.zip = '36006' THEN UPDATE SET "city" = upper(new.city)`},
		{"", "1:1: merge whenClause is empty"},
		{"MATCHED THEN DELETE WHEN MATCHED THEN UPDATE SET *", "1:26: the clause WHEN MATCHED THEN UPDATE SET * can never fire"},
		{"NOT MATCHED THEN UPDATE SET *", "1:18: NOT MATCHED clauses can only INSERT"},
		{"MATCHED THEN INSERT *", "1:14: MATCHED clauses can UPDATE or DELETE, not INSERT"},
		{"NOT MATCHED BY SOURCE THEN DELETE", "1:16: NOT MATCHED BY SOURCE is not supported yet"},
		{"NOT MATCHED BY TRAGET THEN INSERT *", "1:13: expected NOT MATCHED BY TARGET"},
		{"MATCHED UPDATE SET *", "1:20: missing THEN after WHEN MATCHED"},
		{"MATCHED OR x THEN DELETE", `1:9: expected AND <condition> or THEN, found "OR"`},
		{"MATCHED AND THEN DELETE", "1:9: AND needs a condition"},
		{"MATCHED THEN", "1:9: missing action after THEN"},
		{"MATCHED THEN MERGE", "1:14: unknown action MERGE"},
		{"MATCHED THEN DELETE now", `1:21: unexpected "now" after DELETE`},
		{"MATCHED THEN UPDATE *", "1:14: expected UPDATE SET"},
		{"MATCHED THEN UPDATE SET a", `1:25: assignment "a": expected column = expression`},
		{"MATCHED THEN UPDATE SET a =", `1:27: assignment "a =" has no expression`},
		{"MATCHED THEN UPDATE SET other.a = 1", "1:25: assignment target other.a: only the table's columns"},
		{"MATCHED THEN UPDATE SET 'a' = 1", `1:25: "'a'" is not a column name`},
		{"NOT MATCHED THEN INSERT (a, b) VALUES (1)", "1:32: INSERT names 2 columns but gives 1 values"},
		{"NOT MATCHED THEN INSERT a VALUES 1", "1:18: expected INSERT * or INSERT (columns) VALUES (expressions)"},
		{"MATCHED THEN UPDATE SET a = 'open", "1:29: "},
		{"MATCHED AND\n  new.x = 1 AND frobnicate(\n THEN DELETE", "2:27: ( is not closed"},
		{"MATCHED AND\n  new.x = 1 AND frobnicate)\n THEN DELETE", "2:27: ) closes nothing"},
		{"OTHERWISE THEN DELETE", `1:1: expected MATCHED or NOT MATCHED, found "OTHERWISE"`},
		{"WHEN", "1:1: WHEN without a clause"},
	}
	for _, tc := range tests {
		t.Run(tc.when, func(t *testing.T) {
			cs, err := plan.ParseMergeClauses(tc.when)
			var got string
			if err != nil {
				var se *engine.SQLError
				if !errors.As(err, &se) {
					t.Fatalf("error %T %v, want an *engine.SQLError", err, err)
				}
				got = fmt.Sprintf("%d:%d: %s", se.Line, se.Col, se.Msg)
			} else {
				got = lakehouse.MergeClausesSQL(cs)
			}
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
