package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/flare-lakehouse/flare/internal/database"
	"github.com/flare-lakehouse/flare/internal/depot"
	"github.com/flare-lakehouse/flare/internal/manifest"
	"github.com/flare-lakehouse/flare/internal/spec"
)

// Database depots (postgresql, mysql, mariadb in flare.yaml). An input
// reads a table, dbtable or query into the job's session; an output writes
// a view into a table (syndication). Their options are Spark's JDBC
// options, declared here as specs (DatabaseReaderSpec, DatabaseWriterSpec)
// and typed by package database. Compiling connects to each server once:
// an unreachable server, a missing table or an output column the table
// lacks is reported at its place in the manifest, and an input's columns
// come from the server's description of the read (no row is read), so
// that the steps bind against the real column types.

// DatabaseRead reads rows of a database depot into the job's session: a
// temporary table the input's view reads.
type DatabaseRead struct {
	Depot string
	Kind  database.Kind
	// Options select the rows (the address's table, dbtable or query) and
	// split a partitioned read.
	Options database.ReadOptions
}

// DatabaseWrite writes a view into a table of a database depot, in one
// transaction.
type DatabaseWrite struct {
	Depot   string
	Kind    database.Kind
	Options database.WriteOptions
}

// DriverClasses are the JDBC driver classes manifests name (driver:); each
// is checked against the depot's server.
var DriverClasses = []string{"org.postgresql.Driver", "com.mysql.cj.jdbc.Driver", "com.mysql.jdbc.Driver", "org.mariadb.jdbc.Driver"}

const (
	noteDriver     = "Flare-Go reaches the server with its own client (pgx, go-sql-driver/mysql); the class is checked against the depot's type"
	notePushDown   = "filters, limits and aggregates of the steps run in the engine, never on the server: give them in query (or dbtable) to read fewer rows"
	noteKerberos   = "Kerberos connections are not built yet; the depot's user and password_env / password_file connect"
	noteConnection = "%s is a connection setting of the depot in flare.yaml (host, port, database, user, password_env or password_file), never of a manifest"
)

// connectionSettings are the keys a manifest may not give: what connects
// to the server belongs to the depot.
var connectionSettings = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"url", "user", "password", "URL", "User", "Password"} {
		m[k] = fmt.Sprintf(noteConnection, k)
	}
	return m
}()

var databaseReaderSpec = &spec.ObjectSpec{
	Path: "job.inputs[].options[jdbc]", What: "database reader options", Page: "docs/connectors.md", FoldCase: true,
	Doc:       "Options of an input from a postgresql, mysql or mariadb depot: Spark's JDBC reader options.",
	Misplaced: connectionSettings,
	Fields: []*spec.Field{
		{Key: "dbtable", Kind: spec.String, Doc: "Anything valid in a FROM clause (sales.orders, (SELECT ...) AS t), used as written; default: the address's table. Not with query."},
		{Key: "query", Kind: spec.String, Doc: "A SELECT whose result is the input. Not with dbtable or partitionColumn."},
		{Key: "partitionColumn", Kind: spec.String, Doc: "A numeric, date or timestamp column to split the read on, with lowerBound, upperBound and numPartitions (the bounds set the stride; no row is filtered)."},
		{Key: "lowerBound", Kind: spec.String, Doc: "The partitionColumn value where the second range starts: an integer, a date (2024-01-31) or a timestamp (2024-01-31 12:00:00)."},
		{Key: "upperBound", Kind: spec.String, Doc: "The partitionColumn value where the last range starts, as lowerBound."},
		{Key: "numPartitions", Kind: spec.Int, Min: 1, MinSet: true, Default: "1", Doc: "How many ranges a partitioned read is split into; each is read on its own connection, up to the engine's threads at once."},
		{Key: "fetchsize", Kind: spec.Int, Min: 0, MinSet: true, Status: spec.NoEffect, Note: "rows are streamed (PostgreSQL COPY, MySQL unbuffered results), never fetched in round trips"},
		{Key: "driver", Kind: spec.Enum, Values: DriverClasses, Status: spec.NoEffect, Note: noteDriver},
		{Key: "pushDownPredicate", Kind: spec.Bool, Status: spec.NoEffect, Note: notePushDown},
		{Key: "pushDownAggregate", Kind: spec.Bool, Status: spec.NoEffect, Note: notePushDown},
		{Key: "pushDownLimit", Kind: spec.Bool, Status: spec.NoEffect, Note: notePushDown},
		{Key: "pushDownOffset", Kind: spec.Bool, Status: spec.NoEffect, Note: notePushDown},
		{Key: "pushDownTableSample", Kind: spec.Bool, Status: spec.NoEffect, Note: notePushDown},
		{Key: "customSchema", Kind: spec.String, Status: spec.Refused, Note: "not built yet: cast the columns in options.query"},
		{Key: "preferTimestampNTZ", Kind: spec.Bool, Status: spec.Refused, Note: "not built yet: timestamps keep the server's type (with or without time zone)"},
		{Key: "queryTimeout", Kind: spec.Int, Status: spec.Refused, Note: "not built yet"},
		{Key: "sessionInitStatement", Kind: spec.String, Status: spec.Refused, Note: "not built yet: server settings go in the depot's params"},
		{Key: "prepareQuery", Kind: spec.String, Status: spec.Refused, Note: "not built yet"},
		{Key: "keytab", Kind: spec.String, Status: spec.Refused, Note: noteKerberos},
		{Key: "principal", Kind: spec.String, Status: spec.Refused, Note: noteKerberos},
		{Key: "refreshKrb5Config", Kind: spec.Bool, Status: spec.Refused, Note: noteKerberos},
		{Key: "connectionProvider", Kind: spec.String, Status: spec.Refused, Note: noteKerberos},
	},
}

