package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/engine"
	"github.com/flare-lakehouse/flare/internal/workflow"
)

// Version is set at build time with -ldflags "-X .../cli.Version=...".
var Version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // a job or command failed
	exitInvalid = 2 // bad manifest, flags or configuration
)

type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string
	logLevel       string
	threads        int
	memory         string
	// pool is the command's engines, made on first use (engines) and
	// closed, with its temp folder, when the command ends.
	pool    *engine.Pool
	tempDir string
	// sig stops stream jobs on a first signal (stream.go).
	sig *signals
}

// invalidError marks errors that are the user's input, not a failed run.
type invalidError struct{ err error }

func (e invalidError) Error() string { return e.err.Error() }
func (e invalidError) Unwrap() error { return e.err }

// Main runs the CLI and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	ctx, stop := a.signalContext() // stream.go
	defer stop()
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.pool != nil {
		a.pool.Close()
	}
	if a.tempDir != "" {
		os.RemoveAll(a.tempDir)
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "error:", strings.TrimSpace(err.Error()))
	var inv invalidError
	if errors.As(err, &inv) || strings.HasPrefix(err.Error(), "unknown command ") {
		return exitInvalid
	}
	return exitFailed
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "flare",
		Short: "Run Flare manifests on an embedded engine and write Apache Iceberg tables",
		Long: `Flare runs declarative data jobs. A manifest (YAML) names input datasets, SQL steps
and outputs; Flare reads the inputs, runs the SQL on an embedded DuckDB engine and
writes Apache Iceberg tables into a lakehouse folder, one atomic commit per output.

With no flare.yaml in the working directory, a lakehouse depot named "lakehouse"
(alias "icebase") keeps tables under ./lakehouse with an embedded catalog.
Declare more depots in flare.yaml:

  depots:
    lakehouse:  {type: lakehouse, path: ./lakehouse}
    thirdparty: {type: file, path: ./data}

Datasets are addressed as dataos://<depot>:<collection>/<dataset>.`,
		Example: `  flare run examples/city/ingest.yaml
  flare validate examples/city/ingest.yaml
  flare sql "SELECT state_name, count(*) FROM lakehouse.retail.city GROUP BY 1"
  flare table describe lakehouse.retail.city`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.setupLogging()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "project configuration (default: ./flare.yaml if present)")
	pf.StringVar(&a.logLevel, "log-level", "", "log level: debug, info, warn, error (default: the job's logLevel, else warn)")
	pf.IntVar(&a.threads, "threads", 0, "engine worker threads (default: all cores)")
	pf.StringVar(&a.memory, "memory-limit", "", "engine memory limit, e.g. 4GB (default: 80% of RAM); the engine spills beyond it")
	root.AddCommand(a.runCmd(), a.validateCmd(), a.planCmd(), a.sqlCmd(), a.tableCmd(), a.stateCmd(), a.versionCmd())
	root.AddCommand(a.streamCmd(), a.kafkaCmd()) // kafka.go
	strict(root)
	return root
}

// strict makes every usage error of the command tree an invalidError (exit
// code 2): unknown flags, wrong argument counts, and unknown subcommands of
// commands that only group others (cobra prints their help and exits 0).
func strict(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return invalidError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return invalidError{fmt.Errorf("%s: %w (see %s --help)", c.CommandPath(), err, c.CommandPath())}
			}
			return nil
		}
	}
	if cmd.HasSubCommands() && cmd.RunE == nil && cmd.Run == nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if len(a) > 0 {
				return invalidError{fmt.Errorf("unknown command %q for %q (see %s --help)", a[0], c.CommandPath(), c.CommandPath())}
			}
			return nil
		}
		cmd.RunE = func(c *cobra.Command, a []string) error { return c.Help() }
	}
	for _, sub := range cmd.Commands() {
		strict(sub)
	}
}

func (a *app) setupLogging() error {
	lvl := slog.LevelWarn
	if a.logLevel != "" {
		l, err := parseLevel(a.logLevel)
		if err != nil {
			return invalidError{err}
		}
		lvl = l
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lvl})))
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug", "trace":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "fatal", "off":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q (debug, info, warn, error)", s)
}

func (a *app) config() (*depot.Config, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg, err := depot.Load(wd, a.configPath)
	if err != nil {
		return nil, invalidError{err}
	}
	return cfg, nil
}

func (a *app) engineSettings() engine.Settings {
	return engine.Settings{Threads: a.threads, MemoryLimit: a.memory}
}

// engines returns the command's engine pool, made on first use: every
// session the command opens (compiling, each job) is on one of its engines.
// SQL may read and write files only in the depots' folders and the
// command's own temp folder (for spilling and staging): the engines are
// sandboxed there.
func (a *app) engines(cfg *depot.Config) (*engine.Pool, error) {
	if a.pool != nil {
		return a.pool, nil
	}
	dir, err := os.MkdirTemp("", "flare-")
	if err != nil {
		return nil, fmt.Errorf("engine temp folder: %w", err)
	}
	a.tempDir = dir
	s := a.engineSettings()
	s.TempDir = dir
	s.AllowedDirs = []string{dir}
	for _, d := range cfg.Depots() {
		if d.Path != "" && !d.OnObjectStorage() {
			s.AllowedDirs = append(s.AllowedDirs, d.Path)
		}
		if d.StateDir != "" { // a lakehouse on object storage: DuckDB reads and writes its file mirror
			s.AllowedDirs = append(s.AllowedDirs, d.StateDir)
		}
	}
	a.pool = engine.NewPool(s)
	return a.pool, nil
}

// session opens a session with the command's base settings.
func (a *app) session(ctx context.Context, cfg *depot.Config) (*engine.Session, error) {
	p, err := a.engines(cfg)
	if err != nil {
		return nil, err
	}
	return p.Session(ctx, engine.Overrides{})
}

func (a *app) isTerminal() bool {
	f, ok := a.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (a *app) progress() *workflow.Progress {
	return workflow.NewProgress(a.stderr, a.isTerminal())
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Flare's version and the engine's",
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.stdout, "flare %s (DuckDB engine, Apache Iceberg tables via iceberg-go)\n", Version)
			return nil
		},
	}
}
