// Package objstore is Flare's client for S3-compatible object storage: it
// opens a bucket from explicit settings (endpoint, region, credentials,
// path-style addressing), lists, reads, writes, copies and deletes objects,
// stages objects to local files for readers that need files, and publishes
// a locally written folder under a prefix without ever showing a partial
// object there (Publish).
//
// It is built on gocloud.dev/blob with its s3blob driver (the same stack
// iceberg-go's S3 IO uses) and aws-sdk-go-v2. It owns nothing about
// formats, depots or manifests: the depot package turns a depot's settings
// into a Config, and the connector package decides which objects to read or
// write. GCS and Azure are not served here (yet).
package objstore