var databaseWriterSpec = &spec.ObjectSpec{
	Path: "job.outputs[].options.extraOptions[jdbc]", What: "database writer options", Page: "docs/connectors.md", FoldCase: true,
	Doc: "Writer options of an output to a postgresql, mysql or mariadb depot: Spark's JDBC writer options and upsertKeys; " +
		"options.saveMode says what happens to an existing table.",
	Misplaced: withMisplaced(connectionSettings, map[string]string{
		"saveMode": "saveMode belongs under options (options.saveMode)",
	}),
	Fields: []*spec.Field{
		{Key: "dbtable", Kind: spec.String, Doc: "The table to write (table or schema.table, quotes allowed) instead of the address's."},
		{Key: "upsertKeys", Kind: spec.String, Doc: "With saveMode upsert: the comma-separated columns that identify a row (a primary key or unique key of the table)."},
		{Key: "batchsize", Kind: spec.Int, Min: 1, MinSet: true, Default: "1000", Doc: "MySQL and MariaDB: rows per multi-row INSERT; PostgreSQL streams one COPY and needs none."},
		{Key: "createTableOptions", Kind: spec.String, Doc: "Text appended to CREATE TABLE when the write creates the table (ENGINE=InnoDB ...)."},
		{Key: "createTableColumnTypes", Kind: spec.String, Doc: "Column types of a created table instead of the mapped ones: \"name VARCHAR(64), note TEXT\"."},
		{Key: "truncate", Kind: spec.Bool, Status: spec.NoEffect, Note: "overwrite always empties the table and keeps it (truncate: true)", Check: func(v *spec.Value) error {
			if !v.Bool {
				return errors.New("false asks to drop and recreate the table, which Flare-Go never does: overwrite empties the table and keeps it")
			}
			return nil
		}},
		{Key: "numPartitions", Kind: spec.Int, Min: 1, MinSet: true, Status: spec.NoEffect, Note: "a write is one transaction on one connection"},
		{Key: "driver", Kind: spec.Enum, Values: DriverClasses, Status: spec.NoEffect, Note: noteDriver},
		{Key: "rewriteBatchedStatements", Kind: spec.Bool, Status: spec.NoEffect, Note: "MySQL and MariaDB writes always send multi-row INSERTs"},
		{Key: "isolationLevel", Kind: spec.Enum, Values: []string{"NONE", "READ_UNCOMMITTED", "READ_COMMITTED", "REPEATABLE_READ", "SERIALIZABLE"}, Status: spec.Refused,
			Note: "a write is one transaction at the server's default level"},
		{Key: "cascadeTruncate", Kind: spec.Bool, Status: spec.Refused, Note: "not built yet: overwrite empties only the table written"},
		{Key: "queryTimeout", Kind: spec.Int, Status: spec.Refused, Note: "not built yet"},
		{Key: "sessionInitStatement", Kind: spec.String, Status: spec.Refused, Note: "not built yet: server settings go in the depot's params"},
	},
}

