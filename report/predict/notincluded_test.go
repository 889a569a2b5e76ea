package predict

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMemoryNotIncludedCommandsReadTheirMetrics checks that each part's
// command selects every metric it names (and that the metric names are
// Prometheus names), so the command a user copies reads what is listed.
func TestMemoryNotIncludedCommandsReadTheirMetrics(t *testing.T) {
	name := regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	quoted := regexp.MustCompile(`grep -E '([^']+)'`)
	list := MemoryNotIncluded()
	if len(list) == 0 {
		t.Fatal("no parts listed")
	}
	for _, n := range list {
		if n.Part == "" || n.Why == "" || len(n.Metrics) == 0 {
			t.Errorf("%+v: part, why and metrics must be set", n)
		}
		m := quoted.FindStringSubmatch(n.Command)
		if m == nil {
			t.Errorf("%s: command %q has no grep -E pattern", n.Part, n.Command)
			continue
		}
		re, err := regexp.Compile(m[1])
		if err != nil {
			t.Errorf("%s: pattern %q: %v", n.Part, m[1], err)
			continue
		}
		for _, metric := range n.Metrics {
			if !name.MatchString(metric) {
				t.Errorf("%s: %q is not a metric name", n.Part, metric)
			}
			// A /metrics line: name, labels or a space, value.
			if !re.MatchString(metric+"{x=\"y\"} 1") || !re.MatchString(metric+" 1") {
				t.Errorf("%s: command pattern %q does not select %s", n.Part, m[1], metric)
			}
			if strings.HasPrefix(metric, "etcd_") && !strings.Contains(n.Command, "/metrics") {
				t.Errorf("%s: command does not read /metrics", n.Part)
			}
		}
	}
}

func TestRunListsMemoryNotIncluded(t *testing.T) {
	p := Run(Inputs{}, unitCal)
	if len(p.MemoryNotIncluded) != len(MemoryNotIncluded()) {
		t.Fatalf("Run lists %d parts not included, want %d", len(p.MemoryNotIncluded), len(MemoryNotIncluded()))
	}
}

// TestMemoryNotIncludedMetricsServedByEtcd checks every metric the list
// names against the names real etcd 3.5.35 and 3.6.16 members served on
// /metrics after ranges (written by testdata/etcdcost measure
// -metrics-out).
func TestMemoryNotIncludedMetricsServedByEtcd(t *testing.T) {
	for _, v := range []string{"3.5", "3.6"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "etcdcost", "metrics-"+v+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		served := map[string]bool{}
		for _, l := range strings.Split(string(b), "\n") {
			served[l] = true
		}
		for _, n := range MemoryNotIncluded() {
			for _, m := range n.Metrics {
				if !served[m] {
					t.Errorf("etcd %s does not serve %s (%s)", v, m, n.Part)
				}
			}
		}
	}
}
