package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dbinspect/dbinspect/report"
	"github.com/spf13/pflag"
)

// redactPolicy is the --redact policy as 'dbinspect help' and README.md
// ("Redaction") state it; report.Redaction applies it.
const redactPolicy = `With --redact, names that may be customer data are replaced by stable
hashes (12 hex digits) in every output, text, JSON and HTML alike: key
names and prefixes (a Kubernetes key keeps /registry/ and its resource,
e.g. /registry/pods/; its namespace and name are hashed, the namespace
kept with --redact-keep namespace), Kubernetes encryption key names,
member names, the hosts of peer and client URLs (scheme and port kept),
and the input path (the text header, the JSON, the HTML title; member/,
snap/ and db in a resolved path kept). With --redact-ids member, alarm
and lease IDs, and the cluster ID derived from them, are hashed too.
The same name gets the same hash everywhere; with --redact-salt S (or
DBINSPECT_REDACT_SALT) the hashes are keyed by S, so two runs with the
same salt hash alike and a guessed name cannot be confirmed by hashing
it without S. Sizes, counts, revisions, bucket names and etcd's own
versions are never hashed; values are never printed at all.`

// redactFlags are --redact and its refinements. --redact-keys is its
// old name, kept working.
type redactFlags struct {
	on, oldName, ids bool
	keep             []string
	salt             string
}

func (r *redactFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&r.on, "redact", false, "hash key names, namespaces, member names, URL hosts and the input path (see 'Redaction' in 'dbinspect help report')")
	fs.StringSliceVar(&r.keep, "redact-keep", nil, "with --redact, keep these readable: namespace (Kubernetes namespaces)")
	fs.BoolVar(&r.ids, "redact-ids", false, "with --redact, also hash member, alarm, lease and cluster IDs (implies --redact)")
	fs.StringVar(&r.salt, "redact-salt", "", "key the hashes with this secret, so runs with the same salt match (default: $DBINSPECT_REDACT_SALT; implies --redact)")
	fs.BoolVar(&r.oldName, "redact-keys", false, "deprecated: the old name of --redact, which it now is")
}

func (r *redactFlags) validate() error {
	if r.salt == "" {
		r.salt = os.Getenv("DBINSPECT_REDACT_SALT")
		// The variable alone does not turn redaction on: it may be set
		// for every run.
	} else {
		r.on = true
	}
	for i, k := range r.keep {
		r.keep[i] = strings.ToLower(strings.TrimSpace(k))
		if r.keep[i] != "namespace" {
			return usageError{fmt.Sprintf("--redact-keep %q: want namespace", k)}
		}
		r.on = true
	}
	r.on = r.on || r.oldName || r.ids
	return nil
}

func (r redactFlags) applyTo(o *report.Options) { o.Redact = r.policy() }

func (r *redactFlags) policy() report.Redaction {
	return report.Redaction{On: r.on, KeepNamespace: len(r.keep) > 0, IDs: r.ids, Salt: r.salt}
}

// redactPathsIn rewrites err's message with every path the user gave
// replaced by its redacted form: errors raised before a report exists (a
// missing file, an archive with no db) quote the path, and under --redact
// it must not reach stderr either. The exit status err carries is kept.
func redactPathsIn(err error, paths []string, p report.Redaction) error {
	var pairs []string
	for _, given := range paths {
		if given != "" && given != "-" {
			pairs = append(pairs, given, p.RedactPath(given))
		}
	}
	if len(pairs) == 0 {
		return err
	}
	r := strings.NewReplacer(pairs...)
	var ue usageError
	if errors.As(err, &ue) {
		return usageError{r.Replace(ue.Error())}
	}
	var ce codedError
	if errors.As(err, &ce) {
		if ce.err == nil {
			return err
		}
		return codedError{code: ce.code, err: errors.New(r.Replace(ce.err.Error()))}
	}
	return errors.New(r.Replace(err.Error()))
}
