#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
# The example CI pipelines in ci/examples: every shard of the kernel matrix
# is run exactly once, with the same kernels and cases, and the merge job
# compares every shard's run directory.
#
# The YAML is read with python3's yaml module and the jobs' own shell is
# run: each shard job once per matrix entry, then the merge job on the
# shards' artifacts, with make, apt-get and build/krepro replaced by stubs
# that record their arguments.  What a shard passes to --shard and which
# directories the merge job compares are therefore what the real pipeline
# would do, however its script is written.

load helpers

GITLAB="$ROOT/ci/examples/gitlab-ci.yml"
GITHUB="$ROOT/ci/examples/github-actions.yml"

# simulate gitlab|github FILE DIR: run the pipeline in DIR/sim and write
# one verdict file per check in DIR: "ok", or what is wrong.  DIR/specs
# lists the --shard value of every shard job, one a line.
simulate() {
	python3 - "$1" "$2" "$3" <<'PY'
import fnmatch, glob, itertools, os, re, shutil, subprocess, sys
try:
    import yaml
except ImportError:
    sys.exit("pipelines.bats: python3 has no yaml module (Debian: python3-yaml; run make setup)")

kind, path, out = sys.argv[1:4]
work = os.path.join(out, "sim")
CHECKS = ("valid", "shards", "same-args", "merge", "reports")

class Failed(Exception):
    pass

def fail(msg):
    raise Failed("%s: %s" % (os.path.basename(path), msg))

def verdict(check, text):
    with open(os.path.join(out, check), "w") as f:
        f.write(text + "\n")

def give_up(msg, checks=CHECKS):
    """Nothing further can be checked: every remaining check fails with msg."""
    for c in checks:
        verdict(c, msg)
    sys.exit(0)

shutil.rmtree(out, ignore_errors=True)
os.makedirs(work)
try:
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict):
        fail("not a YAML mapping")
except Failed as e:
    give_up(str(e))
except (yaml.YAMLError, OSError) as e:
    give_up("%s: %s" % (os.path.basename(path), e))
verdict("valid", "ok")

# ---- running a job's shell with stubs ----

# build/krepro: records its arguments; run writes a run.json naming them,
# compare prints the format it was asked for.  Shell, not Python: it runs
# many times and must start fast.
KREPRO_STUB = r'''#!/bin/sh
{ printf 'CALL %s\n' "$SIM_JOB"; for a; do printf 'ARG %s\n' "$a"; done; } >>"$KREPRO_CALLS"
opt() {
	want=$1; shift; prev=; val=
	for a; do
		[ "$prev" = "$want" ] && val=$a
		case "$a" in "$want"=*) val=${a#*=} ;; esac
		prev=$a
	done
	printf '%s' "$val"
}
case "$1" in
run)
	out=$(opt -o "$@"); [ -n "$out" ] || out=$(opt --output "$@")
	mkdir -p "$out" || exit 2
	[ ! -e "$out/run.json" ] || { echo "stub: $out already holds a run" >&2; exit 2; }
	for a; do printf 'ARG %s\n' "$a"; done >"$out/run.json" ;;
compare)
	fmt=$(opt --format "$@")
	echo "stub compare format=${fmt:-text}" ;;
esac
'''

stubs = os.path.join(work, "stubs")
os.makedirs(stubs, exist_ok=True)
for name, text in (("make", "#!/bin/sh\nexit 0\n"), ("apt-get", "#!/bin/sh\nexit 0\n"),
                   ("sudo", "#!/bin/sh\nexec \"$@\"\n"), ("krepro", KREPRO_STUB)):
    with open(os.path.join(stubs, name), "w") as f:
        f.write(text)
    os.chmod(os.path.join(stubs, name), 0o755)
calls_file = os.path.join(work, "calls")
open(calls_file, "w").close()

def new_job_dir(name):
    d = os.path.join(work, "jobs", name)
    os.makedirs(os.path.join(d, "build"))
    shutil.copy(os.path.join(stubs, "krepro"), os.path.join(d, "build", "krepro"))
    return d

