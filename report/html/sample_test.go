package html

// sampleHTMLData is a fixed, realistic page: a 64 MiB Kubernetes etcd file
// with history and free space in the middle. It feeds the golden test and
// the browser test, so both see every chart drawn. The figures are made up
// for the layout, not computed from a database.
func sampleData() Data {
	const pages = 16384 // 64 MiB of 4 KiB pages
	classes := []PageClass{
		{Name: "meta"}, {Name: "freelist"},
		{Name: "key branch"}, {Name: "key leaf"}, {Name: "key overflow"},
		{Name: "lease leaf"}, {Name: "meta bucket leaf"},
		{Name: "free", Free: true}, {Name: "unallocated"},
	}
	runs := []PageRun{{Start: 0, Len: 2, Class: 0}}
	// Key pages with holes that grow towards the end: fragmentation.
	p := uint64(2)
	for i := uint64(0); p < 12000; i++ {
		used := 40 - i%31
		runs = append(runs, PageRun{Start: p, Len: used, Class: 3})
		p += used
		if i%7 == 0 {
			runs = append(runs, PageRun{Start: p, Len: 1, Class: 2})
			p++
		}
		if i%13 == 0 {
			runs = append(runs, PageRun{Start: p, Len: 9, Class: 4})
			p += 9
		}
		free := 1 + (i*i)%(3+p/1500)
		runs = append(runs, PageRun{Start: p, Len: free, Class: 7})
		p += free
	}
	runs = append(runs,
		PageRun{Start: p, Len: 40, Class: 5},
		PageRun{Start: p + 40, Len: 3, Class: 6},
		PageRun{Start: p + 43, Len: 2, Class: 1},
		PageRun{Start: p + 45, Len: pages - (p + 45), Class: 8},
	)
	return Data{
		Title:    "member/snap/db",
		Subtitle: "etcd 3.6.16 · bbolt v1.4.3 · revision 1,843,022 · compacted at 1,840,000",
		Summary: []KV{
			{"File", "64 MiB (16,384 pages of 4 KiB)"},
			{"In use", "38 MiB (59%)"},
			{"Free pages", "3,912 in 2,101 spans (longest 14)"},
			{"Keys", "12,408 live, 310 deleted, 96,550 revisions"},
			{"Prefix with most history", "/registry/events/"},
		},
		Findings: []Finding{
			{Severity: "critical", Code: "quota-near", Message: "The file is 94% of the 64 MiB quota.", Advice: "Compact and defragment, or raise --quota-backend-bytes."},
			{Severity: "warning", Code: "fragmented", Message: "Free space is scattered: 2,101 spans, most one page long.", Advice: "Defragment after the next compaction."},
			{Severity: "info", Code: "events-history", Message: "Events hold 41% of the history."},
		},
		PageMap: PageMap{PageSize: 4096, Pages: pages, Classes: classes, Runs: runs},
		FreeSpanHistogram: []Bar{
			{Label: "1", Value: 1203, Value2: 1203},
			{Label: "2-3", Value: 512, Value2: 1180},
			{Label: "4-7", Value: 301, Value2: 1402},
			{Label: "8-15", Value: 85, Value2: 880},
			{Label: "16+", Value: 0, Value2: 0},
		},
		Prefixes: []PrefixBar{
			{Name: "/registry/events/", LiveBytes: 4 << 20, HistoryBytes: 11 << 20, Keys: 5210, Revisions: 41000, ShareOfFile: 0.234},
			{Name: "/registry/leases/kube-node-lease/", LiveBytes: 300 << 10, HistoryBytes: 8 << 20, Keys: 12, Revisions: 30110, ShareOfFile: 0.130},
			{Name: "/registry/pods/", LiveBytes: 6 << 20, HistoryBytes: 3 << 20, Keys: 2400, Revisions: 12000, ShareOfFile: 0.141},
			{Name: "/registry/configmaps/very-long-namespace-name-for-layout/", LiveBytes: 1 << 20, HistoryBytes: 512 << 10, Keys: 800, Revisions: 2100, ShareOfFile: 0.023},
			{Name: "/registry/secrets/", LiveBytes: 900 << 10, HistoryBytes: 0, Keys: 700, Revisions: 700}, // share of file unknown: not shown
		},
		RevisionsPerKey: []Bar{
			{Label: "1", Value: 9100, Value2: 9100},
			{Label: "2-3", Value: 2100, Value2: 5200},
			{Label: "4-7", Value: 900, Value2: 4700},
			{Label: "8-15", Value: 250, Value2: 2600},
			{Label: "1024+", Value: 12, Value2: 30110},
		},
		RevisionsPerKeySeries: []string{"keys", "revisions they hold"},
		Waterfall: []Bar{
			{Label: "file", Value: 64 << 20},
			{Label: "in use", Value: 38 << 20},
			{Label: "after defrag", Value: 39 << 20},
			{Label: "after compaction and defrag", Value: 21 << 20},
		},
		StartupBreakdown: []StackedBar{
			{Label: "etcd 3.5", Segments: []Segment{{"bbolt open", 0.21}, {"freelist rebuild", 0.35}, {"key index", 1.8}, {"leases", 0.04}}},
			{Label: "etcd 3.6", Segments: []Segment{{"bbolt open", 0.21}, {"freelist rebuild", 0.12}, {"key index", 1.6}, {"leases", 0.04}}},
			{Label: "etcd 3.7", Segments: []Segment{{"bbolt open", 0.2}, {"key index", 1.5}, {"leases", 0.03}}, Text: "1.7 s (estimate)"},
		},
		MemoryBreakdown: []StackedBar{
			{Label: "etcd 3.5", Segments: []Segment{{"mmap resident", 64 << 20}, {"treeIndex", 18 << 20}, {"raft log", 50 << 20}}},
			{Label: "etcd 3.6", Segments: []Segment{{"mmap resident", 64 << 20}, {"treeIndex", 18 << 20}, {"raft log", 20 << 20}}},
		},
		Tables: []Table{{
			ID:      "table-namespaces",
			Caption: "Namespaces (namespaced Kubernetes resources, by namespace)",
			Header:  []string{"namespace", "resource", "keys", "live", "revisions", "live bytes", "history bytes", "share of file"},
			Numeric: []bool{false, false, true, true, true, true, true, true},
			Rows: [][]string{
				{"kube-system", "pods", "310", "310", "2,900", "3.1 MiB", "1.9 MiB", "7.8%"},
				{"kube-node-lease", "leases", "12", "12", "30,110", "300 KiB", "8.0 MiB", "13.0%"},
				{"very-long-namespace-name-for-layout", "configmaps", "800", "800", "2,100", "1.0 MiB", "512 KiB", "2.3%"},
				{"... 41 more in the JSON report (mvcc.prefixes_by_namespace)"},
			},
		}, {
			Caption: "Buckets",
			Header:  []string{"bucket", "pages", "keys", "depth"},
			Numeric: []bool{false, true, true, true},
			Rows: [][]string{
				{"key", "11,200", "96,550", "4"},
				{"lease", "40", "310", "2"},
				{"meta", "3", "4", "1"},
			},
		}},
		JSON: []byte(`{"file":{"path":"member/snap/db","size":67108864},"note":"</script><b>"}`),
	}
}
