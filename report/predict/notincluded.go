package predict

// NotIncluded is a part of a live member's memory that no db file can tell:
// it depends on the clients connected now, not on what is stored. The
// memory figures leave it out; Metrics name what measures it on the member
// (its /metrics endpoint, the same names in etcd 3.4, 3.5 and 3.6), and
// Command how to read them.
type NotIncluded struct {
	Part    string   `json:"part"`
	Why     string   `json:"why"`
	Metrics []string `json:"metrics"`
	Command string   `json:"command"`
}

// metricsCurl reads a member's metrics on its client URL (add --cacert,
// --cert and --key for TLS, or use a --listen-metrics-urls address).
const metricsCurl = "curl -s http://127.0.0.1:2379/metrics | grep -E "

// MemoryNotIncluded lists what the memory prediction cannot include, each
// with the metrics that measure it on a live member. The names are those
// etcd registers (server/storage/mvcc/metrics.go,
// server/etcdserver/api/v3rpc/metrics.go, server/etcdserver/metrics.go),
// go-grpc-prometheus's server metrics and the Prometheus Go and process
// collectors etcd's /metrics serves.
func MemoryNotIncluded() []NotIncluded {
	return []NotIncluded{
		{
			Part:    "watchers",
			Why:     "each watcher keeps its key range, and a slow watcher buffers the events it has not been sent yet",
			Metrics: []string{"etcd_debugging_mvcc_watcher_total", "etcd_debugging_mvcc_watch_stream_total", "etcd_debugging_mvcc_slow_watcher_total", "etcd_debugging_mvcc_pending_events_total"},
			Command: metricsCurl + "'^etcd_debugging_mvcc_(watcher|watch_stream|slow_watcher|pending_events)_total'",
		},
		{
			Part:    "client connections and gRPC streams",
			Why:     "each connection and open stream holds gRPC and HTTP/2 buffers and goroutines",
			Metrics: []string{"grpc_server_started_total", "grpc_server_handled_total", "process_open_fds", "etcd_network_client_grpc_received_bytes_total", "etcd_network_client_grpc_sent_bytes_total"},
			Command: metricsCurl + "'^(grpc_server_(started|handled)_total|process_open_fds|etcd_network_client_grpc_(sent|received)_bytes_total)'",
		},
		{
			Part:    "in-flight requests",
			Why:     "requests received and proposals not yet applied hold their payloads (open RPCs: grpc_server_started_total minus grpc_server_handled_total)",
			Metrics: []string{"etcd_server_proposals_pending", "grpc_server_started_total", "grpc_server_handled_total"},
			Command: metricsCurl + "'^(etcd_server_proposals_pending|grpc_server_(started|handled)_total)'",
		},
		{
			Part:    "expensive requests in progress",
			Why:     "a large range copies every value it returns into one response, and marshals it again to send it (a Kubernetes LIST without a limit, etcdctl get --prefix)",
			Metrics: []string{"etcd_server_slow_apply_total", "etcd_network_client_grpc_sent_bytes_total", "go_memstats_heap_inuse_bytes"},
			Command: metricsCurl + "'^(etcd_server_slow_apply_total|etcd_network_client_grpc_sent_bytes_total|go_memstats_heap_inuse_bytes)'; journalctl -u etcd | grep 'took too long'",
		},
		{
			Part:    "the whole process, to compare with this prediction",
			Why:     "the Go heap and the resident set of the live member include all of the above",
			Metrics: []string{"go_memstats_heap_inuse_bytes", "go_memstats_heap_sys_bytes", "go_memstats_sys_bytes", "process_resident_memory_bytes"},
			Command: metricsCurl + "'^(go_memstats_(heap_inuse|heap_sys|sys)_bytes|process_resident_memory_bytes)'",
		},
	}
}
