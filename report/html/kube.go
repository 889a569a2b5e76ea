package html

// kubeCharts is the bytes-by-kind chart, when the db has Kubernetes objects.
func kubeCharts(d Data) []chart {
	if len(d.KubeKinds) == 0 {
		return nil
	}
	return []chart{histogramChart("chart-kube-kinds", "Kubernetes objects by kind",
		"Value bytes and number of the live objects of each kind, read from each value's first bytes; encrypted objects show no kind.",
		d.KubeKinds, "value bytes", "objects", unitBytes)}
}
