#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The CI scripts and the example pipelines that call them.
#
# ci/shard.sh and ci/merge.sh run with the real build/krepro: shards of a
# host-mode matrix, merges of those shards or of crafted run directories.
# The example pipelines in ci/examples are read with python3's yaml
# module.  Every job must be set-up, one call of its ci/ script and
# artifact handling, so what a job does is its call: the tests check the
# arguments each call gets, expanded by bash in the job's environment,
# and where the artifacts take each shard's directory.  The shards the
# pipelines name are then run with ci/shard.sh on the host and merged.

bats_require_minimum_version 1.5.0

load helpers

GITLAB="$ROOT/ci/examples/gitlab-ci.yml"
GITHUB="$ROOT/ci/examples/github-actions.yml"

# Run ci/NAME.sh; like kr, keep status, stdout and stderr, and log them.
ci() {
	local name=$1
	shift
	run --separate-stderr "$ROOT/ci/$name.sh" "$@"
	{
		echo "# command: ci/$name.sh $*"
		echo "# status:  $status"
		printf '# stdout:\n%s\n# stderr:\n%s\n' "$output" "$stderr"
	} >&2
}

first_err() {
	printf '%s\n' "$stderr" | head -n 1
}

# pipeline gitlab|github FILE DIR: read the pipeline; write what its jobs
# would do to DIR, one fact a file:
#   valid, thin   "ok" or what is wrong
#   error         why the facts below are missing, when they are
#   kernels, cases  the pipeline's KERNELS and CASES
#   shard-args    per matrix entry, the arguments its shard job gives
#                 ci/shard.sh, tab-separated
#   needs         "shard" when the merge job needs the shard job
#   landed        per matrix entry, where the artifacts put the shard's
#                 directory in the merge job ("-": nowhere)
#   merge-dirs    the directories the merge job gives ci/merge.sh, its
#                 pattern matched against the landed directories
#   kept          which of ci/merge.sh's reports the merge job keeps
#   junit         the report GitLab shows as JUnit (GitLab only)
# Nothing of a job runs but bash expanding its call's words.
pipeline() {
	python3 - "$1" "$2" "$3" <<'PY'
import fnmatch, itertools, os, re, shutil, subprocess, sys
try:
    import yaml
except ImportError:
    sys.exit("pipelines.bats: python3 has no yaml module (Debian: python3-yaml; run make setup)")

kind, path, out = sys.argv[1:4]
SCRIPT = {"shard": "ci/shard.sh", "merge": "ci/merge.sh", "gate": "ci/gate.sh"}
# Installing make, then make setup: no second command hides behind them.
SETUP = re.compile(r"(DEBIAN_FRONTEND=\S+ )?apt-get [-\w .=+]*( >/dev/null)?|make setup( [\w/.-]+)*")
# One command and nothing after it, so that its status is the job's.
CALL = re.compile(r"(ci/[a-z]+\.sh)( [^;&|<>`\n]*)?")
ACTIONS = ("actions/checkout@", "actions/upload-artifact@", "actions/download-artifact@")
REPORTS = ("report.md", "report.xml", "report.html")

class Failed(Exception):
    pass

def fail(msg):
    raise Failed("%s: %s" % (os.path.basename(path), msg))

def fact(name, text):
    with open(os.path.join(out, name), "w") as f:
        f.write(text + "\n" if text else "")

shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
try:
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict):
        fail("not a YAML mapping")
except Failed as e:
    fact("valid", str(e)); fact("error", str(e)); sys.exit(0)
except (yaml.YAMLError, OSError) as e:
    msg = "%s: %s" % (os.path.basename(path), e)
    fact("valid", msg); fact("error", msg); sys.exit(0)
fact("valid", "ok")

def lines(x):
    if x is None:
        return []
    if isinstance(x, str):
        return [x.strip()]
    return [y for item in x for y in lines(item)]

def scalar_vars(v):
    return {k: str(x.get("value", "") if isinstance(x, dict) else ("" if x is None else x))
            for k, x in (v or {}).items()}

def matrix_instances(entries):
    got = []
    for entry in entries:
        vals = [v if isinstance(v, list) else [v] for v in entry.values()]
        got += [dict(zip(entry, combo)) for combo in itertools.product(*vals)]
    return got

