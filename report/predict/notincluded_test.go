package predict

import (
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
