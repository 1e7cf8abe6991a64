#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, one node acting as broker and
# controller) on 127.0.0.1 for the tests that read FLARE_TEST_KAFKA_BROKERS.
#
# Sourced by .ci/run: starts the broker unless FLARE_TEST_KAFKA_BROKERS is
# already set, exports
#   FLARE_TEST_KAFKA_BROKERS       host:port of the PLAINTEXT listener
#   FLARE_TEST_KAFKA_SASL_BROKERS  host:port of a SASL_PLAINTEXT listener
#                                  (PLAIN user flare/flare-secret; SCRAM
#                                  users are created by the tests)
# and stops it (and removes its data) when the shell exits.
#
# Run by hand for development:
#   bash .ci/kafka.sh start   # prints the export lines; the broker stays up
#   bash .ci/kafka.sh stop    # stops the broker that start left running
#
# The jars of org.apache.kafka:kafka_2.13 come from Maven Central through
# Maven (a small pom and dependency:copy-dependencies) and are cached in
# ${FLARE_CI_CACHE:-~/.cache/flare-ci}/kafka/<version>, so only the first run
# downloads them (about 20 s; a start with cached jars takes 6-13 s on the
# shared 2-core machine). Java 17 runs the broker with -Xmx512m.

FLARE_KAFKA_VERSION="${FLARE_KAFKA_VERSION:-4.1.1}"
FLARE_KAFKA_SLF4J_VERSION="${FLARE_KAFKA_SLF4J_VERSION:-2.0.17}"

# flare_kafka_tools installs Java 17 and Maven from Debian's packages when
# the machine lacks them (the polyglot machine has both).
flare_kafka_tools() {
  if command -v java >/dev/null && command -v mvn >/dev/null; then
    return 0
  fi
  echo "kafka.sh: installing Java and Maven (Debian packages)" >&2
  apt-get update -qq >&2 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless maven >/dev/null || {
    echo "kafka.sh: could not install openjdk-17-jre-headless and maven" >&2
    return 1
  }
}

# flare_kafka_jars prints the folder that holds the broker's jars,
# resolving them with Maven on the first call.
flare_kafka_jars() {
  local cache="${FLARE_CI_CACHE:-$HOME/.cache/flare-ci}/kafka/$FLARE_KAFKA_VERSION"
  if [ -f "$cache/libs/.complete" ]; then
    echo "$cache/libs"
    return 0
  fi
  flare_kafka_tools || return 1
  mkdir -p "$cache"
  rm -rf "$cache/libs.tmp"
  cat >"$cache/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>flare.ci</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$FLARE_KAFKA_VERSION</version>
    </dependency>
    <!-- Kafka asks for slf4j-api 1.7; slf4j-simple 2 needs the 2.x API
         (callers are compatible), so name it here to win the resolution. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>$FLARE_KAFKA_SLF4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>$FLARE_KAFKA_SLF4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  if ! mvn -q -B -f "$cache/pom.xml" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$cache/libs.tmp" >"$cache/mvn.log" 2>&1; then
    echo "kafka.sh: resolving kafka_2.13 $FLARE_KAFKA_VERSION with Maven failed; the end of $cache/mvn.log:" >&2
    tail -30 "$cache/mvn.log" >&2
    return 1
  fi
  # One logging backend: slf4j-simple, writing to the server log.
  rm -f "$cache"/libs.tmp/log4j-slf4j*-impl-*.jar "$cache"/libs.tmp/slf4j-reload4j-*.jar
  touch "$cache/libs.tmp/.complete"
  rm -rf "$cache/libs"
  mv "$cache/libs.tmp" "$cache/libs"
  echo "$cache/libs"
}

# flare_kafka_free_port prints a port on 127.0.0.1 that nothing listens on,
# skipping the ones given as arguments.
flare_kafka_free_port() {
  local p skip
  for p in $(seq 19092 19400); do
    for skip in "$@"; do [ "$p" = "$skip" ] && continue 2; done
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  echo "kafka.sh: no free port in 19092-19400" >&2
  return 1
}

