package main

import (
	_ "github.com/dustin/go-humanize"
	_ "github.com/spf13/pflag"
	_ "go.etcd.io/bbolt"
	_ "go.etcd.io/etcd/api/v3/mvccpb"
)

func main() {}
