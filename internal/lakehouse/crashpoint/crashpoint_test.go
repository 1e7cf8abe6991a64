package crashpoint_test

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/flare-lakehouse/flare/internal/lakehouse/crashpoint"
)

// TestHit runs this test binary again as a child that reaches points; the
// child must die by SIGKILL exactly at the armed point (and its n-th hit).
func TestHit(t *testing.T) {
	if os.Getenv("CRASHPOINT_CHILD") == "1" {
		for range 3 {
			crashpoint.Hit(crashpoint.StatsRead)
			os.Stdout.WriteString("passed\n")
		}
		os.Exit(0)
	}
	tests := []struct {
		env    string
		passed int // lines printed before the kill; -1: no kill
	}{
		{"", -1},
		{crashpoint.CommitStaged, -1},
		{crashpoint.StatsRead, 0},
		{crashpoint.StatsRead + "#2", 1},
		{crashpoint.StatsRead + "#9", -1},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHit$")
			cmd.Env = append(os.Environ(), "CRASHPOINT_CHILD=1", crashpoint.EnvVar+"="+tc.env)
			out, err := cmd.Output()
			var ee *exec.ExitError
			killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
			lines := 0
			for _, c := range out {
				if c == '\n' {
					lines++
				}
			}
			switch {
			case tc.passed < 0 && (err != nil || lines != 3):
				t.Errorf("child: err %v, %d lines; want a clean exit after 3", err, lines)
			case tc.passed >= 0 && !killed:
				t.Errorf("child: err %v; want death by SIGKILL", err)
			case tc.passed >= 0 && lines != tc.passed:
				t.Errorf("child printed %d lines before dying, want %d", lines, tc.passed)
			}
		})
	}
}
