package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver

	"github.com/flare-lakehouse/flare/internal/sparksql"
)

// Settings tune the DuckDB session. Zero values keep DuckDB's defaults.
type Settings struct {
	// Threads is the number of worker threads.
	Threads int
	// MemoryLimit is a DuckDB size such as "4GB".
	MemoryLimit string
	// TempDir is where DuckDB spills when memory runs short.
	TempDir string
	// MaxOpenFiles is how many files a partitioned write keeps open
	// (default 1000).
	MaxOpenFiles int
	// AllowedDirs, when not nil, is the only places SQL may read or write
	// files (the depots' folders and TempDir, which must be among them):
	// DuckDB's external access is turned off outside them and the
	// configuration is locked, so that no statement can change it back.
	AllowedDirs []string
	// TimeZone is the session time zone, Spark's spark.sql.session.timeZone:
	// the zone in which timestamps without a zone are read and shown, and
	// from_unixtime, unix_timestamp, to_utc_timestamp ... work. An IANA name
	// such as "Europe/Berlin" or "UTC". Default "UTC" (Spark's default is the
	// machine's zone; Flare does not depend on the machine).
	TimeZone string
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// Engine is one DuckDB database for a command's work: its settings are
// applied once, and the Spark SQL functions a statement calls are created
// in it the first time a statement needs them (creating all of them up
// front costs far more than opening a connection). Each job works in a
// Session of its own, a connection whose views are temporary: they belong
// to that session alone. Only the lakehouse tables bound by three-part name
// (DefineTable) and the Spark functions live in the database, and every
// session binds the tables it reads before it reads them.
type Engine struct {
	db       *sql.DB
	settings Settings
	lib      *sparksql.Library
}

// New opens an engine with its settings applied and the Spark SQL
// functions installed.
func New(ctx context.Context, s Settings) (*Engine, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open DuckDB: %w", err)
	}
	e := &Engine{db: db, settings: s, lib: sparksql.NewLibrary()}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open DuckDB connection: %w", err)
	}
	defer conn.Close()
	var set []string
	if s.Threads > 0 {
		set = append(set, fmt.Sprintf("SET threads = %d", s.Threads))
	}
	if s.MemoryLimit != "" {
		set = append(set, "SET memory_limit = "+Quote(s.MemoryLimit))
	}
	if s.TempDir != "" {
		set = append(set, "SET temp_directory = "+Quote(s.TempDir))
	}
	// Extensions are never downloaded at run time.
	set = append(set, "SET autoinstall_known_extensions = false", "SET autoload_known_extensions = false")
	// A partitioned write keeps up to this many files open. DuckDB's default
	// (100) makes a write into two years of day partitions close and reopen
	// files constantly: measured on 10M rows into 731 partitions, 1000 gives
	// 730 files instead of 10,900 and a 35% faster write, for about 1.2 GB
	// more peak memory (docs/performance.md).
	// GLOBAL: the setting may also be a connection's own, and a plain SET
	// would give it to the one pooled connection that ran it.
	set = append(set, fmt.Sprintf("SET GLOBAL partitioned_write_max_open_files = %d", orDefault(s.MaxOpenFiles, 1000)))
	tz := s.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	set = append(set, "SET GLOBAL TimeZone = "+Quote(tz))
	if s.AllowedDirs != nil {
		dirs := make([]string, len(s.AllowedDirs))
		for i, d := range s.AllowedDirs {
			dirs[i] = Quote(strings.TrimSuffix(d, "/") + "/")
		}
		set = append(set, "SET allowed_directories = ["+strings.Join(dirs, ", ")+"]",
			"SET enable_external_access = false", "SET lock_configuration = true")
	}
	for _, q := range set {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("engine setting %q: %w", q, err)
		}
	}
	return e, nil
}

// Close releases the database; sessions must be closed first.
func (e *Engine) Close() error { return e.db.Close() }

// Session starts a session: a connection of its own on the engine's
// database.
func (e *Engine) Session(ctx context.Context) (*Session, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open DuckDB connection: %w", err)
	}
	return &Session{conn: conn, lib: e.lib, tempDir: e.settings.TempDir}, nil
}

