#!/bin/sh
# Runs the restore-count comparison: a copy of etcd 3.6.16's server module
# (3.7 MB, from the module cache) with _patch/zz_restorecount.go added to
# its storage/mvcc package (a copy of restoreIntoIndex with counters)
# replaces the real one through a temporary -modfile, and the test that
# compares its counts with report/predict/restoresim's runs on it.
set -eu
cd "$(dirname "$0")"
dir=$(go list -m -f '{{.Dir}}' go.etcd.io/etcd/server/v3)
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
cp -r "$dir" "$tmp/server"
chmod -R u+w "$tmp/server"
cp _patch/zz_restorecount.go "$tmp/server/storage/mvcc/"
cp go.mod go.sum "$tmp/"
printf '\nreplace go.etcd.io/etcd/server/v3 => %s/server\n' "$tmp" >>"$tmp/go.mod"
sed -i "s#=> \.\./\.\.#=> $(cd ../.. && pwd)#" "$tmp/go.mod"
go test -tags restorecount -modfile "$tmp/go.mod" -count=1 "$@" .