def run_shell(job, d, script, env):
    e = {"PATH": stubs + ":/usr/local/bin:/usr/bin:/bin", "HOME": d, "LANG": "C.UTF-8",
         "KREPRO_CALLS": calls_file, "SIM_JOB": job, "CI": "true"}
    e.update({k: str(v) for k, v in env.items()})
    p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                       cwd=d, env=e, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr

def read_args(path):
    with open(path) as f:
        return [l[4:].rstrip("\n") for l in f if l.startswith("ARG ")]

def calls(job):
    out, cur = [], None
    with open(calls_file) as f:
        for l in f:
            l = l.rstrip("\n")
            if l.startswith("CALL "):
                cur = [] if l[5:] == job else None
                if cur is not None:
                    out.append(cur)
            elif l.startswith("ARG ") and cur is not None:
                cur.append(l[4:])
    return out

def copy_into(src, dst):
    if os.path.isdir(src):
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        shutil.copy(src, dst)

def scalar_vars(v):
    out = {}
    for k, x in (v or {}).items():
        out[k] = x.get("value", "") if isinstance(x, dict) else ("" if x is None else x)
    return out

def matrix_instances(entries):
    out = []
    for entry in entries:
        keys = list(entry)
        vals = [v if isinstance(v, list) else [v] for v in entry.values()]
        for combo in itertools.product(*vals):
            out.append(dict(zip(keys, combo)))
    return out

def lines(x):
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return [y for item in x for y in lines(item)]

# ---- GitLab CI ----

def simulate_gitlab():
    top = scalar_vars(doc.get("variables"))
    default = doc.get("default") or {}
    for job in ("shard", "merge"):
        if not isinstance(doc.get(job), dict):
            fail("no job '%s'" % job)
    shard, merge = doc["shard"], doc["merge"]
    try:
        insts = matrix_instances(shard["parallel"]["matrix"])
    except (KeyError, TypeError):
        fail("the shard job has no parallel: matrix:")

    def script(job):
        before = job["before_script"] if "before_script" in job else default.get("before_script")
        return "\n".join(lines(before) + lines(job.get("script")))

    shards = []
    for n, inst in enumerate(insts, 1):
        name = "shard-%d" % n
        d = new_job_dir(name)
        env = dict(top, **scalar_vars(shard.get("variables")))
        env.update(inst)
        env.update(CI_NODE_INDEX=n, CI_NODE_TOTAL=len(insts), GITLAB_CI="true", CI_PROJECT_DIR=d)
        rc, log = run_shell(name, d, script(shard), env)
        shards.append({"job": name, "vars": inst, "dir": d, "status": rc, "log": log})

    needs = [x["job"] if isinstance(x, dict) else x for x in (merge.get("needs") or [])]
    wants_artifacts = all(x.get("artifacts", True) for x in (merge.get("needs") or [])
                          if isinstance(x, dict) and x.get("job") == "shard")
    md = new_job_dir("merge")
    if "shard" in needs and wants_artifacts:
        for s in shards:
            for pat in lines((shard.get("artifacts") or {}).get("paths")):
                for src in glob.glob(os.path.join(s["dir"], pat)):
                    copy_into(src, os.path.join(md, os.path.relpath(src, s["dir"])))
    env = dict(top, **scalar_vars(merge.get("variables")), GITLAB_CI="true", CI_PROJECT_DIR=md)
    rc, log = run_shell("merge", md, script(merge), env)
    arts = merge.get("artifacts") or {}
    kept = lines(arts.get("paths"))
    junit = lines((arts.get("reports") or {}).get("junit"))
    return shards, {"needs_shard": "shard" in needs, "dir": md, "status": rc, "log": log,
                    "kept": kept, "junit": junit, "vars": top}

# ---- GitHub Actions ----

def expand(text, ctx):
    def one(m):
        expr = m.group(1).strip()
        hit = re.fullmatch(r"(matrix|env|inputs)\.([A-Za-z_][A-Za-z0-9_-]*)", expr)
        if not hit:
            fail("expression not understood by this test: ${{ %s }}" % expr)
        v = ctx[hit.group(1)].get(hit.group(2), "")
        return str(v)
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))