// Session is one connection of an engine: the views a job defines are
// temporary views of this connection.
type Session struct {
	conn    *sql.Conn
	lib     *sparksql.Library // the engine's Spark functions
	tempDir string
	// owned is the engine Open made for this session alone.
	owned *Engine
	// atClose run, last first, when the session closes.
	atClose []func(context.Context, *sql.Conn) error
}

// AtClose registers clean-up to run when the session closes, while its
// connection is still open (dropping a loaded input's table, removing
// staged files).
func (s *Session) AtClose(f func(context.Context, *sql.Conn) error) {
	s.atClose = append(s.atClose, f)
}

// Open starts a session on an engine of its own (closed with the session),
// for a single piece of work; a command that opens several sessions shares
// one Engine instead.
func Open(ctx context.Context, s Settings) (*Session, error) {
	e, err := New(ctx, s)
	if err != nil {
		return nil, err
	}
	ses, err := e.Session(ctx)
	if err != nil {
		e.Close()
		return nil, err
	}
	ses.owned = e
	return ses, nil
}

// Close runs the clean-up registered with AtClose and releases the
// connection (and the engine Open made for it).
func (s *Session) Close() error {
	var errs []error
	for i := len(s.atClose) - 1; i >= 0; i-- {
		errs = append(errs, s.atClose[i](context.Background(), s.conn))
	}
	s.atClose = nil
	if err := errors.Join(errs...); err != nil {
		s.conn.Close()
		if s.owned != nil {
			s.owned.Close()
		}
		return fmt.Errorf("close session: %w", err)
	}
	err := s.conn.Close()
	if s.owned != nil {
		if cerr := s.owned.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Conn is the session's connection, for packages that write through DuckDB
// (the lakehouse writer, file connectors).
func (s *Session) Conn() *sql.Conn { return s.conn }

// Exec runs a statement (DuckDB SQL), creating the Spark functions it
// calls first.
func (s *Session) Exec(ctx context.Context, query string) error {
	if err := s.Need(ctx, query); err != nil {
		return err
	}
	_, err := s.conn.ExecContext(ctx, query)
	return err
}

// Need creates the Spark functions that SQL in DuckDB's dialect (the
// compile step's output) calls and that do not exist yet. Code that runs
// such SQL on Conn itself (a merge or delete condition) calls it first.
func (s *Session) Need(ctx context.Context, duckSQL string) error {
	if err := s.lib.Install(ctx, s.conn, duckSQL); err != nil {
		return fmt.Errorf("create Spark SQL functions: %w", err)
	}
	return nil
}

// TempDir is the engine's folder for spilled data and staged files ("":
// the system's temp folder); with a sandbox it is the only such folder SQL
// may use.
func (s *Session) TempDir() string { return s.tempDir }

// DefineView creates or replaces the view name over a query in DuckDB's
// dialect (the compile step has rewritten Flare's Spark SQL). A failure is a
// *SQLError whose Line and Col point into the given query.
func (s *Session) DefineView(ctx context.Context, name, query string) error {
	return s.defineView(ctx, name, query, nil)
}

// DefineRewritten is DefineView for SQL that Spark SQL was rewritten to: a
// failure's Line and Col point into the Spark text.
func (s *Session) DefineRewritten(ctx context.Context, name string, r *sparksql.Rewritten) error {
	return s.defineView(ctx, name, r.SQL, r)
}

func (s *Session) defineView(ctx context.Context, name, query string, r *sparksql.Rewritten) error {
	if err := s.Need(ctx, query); err != nil {
		return err
	}
	// The view header sits on its own line so DuckDB's line numbers are
	// the query's plus one.
	_, err := s.conn.ExecContext(ctx, "CREATE OR REPLACE TEMP VIEW "+QuoteIdent(name)+" AS\n"+query)
	if err != nil {
		return sqlError(err, 1, r)
	}
	return nil
}

// RewriteError turns a Spark SQL rewrite error into a *SQLError with its
// position in the Spark text.
func RewriteError(err error) error {
	var e *sparksql.Error
	if errors.As(err, &e) {
		return &SQLError{Msg: e.Msg, Line: e.Pos.Line, Col: e.Pos.Col, Err: err}
	}
	return &SQLError{Msg: err.Error(), Err: err}
}

// DefineRelation creates or replaces a view over an engine-built query
// (DuckDB SQL, not rewritten), such as a file reader.
func (s *Session) DefineRelation(ctx context.Context, name, duckSQL string) error {
	if err := s.Need(ctx, duckSQL); err != nil {
		return err
	}
	if _, err := s.conn.ExecContext(ctx, "CREATE OR REPLACE TEMP VIEW "+QuoteIdent(name)+" AS "+duckSQL); err != nil {
		return fmt.Errorf("define %s: %w", name, err)
	}
	return nil
}

// Materialize replaces a view with a temporary table holding its rows, so
// that later readers do not recompute it (Flare's cache table, persist).
// The view's definition is kept under another name for Unmaterialize.
// Materializing a materialized view does nothing. DuckDB keeps the table in
// memory and spills it to the temp directory when memory runs short.
func (s *Session) Materialize(ctx context.Context, name string) error {
	tmp, src := cacheNames(name)
	var n int
	if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", "__flare_cache_"+name).Scan(&n); err != nil {
		return fmt.Errorf("cache %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	stmts := []string{
		"CREATE OR REPLACE TEMP TABLE " + tmp + " AS SELECT * FROM " + QuoteIdent(name),
		"DROP VIEW IF EXISTS " + src,
		"ALTER VIEW " + QuoteIdent(name) + " RENAME TO " + src,
		"CREATE OR REPLACE TEMP VIEW " + QuoteIdent(name) + " AS SELECT * FROM " + tmp,
	}
	for _, q := range stmts {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("cache %s: %w", name, err)
		}
	}
	return nil
}

// Unmaterialize undoes Materialize: the view reads its sources again and the
// cached rows are dropped (Flare's uncache table, unpersist). A view that is
// not materialized is left as it is.
func (s *Session) Unmaterialize(ctx context.Context, name string) error {
	tmp, src := cacheNames(name)
	var n int
	if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", "__flare_cache_"+name).Scan(&n); err != nil {
		return fmt.Errorf("uncache %s: %w", name, err)
	}
	if n == 0 {
		return nil
	}
	stmts := []string{
		"DROP VIEW " + QuoteIdent(name),
		"ALTER VIEW " + src + " RENAME TO " + QuoteIdent(name),
		"DROP TABLE " + tmp,
	}
	for _, q := range stmts {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("uncache %s: %w", name, err)
		}
	}
	return nil
}

