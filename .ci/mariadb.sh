# MariaDB for the database connector tests (internal/database reads
# FLARE_TEST_MYSQL_DSN, a go-sql-driver/mysql DSN): Debian's mariadb-server,
# a throwaway datadir on a free local port, stopped and removed on exit.
# Sourced by .ci/run; it adds its stop to any EXIT trap already set.
if [ -z "${FLARE_TEST_MYSQL_DSN:-}" ]; then
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client >/dev/null
  fi
  mydata="$(mktemp -d /tmp/flare-ci-mariadb.XXXXXX)"
  chown mysql:mysql "$mydata"
  myport=""
  for p in $(seq 53306 53399); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then myport=$p; break; fi
  done
  [ -n "$myport" ] || { echo "CI: no free port for MariaDB" >&2; exit 1; }
  stop_mariadb() {
    if [ -f "$mydata/mariadb.pid" ]; then
      kill "$(cat "$mydata/mariadb.pid")" 2>/dev/null || true
      for _ in $(seq 1 50); do [ -f "$mydata/mariadb.pid" ] || break; sleep 0.2; done
    fi
    rm -rf "$mydata"
  }
  # Keep the EXIT trap set before (PostgreSQL's stop) and run ours first.
  eval "set -- $(trap -p EXIT)"
  trap "stop_mariadb; ${3:-}" EXIT
  mariadb-install-db --no-defaults --user=mysql --datadir="$mydata/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$mydata/install.log" 2>&1 \
    || { cat "$mydata/install.log" >&2; exit 1; }
  /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$mydata/data" \
    --port="$myport" --bind-address=127.0.0.1 --socket="$mydata/mariadb.sock" \
    --pid-file="$mydata/mariadb.pid" --log-error="$mydata/server.log" \
    --skip-name-resolve --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=256M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    >"$mydata/stdout.log" 2>&1 &
  for _ in $(seq 1 100); do
    mariadb-admin --no-defaults --socket="$mydata/mariadb.sock" -uroot ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  mariadb --no-defaults --socket="$mydata/mariadb.sock" -uroot -e "
    CREATE DATABASE flare_test;
    CREATE USER 'flare'@'127.0.0.1' IDENTIFIED BY 'flare';
    GRANT ALL ON *.* TO 'flare'@'127.0.0.1';" \
    || { cat "$mydata/server.log" >&2; exit 1; }
  export FLARE_TEST_MYSQL_DSN="flare:flare@tcp(127.0.0.1:$myport)/flare_test"
  echo "CI: MariaDB $(/usr/sbin/mariadbd --version | awk '{print $3}') on port $myport"
fi