def simulate_github():
    jobs = doc.get("jobs") or {}
    for job in ("shard", "merge"):
        if not isinstance(jobs.get(job), dict):
            fail("no job '%s'" % job)
    shard, merge = jobs["shard"], jobs["merge"]
    matrix = dict((shard.get("strategy") or {}).get("matrix") or {})
    if not matrix:
        fail("the shard job has no strategy.matrix")
    for k in ("include", "exclude"):
        if k in matrix:
            fail("strategy.matrix.%s is not understood by this test" % k)
    insts = matrix_instances([matrix])
    wf_env = doc.get("env") or {}
    store = os.path.join(work, "artifacts")

    def run_job(name, job, inst):
        d = new_job_dir(name)
        ctx = {"matrix": inst, "inputs": {}, "env": {}}
        env = dict(wf_env)
        env.update(job.get("env") or {})
        env = {k: expand(v, dict(ctx, env=env)) for k, v in env.items()}
        env.update(GITHUB_ACTIONS="true", GITHUB_WORKSPACE=d,
                   GITHUB_STEP_SUMMARY=os.path.join(d, "summary.md"))
        ctx["env"] = env
        rc, log, uploads = 0, "", []
        for step in job.get("steps") or []:
            if rc and "always()" not in str(step.get("if", "")):
                continue
            senv = dict(env, **{k: expand(v, ctx) for k, v in (step.get("env") or {}).items()})
            uses, w = step.get("uses", ""), step.get("with") or {}
            if "run" in step:
                r, text = run_shell(name, d, expand(step["run"], dict(ctx, env=senv)), senv)
                log += text
                rc = rc or r
            elif uses.startswith("actions/upload-artifact"):
                art = expand(w.get("name", "artifact"), ctx)
                found = [p for pat in expand(w.get("path", ""), ctx).split("\n") if pat.strip()
                         for p in glob.glob(os.path.join(d, pat.strip()))]
                if not found:
                    continue
                if len(found) == 1 and os.path.isdir(found[0]):
                    base = found[0]
                else:
                    base = os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p)
                                               for p in found])
                for p in found:
                    copy_into(p, os.path.join(store, art, os.path.relpath(p, base)))
                uploads.append({"name": art, "files": found})
            elif uses.startswith("actions/download-artifact"):
                dest = os.path.join(d, expand(w.get("path", "."), ctx))
                names = sorted(os.listdir(store)) if os.path.isdir(store) else []
                if "name" in w:
                    pick = [n for n in names if n == expand(w["name"], ctx)]
                    sub = False
                else:
                    pick = [n for n in names if fnmatch.fnmatch(n, expand(w.get("pattern", "*"), ctx))]
                    sub = not w.get("merge-multiple", False)
                for n in pick:
                    copy_into(os.path.join(store, n), os.path.join(dest, n) if sub else dest)
        return d, rc, log, uploads

    shards = []
    for n, inst in enumerate(insts, 1):
        d, rc, log, _ = run_job("shard-%d" % n, shard, inst)
        shards.append({"job": "shard-%d" % n, "vars": inst, "dir": d, "status": rc, "log": log})
    needs = merge.get("needs") or []
    needs = [needs] if isinstance(needs, str) else needs
    md, rc, log, uploads = run_job("merge", merge, {})
    kept = [os.path.relpath(f, md) for u in uploads for f in u["files"]]
    return shards, {"needs_shard": "shard" in needs, "dir": md, "status": rc, "log": log,
                    "kept": kept, "junit": None, "vars": wf_env}

# ---- what the shards did ----

def split_run(argv):
    """The --shard value, the -o directory and the other arguments of a run."""
    spec, out, rest, i = None, None, [], 1
    while i < len(argv):
        x = argv[i]
        if x in ("--shard", "-o", "--output") and i + 1 < len(argv):
            if x == "--shard":
                spec = argv[i + 1]
            else:
                out = argv[i + 1]
            i += 2
            continue
        if x.startswith("--shard="):
            spec = x.split("=", 1)[1]
        elif x.startswith("--output="):
            out = x.split("=", 1)[1]
        else:
            rest.append(x)
        i += 1
    return spec, out, rest