func cacheNames(name string) (table, source string) {
	return QuoteIdent("__flare_cache_" + name), QuoteIdent("__flare_uncached_" + name)
}

// Columns returns the column names and DuckDB types of a relation.
func (s *Session) Columns(ctx context.Context, relation string) (names, types []string, err error) {
	rows, err := s.conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+relation)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		names = append(names, fmt.Sprint(vals[0]))
		types = append(types, fmt.Sprint(vals[1]))
	}
	return names, types, rows.Err()
}

// Explain returns DuckDB's physical plan for a query over the session's
// relations.
func (s *Session) Explain(ctx context.Context, query string) (string, error) {
	if err := s.Need(ctx, query); err != nil {
		return "", err
	}
	rows, err := s.conn.QueryContext(ctx, "EXPLAIN "+query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), rows.Err()
}

// Result is a fully read query result.
type Result struct {
	Columns []string
	Types   []string
	Rows    [][]any
}

// Query runs a query in DuckDB's dialect and reads at most limit rows (all
// when limit < 0).
func (s *Session) Query(ctx context.Context, query string, limit int) (*Result, error) {
	if err := s.Need(ctx, query); err != nil {
		return nil, err
	}
	rows, err := s.conn.QueryContext(ctx, query)
	if err != nil {
		return nil, sqlError(err, 0, nil)
	}
	defer rows.Close()
	res := &Result{}
	res.Columns, _ = rows.Columns()
	cts, _ := rows.ColumnTypes()
	for _, ct := range cts {
		res.Types = append(res.Types, ct.DatabaseTypeName())
	}
	for rows.Next() && (limit < 0 || len(res.Rows) < limit) {
		vals := make([]any, len(res.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, sqlError(err, 0, nil)
	}
	return res, nil
}

// Count returns the number of rows of a relation.
func (s *Session) Count(ctx context.Context, relation string) (int64, error) {
	var n int64
	err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+relation).Scan(&n)
	return n, err
}

// SQLError is a failed statement with the position DuckDB reported, made
// relative to the SQL text the caller gave (1-based; 0 when unknown).
type SQLError struct {
	Msg       string
	Line, Col int
	Err       error // the cause when it is not DuckDB's (a Spark SQL rewrite error)
}

// Unwrap returns the cause.
func (e *SQLError) Unwrap() error { return e.Err }

func (e *SQLError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return e.Msg
}

var lineRE = regexp.MustCompile(`(?m)^LINE (\d+): (.*)\n( *)\^`)

// sqlError extracts DuckDB's "LINE n:" marker and caret into a position;
// headerLines is how many lines the engine put before the caller's SQL,
// and r (if not nil) maps positions in the rewritten SQL back to the Spark
// SQL the caller gave.
func sqlError(err error, headerLines int, r *sparksql.Rewritten) error {
	msg := sandboxHint(err.Error())
	e := &SQLError{Msg: msg}
	m := lineRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return e
	}
	line, _ := strconv.Atoi(msg[m[2]:m[3]])
	excerpt := msg[m[4]:m[5]]
	caret := utf8.RuneCountInString(msg[m[6]:m[7]]) - utf8.RuneCountInString("LINE "+msg[m[2]:m[3]]+": ")
	e.Msg = strings.TrimSpace(msg[:m[0]])
	e.Line = line - headerLines
	if e.Line < 1 {
		e.Line, e.Col = 0, 0
		return e
	}
	e.Col = caret + 1
	if r != nil {
		// DuckDB shows a long line cut to an excerpt ("..." at either end):
		// find the excerpt in the SQL it ran to know the real column.
		lines := strings.Split(r.SQL, "\n")
		if e.Line <= len(lines) {
			text := lines[e.Line-1]
			shown := strings.TrimSuffix(excerpt, "...")
			if strings.HasPrefix(shown, "...") {
				shown = shown[3:]
				caret -= 3
			}
			if i := strings.Index(text, shown); i >= 0 {
				e.Col = utf8.RuneCountInString(text[:i]) + caret + 1
			}
		}
		p := r.Source(sparksql.Pos{Line: e.Line, Col: e.Col})
		e.Line, e.Col = p.Line, p.Col
	}
	return e
}

