module github.com/dbinspect/dbinspect

go 1.26.0

require (
	github.com/dustin/go-humanize v1.1.0
	github.com/spf13/pflag v1.1.0
	go.etcd.io/bbolt v1.4.3
	go.etcd.io/etcd/api/v3 v3.6.16
	golang.org/x/sys v0.49.0
)

require (
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
