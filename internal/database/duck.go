package database

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/duckdb/duckdb-go/v2"
)

// A partReader streams the rows of one partition into DuckDB chunks.
type partReader interface {
	// fill writes up to max rows into chunk (rows 0..n-1) and returns n;
	// n == 0 with a nil error means the partition is done.
	fill(chunk duckdb.DataChunk, max int) (int, error)
	close() error
}

// A worker is one server connection used by one DuckDB thread; it reads
// partitions one after another.
type worker interface {
	start(ctx context.Context, part int) (partReader, error)
	close() error
}

// duckColumn is a column of the table function and of the created table.
type duckColumn struct {
	name string
	// info is the table function's column type.
	info duckdb.TypeInfo
	// expr turns the delivered column (%s) into the created table's column
	// when they differ: JSON arrives as VARCHAR and is cast, dates as days
	// and timestamps as microseconds since 1970 (cheaper to hand over than
	// Go time values) and are converted by DuckDB.
	expr string
}

// scan is a parallel DuckDB table function over the partitions of a read.
type scan struct {
	ctx        context.Context
	cols       []duckdb.ColumnInfo
	parts      int
	maxThreads int
	newWorker  func(ctx context.Context) (worker, error)

	next  atomic.Int64
	rows  atomic.Int64
	inits atomic.Int64

	mu      sync.Mutex
	workers []worker
	err     error
}

type scanLocal struct {
	w    worker
	r    partReader
	part int
}

func (s *scan) ColumnInfos() []duckdb.ColumnInfo     { return s.cols }
func (s *scan) Cardinality() *duckdb.CardinalityInfo { return nil }
func (s *scan) Init() duckdb.ParallelTableSourceInfo {
	s.inits.Add(1)
	return duckdb.ParallelTableSourceInfo{MaxThreads: s.maxThreads}
}
func (s *scan) NewLocalState() any { return &scanLocal{part: -1} }

func (s *scan) FillChunk(ls any, chunk duckdb.DataChunk) error {
	if s.inits.Load() > 1 {
		return s.fail(errScannedTwice)
	}
	l := ls.(*scanLocal)
	for {
		if l.r == nil {
			p := int(s.next.Add(1) - 1)
			if p >= s.parts {
				return chunk.SetSize(0)
			}
			if l.w == nil {
				w, err := s.newWorker(s.ctx)
				if err != nil {
					return s.fail(err)
				}
				s.mu.Lock()
				s.workers = append(s.workers, w)
				s.mu.Unlock()
				l.w = w
			}
			r, err := l.w.start(s.ctx, p)
			if err != nil {
				return s.fail(err)
			}
			l.r, l.part = r, p
		}
		n, err := l.r.fill(chunk, duckdb.GetDataChunkCapacity())
		if err != nil {
			return s.fail(err)
		}
		if n > 0 {
			s.rows.Add(int64(n))
			return chunk.SetSize(n)
		}
		err = l.r.close()
		l.r = nil
		if err != nil {
			return s.fail(err)
		}
	}
}

var errScannedTwice = errors.New("the rows of a database read can be scanned once; materialize them (Read) to use them twice")

// fail keeps the first error so that Read reports it rather than DuckDB's
// wrapping of it.
func (s *scan) fail(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
	return err
}

func (s *scan) closeWorkers() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, w := range s.workers {
		errs = append(errs, w.close())
	}
	s.workers = nil
	return errors.Join(errs...)
}

// useFunc runs the statement that consumes a read: it gets the SQL of a
// sub-query (in parentheses) over the rows being read.
type useFunc func(ctx context.Context, from string) error

// load registers a parallel scan of the partitions as a DuckDB table
// function, lets use consume it, and returns the number of rows read.
func load(ctx context.Context, conn *sql.Conn, cols []duckColumn, parts, threads int, newWorker func(context.Context) (worker, error), use useFunc) (int64, error) {
	// Streams still running when DuckDB stops (an error in another range)
	// are cancelled before their connections are closed.
	streams, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &scan{ctx: streams, parts: parts, maxThreads: max(1, min(parts, threads)), newWorker: newWorker}
	sel := make([]string, len(cols))
	for i, c := range cols {
		s.cols = append(s.cols, duckdb.ColumnInfo{Name: c.name, T: c.info})
		sel[i] = quoteDuck(c.name)
		if c.expr != "" {
			sel[i] = fmt.Sprintf(c.expr, sel[i]) + " AS " + quoteDuck(c.name)
		}
	}
	fn := "__flare_database_scan_" + randomSuffix()
	err := duckdb.RegisterTableUDF(conn, fn, duckdb.ParallelChunkTableFunction{
		BindArguments: func(map[string]any, ...any) (duckdb.ParallelChunkTableSource, error) { return s, nil },
	})
	if err != nil {
		return 0, fmt.Errorf("register DuckDB scan: %w", err)
	}
	err = use(ctx, "(SELECT "+strings.Join(sel, ", ")+" FROM "+fn+"())")
	cancel()
	// Every range was read to its end and checked; a connection that does
	// not close cleanly afterwards does not change the rows.
	_ = s.closeWorkers()
	if err != nil {
		if s.err != nil {
			return 0, s.err
		}
		return 0, err
	}
	return s.rows.Load(), nil
}

// duckThreads is the session's thread count.
func duckThreads(ctx context.Context, conn *sql.Conn) int {
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('threads')::INTEGER").Scan(&n); err != nil || n < 1 {
		return 1
	}
	return n
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// quoteDuck quotes a DuckDB identifier.
func quoteDuck(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func mustType(t duckdb.Type) duckdb.TypeInfo {
	info, err := duckdb.NewTypeInfo(t)
	if err != nil {
		panic(err)
	}
	return info
}

// Conversions of delivered integers into DuckDB dates and timestamps.
const (
	exprDate        = "(DATE '1970-01-01' + %s)"
	exprTimestamp   = "make_timestamp(%s)"
	exprTimestampTZ = "timezone('UTC', make_timestamp(%s))"
	exprJSON        = "CAST(%s AS JSON)"
	exprJSONList    = "CAST(%s AS JSON[])"
)
