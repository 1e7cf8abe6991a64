package rowlevel

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseWhen(t *testing.T) {
	tests := []struct {
		when string
		want string // clauses as matched|cond|action|star|assigns, joined by " ; "
		err  string
	}{
		{"MATCHED THEN UPDATE SET *", "true||UPDATE|true|[]", ""},
		{"when matched then delete", "true||DELETE|false|[]", ""},
		{"MATCHED THEN UPDATE SET old.email = new.email, `Name` = concat(new.a, ',', 'x = y')",
			"true||UPDATE|false|[{email new.email} {Name concat(new.a, ',', 'x = y')}]", ""},
		{"MATCHED AND new.op = 'when' THEN DELETE WHEN NOT MATCHED BY TARGET THEN INSERT (id, v) VALUES (new.id, coalesce(new.v, 0))",
			"true|new.op = 'when'|DELETE|false|[] ; false||INSERT|false|[{id new.id} {v coalesce(new.v, 0)}]", ""},
		{"MATCHED THEN DELETE WHEN MATCHED THEN UPDATE SET *", "", "can never fire"},
		{"NOT MATCHED THEN UPDATE SET *", "", "can only INSERT"},
		{"MATCHED THEN INSERT *", "", "not INSERT"},
		{"NOT MATCHED BY SOURCE THEN DELETE", "", "not supported"},
		{"MATCHED UPDATE SET *", "", "missing THEN"},
		{"NOT MATCHED THEN INSERT (a, b) VALUES (1)", "", "2 columns but gives 1 values"},
		{"MATCHED THEN UPDATE SET other.a = 1", "", "only the table's columns"},
		{"", "", "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.when, func(t *testing.T) {
			cs, err := parseWhen(tc.when, "old")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, fmt.Sprintf("%v|%s|%s|%v|%v", c.matched, c.cond, c.action, c.star, c.assigns))
			}
			if g := strings.Join(got, " ; "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}