def check_runs():
    for s in shards:
        runs = [a for a in calls(s["job"]) if a[:1] == ["run"]]
        if s["status"]:
            fail("shard job %s failed (exit %d):\n%s" % (s["vars"], s["status"], s["log"]))
        if len(runs) != 1:
            fail("shard job %s calls krepro run %d times, not once" % (s["vars"], len(runs)))
        s["spec"], s["out"], s["rest"] = split_run(runs[0])
        if s["spec"] is None:
            fail("shard job %s runs krepro run without --shard" % s["vars"])

try:
    shards, merge = simulate_gitlab() if kind == "gitlab" else simulate_github()
    check_runs()
except Failed as e:
    give_up(str(e), CHECKS[1:])
specs = [s["spec"] for s in shards]
with open(os.path.join(out, "specs"), "w") as f:
    f.write("".join(sp + "\n" for sp in specs))

def check_shards():
    parsed = []
    for sp in specs:
        m = re.fullmatch(r"([0-9]+)/([0-9]+)", sp)
        if not m:
            fail("--shard %r is not I/N" % sp)
        parsed.append((int(m.group(1)), int(m.group(2))))
    totals = sorted(set(n for _, n in parsed))
    if len(totals) != 1:
        fail("the shards disagree on N: %s" % specs)
    total = totals[0]
    got = sorted(i for i, _ in parsed)
    if got != list(range(1, total + 1)):
        missing = sorted(set(range(1, total + 1)) - set(got))
        dup = sorted(set(i for i in got if got.count(i) > 1))
        fail("the shards run %s: not each of 1..%d once (missing %s, twice %s)"
             % (specs, total, missing, dup))
    declared = merge["vars"].get("SHARDS")
    if declared is not None and str(declared) != str(total):
        fail("SHARDS is %s but the shards run 1..%d" % (declared, total))

def check_same_args():
    first = shards[0]["rest"]
    for s in shards:
        if s["rest"] != first:
            fail("shards %s and %s run different kernels or cases: %s vs %s"
                 % (shards[0]["vars"], s["vars"], first, s["rest"]))
    kernels = str(merge["vars"].get("KERNELS", "")).split()
    given = [first[i + 1] for i, x in enumerate(first[:-1]) if x in ("-k", "--kernel")]
    if not kernels or given != kernels:
        fail("the shards run kernels %s, KERNELS lists %s" % (given, kernels))
    outs = [s["out"] for s in shards]
    if None in outs or len(set(outs)) != len(outs):
        fail("the shards do not each write their own directory: -o %s" % outs)

# ---- what the merge job did ----

def check_merge():
    if not merge["needs_shard"]:
        fail("the merge job does not need the shard job")
    if merge["status"]:
        fail("the merge job failed (exit %d) on the shards' results:\n%s"
             % (merge["status"], merge["log"]))
    compares = [a for a in calls("merge") if a[:1] == ["compare"]]
    if not compares:
        fail("the merge job never calls krepro compare")
    formats = set()
    for argv in compares:
        dirs, fmt, i = [], "text", 1
        while i < len(argv):
            if argv[i] in ("--format", "--baseline"):
                fmt = argv[i + 1] if argv[i] == "--format" else fmt
                i += 2
                continue
            if argv[i].startswith("--format="):
                fmt = argv[i].split("=", 1)[1]
            elif not argv[i].startswith("-"):
                dirs.append(argv[i])
            i += 1
        formats.add(fmt)
        got = []
        for d in dirs:
            rj = os.path.join(merge["dir"], d, "run.json")
            if not os.path.isfile(rj):
                fail("compare %s: %s holds no shard's run.json" % (fmt, d))
            got.append(split_run(read_args(rj))[0])
        if sorted(got) != sorted(specs):
            fail("compare --format %s merges shards %s, the pipeline runs %s"
                 % (fmt, sorted(got), sorted(specs)))
    want = {"text", "md", "junit", "html"}
    if not want <= formats:
        fail("the merge job prints formats %s, not all of %s" % (sorted(formats), sorted(want)))