def expand(text, ctx):
    """GitHub's ${{ matrix.X }}, ${{ env.X }} and ${{ inputs.X }}."""
    def one(m):
        hit = re.fullmatch(r"\s*(matrix|env|inputs)\.([A-Za-z_][A-Za-z0-9_-]*)\s*", m.group(1))
        if not hit:
            fail("expression not understood by this test: ${{%s}}" % m.group(1))
        return str(ctx.get(hit.group(1), {}).get(hit.group(2), ""))
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))

def covers(pattern, f):
    """Does an artifact path - a file, a directory or a pattern - hold f?"""
    p = os.path.normpath(pattern)
    return p == "." or f == p or f.startswith(p + "/") or fnmatch.fnmatch(f, p)

# ---- the jobs: lists of (what, text, step), what "run" or "uses" ----

def read_jobs():
    got = {}
    for name in SCRIPT:
        job = doc.get(name) if kind == "gitlab" else (doc.get("jobs") or {}).get(name)
        if not isinstance(job, dict):
            fail("no job '%s'" % name)
        if kind == "gitlab":
            before = (doc.get("default") or {}).get("before_script")
            steps = lines(job["before_script"] if "before_script" in job else before)
            got[name] = [("run", l, {}) for l in steps + lines(job.get("script"))]
        else:
            got[name] = [("run", s["run"].strip(), s) if "run" in s else ("uses", s.get("uses", ""), s)
                         for s in job.get("steps") or []]
    return got

def is_call(text):
    return bool(CALL.fullmatch(text)) and "$(" not in text

def check_thin():
    wrong = []
    for name, steps in JOBS.items():
        calls = []
        for what, text, _ in steps:
            if what == "uses":
                if not text.startswith(ACTIONS):
                    wrong.append("%s: uses %s" % (name, text))
            elif all(SETUP.fullmatch(l) for l in text.split("\n")):
                pass
            elif is_call(text):
                calls.append(CALL.fullmatch(text).group(1))
            else:
                wrong.append("%s: neither set-up nor one call of a ci/ script: %r" % (name, text))
        if calls != [SCRIPT[name]]:
            wrong.append("%s: calls %s, not %s once" % (name, calls or "nothing", SCRIPT[name]))
    return "\n".join(wrong) or "ok"

try:
    JOBS = read_jobs()
    fact("thin", check_thin())
except Failed as e:
    fact("thin", str(e)); fact("error", str(e)); sys.exit(0)

# ---- the calls' arguments ----

def the_call(job):
    call = [(t, s) for what, t, s in JOBS[job] if what == "run" and is_call(t)]
    if len(call) != 1:
        fail("job %s has no single call of %s" % (job, SCRIPT[job]))
    return call[0]

def call_args(job, env, cwd, ctx=None):
    """The arguments of the job's call, as bash passes them."""
    text = the_call(job)[0]
    if ctx is not None:
        text = expand(text, ctx)
    e = dict(env, PATH="/usr/bin:/bin", LANG="C.UTF-8")
    p = subprocess.run(["bash", "--noprofile", "--norc", "-c",
                        "printf '%s\\0' " + text[len(SCRIPT[job]):]],
                       cwd=cwd, env=e, capture_output=True, text=True)
    if p.returncode:
        fail("job %s: bash cannot expand %r: %s" % (job, text, p.stderr))
    return p.stdout.split("\0")[:-1]

def gitlab():
    top = scalar_vars(doc.get("variables"))
    shard, merge = doc["shard"], doc["merge"]
    try:
        insts = matrix_instances(shard["parallel"]["matrix"])
    except (KeyError, TypeError):
        fail("the shard job has no parallel: matrix:")
    needs = [x["job"] if isinstance(x, dict) else x for x in (merge.get("needs") or [])]
    carried = "shard" in needs and all(
        x.get("artifacts", True) for x in merge.get("needs") or []
        if isinstance(x, dict) and x.get("job") == "shard")
    paths = lines((shard.get("artifacts") or {}).get("paths"))
    shards = []
    for inst in insts:
        env = dict(top, **scalar_vars(shard.get("variables")), **scalar_vars(inst))
        args = call_args("shard", env, out)
        d = os.path.normpath(args[1]) if len(args) > 1 else None
        # A needed job's artifacts come back where they were.
        land = d if carried and d and any(covers(p, d) for p in paths) else None
        shards.append((args, land))
    arts = merge.get("artifacts") or {}
    menv = dict(top, **scalar_vars(merge.get("variables")))
    return (top, needs, shards, lambda cwd: call_args("merge", menv, cwd),
            lines(arts.get("paths")), lines((arts.get("reports") or {}).get("junit")))