# flare_kafka_start starts a broker in a new folder and waits until it
# serves. It sets FLARE_KAFKA_DIR, FLARE_KAFKA_PID and exports the
# FLARE_TEST_KAFKA_* variables.
flare_kafka_start() {
  local t0 libs bport sport cport dir cid pid
  t0=$(date +%s%N)
  flare_kafka_tools || return 1
  libs="$(flare_kafka_jars)" || return 1
  bport="$(flare_kafka_free_port)" || return 1
  sport="$(flare_kafka_free_port "$bport")" || return 1
  cport="$(flare_kafka_free_port "$bport" "$sport")" || return 1
  dir="$(mktemp -d /tmp/flare-ci-kafka.XXXXXX)"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$bport,SASL_PLAINTEXT://127.0.0.1:$sport,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$bport,SASL_PLAINTEXT://127.0.0.1:$sport
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_flare="flare-secret";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$dir/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.flush.interval.messages=9223372036854775807
EOF
  # C1 only (TieredStopAtLevel=1): the broker starts in about half the
  # time on 2 busy cores; FLARE_KAFKA_JAVA_OPTS adds or overrides options
  # (e.g. -XX:TieredStopAtLevel=4 for a benchmark broker).
  local extra=()
  read -r -a extra <<<"${FLARE_KAFKA_JAVA_OPTS:-}"
  local java_opts=(-Xmx512m -Xms256m -XX:+UseG1GC -XX:TieredStopAtLevel=1 "${extra[@]}"
    -Djava.awt.headless=true
    -Dorg.slf4j.simpleLogger.defaultLogLevel=info
    -Dorg.slf4j.simpleLogger.showDateTime=true
    -cp "$libs/*")
  # Formatted storage (meta.properties and the bootstrap metadata; nothing
  # in it depends on the folder or the ports) is made once per cache and
  # copied: one JVM start less per run.
  local formatted="$(dirname "$libs")/formatted"
  if [ ! -f "$formatted/meta.properties" ]; then
    # A cluster id is 16 random bytes in URL-safe base64 without padding.
    cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    rm -rf "$formatted.tmp"
    sed "s|^log.dirs=.*|log.dirs=$formatted.tmp|" "$dir/server.properties" >"$dir/format.properties"
    if ! java "${java_opts[@]}" kafka.tools.StorageTool format -t "$cid" \
        -c "$dir/format.properties" >"$dir/format.log" 2>&1; then
      echo "kafka.sh: formatting the storage failed:" >&2
      cat "$dir/format.log" >&2
      rm -rf "$dir" "$formatted.tmp"
      return 1
    fi
    rm -rf "$formatted"
    mv "$formatted.tmp" "$formatted"
  fi
  cp -a "$formatted" "$dir/data"
  java "${java_opts[@]}" kafka.Kafka "$dir/server.properties" >"$dir/server.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/pid"
  # Up to 3 minutes: a start takes 6 s on an idle machine and has taken
  # 40 s on a 2-core machine running 30 other processes.
  local deadline=$(($(date +%s) + 180))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kafka.sh: the broker exited while starting; the end of $dir/server.log:" >&2
      tail -40 "$dir/server.log" >&2
      return 1
    fi
    if grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  if ! grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null; then
    echo "kafka.sh: the broker did not start within 180 s; the end of $dir/server.log:" >&2
    tail -40 "$dir/server.log" >&2
    kill "$pid" 2>/dev/null
    return 1
  fi
  FLARE_KAFKA_DIR="$dir"
  FLARE_KAFKA_PID="$pid"
  export FLARE_TEST_KAFKA_BROKERS="127.0.0.1:$bport"
  export FLARE_TEST_KAFKA_SASL_BROKERS="127.0.0.1:$sport"
  local ms=$((($(date +%s%N) - t0) / 1000000))
  printf 'CI: Kafka %s (KRaft) on 127.0.0.1:%s, SASL on :%s, started in %d.%03d s\n' \
    "$FLARE_KAFKA_VERSION" "$bport" "$sport" $((ms / 1000)) $((ms % 1000)) >&2
}

# flare_kafka_stop stops the broker in folder $1 (default: the one this
# shell started) and removes its folder.
flare_kafka_stop() {
  local dir="${1:-${FLARE_KAFKA_DIR:-}}" pid i
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  pid="$(cat "$dir/pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

# flare_kafka_trap_stop adds flare_kafka_stop to the shell's EXIT trap,
# keeping whatever the trap already does.
flare_kafka_trap_stop() {
  local prev=""
  eval "set -- $(trap -p EXIT)"
  prev="${3:-}"
  # shellcheck disable=SC2064
  trap "flare_kafka_stop; $prev" EXIT
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced (by .ci/run).
  if [ -z "${FLARE_TEST_KAFKA_BROKERS:-}" ]; then
    flare_kafka_start || exit 1
    flare_kafka_trap_stop
  fi
else
  set -euo pipefail
  state="${FLARE_CI_CACHE:-$HOME/.cache/flare-ci}/kafka/running"
  case "${1:-}" in
    start)
      if [ -f "$state" ] && [ -d "$(cat "$state")" ]; then
        d="$(cat "$state")"
        if kill -0 "$(cat "$d/pid")" 2>/dev/null; then
          echo "kafka.sh: a broker already runs in $d; its environment:" >&2
          cat "$d/env"
          exit 0
        fi
      fi
      flare_kafka_start
      mkdir -p "$(dirname "$state")"
      echo "$FLARE_KAFKA_DIR" >"$state"
      {
        echo "export FLARE_TEST_KAFKA_BROKERS=$FLARE_TEST_KAFKA_BROKERS"
        echo "export FLARE_TEST_KAFKA_SASL_BROKERS=$FLARE_TEST_KAFKA_SASL_BROKERS"
      } | tee "$FLARE_KAFKA_DIR/env"
      ;;
    stop)
      [ -f "$state" ] && flare_kafka_stop "$(cat "$state")"
      rm -f "$state"
      ;;
    jars)
      flare_kafka_jars
      ;;
    *)
      echo "usage: bash .ci/kafka.sh start|stop|jars" >&2
      exit 2
      ;;
  esac
fi
