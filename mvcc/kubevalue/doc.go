// Package kubevalue classifies a value kube-apiserver stored in etcd from
// its first bytes: the encoding (protobuf "k8s\x00" + runtime.Unknown, JSON,
// encrypted at rest "k8s:enc:<provider>:<version>:<key name>:", or unknown),
// the object's apiVersion and kind where the prefix shows them, and the
// encryption provider and key name.
//
// It reads at most MaxPrefix bytes of a value, decodes no object, allocates
// nothing (a Class aliases the value) and never fails: a truncated, huge or
// lying envelope (a length that runs past the value, a name that is not a
// name) is Unknown. It never returns or keeps a byte of ciphertext, of an
// object's fields other than apiVersion and kind, or of anything past the
// prefix, so what it yields may be counted and, for the names, printed.
package kubevalue