def github():
    wf = scalar_vars(doc.get("env"))
    shard, merge = doc["jobs"]["shard"], doc["jobs"]["merge"]
    matrix = dict((shard.get("strategy") or {}).get("matrix") or {})
    if not matrix or "include" in matrix or "exclude" in matrix:
        fail("the shard job has no strategy.matrix this test understands")
    needs = merge.get("needs") or []
    needs = [needs] if isinstance(needs, str) else needs

    def context(job, name, inst):
        ctx = {"matrix": inst, "inputs": {}, "env": wf}
        env = dict(wf, **{k: expand(v, ctx) for k, v in (job.get("env") or {}).items()})
        ctx["env"] = env
        env = dict(env, **{k: expand(v, ctx) for k, v in (the_call(name)[1].get("env") or {}).items()})
        return env, dict(ctx, env=env)

    def uploads(name, ctx):
        return [(expand(s["with"].get("name", "artifact"), ctx),
                 [expand(p, ctx).strip() for p in str(s["with"].get("path", "")).split("\n") if p.strip()])
                for what, t, s in JOBS[name]
                if what == "uses" and t.startswith("actions/upload-artifact@") and s.get("with")]

    downloads = [s.get("with") or {} for what, t, s in JOBS["merge"]
                 if what == "uses" and t.startswith("actions/download-artifact@")]
    shards = []
    for inst in matrix_instances([matrix]):
        env, ctx = context(shard, "shard", inst)
        args = call_args("shard", env, out, ctx)
        d = os.path.normpath(args[1]) if len(args) > 1 else None
        land = None
        for art, paths in uploads("shard", ctx):
            # One path: the artifact holds what is below it.
            if len(paths) != 1 or not d or not covers(paths[0], d):
                continue
            below = os.path.relpath(d, os.path.normpath(paths[0]))
            for w in downloads:
                if w.get("name", art) != art or not fnmatch.fnmatch(art, w.get("pattern", "*")):
                    continue
                dest = os.path.normpath(w.get("path", "."))
                if "name" not in w and not w.get("merge-multiple", False):
                    dest = os.path.join(dest, art)
                land = os.path.normpath(os.path.join(dest, below))
        shards.append((args, land if "shard" in needs else None))
    menv, mctx = context(merge, "merge", {})
    kept = [p for _, paths in uploads("merge", mctx) for p in paths]
    return wf, needs, shards, lambda cwd: call_args("merge", menv, cwd, mctx), kept, None

def merge_options(args):
    """ci/merge.sh's -o DIR (default .) and its shard directories."""
    outdir, dirs, i = ".", [], 0
    while i < len(args):
        if args[i] in ("-o", "--baseline"):
            outdir = args[i + 1] if args[i] == "-o" and i + 1 < len(args) else outdir
            i += 2
            continue
        if not args[i].startswith("-"):
            dirs.append(os.path.normpath(args[i]))
        i += 1
    return os.path.normpath(outdir), dirs

try:
    top, needs, shards, merge_args, kept_paths, junit = gitlab() if kind == "gitlab" else github()
    fact("kernels", top.get("KERNELS", ""))
    fact("cases", top.get("CASES", ""))
    fact("shard-args", "\n".join("\t".join(a) for a, _ in shards))
    fact("needs", "shard" if "shard" in needs else " ".join(map(str, needs)))
    fact("landed", "\n".join(land or "-" for _, land in shards))
    # The merge job's directory, with what the artifacts brought, for the
    # call's pattern to match.
    mdir = os.path.join(out, "merge-job")
    os.makedirs(mdir)
    for _, land in shards:
        if land:
            os.makedirs(os.path.join(mdir, land), exist_ok=True)
    outdir, dirs = merge_options(merge_args(mdir))
    fact("merge-dirs", "\n".join(dirs))
    reports = {os.path.normpath(os.path.join(outdir, r)): r for r in REPORTS}
    fact("kept", "\n".join(r for f, r in reports.items() if any(covers(p, f) for p in kept_paths)))
    if junit is not None:
        fact("junit", "\n".join(reports.get(os.path.normpath(j), j) for j in junit))
except Failed as e:
    fact("error", str(e))
PY
}

setup_file() {
	pipeline gitlab "$GITLAB" "$BATS_FILE_TMPDIR/gitlab"
	pipeline github "$GITHUB" "$BATS_FILE_TMPDIR/github"
}

