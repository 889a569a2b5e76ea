package main

import (
	"encoding/binary"
	"fmt"
	"math/rand"
)

// Values are made from a small vocabulary so they compress like real config
// text and the committed .db.gz files stay small, with a few random bytes so
// no two values are equal.
var vocabulary = []string{
	"replicas", "image", "registry.k8s.io", "nginx", "redis", "postgres", "true", "false",
	"timeout", "30s", "retry", "enabled", "endpoint", "http://", "https://", "port",
	"8080", "443", "labels", "app", "tier", "backend", "frontend", "version", "v1",
	"v2", "namespace", "default", "kube-system", "memory", "cpu", "500m", "256Mi",
	"limits", "requests", "env", "LOG_LEVEL", "info", "debug", "mountPath", "/var/lib",
	"volume", "secret", "configMap", "readinessProbe", "livenessProbe", "path", "/healthz",
	"status", "Running", "Ready", "conditions", "lastTransitionTime", "2026-11-23T12:00:00Z",
	"owner", "uid", "feature", "rollout", "percent", "region", "eu-west-1", "zone", ":", ",",
}

// text returns n bytes of vocabulary words.
func text(rng *rand.Rand, n int) []byte {
	b := make([]byte, 0, n+32)
	for len(b) < n {
		b = append(b, vocabulary[rng.Intn(len(vocabulary))]...)
		b = append(b, ' ')
	}
	return b[:n]
}

// configValue is a JSON-ish config value of about n bytes.
func configValue(rng *rand.Rand, key string, gen, n int) []byte {
	head := fmt.Sprintf(`{"key":%q,"generation":%d,"checksum":"%016x","data":"`, key, gen, rng.Uint64())
	b := append([]byte(head), text(rng, max(0, n-len(head)-2))...)
	return append(b, '"', '}')
}

// largeValue is size bytes, mostly one repeated line, stamped with the
// rewrite number every 4 KiB so each revision differs yet gzips to little.
func largeValue(rewrite, size int) []byte {
	const line = "large-value filler line: the quick brown fox jumps over the lazy dog.\n"
	b := make([]byte, 0, size)
	for block := 0; len(b) < size; block++ {
		b = append(b, fmt.Sprintf("rewrite %06d block %06d\n", rewrite, block)...)
		for len(b)%4096 != 0 && len(b) < size {
			n := min(len(line), 4096-len(b)%4096, size-len(b))
			b = append(b, line[:n]...)
		}
	}
	return b[:size]
}

// Protobuf-ish encoding of Kubernetes objects: the "k8s\x00" magic of the
// apiserver's protobuf storage, then a runtime.Unknown-like message
// (TypeMeta, raw object with ObjectMeta and a spec).
func protoField(b []byte, field int, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field<<3|2))
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

func k8sObject(rng *rand.Rand, apiVersion, kind, namespace, name string, gen, size int) []byte {
	var typeMeta, meta, raw []byte
	typeMeta = protoField(typeMeta, 1, []byte(apiVersion))
	typeMeta = protoField(typeMeta, 2, []byte(kind))
	uid := make([]byte, 16)
	rng.Read(uid)
	meta = protoField(meta, 1, []byte(name))
	meta = protoField(meta, 3, []byte(namespace))
	meta = protoField(meta, 5, []byte(fmt.Sprintf("%x-%x-%x-%x-%x", uid[:4], uid[4:6], uid[6:8], uid[8:10], uid[10:])))
	meta = protoField(meta, 6, []byte(fmt.Sprint(gen)))
	meta = protoField(meta, 11, []byte("app="+name))
	raw = protoField(raw, 1, meta)
	head := 4 + len(typeMeta) + len(meta) + 32
	raw = protoField(raw, 2, text(rng, max(0, size-head)))
	b := []byte("k8s\x00")
	b = protoField(b, 1, typeMeta)
	b = protoField(b, 2, raw)
	return b
}
