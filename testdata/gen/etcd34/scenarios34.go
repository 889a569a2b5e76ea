package main

// The 3.4 fixtures are a few of the scenarios, to keep the repository small:
// config-store with a snapshot of it (the k8s snapshot would add 2.7 MiB
// gzipped), k8s, and the two small ones that hold the auth and alarm buckets.
func init() {
	keep := map[string]bool{"config-store": true, "k8s": true, "auth": true, "nospace": true}
	var out []scenario
	for _, sc := range scenarios {
		if !keep[sc.name] {
			continue
		}
		switch sc.name {
		case "config-store":
			sc.snapshot = true
		case "k8s":
			sc.snapshot = false
		}
		out = append(out, sc)
	}
	scenarios = out
}
