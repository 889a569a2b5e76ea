package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

// reportCosts is the part of 'dbinspect report -o json' compare reads.
type reportCosts struct {
	Costs struct {
		Ranges struct {
			Prefixes   []predicted `json:"prefixes"`
			Namespaces []predicted `json:"namespaces"`
		} `json:"ranges"`
	} `json:"costs"`
}

type predicted struct {
	Prefix            string  `json:"prefix"`
	Keys              int64   `json:"keys"`
	ResponseBytes     int64   `json:"response_bytes"`
	ServerMemoryBytes int64   `json:"server_memory_bytes"`
	Seconds           float64 `json:"seconds"`
	CountOnlySeconds  float64 `json:"count_only_seconds"`
	FirstPageSeconds  float64 `json:"first_page_seconds"`
	PagedSeconds      float64 `json:"paged_seconds"`
	Pages             int     `json:"pages"`
}

// runCompare prints a markdown table of dbinspect's predictions for the
// ranges measure timed beside what etcd did (medians of the runs).
func runCompare(args []string) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	measured := fs.String("measured", "", "JSON written by etcdcost measure")
	report := fs.String("report", "", "JSON written by dbinspect report -o json on the db measure left")
	label := fs.String("label", "", "etcd version label for the table")
	wall := fs.Bool("wall", false, "compare wall times (full, count-only, first page, paged) and allocations: the quiet-machine table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var m measureResult
	var r reportCosts
	for _, x := range []struct {
		path string
		v    any
	}{{*measured, &m}, {*report, &r}} {
		b, err := os.ReadFile(x.path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, x.v); err != nil {
			return fmt.Errorf("%s: %w", x.path, err)
		}
	}
	pred := map[string]predicted{}
	for _, p := range append(r.Costs.Ranges.Prefixes, r.Costs.Ranges.Namespaces...) {
		pred[p.Prefix] = p
	}
	fmt.Printf("etcd %s, load average before %s, after %s\n\n", *label, m.Load, m.LoadAfter)
	if *wall {
		fmt.Println("| prefix | keys | wall: etcd / dbinspect | count-only wall: etcd / dbinspect | --limit first page wall: etcd / dbinspect | all pages wall: etcd / dbinspect | server alloc: etcd / dbinspect |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
		for _, p := range m.Prefixes {
			q, ok := pred[p.Prefix]
			if !ok {
				return fmt.Errorf("dbinspect has no range for %s", p.Prefix)
			}
			f, c, l := p.MedianFull, p.MedianCnt, p.MedianLim
			paged := "not measured"
			if p.Paged != nil {
				paged = fmt.Sprintf("%s / %s (%s; %d pages)", secs(p.Paged.Seconds), secs(q.PagedSeconds), off(q.PagedSeconds, p.Paged.Seconds), p.Paged.Pages)
			}
			fmt.Printf("| `%s` | %d | %s / %s (%s) | %s / %s (%s) | %s / %s (%s) | %s | %s / %s (%s) |\n",
				p.Prefix, f.KVs, secs(f.Seconds), secs(q.Seconds), off(q.Seconds, f.Seconds),
				secs(c.Seconds), secs(q.CountOnlySeconds), off(q.CountOnlySeconds, c.Seconds),
				secs(l.Seconds), secs(q.FirstPageSeconds), off(q.FirstPageSeconds, l.Seconds), paged,
				mib(int64(f.AllocBytes)), mib(q.ServerMemoryBytes), off(float64(q.ServerMemoryBytes), float64(f.AllocBytes)))
		}
		return nil
	}
	fmt.Println("| prefix | keys | response: etcd / dbinspect | server alloc: etcd / dbinspect | peak RSS +: etcd / dbinspect | server CPU: etcd / dbinspect | wall (load) | count-only server CPU: etcd / dbinspect | --limit first page CPU: etcd / dbinspect |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range m.Prefixes {
		q, ok := pred[p.Prefix]
		if !ok {
			return fmt.Errorf("dbinspect has no range for %s", p.Prefix)
		}
		f, c, l := p.MedianFull, p.MedianCnt, p.MedianLim
		fmt.Printf("| `%s` | %d | %d / %d (%s) | %s / %s (%s) | %s / %s (%s) | %.2f s / %.2f s (%s) | %.2f s | %.2f s / %.2f s | %.2f s / %.2f s |\n",
			p.Prefix, f.KVs, f.ResponseBytes, q.ResponseBytes, off(float64(q.ResponseBytes), float64(f.ResponseBytes)),
			mib(int64(f.AllocBytes)), mib(q.ServerMemoryBytes), off(float64(q.ServerMemoryBytes), float64(f.AllocBytes)),
			mib(f.PeakRSSDelta), mib(q.ServerMemoryBytes), off(float64(q.ServerMemoryBytes), float64(f.PeakRSSDelta)),
			f.ServerCPU, q.Seconds, off(q.Seconds, f.ServerCPU), f.Seconds,
			c.ServerCPU, q.CountOnlySeconds, l.ServerCPU, q.FirstPageSeconds)
	}
	return nil
}

// secs prints a time with three significant figures' worth of digits.
func secs(s float64) string {
	if s < 0.1 {
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.3f s", s)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// off is how far the prediction is from the measurement, signed.
func off(pred, real float64) string {
	if real == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%+.0f%%", 100*(pred/real-1))
}