// QuoteIdent quotes an identifier for DuckDB.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Quote quotes a string literal for DuckDB.
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// AsSQLError returns err as a *SQLError, reading DuckDB's "LINE n:" marker
// when err came straight from the database; nil for a nil error.
func AsSQLError(err error) *SQLError {
	if err == nil {
		return nil
	}
	var se *SQLError
	if errors.As(err, &se) {
		return se
	}
	return sqlError(err, 0, nil).(*SQLError)
}

// Check prepares "<prefix>\n<rewritten SQL>" without running it, so that
// DuckDB binds the SQL (a condition after "... WHERE", say) against the
// session's relations; a failure's Line and Col point into the Spark text.
func (s *Session) Check(ctx context.Context, prefix string, r *sparksql.Rewritten) error {
	if err := s.Need(ctx, r.SQL); err != nil {
		return err
	}
	header := strings.Count(prefix, "\n") + 1
	if _, err := s.conn.ExecContext(ctx, "PREPARE __flare_check AS "+prefix+"\n"+r.SQL); err != nil {
		return sqlError(err, header, r)
	}
	_, _ = s.conn.ExecContext(ctx, "DEALLOCATE __flare_check")
	return nil
}

// NeedAll creates every Spark function (for tests and benchmarks that run
// SQL of their own on Conn).
func (s *Session) NeedAll(ctx context.Context) error {
	return s.lib.InstallAll(ctx, s.conn)
}

// sandboxHint explains DuckDB's refusal to touch a file outside the
// allowed folders.
func sandboxHint(msg string) string {
	if strings.Contains(msg, "disabled by configuration") && strings.Contains(msg, "Cannot access file") {
		msg = strings.Replace(msg, "file system operations are disabled by configuration",
			"it is outside the depots: SQL reads and writes files only in the depots' folders (declare a depot in flare.yaml for that folder)", 1)
	}
	return msg
}