# fact gitlab|github NAME: print what was seen, or fail saying why it
# could not be.
fact() {
	local d="$BATS_FILE_TMPDIR/$1"
	if [ -f "$d/error" ] && [ "$2" != valid ] && [ "$2" != thin ]; then
		cat "$d/error" >&2
		return 1
	fi
	[ -f "$d/$2" ] || { echo "$1: no fact $2" >&2; return 1; }
	cat "$d/$2"
}

# assert_fact_ok gitlab|github NAME: the fact is "ok", else show it.
assert_fact_ok() {
	local got
	got=$(fact "$1" "$2") || return 1
	[ "$got" = ok ] || { echo "$got" >&2; return 1; }
}

# shard_column gitlab|github FIELDS: those fields of every shard's arguments.
shard_column() {
	fact "$1" shard-args | cut -f "$2"
}

# assert_shards_cover gitlab|github: the shard jobs run 1/N..N/N once each.
assert_shards_cover() {
	local specs n want
	specs=$(shard_column "$1" 1 | sort -t/ -k1,1n) || return 1
	n=${specs##*/}
	want=$(seq 1 "$n" | sed "s|\$|/$n|")
	[ "$n" -gt 1 ] && [ "$specs" = "$want" ] ||
		{ printf 'the shards run:\n%s\nnot each of 1..%s once\n' "$specs" "$n" >&2; return 1; }
}

# assert_same_args gitlab|github: every shard passes the pipeline's KERNELS
# and CASES, and nothing else, each into a directory of its own.
assert_same_args() {
	local kernels rest want dirs
	kernels=$(fact "$1" kernels) || return 1
	[ -n "$kernels" ] || { echo "$1: KERNELS is empty" >&2; return 1; }
	want=$(printf '%s\t%s' "$kernels" "$(fact "$1" cases)")
	rest=$(shard_column "$1" 3- | sort -u)
	[ "$rest" = "$want" ] ||
		{ printf 'the shards pass:\n%s\nnot each: %s\n' "$rest" "$want" >&2; return 1; }
	dirs=$(shard_column "$1" 2)
	[ -n "$dirs" ] && [ "$(printf '%s\n' "$dirs" | sort -u | wc -l)" -eq "$(printf '%s\n' "$dirs" | wc -l)" ] ||
		{ printf 'the shards share a directory:\n%s\n' "$dirs" >&2; return 1; }
}

# assert_merge gitlab|github: the merge job needs the shards, gets each
# shard's directory through the artifacts and gives ci/merge.sh exactly
# those.
assert_merge() {
	local landed merged
	[ "$(fact "$1" needs)" = shard ] || { echo "$1: the merge job does not need the shard job" >&2; return 1; }
	landed=$(fact "$1" landed | sort)
	! printf '%s\n' "$landed" | grep -qx -- - ||
		{ printf '%s: a shard directory does not reach the merge job:\n%s\n' "$1" "$landed" >&2; return 1; }
	merged=$(fact "$1" merge-dirs | sort)
	[ "$merged" = "$landed" ] ||
		{ printf 'ci/merge.sh merges:\n%s\nthe shards land in:\n%s\n' "$merged" "$landed" >&2; return 1; }
}

# assert_keeps gitlab|github REPORT...: the merge job keeps those reports
# of ci/merge.sh.
assert_keeps() {
	local kind=$1 r
	shift
	for r; do
		fact "$kind" kept | grep -qxF "$r" ||
			{ echo "$kind: the merge job keeps no $r; keeps: $(fact "$kind" kept)" >&2; return 1; }
	done
}

# ---- ci/shard.sh ----

@test "shard.sh without I/N, DIR and KERNELS prints its usage line and exits 2" {
	ci shard 1/2 "$BATS_TEST_TMPDIR/x"
	[ "$status" -eq 2 ]
	[ "$stderr" = "usage: ci/shard.sh I/N DIR KERNELS [CASES [krepro run options...]]" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "shard.sh refuses an empty kernel list: shards on two machines could default to different kernels" {
	ci shard 1/2 "$BATS_TEST_TMPDIR/x" " " ovl_whiteout
	[ "$status" -eq 2 ]
	[ "$stderr" = "ci/shard.sh: KERNELS is empty: every shard must name the same kernels" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "shard.sh runs its share into DIR, and its shards together run each pair once" {
	requires root
	T="$BATS_TEST_TMPDIR"
	local n
	for n in 1 2 3; do
		ci shard "$n/3" "$T/shard-$n" host "ovl_whiteout chroot_propagation selftest_faults"
		[ "$status" -eq 0 ]
		[ "$(json_get "$T/shard-$n/run.json" 'd["shard"]')" = "{'index': $n, 'count': 3}" ]
		# The lists become krepro's -k and -c, in order.
		[ "$(json_get "$T/shard-$n/run.json" '" ".join(d["command"])')" = \
			"run -k host -c ovl_whiteout -c chroot_propagation -c selftest_faults --shard $n/3 -o $T/shard-$n" ]
	done
	[ "$(python3 -c 'import json,sys; print(sorted(r["case"] for f in sys.argv[1:] for r in json.load(open(f))["results"]))' "$T"/shard-*/run.json)" = \
		"['chroot_propagation', 'ovl_whiteout', 'selftest_faults']" ]
	assert_host_clean
}

@test "shard.sh passes krepro run options on after the cases" {
	requires root
	ci shard 1/1 "$BATS_TEST_TMPDIR/s" host ovl_whiteout -n 2
	[ "$status" -eq 0 ]
	[ "$(json_get "$BATS_TEST_TMPDIR/s/run.json" '" ".join(d["command"])')" = \
		"run -k host -c ovl_whiteout -n 2 --shard 1/1 -o $BATS_TEST_TMPDIR/s" ]
}

@test "shard.sh leaves a failed case to the merge: exit 0, run.json written, krepro's status said" {
	requires root
	# --negative removes the protections: the mitigations fail, krepro exits 1.
	ci shard 1/1 "$BATS_TEST_TMPDIR/s" host chroot_propagation --negative
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = \
		"ci/shard.sh: krepro run exited 1; $BATS_TEST_TMPDIR/s/run.json holds why, for the merge to judge" ]
	[ -f "$BATS_TEST_TMPDIR/s/run.json" ]
	assert_host_clean
}

@test "shard.sh refuses a shard past the last with krepro's line and exit 2, writing nothing" {
	ci shard 4/3 "$BATS_TEST_TMPDIR/s" host ovl_whiteout
	[ "$status" -eq 2 ]
	[ "$(first_err)" = "krepro: bad --shard '4/3': expected I/N with 1 <= I <= N" ]
	[ ! -e "$BATS_TEST_TMPDIR/s" ]
}

@test "shard.sh fails with krepro's status when krepro wrote no run.json" {
	requires root
	ci shard 1/2 "$BATS_TEST_TMPDIR/s" host nosuchcase
	[ "$status" -eq 2 ]
	[ "$(first_err)" = "krepro: unknown case 'nosuchcase' (see krepro list)" ]
	[ ! -e "$BATS_TEST_TMPDIR/s/run.json" ]
}

@test "shard.sh into a directory that holds a run exits 2: the old run.json is not this shard's" {
	requires root
	ci shard 1/2 "$BATS_TEST_TMPDIR/s" host ovl_whiteout
	[ "$status" -eq 0 ]
	ci shard 1/2 "$BATS_TEST_TMPDIR/s" host ovl_whiteout
	[ "$status" -eq 2 ]
	[[ "$(first_err)" == "krepro: cannot write results to "*": it already holds a run (choose another -o)" ]]
}

# ---- ci/merge.sh ----

@test "merge.sh without a shard directory, or with an unknown option, prints its usage line and exits 2" {
	local usage="usage: ci/merge.sh [-o DIR] [--baseline KERNEL] [--strict] [--allow-skip] SHARD_DIR..."
	ci merge -o "$BATS_TEST_TMPDIR/r"
	[ "$status" -eq 2 ]
	[ "$stderr" = "$usage" ]
	ci merge -o
	[ "$status" -eq 2 ]
	[ "$stderr" = "$usage" ]
	ci merge --format md "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[ "$stderr" = "$usage" ]
	[ ! -e "$BATS_TEST_TMPDIR/r" ]
}

@test "merge.sh prints compare's text matrix of the shards and writes its md, JUnit and HTML reports" {
	requires root
	T="$BATS_TEST_TMPDIR"
	local n
	for n in 1 2; do
		ci shard "$n/2" "$T/shard-$n" host "ovl_whiteout chroot_propagation"
		[ "$status" -eq 0 ]
	done
	ci merge -o "$T/reports" "$T"/shard-*
	[ "$status" -eq 0 ]
	[ "$output" = "$("$KREPRO" compare "$T"/shard-*)" ]
	[ "$stderr" = "ci/merge.sh: reports: $T/reports/report.md $T/reports/report.xml $T/reports/report.html" ]
	"$KREPRO" compare --format md "$T"/shard-* | cmp - "$T/reports/report.md"
	"$KREPRO" compare --format junit "$T"/shard-* | cmp - "$T/reports/report.xml"
	"$KREPRO" compare --format html "$T"/shard-* | cmp - "$T/reports/report.html"
	[ "$(ls "$T/reports")" = "$(printf 'report.html\nreport.md\nreport.xml')" ]
}

@test "merge.sh writes its reports to the working directory without -o" {
	mkrun "$BATS_TEST_TMPDIR/a" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	cd "$BATS_TEST_TMPDIR"
	ci merge a
	[ "$status" -eq 0 ]
	[ -s report.md ] && [ -s report.xml ] && [ -s report.html ]
}

@test "merge.sh exits 1 on a regression, after writing every report" {
	mkrun "$BATS_TEST_TMPDIR/a" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	mkrun "$BATS_TEST_TMPDIR/b" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/holds:regression:fail:1:1
	ci merge -o "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"regression       c/holds on debian:6.12.1+deb12-cloud-amd64: pass -> fail (1/1 failed)"* ]]
	[ "$(python3 -c 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().get("failures"))' \
		"$BATS_TEST_TMPDIR/r/report.xml")" = 1 ]
	grep -q 'c/holds' "$BATS_TEST_TMPDIR/r/report.md"
	grep -q 'c/holds' "$BATS_TEST_TMPDIR/r/report.html"
}

@test "merge.sh exits 3 when a kernel never ran a case, after writing every report" {
	mkrun "$BATS_TEST_TMPDIR/a" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	mkrun "$BATS_TEST_TMPDIR/b" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/holds:regression:infra:0:0
	ci merge -o "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 3 ]
	[ -s "$BATS_TEST_TMPDIR/r/report.md" ] && [ -s "$BATS_TEST_TMPDIR/r/report.xml" ] &&
		[ -s "$BATS_TEST_TMPDIR/r/report.html" ]
}

@test "merge.sh refuses a set with a shard missing or given twice: compare's line, exit 2, no report" {
	requires root
	T="$BATS_TEST_TMPDIR"
	local n
	for n in 1 2; do
		ci shard "$n/3" "$T/shard-$n" host "ovl_whiteout chroot_propagation"
		[ "$status" -eq 0 ]
	done
	ci merge -o "$T/r" "$T/shard-1" "$T/shard-2"
	[ "$status" -eq 2 ]
	[ "$stderr" = "krepro: cannot compare: shard 3/3 is missing (the set includes $T/shard-1)" ]
	[ -z "$output" ]
	ci merge -o "$T/r" "$T/shard-1" "$T/shard-2" "$T/shard-2"
	[ "$status" -eq 2 ]
	[ "$stderr" = "krepro: cannot compare: shard 2/3 given twice ($T/shard-2)" ]
	[ ! -e "$T/r" ]
}

@test "merge.sh given no shard directory at all, only the pattern, exits 2 naming it" {
	ci merge -o "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/results/shard-*"
	[ "$status" -eq 2 ]
	[ "$stderr" = "krepro: cannot read $BATS_TEST_TMPDIR/results/shard-*: not a run directory" ]
	[ ! -e "$BATS_TEST_TMPDIR/r" ]
}

@test "merge.sh passes --strict, --baseline and --allow-skip on to every compare" {
	A="$BATS_TEST_TMPDIR/a" B="$BATS_TEST_TMPDIR/b"
	mkrun "$A" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/race:hazard:pass:60:200:racy c/holds:regression:pass:0:1
	mkrun "$B" debian:6.12.1+deb12-cloud-amd64 6.12.1+deb12-cloud-amd64 c/race:hazard:pass:5:200:racy \
		c/holds:regression:skip:0:0:reason=not-here
	ci merge -o "$BATS_TEST_TMPDIR/r" --allow-skip "$A" "$B"
	[ "$status" -eq 0 ]
	ci merge -o "$BATS_TEST_TMPDIR/r" "$A" "$B"
	[ "$status" -eq 1 ]
	ci merge -o "$BATS_TEST_TMPDIR/r" --allow-skip --strict "$A" "$B"
	[ "$status" -eq 1 ]
	"$KREPRO" compare --format junit --allow-skip --strict "$A" "$B" | cmp - "$BATS_TEST_TMPDIR/r/report.xml"
	ci merge -o "$BATS_TEST_TMPDIR/r" --allow-skip --baseline debian:6.12.1+deb12-cloud-amd64 "$A" "$B"
	[[ "$output" == *"debian:6.12.1+deb12-cloud-amd64 (baseline)"* ]]
	"$KREPRO" compare --format html --allow-skip --baseline debian:6.12.1+deb12-cloud-amd64 "$A" "$B" |
		cmp - "$BATS_TEST_TMPDIR/r/report.html"
}

@test "merge.sh appends the Markdown report to the GitHub job summary once" {
	mkrun "$BATS_TEST_TMPDIR/a" debian:6.1.0-1-cloud-amd64 6.1.0-1-cloud-amd64 c/holds:regression:pass:0:1
	GITHUB_STEP_SUMMARY="$BATS_TEST_TMPDIR/summary.md" ci merge -o "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/a"
	[ "$status" -eq 0 ]
	cmp "$BATS_TEST_TMPDIR/summary.md" "$BATS_TEST_TMPDIR/r/report.md"
}

# ---- the example pipelines ----

@test "both example pipelines are valid YAML" {
	assert_fact_ok gitlab valid
	assert_fact_ok github valid
}

@test "every job of both pipelines is set-up, one call of its ci/ script and artifact handling" {
	assert_fact_ok gitlab thin
	assert_fact_ok github thin
}

@test "the GitLab shard matrix runs each share 1/N to N/N exactly once" {
	assert_shards_cover gitlab
}

@test "every GitLab shard runs the same kernels and cases into its own directory" {
	assert_same_args gitlab
}

@test "the GitLab merge job needs the shards and merges every shard's run directory" {
	assert_merge gitlab
}

@test "the GitLab merge job keeps the JUnit report, shown as JUnit, and the HTML report" {
	assert_keeps gitlab report.xml report.html report.md
	[ "$(fact gitlab junit)" = report.xml ]
}

@test "the GitHub matrix covers 1..N for the N the workflow passes to --shard" {
	assert_shards_cover github
}

@test "every GitHub shard runs the same kernels and cases into its own directory" {
	assert_same_args github
}

@test "the GitHub merge job needs the shards and merges every shard's run directory" {
	assert_merge github
}

@test "the GitHub merge job uploads the JUnit report and the HTML report" {
	assert_keeps github report.xml report.html report.md
}

@test "both pipelines start the gate with ci/gate.sh, a baseline and a candidate" {
	grep -Eq '^[[:space:]]*- ci/gate\.sh "[^"]+" "\$CANDIDATE_KERNEL"' "$GITLAB"
	grep -Eq '^[[:space:]]*run: ci/gate\.sh "[^"]+" "\$CANDIDATE"' "$GITHUB"
}

@test "the shards each pipeline names run on the host, merge into one matrix, and one past the last is refused" {
	requires root
	local kind spec dir n dirs cases="ovl_whiteout chroot_propagation selftest_faults selftest_guards"
	for kind in gitlab github; do
		T="$BATS_TEST_TMPDIR/$kind"
		mkdir "$T"
		dirs=()
		# The pipeline's I/N and directories; the host for its kernels.
		while IFS=$'\t' read -r spec dir _; do
			ci shard "$spec" "$T/$dir" host "$cases"
			[ "$status" -eq 0 ]
			[ "$(json_get "$T/$dir/run.json" '"%d/%d" % (d["shard"]["index"], d["shard"]["count"])')" = "$spec" ]
			dirs+=("$T/$dir")
		done < <(fact "$kind" shard-args)
		[ "${#dirs[@]}" -gt 1 ]
		ci merge -o "$T/reports" "${dirs[@]}"
		[ "$status" -eq 0 ]
		[ "$output" = "$("$KREPRO" compare "${dirs[@]}")" ]
		n=$(shard_column "$kind" 1 | head -n 1)
		n=${n#*/}
		ci shard "$((n + 1))/$n" "$T/past" host "$cases"
		[ "$status" -eq 2 ]
		[ "$(first_err)" = "krepro: bad --shard '$((n + 1))/$n': expected I/N with 1 <= I <= N" ]
		[ ! -e "$T/past" ]
	done
	assert_host_clean
}