def check_reports():
    def kept_format(fmt, candidates):
        for p in candidates:
            f = os.path.join(merge["dir"], p)
            if os.path.isfile(f) and open(f).read().strip() == "stub compare format=" + fmt:
                return True
        return False
    if merge["junit"] is not None and not kept_format("junit", merge["junit"]):
        fail("artifacts:reports:junit %s is not compare's JUnit output" % merge["junit"])
    for fmt in ("junit", "html"):
        if not kept_format(fmt, merge["kept"]):
            fail("the merge job keeps no %s report as an artifact (keeps %s)" % (fmt, merge["kept"]))

for name, fn in (("shards", check_shards), ("same-args", check_same_args),
                 ("merge", check_merge), ("reports", check_reports)):
    try:
        fn()
        verdict(name, "ok")
    except Failed as e:
        verdict(name, str(e))
PY
}

setup_file() {
	simulate gitlab "$GITLAB" "$BATS_FILE_TMPDIR/gitlab"
	simulate github "$GITHUB" "$BATS_FILE_TMPDIR/github"
}

# verdict gitlab|github CHECK: succeed when the simulation found CHECK
# holds, else print what is wrong.
verdict() {
	local f="$BATS_FILE_TMPDIR/$1/$2"
	[ -f "$f" ] || { echo "no verdict for $1 $2: the simulation did not finish" >&2; return 1; }
	[ "$(cat "$f")" = ok ] || { cat "$f" >&2; return 1; }
}

@test "both example pipelines are valid YAML" {
	verdict gitlab valid
	verdict github valid
}

@test "the GitLab shard matrix runs each share 1/N to N/N exactly once" {
	verdict gitlab shards
}

@test "every GitLab shard runs the same kernels and cases into its own directory" {
	verdict gitlab same-args
}

@test "the GitLab merge job needs the shards and compares every shard's run directory" {
	verdict gitlab merge
}

@test "the GitLab merge job keeps the JUnit report and the HTML report" {
	verdict gitlab reports
}

@test "the GitHub matrix covers 1..N for the N the workflow passes to --shard" {
	verdict github shards
}

@test "every GitHub shard runs the same kernels and cases into its own directory" {
	verdict github same-args
}

@test "the GitHub merge job needs the shards and compares every shard's run directory" {
	verdict github merge
}

@test "the GitHub merge job uploads the JUnit report and the HTML report" {
	verdict github reports
}

@test "both pipelines start the gate with ci/gate.sh, a baseline and a candidate" {
	grep -Eq '^[[:space:]]*- ci/gate\.sh "[^"]+" "\$CANDIDATE_KERNEL"' "$GITLAB"
	grep -Eq '^[[:space:]]*run: ci/gate\.sh "[^"]+" "\$CANDIDATE"' "$GITHUB"
}

@test "krepro run accepts every shard the pipelines run and refuses one past the last" {
	requires root
	local kind spec n=0 total
	for kind in gitlab github; do
		[ -s "$BATS_FILE_TMPDIR/$kind/specs" ] || { echo "$kind: no shard specs" >&2; return 1; }
		for spec in $(cat "$BATS_FILE_TMPDIR/$kind/specs"); do
			# The shard is parsed with the options, before the cases are
			# looked up: an unknown case after it means it was accepted.
			kr run -k host -c nosuchcase --shard "$spec" -o "$BATS_TEST_TMPDIR/out"
			[ "$status" -eq 2 ]
			[ "$(first_line)" = "krepro: unknown case 'nosuchcase' (see krepro list)" ]
			[ ! -e "$BATS_TEST_TMPDIR/out" ]
			total=${spec#*/}
			n=$((n + 1))
		done
		kr run -k host -c nosuchcase --shard "$((total + 1))/$total" -o "$BATS_TEST_TMPDIR/out"
		[ "$status" -eq 2 ]
		[ "$(first_line)" = "krepro: bad --shard '$((total + 1))/$total': expected I/N with 1 <= I <= N" ]
		[ ! -e "$BATS_TEST_TMPDIR/out" ]
	done
	[ "$n" -gt 0 ]
}