func withMisplaced(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// DatabaseReaderSpec is the spec of the options of an input from a
// database depot (job.inputs[].options).
func DatabaseReaderSpec() *spec.ObjectSpec { return databaseReaderSpec }

// DatabaseWriterSpec is the spec of the writer options of an output to a
// database depot (job.outputs[].options.extraOptions).
func DatabaseWriterSpec() *spec.ObjectSpec { return databaseWriterSpec }

// EmptyRelation is a typed relation of cols without rows (the runner's
// stand-in for an input it does not read, flare plan --explain).
func EmptyRelation(cols []Column) string { return emptySQL(cols) }

// databases is what compiling learns about database depots: one connection
// check per depot, and the tables earlier jobs write.
type databases struct {
	conns map[string]dbConn
	// tables are the columns of tables that earlier jobs of the workflow
	// write, by dbTableKey.
	tables map[string][]Column
}

type dbConn struct {
	cfg database.Config
	err error
}

func (c *compiler) dbs() *databases {
	if c.db == nil {
		c.db = &databases{conns: map[string]dbConn{}, tables: map[string][]Column{}}
	}
	return c.db
}

// databaseConfig resolves a database depot (its password from the
// environment or a file) and checks once per compile that the server
// answers.
func (c *compiler) databaseConfig(ctx context.Context, d *depot.Depot) (database.Config, error) {
	db := c.dbs()
	if dc, ok := db.conns[d.Name]; ok {
		return dc.cfg, dc.err
	}
	cfg, err := database.FromDepot(d, os.LookupEnv)
	if err == nil {
		err = database.Ping(ctx, cfg)
	}
	db.conns[d.Name] = dbConn{cfg: cfg, err: err}
	return cfg, err
}

func dbTableKey(depotName string, t database.TableName) string {
	return strings.ToLower(depotName + "\x00" + t.Schema + "\x00" + t.Name)
}

// databaseFormat reports whether an input's or output's format fits a
// database depot of kind k: none, jdbc, or the depot's own type.
func databaseFormat(format string, k database.Kind) bool {
	switch format {
	case "", "jdbc":
		return true
	case "postgresql", "postgres":
		return k == database.PostgreSQL
	case "mysql", "mariadb":
		return k == database.MySQL || k == database.MariaDB
	}
	return false
}

// checkDriver checks a driver class against the depot's server.
func (jc *jobCompiler) checkDriver(class string, pos spec.Pos, k database.Kind, what string) {
	if class == "" {
		return
	}
	if err := database.CheckDriverClass(k, class); err != nil {
		jc.errAt(pos, "%s: %v", what, trimBadOption(err))
	}
}

// trimBadOption drops the "bad option: " prefix of package database's
// option errors, which the manifest's position already makes plain.
func trimBadOption(err error) string {
	return strings.TrimPrefix(err.Error(), database.ErrBadOption.Error()+": ")
}

func (jc *jobCompiler) databaseRead(ctx context.Context, in *manifest.Input, loc *depot.Location, r *Read, what string) *Read {
	d := loc.Depot
	kind := database.Kind(d.Type)
	before := len(jc.errs)
	if !databaseFormat(in.Format, kind) {
		jc.errAt(in.Pos, "%s: dataset %s is a table of %s depot %s: format is jdbc (or none), not %q", what, in.Dataset, d.Type, d.Name, in.Format)
	}
	if in.SchemaString != "" {
		jc.errAt(in.Pos, "%s: schemaString applies to file inputs; a database table has its own column types (cast them in options.query)", what)
	}
	opts := jc.decodeOptions(in.Options, databaseReaderSpec, in.OptionsPos)
	if v := opts.Get("driver"); v != nil {
		jc.checkDriver(v.Str, v.Pos, kind, what)
	}
	if len(jc.errs) > before {
		return nil
	}
	ro, err := database.ParseReadOptions(kind, database.TableFromAddress(loc.Address.Collection, loc.Address.Dataset), optionText(opts))
	if err != nil {
		jc.errAt(optionsPos(in), "%s: %s", what, trimBadOption(err))
		return nil
	}
	jc.checkUsed(opts)
	r.Database = &DatabaseRead{Depot: d.Name, Kind: kind, Options: ro}
	if r.Cache {
		jc.notes.Add(in.Pos, "%s: cache has no effect here: an input from a database depot is read once into the job, before its steps run", what)
		r.Cache = false
	}
	cfg, err := jc.databaseConfig(ctx, d)
	if err != nil {
		jc.errAt(in.Pos, "%s: dataset %s: %v", what, in.Dataset, err)
		return nil
	}
	dcols, err := database.Schema(ctx, cfg, ro)
	var cols []Column
	switch {
	case err == nil:
		for _, c := range dcols {
			cols = append(cols, Column{Name: c.Name, Type: c.DuckType})
		}
	case errors.Is(err, database.ErrNoTable) && ro.DBTable == "" && ro.Query == "" && jc.dbs().tables[dbTableKey(d.Name, ro.Table)] != nil:
		// An earlier job of the workflow creates the table.
		cols = jc.dbs().tables[dbTableKey(d.Name, ro.Table)]
	default:
		jc.errAt(in.Pos, "%s: dataset %s: %s", what, in.Dataset, trimBadOption(err))
		return nil
	}
	if err := jc.ses.DefineRelation(ctx, in.Name, emptySQL(cols)); err != nil {
		jc.errAt(in.Pos, "%s: %v", what, err)
		return nil
	}
	return jc.finishRead(ctx, r, what)
}

func optionsPos(in *manifest.Input) spec.Pos {
	if in.OptionsPos.Line > 0 {
		return in.OptionsPos
	}
	return in.Pos
}

// checkOutputDepot refuses what only outputs to database depots take
// (driver, saveMode upsert) on other outputs; it reports whether the
// output may go on.
func (jc *jobCompiler) checkOutputDepot(out *manifest.Output, loc *depot.Location, what string) bool {
	if loc.Depot.Type.IsDatabase() {
		return true
	}
	ok := true
	if out.Driver != "" {
		jc.errAt(out.DriverPos, "%s: driver applies to outputs to database depots (postgresql, mysql, mariadb); %s is a %s depot", what, loc.Depot.Name, loc.Depot.Type)
		ok = false
	}
	if out.SaveMode == "upsert" && out.Merge == nil {
		alt := "an Iceberg table takes options.iceberg.merge"
		if loc.Depot.Type != depot.Lakehouse {
			alt = "files are overwritten or appended to"
		}
		jc.errAt(out.Pos, "%s: saveMode upsert applies to outputs to database depots; %s", what, alt)
		ok = false
	}
	return ok
}

func (jc *jobCompiler) databaseWrite(ctx context.Context, out *manifest.Output, loc *depot.Location, format string, cols []Column, what string) *DatabaseWrite {
	d := loc.Depot
	kind := database.Kind(d.Type)
	before := len(jc.errs)
	if !databaseFormat(format, kind) {
		pos := out.FormatPos
		if pos.Line == 0 {
			pos = out.Pos
		}
		jc.errAt(pos, "%s: dataset %s is a table of %s depot %s: format is jdbc (or none), not %q", what, out.Dataset, d.Type, d.Name, format)
	}
	jc.checkDriver(out.Driver, out.DriverPos, kind, what)
	for _, bad := range []struct {
		set  bool
		what string
	}{
		{len(out.Partition) > 0 || len(out.PartitionBy) > 0, "partitioning (partitionSpec, partitionBy) applies"},
		{out.Sort != nil, "sort applies"},
		{len(out.Properties) > 0, "iceberg properties apply"},
		{out.Merge != nil, "merge applies (for a database table: saveMode upsert with extraOptions.upsertKeys)"},
		{out.Branch != "", "a branch applies"},
		{out.OverwriteMode != "", "overwrite-mode applies"},
		{out.CompressionType != "", "compressionType applies to files; it"},
		{len(out.ColumnTags) > 0, "columnTags apply"},
		{out.File != nil, "options.file applies"},
	} {
		if bad.set {
			jc.errAt(out.Pos, "%s: %s to Iceberg tables and files, not to database depot %s", what, bad.what, d.Name)
		}
	}
	extra := jc.decodeOptions(out.ExtraOptions, databaseWriterSpec, out.Pos)
	if v := extra.Get("driver"); v != nil {
		jc.checkDriver(v.Str, v.Pos, kind, what)
	}
	if len(jc.errs) > before {
		return nil
	}
	text := optionText(extra)
	text["saveMode"] = out.SaveMode
	wo, err := database.ParseWriteOptions(kind, database.TableFromAddress(loc.Address.Collection, loc.Address.Dataset), text)
	if err != nil {
		jc.errAt(out.Pos, "%s: %s", what, trimBadOption(err))
		return nil
	}
	jc.checkUsed(extra)
	for _, k := range wo.UpsertKeys {
		if !hasColumn(cols, k) {
			jc.errAt(extra.Get("upsertKeys").Pos, "%s: upsertKeys: no column %s in view %s (columns: %s)", what, k, out.Name, columnList(cols))
		}
	}
	if len(jc.errs) > before {
		return nil
	}
	if out.Title != "" || out.Description != "" || len(out.Tags) > 0 {
		jc.notes.Add(out.Pos, "%s: title, description and tags have no effect here: they are kept with Iceberg tables, and a table of database depot %s has no place for them", what, d.Name)
	}
	cfg, err := jc.databaseConfig(ctx, d)
	if err != nil {
		jc.errAt(out.Pos, "%s: dataset %s: %v", what, out.Dataset, err)
		return nil
	}
	key := dbTableKey(d.Name, wo.Table)
	if wo.SaveMode != database.Ignore && jc.dbs().tables[key] == nil {
		jc.checkTargetColumns(ctx, cfg, wo.Table, out, cols, what)
	}
	if jc.dbs().tables[key] == nil {
		jc.dbs().tables[key] = cols
	}
	return &DatabaseWrite{Depot: d.Name, Kind: kind, Options: wo}
}

// checkTargetColumns checks that an existing table has a column for each
// column of the output (matched as the write matches them: exactly, else
// without regard to case). A table that does not exist yet is created by
// the write; one whose types cannot be described is checked by the write.
func (jc *jobCompiler) checkTargetColumns(ctx context.Context, cfg database.Config, t database.TableName, out *manifest.Output, cols []Column, what string) {
	tcols, err := database.Schema(ctx, cfg, database.ReadOptions{Table: t})
	switch {
	case errors.Is(err, database.ErrNoTable), errors.Is(err, database.ErrUnsupportedType):
		return
	case err != nil:
		jc.errAt(out.Pos, "%s: dataset %s: %s", what, out.Dataset, trimBadOption(err))
		return
	}
	have := make([]Column, len(tcols))
	for i, c := range tcols {
		have[i] = Column{Name: c.Name, Type: c.SourceType}
	}
	var missing []string
	for _, c := range cols {
		if !hasColumn(have, c.Name) {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		jc.errAt(out.Pos, "%s: table %s of depot %s has no column %s (its columns: %s); select the output's columns in a step to match it",
			what, t, cfg.Depot, strings.Join(missing, ", "), columnList(have))
	}
}

func (r *DatabaseRead) describe() string {
	o := r.Options
	var s string
	switch {
	case o.Query != "":
		s = fmt.Sprintf("%s %s query: %s", r.Kind, r.Depot, oneLine(o.Query, 60))
	case o.DBTable != "":
		s = fmt.Sprintf("%s %s dbtable %s", r.Kind, r.Depot, oneLine(o.DBTable, 60))
	default:
		s = fmt.Sprintf("%s %s table %s", r.Kind, r.Depot, o.Table)
	}
	if o.PartitionColumn != "" {
		s += fmt.Sprintf(", %d ranges on %s (stride from %s to %s)", o.NumPartitions, o.PartitionColumn, o.LowerBound, o.UpperBound)
	}
	return s
}

func (w *DatabaseWrite) describe() string {
	o := w.Options
	var mode string
	switch o.SaveMode {
	case database.Append:
		mode = "append"
	case database.ErrorIfExists:
		mode = "create (error if it exists)"
	case database.Ignore:
		mode = "create (skip if it exists)"
	case database.Upsert:
		mode = "upsert on " + strings.Join(o.UpsertKeys, ", ")
	default:
		mode = "overwrite (empty the table, keep it)"
	}
	s := fmt.Sprintf("%s %s table %s: %s, one transaction", w.Kind, w.Depot, o.Table, mode)
	if o.BatchSize > 0 {
		s += fmt.Sprintf(", batches of %d rows", o.BatchSize)
	}
	if o.CreateTableColumnTypes != "" {
		s += ", created with column types (" + o.CreateTableColumnTypes + ")"
	}
	if o.CreateTableOptions != "" {
		s += ", created with options (" + o.CreateTableOptions + ")"
	}
	return s
}
