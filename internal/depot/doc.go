// Package depot owns the project configuration (flare.yaml), the depots it
// declares, and the dataos:// addresses that name data inside them.
//
// A depot is a named place where data lives: a lakehouse (Iceberg tables
// with an embedded catalog, in a folder or on S3 with a local state folder
// for its catalog and file mirror), a folder of files, local or on S3-compatible
// object storage (s3.go: its settings, credentials from the environment), or
// a Kafka cluster (its brokers; its security settings live in environment
// variables that package kafka reads, never in flare.yaml). Resolve turns an address
// such as dataos://lakehouse:retail/city into a concrete location and refuses
// addresses that would escape their depot's folder. The package does not read
// or write data; connectors and the lakehouse package do.
package depot
