#!/usr/bin/env bash
# The city example with the lakehouse on S3-compatible object storage
# (docs/connectors.md, "Lakehouse depots on S3"). Run from the repository:
#
#   bash examples/s3-lakehouse/run.sh
#
# Without FLARE_TEST_S3_ENDPOINT it starts a local SeaweedFS server
# (.ci/seaweedfs.sh: builds or reuses weed, stops it on exit). It creates
# the bucket flare-demo, writes a project folder with a flare.yaml whose
# lakehouse depot is s3://flare-demo/lake, and runs the example, a query,
# the table commands and maintenance there.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
if [ -z "${FLARE_TEST_S3_ENDPOINT:-}" ]; then
  source .ci/seaweedfs.sh
fi
go build -o /tmp/flare-s3-demo ./cmd/flare
flare=/tmp/flare-s3-demo
# Buckets are not created by Flare: make one (a signed PUT; any S3 client does).
curl -sf -o /dev/null --aws-sigv4 "aws:amz:${FLARE_TEST_S3_REGION:-us-east-1}:s3" \
  --user "$FLARE_TEST_S3_ACCESS_KEY_ID:$FLARE_TEST_S3_SECRET_ACCESS_KEY" \
  -X PUT "$FLARE_TEST_S3_ENDPOINT/flare-demo" || true

project="$(mktemp -d /tmp/flare-s3-demo.XXXXXX)"
cp -r examples "$project/examples"
cat >"$project/flare.yaml" <<YAML
depots:
  lakehouse:
    type: lakehouse
    path: s3://flare-demo/lake-$(basename "$project")
    endpoint: $FLARE_TEST_S3_ENDPOINT
    region: ${FLARE_TEST_S3_REGION:-us-east-1}
    access_key_id_env: FLARE_TEST_S3_ACCESS_KEY_ID
    secret_access_key_env: FLARE_TEST_S3_SECRET_ACCESS_KEY
    # state: ./.flare/lakehouse    # the default: SQLite catalog + local file mirror
  thirdparty: {type: file, path: ./examples/data}
YAML
cd "$project"
$flare run examples/city/ingest.yaml
$flare sql "SELECT state_name, count(*) AS cities FROM lakehouse.retail.city GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
$flare table files lakehouse.retail.city | head -5
$flare table delete lakehouse.retail.city --where "state_code = 'AL'"
$flare table compact lakehouse.retail.city --rewrite-all
$flare table expire-snapshots lakehouse.retail.city --retain-last 1 --older-than 0s
$flare table remove-orphans lakehouse.retail.city --older-than 0s
$flare sql "SELECT count(*) AS cities FROM lakehouse.retail.city"
echo "project folder: $project (catalog and file mirror in .flare/lakehouse)"
