// Package kubefind holds the findings rules about a Kubernetes db's
// objects: Secrets (and ConfigMaps) stored unencrypted, resources under
// more than one encryption key or provider (an unfinished rotation),
// custom resources as JSON holding most of the live bytes, and values no
// kube-apiserver wrote. It reads mvcc.KubeSummary (counts and names of
// value classes) and never a value; its findings are findings.Finding.
package kubefind
