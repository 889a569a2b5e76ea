package main

import (
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// scenario is one workload; each gives one fixture per etcd version.
type scenario struct {
	name        string
	description string
	quota       int64 // QuotaBackendBytes; 0 is etcd's default (2 GiB)
	snapshot    bool  // also save a Maintenance.Snapshot file as <name>-vX.Y-snapshot
	run         func(w *workload) error
}

var scenarios = []scenario{
	{name: "config-store", run: configStore,
		description: "3000+ config keys under /config/, /feature-flags/, /services/; batched Txns and single puts, updates, deletes (one a prefix delete), physical compaction mid-history, more writes after it"},
	{name: "large-value", run: func(w *workload) error { return largeValues(w, false) },
		description: "one key with a 1 MiB value rewritten 200 times, compacted every 25 rewrites and at the end, not defragmented: a big db holding one key"},
	{name: "large-value-defragged", run: func(w *workload) error { return largeValues(w, true) },
		description: "the large-value workload, then defragmented by etcd (Maintenance.Defragment) before stopping"},
	{name: "k8s", run: k8s, snapshot: true,
		description: "Kubernetes-like /registry/ layout written one key per Txn (apiserver-style ModRevision guards): namespaces, nodes, pods, configmaps (one 300 KiB), secrets, services, events bound to shared 1h leases, node coordination leases rewritten often, deletions, revoked event leases, a compaction mid-history"},
	{name: "fragmented", run: fragmented,
		description: "20000 keys with ~1 KiB values, 90% deleted in seeded random order, compacted: scattered free pages"},
	{name: "auth", run: auth,
		description: "auth enabled: root user and role, user app with role app-rw (readwrite on /app/), a few keys"},
	{name: "nospace", run: nospace, quota: 4 << 20,
		description: "QuotaBackendBytes 4 MiB, 64 KiB puts until etcd answered 'mvcc: database space exceeded': NOSPACE alarm recorded; the db overshoots the quota because etcd compares the quota with the size at the last backend commit"},
}

func configStore(w *workload) error {
	var keys []string
	for app := 0; app < 30; app++ {
		for s := 0; s < 50; s++ {
			keys = append(keys, fmt.Sprintf("/config/app-%02d/setting-%03d", app, s))
		}
	}
	for f := 0; f < 500; f++ {
		keys = append(keys, fmt.Sprintf("/feature-flags/flag-%04d", f))
	}
	for svc := 0; svc < 50; svc++ {
		for i := 0; i < 20; i++ {
			keys = append(keys, fmt.Sprintf("/services/svc-%02d/instance-%02d", svc, i))
		}
	}
	gen := map[string]int{}
	value := func(k string) []byte {
		gen[k]++
		return configValue(w.rng, k, gen[k], 100+w.rng.Intn(700))
	}
	// Initial load: Txns of up to 100 puts.
	b := w.newBatch(100)
	for _, k := range keys {
		if err := b.put(k, value(k)); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	updates := func(n int) error {
		b := w.newBatch(10 + w.rng.Intn(40))
		for i := 0; i < n; i++ {
			k := keys[w.rng.Intn(len(keys))]
			if w.rng.Intn(10) < 7 {
				if err := w.put(k, value(k)); err != nil {
					return err
				}
			} else if err := b.put(k, value(k)); err != nil {
				return err
			}
		}
		return b.flush()
	}
	if err := updates(1500); err != nil {
		return err
	}
	for i := 0; i < 300; i++ {
		k := keys[w.rng.Intn(len(keys))]
		if err := w.del(k, false); err != nil {
			return err
		}
	}
	if err := w.del("/services/svc-07/", true); err != nil {
		return err
	}
	if err := w.compact(); err != nil {
		return err
	}
	for i := 0; i < 200; i++ {
		keys = append(keys, fmt.Sprintf("/feature-flags/late-flag-%04d", i))
	}
	if err := updates(1200); err != nil {
		return err
	}
	b = w.newBatch(25)
	for i := 0; i < 100; i++ {
		if err := b.del(keys[w.rng.Intn(len(keys))]); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	w.must = append(w.must, "/services/svc-07/instance-00", keys[0])
	return nil
}

const largeKey = "/large/blob"

func largeValues(w *workload, defrag bool) error {
	for i := 1; i <= 200; i++ {
		if err := w.put(largeKey, largeValue(i, 1<<20)); err != nil {
			return err
		}
		if i%25 == 0 {
			if err := w.compact(); err != nil {
				return err
			}
		}
	}
	w.must = append(w.must, largeKey)
	if !defrag {
		return nil
	}
	if _, err := w.cli.Defragment(w.ctx, w.srv.clientURL); err != nil {
		return fmt.Errorf("defragment: %w", err)
	}
	return nil
}

// apiserverPut writes one key per Txn, guarded like the apiserver's
// GuaranteedUpdate: the Txn succeeds only if the key is at the ModRevision
// we last wrote (0 for a create).
func (w *workload) apiserverPut(modRev map[string]int64, key string, val []byte, lease int64) error {
	var opts []clientv3.OpOption
	if lease != 0 {
		opts = append(opts, clientv3.WithLease(clientv3.LeaseID(lease)))
	}
	resp, err := w.cli.Txn(w.ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev[key])).
		Then(clientv3.OpPut(key, string(val), opts...)).
		Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return fmt.Errorf("txn put %s: %w", key, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("txn put %s: ModRevision is not %d", key, modRev[key])
	}
	w.saw(resp.Header)
	modRev[key] = resp.Header.Revision
	w.live[key] = true
	return nil
}

func (w *workload) apiserverDelete(modRev map[string]int64, key string) error {
	resp, err := w.cli.Txn(w.ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", modRev[key])).
		Then(clientv3.OpDelete(key)).
		Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return fmt.Errorf("txn delete %s: %w", key, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("txn delete %s: ModRevision is not %d", key, modRev[key])
	}
	w.saw(resp.Header)
	delete(modRev, key)
	w.live[key] = false
	return nil
}

func k8s(w *workload) error {
	modRev := map[string]int64{}
	gen := map[string]int{}
	obj := func(apiVersion, kind, ns, name, key string, size int) []byte {
		gen[key]++
		return k8sObject(w.rng, apiVersion, kind, ns, name, gen[key], size)
	}
	namespaces := []string{"default", "kube-system", "monitoring"}
	for i := 1; i <= 7; i++ {
		namespaces = append(namespaces, fmt.Sprintf("team-%d", i))
	}
	for _, ns := range namespaces {
		k := "/registry/namespaces/" + ns
		if err := w.apiserverPut(modRev, k, obj("v1", "Namespace", "", ns, k, 300), 0); err != nil {
			return err
		}
	}
	const nodes = 50
	nodeKey := func(n int) string { return fmt.Sprintf("/registry/minions/node-%02d", n) }
	nodeLeaseKey := func(n int) string { return fmt.Sprintf("/registry/leases/kube-node-lease/node-%02d", n) }
	for n := 0; n < nodes; n++ {
		name := fmt.Sprintf("node-%02d", n)
		if err := w.apiserverPut(modRev, nodeKey(n), obj("v1", "Node", "", name, nodeKey(n), 3000+w.rng.Intn(2000)), 0); err != nil {
			return err
		}
		if err := w.apiserverPut(modRev, nodeLeaseKey(n), obj("coordination.k8s.io/v1", "Lease", "kube-node-lease", name, nodeLeaseKey(n), 250), 0); err != nil {
			return err
		}
	}
	heartbeat := func() error {
		for n := 0; n < nodes; n++ {
			name := fmt.Sprintf("node-%02d", n)
			if err := w.apiserverPut(modRev, nodeLeaseKey(n), obj("coordination.k8s.io/v1", "Lease", "kube-node-lease", name, nodeLeaseKey(n), 250), 0); err != nil {
				return err
			}
		}
		return nil
	}
	type object struct{ key, ns, name string }
	var pods, cms, secrets []object
	add := func(list *[]object, resource, apiVersion, kind string, i, minSize, spread int) error {
		ns := namespaces[w.rng.Intn(len(namespaces))]
		name := fmt.Sprintf("%s-%04d", kind, i)
		k := fmt.Sprintf("/registry/%s/%s/%s", resource, ns, name)
		if err := w.apiserverPut(modRev, k, obj(apiVersion, kind, ns, name, k, minSize+w.rng.Intn(spread)), 0); err != nil {
			return err
		}
		*list = append(*list, object{k, ns, name})
		return nil
	}
	for i := 0; i < 80; i++ {
		var svcs []object
		if err := add(&svcs, "services/specs", "v1", "Service", i, 400, 600); err != nil {
			return err
		}
	}
	for i := 0; i < 200; i++ {
		if err := add(&cms, "configmaps", "v1", "ConfigMap", i, 300, 3800); err != nil {
			return err
		}
		if err := add(&secrets, "secrets", "v1", "Secret", i, 200, 1800); err != nil {
			return err
		}
	}
	bigCM := "/registry/configmaps/kube-system/bundle-certificates"
	bigCMWrite := func() error {
		return w.apiserverPut(modRev, bigCM, obj("v1", "ConfigMap", "kube-system", "bundle-certificates", bigCM, 300<<10), 0)
	}
	if err := bigCMWrite(); err != nil {
		return err
	}
	for i := 0; i < 600; i++ {
		if err := add(&pods, "pods", "v1", "Pod", i, 2000, 6000); err != nil {
			return err
		}
	}
	// Events share leases like the apiserver's lease manager: a new 1h lease
	// every 100 events.
	type eventLease struct {
		id   int64
		keys []string
	}
	var leases []eventLease
	event := func(i int) error {
		if i%100 == 0 {
			id := int64(0x6b38730000000000) + int64(len(leases)+1)
			if err := w.grantLease(id, 3600); err != nil {
				return err
			}
			leases = append(leases, eventLease{id: id})
		}
		l := &leases[len(leases)-1]
		p := pods[w.rng.Intn(len(pods))]
		k := fmt.Sprintf("/registry/events/%s/%s.%x", p.ns, p.name, w.rng.Uint32())
		if err := w.apiserverPut(modRev, k, obj("v1", "Event", p.ns, p.name, k, 400+w.rng.Intn(400)), l.id); err != nil {
			return err
		}
		l.keys = append(l.keys, k)
		return nil
	}
	nextEvent := 0
	// Steady state: pod status updates, events, node heartbeats, node status.
	round := func(podUpdates, events int) error {
		for i := 0; i < podUpdates; i++ {
			p := pods[w.rng.Intn(len(pods))]
			if _, ok := modRev[p.key]; !ok {
				continue
			}
			if err := w.apiserverPut(modRev, p.key, obj("v1", "Pod", p.ns, p.name, p.key, 2000+w.rng.Intn(6000)), 0); err != nil {
				return err
			}
		}
		for i := 0; i < events; i++ {
			if err := event(nextEvent); err != nil {
				return err
			}
			nextEvent++
		}
		n := w.rng.Intn(nodes)
		if err := w.apiserverPut(modRev, nodeKey(n), obj("v1", "Node", "", fmt.Sprintf("node-%02d", n), nodeKey(n), 3000+w.rng.Intn(2000)), 0); err != nil {
			return err
		}
		return heartbeat()
	}
	for r := 0; r < 20; r++ {
		if err := round(50, 50); err != nil {
			return err
		}
		if r%5 == 4 {
			if err := bigCMWrite(); err != nil {
				return err
			}
		}
	}
	// A rollout: delete 100 pods and create their replacements.
	for _, i := range w.rng.Perm(len(pods))[:100] {
		if err := w.apiserverDelete(modRev, pods[i].key); err != nil {
			return err
		}
	}
	for i := 600; i < 700; i++ {
		if err := add(&pods, "pods", "v1", "Pod", i, 2000, 6000); err != nil {
			return err
		}
	}
	for _, i := range w.rng.Perm(len(secrets))[:20] {
		if err := w.apiserverDelete(modRev, secrets[i].key); err != nil {
			return err
		}
	}
	// Expired events: revoke the oldest leases (the apiserver lets them expire).
	for _, l := range leases[:5] {
		if err := w.revoke(l.id, l.keys); err != nil {
			return err
		}
	}
	if err := w.compact(); err != nil {
		return err
	}
	for r := 0; r < 10; r++ {
		if err := round(40, 30); err != nil {
			return err
		}
	}
	w.must = append(w.must, bigCM, nodeLeaseKey(0), leases[0].keys[0], leases[len(leases)-1].keys[0])
	return nil
}

func fragmented(w *workload) error {
	const n = 20000
	keys := make([]string, n)
	b := w.newBatch(100)
	for i := range keys {
		keys[i] = fmt.Sprintf("/frag/%06d", i)
		if err := b.put(keys[i], configValue(w.rng, keys[i], 1, 900+w.rng.Intn(250))); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	// Delete 90% in random order: one key per revision for a third of them,
	// the rest in Txns of 20.
	order := w.rng.Perm(n)[:n*9/10]
	b = w.newBatch(20)
	for j, i := range order {
		var err error
		if j%3 == 0 {
			err = w.del(keys[i], false)
		} else {
			err = b.del(keys[i])
		}
		if err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	return w.compact()
}

const (
	rootPassword = "fixture-root-password"
	appPassword  = "fixture-app-password"
)

func auth(w *workload) error {
	for i := 0; i < 5; i++ {
		k := fmt.Sprintf("/app/config/item-%d", i)
		if err := w.put(k, configValue(w.rng, k, 1, 200)); err != nil {
			return err
		}
	}
	if err := w.put("/other/secret-setting", configValue(w.rng, "/other/secret-setting", 1, 200)); err != nil {
		return err
	}
	steps := []func() error{
		func() error { _, err := w.cli.RoleAdd(w.ctx, "root"); return err },
		func() error { _, err := w.cli.UserAdd(w.ctx, "root", rootPassword); return err },
		func() error { _, err := w.cli.UserGrantRole(w.ctx, "root", "root"); return err },
		func() error { _, err := w.cli.RoleAdd(w.ctx, "app-rw"); return err },
		func() error {
			_, err := w.cli.RoleGrantPermission(w.ctx, "app-rw", "/app/", clientv3.GetPrefixRangeEnd("/app/"),
				clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := w.cli.UserAdd(w.ctx, "app", appPassword); return err },
		func() error { _, err := w.cli.UserGrantRole(w.ctx, "app", "app-rw"); return err },
		func() error { _, err := w.cli.AuthEnable(w.ctx); return err },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("auth setup step %d: %w", i+1, err)
		}
	}
	app, err := w.srv.client("app", appPassword)
	if err != nil {
		return err
	}
	defer app.Close()
	if resp, err := app.Put(w.ctx, "/app/config/written-by-app", "x"); err != nil {
		return fmt.Errorf("put as app: %w", err)
	} else {
		w.saw(resp.Header)
	}
	w.live["/app/config/written-by-app"] = true
	if _, err := app.Put(w.ctx, "/other/denied", "x"); !errors.Is(err, rpctypes.ErrPermissionDenied) {
		return fmt.Errorf("put outside /app/ as app: want permission denied, got %v", err)
	}
	// From here on the harness talks to etcd as root.
	root, err := w.srv.client("root", rootPassword)
	if err != nil {
		return err
	}
	w.cli.Close()
	w.cli, w.user, w.pass = root, "root", rootPassword
	return w.del("/app/config/item-4", false)
}

func nospace(w *workload) error {
	for i := 0; ; i++ {
		k := fmt.Sprintf("/fill/%05d", i)
		err := w.put(k, largeValue(i, 64<<10))
		if errors.Is(err, rpctypes.ErrNoSpace) {
			delete(w.live, k)
			return nil
		}
		if err != nil {
			return err
		}
		if i > 10000 {
			return fmt.Errorf("no NOSPACE after %d puts", i)
		}
	}
}
