package main

// The program's name and the etcd minor it links (go.mod pins the release).
const (
	prog      = "etcdbench35"
	etcdMinor = "3.5"
)
