# SeaweedFS: a real S3-compatible server for the object-storage tests
# (internal/objstore and the S3 parts of internal/connector read
# FLARE_TEST_S3_*). Sourced by .ci/run; can also be sourced by hand:
#
#   source .ci/seaweedfs.sh    # builds or reuses weed, starts it, exports
#
# weed comes from the Go module proxy: `go install …/weed@v` is refused
# because SeaweedFS's go.mod has replace directives, so the module is
# downloaded and built inside its own folder. The binary is cached in
# ~/.cache/flare-ci (FLARE_CI_CACHE) so a second run reuses it (a cold build
# takes about 4 minutes on 2 cores).
#
# One server per run, on free 127.0.0.1 ports, with an identities file so
# requests must be signed; stopped and its folder removed on exit. An
# existing FLARE_TEST_S3_ENDPOINT is left alone.

flare_seaweedfs_version="v0.0.0-20261109003541-7506e5f91cd6"
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

flare_free_port() {
  local p
  for p in $(seq "$1" "$2"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

flare_weed_bin() {
  local cache="${FLARE_CI_CACHE:-$HOME/.cache/flare-ci}"
  local bin="$cache/weed-$flare_seaweedfs_version"
  if [ -x "$bin" ]; then echo "$bin"; return 0; fi
  mkdir -p "$cache"
  local dir
  dir="$(cd "$cache" && go mod download -json "github.com/seaweedfs/seaweedfs@$flare_seaweedfs_version" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] && [ -d "$dir/weed" ] || { echo "CI: could not download SeaweedFS $flare_seaweedfs_version" >&2; return 1; }
  echo "CI: building SeaweedFS weed (cached in $cache)" >&2
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$bin.tmp" ./weed) >&2 || return 1
  mv "$bin.tmp" "$bin"
  echo "$bin"
}

flare_start_seaweedfs() {
  local bin
  bin="$(flare_weed_bin)" || return 1
  local dir
  dir="$(mktemp -d /tmp/flare-ci-seaweedfs.XXXXXX)"
  local s3 master volume filer grpc_m grpc_v grpc_f grpc_s3
  s3="$(flare_free_port 58333 58399)" || { echo "CI: no free port for SeaweedFS S3" >&2; return 1; }
  master="$(flare_free_port 59333 59349)" && volume="$(flare_free_port 58080 58099)" &&
    filer="$(flare_free_port 58888 58899)" || { echo "CI: no free port for SeaweedFS" >&2; return 1; }
  # weed's gRPC ports default to port+10000; name them so they are free too.
  grpc_m="$(flare_free_port 19333 19349)" && grpc_v="$(flare_free_port 18080 18099)" &&
    grpc_f="$(flare_free_port 18888 18899)" && grpc_s3="$(flare_free_port 18333 18349)" ||
    { echo "CI: no free gRPC port for SeaweedFS" >&2; return 1; }
  local key="flareci" secret
  secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  cat >"$dir/s3.json" <<EOF
{"identities": [{"name": "flare-ci", "credentials": [{"accessKey": "$key", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
EOF
  mkdir -p "$dir/data"
  # No telemetry (it would call out), no side servers on fixed ports
  # (Iceberg REST, Lance, the IAM API): only master, volume, filer and S3.
  "$bin" server -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="$master" -master.port.grpc="$grpc_m" -master.telemetry=false \
    -master.volumeSizeLimitMB=256 \
    -volume.port="$volume" -volume.port.grpc="$grpc_v" -volume.max=0 \
    -filer.port="$filer" -filer.port.grpc="$grpc_f" \
    -s3 -s3.port="$s3" -s3.port.grpc="$grpc_s3" -s3.port.iceberg=0 -s3.port.lance=0 -s3.iam=false \
    -s3.config="$dir/s3.json" >"$dir/server.log" 2>&1 &
  flare_seaweedfs_pid=$!
  flare_seaweedfs_dir="$dir"
  local i
  for i in $(seq 1 120); do
    # An unsigned request is refused (403) once S3 serves with identities.
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$s3/" 2>/dev/null || true)"
    if [ "$code" = "403" ] || [ "$code" = "200" ]; then break; fi
    if ! kill -0 "$flare_seaweedfs_pid" 2>/dev/null; then
      echo "CI: SeaweedFS exited; its log:" >&2; tail -30 "$dir/server.log" >&2; return 1
    fi
    sleep 0.5
  done
  [ "$code" = "403" ] || [ "$code" = "200" ] || { echo "CI: SeaweedFS S3 did not answer on port $s3" >&2; tail -30 "$dir/server.log" >&2; return 1; }
  export FLARE_TEST_S3_ENDPOINT="http://127.0.0.1:$s3"
  export FLARE_TEST_S3_REGION="us-east-1"
  export FLARE_TEST_S3_BUCKET="flare-test"
  export FLARE_TEST_S3_ACCESS_KEY_ID="$key"
  export FLARE_TEST_S3_SECRET_ACCESS_KEY="$secret"
  echo "CI: SeaweedFS S3 on $FLARE_TEST_S3_ENDPOINT (signed requests, bucket $FLARE_TEST_S3_BUCKET is created by the tests)"
}

flare_stop_seaweedfs() {
  if [ -n "${flare_seaweedfs_pid:-}" ]; then
    kill "$flare_seaweedfs_pid" 2>/dev/null || true
    # weed may take its time to shut down gracefully: give it 10 s.
    local i
    for i in $(seq 1 20); do
      kill -0 "$flare_seaweedfs_pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$flare_seaweedfs_pid" 2>/dev/null || true
    wait "$flare_seaweedfs_pid" 2>/dev/null || true
  fi
  [ -n "${flare_seaweedfs_dir:-}" ] && rm -rf "$flare_seaweedfs_dir"
  return 0
}

if [ -z "${FLARE_TEST_S3_ENDPOINT:-}" ]; then
  # Chain the stop onto whatever EXIT trap the caller has (PostgreSQL's).
  flare_prev_exit_trap="$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")"
  trap "flare_stop_seaweedfs; ${flare_prev_exit_trap:-:}" EXIT
  flare_start_seaweedfs || return 1
fi
