"""Judging the doctor on the run library (see library.py): diagnosis, closing the loop, the report."""
import json, os, shlex, subprocess
from pathlib import Path

from library import COMMON, FIXTURES, GLOSSA, HERE, PARALLEL, REPO, WORK, corpus_for, sh

PUBLISHED = HERE / "published"
RESULTS = HERE / "results.json"
FIRING = ("warning", "critical")
# Run-name prefixes another loop process is already following (GLOSSA_DOCTOR_LOOP_SKIP="a-,b-healthy").
SKIP = [p for p in os.environ.get("GLOSSA_DOCTOR_LOOP_SKIP", "").split(",") if p]
# Run names to follow, in this order (GLOSSA_DOCTOR_LOOP_ONLY="c-low-rate,b-low-rate"); default: every one not followed yet.
ONLY = [p for p in os.environ.get("GLOSSA_DOCTOR_LOOP_ONLY", "").split(",") if p]


def diagnose_dir(fixture):
    """The doctor's diagnosis of a fixture: `glossa diagnose DIR --json`; a run that failed before its first epoch
    (no metrics) is judged by the live doctor's findings in its summary.json."""
    p = subprocess.run([GLOSSA, "diagnose", fixture, "--json", "--no-write"], capture_output=True, text=True)
    if p.stdout.strip().startswith("{"):
        d = json.loads(p.stdout)
        return {"verdict": d["verdict"], "findings": [{"rule": f["rule"], "severity": f["severity"], "title": f["title"],
                                                        "first_command": first_command(f, library_run=True)} for f in d["findings"]]}
    return from_summary(fixture, p.stderr.strip())


def first_command(finding, library_run=False):
    """The first training command of a finding's advice (a check such as `corpus check` trains nothing to compare);
    for a library run, as diagnosing it where it trained prints it (in_work)."""
    cmd = next((a["command"] for a in finding.get("actions", []) if a.get("command") and " train " in a["command"]), None)
    return in_work(cmd) if cmd and library_run else cmd


def in_work(cmd):
    """The command as diagnosing the run where the library trained it (WORK/runs/NAME) prints it: the doctor names a
    new output folder beside the folder it diagnoses, here the fixture's copy in the repository, and the loop must
    write its runs under WORK, keyed by the same command."""
    args = shlex.split(cmd)
    if "--output-dir" not in args:
        return cmd
    i = args.index("--output-dir") + 1
    out = WORK / "runs" / Path(args[i]).name
    return " ".join([*map(shlex.quote, args[:i]), shlex.quote(str(out)), *map(shlex.quote, args[i + 1:])])


def from_summary(fixture, error):
    summary = fixture / "summary.json"
    if not summary.exists():
        return {"verdict": "error", "findings": [], "error": error}
    s = json.loads(summary.read_text())
    findings, cur = [], None
    for line in s.get("findings", []):
        text = line.split("[doctor]", 1)[-1].strip()
        head = text.split(" ", 1)
        if head[0] in ("CRITICAL", "WARNING", "INFO") and ":" in head[1]:
            cur = {"rule": head[1].split(":")[0], "severity": head[0].lower(), "title": head[1].split(":", 1)[1].strip(), "first_command": None}
            findings.append(cur)
        elif cur is not None and cur["first_command"] is None and text.startswith("./glossa train"):
            cur["first_command"] = text
    verdict = "stop" if any(f["severity"] == "critical" for f in findings) else "continue" if any(f["severity"] == "warning" for f in findings) else "healthy"
    return {"verdict": verdict, "findings": findings, "from": "summary.json (no epoch finished)"}


def published():
    """The published histories: each CSV with its label file (the reference run, peer-shaped healthy runs)."""
    for label_file in sorted(PUBLISHED.glob("*.label.json")):
        label = json.loads(label_file.read_text())
        csv = PUBLISHED / label["history"]
        config = ["--config", PUBLISHED / label["config"]] if label.get("config") else []
        p = subprocess.run([GLOSSA, "diagnose", "--history", csv, *config, "--json", "--no-write"], capture_output=True, text=True)
        d = json.loads(p.stdout)
        yield label, {"verdict": d["verdict"], "findings": [{"rule": f["rule"], "severity": f["severity"], "title": f["title"],
                                                              "first_command": first_command(f)} for f in d["findings"]]}


def cmd_judge():
    """Diagnoses every fixture; with GLOSSA_DOCTOR_JUDGE_CACHE=1 the diagnoses already in results.json are kept
    (only for a doctor build that has not changed since)."""
    rows = []
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    cached = {r.get("source"): r for r in old.get("runs", [])} if os.environ.get("GLOSSA_DOCTOR_JUDGE_CACHE") == "1" else {}
    for fixture in sorted(FIXTURES.iterdir()):
        if not (fixture / "label.json").exists():
            continue
        label = json.loads((fixture / "label.json").read_text())
        source = f"library/{fixture.name}"
        rows.append(cached.get(source) or {**label, "source": source, **diagnose_dir(fixture)})
    for label, d in published():
        rows.append({**label, **d})
    RESULTS.write_text(json.dumps({"runs": rows, "loop": old.get("loop", {})}, indent=1) + "\n")
    print_scores(rows)


def scores(rows):
    rules = sorted({r for row in rows for r in row["expected_rules"]} | {f["rule"] for row in rows for f in row["findings"] if f["severity"] in FIRING})
    table = {}
    for rule in rules:
        tp = fp = fn = 0
        for row in rows:
            fired = any(f["rule"] == rule and f["severity"] in FIRING for f in row["findings"])
            expected = rule in row["expected_rules"]
            # An "any of" label (e.g. blank_collapse or unstable for an extreme rate) misses only if none of them fired.
            hit_other = any(f["rule"] in row["expected_rules"] and f["severity"] in FIRING for f in row["findings"])
            if fired and expected: tp += 1
            elif fired: fp += 1
            elif expected and not hit_other: fn += 1
        table[rule] = (tp, fp, fn)
    correct = sum(1 for row in rows if (row["verdict"] == "healthy") == (row["label"] == "healthy"))
    top = sum(1 for row in rows if row["label"] != "healthy" and row["findings"] and first_firing(row) in row["expected_rules"])
    failing = sum(1 for row in rows if row["label"] != "healthy")
    return table, correct, top, failing


def advice_command(row):
    """The first advice: the first training command of the first firing finding (None when that finding's advice is a check);
    for a run judged healthy, the first command of a note (e.g. "still improving when the schedule ended: train longer")."""
    first = next((f for f in row["findings"] if f["severity"] in FIRING), None)
    if first:
        return first["first_command"]
    return next((f["first_command"] for f in row["findings"] if f["first_command"]), None)


def note(row):
    """The first info note with a command, for a run judged healthy (e.g. "train longer"), else '-'."""
    return next((f"{f['rule']} (info)" for f in row["findings"] if f["first_command"]), "-")


def first_firing(row):
    return next((f["rule"] for f in row["findings"] if f["severity"] in FIRING), None)


def print_scores(rows):
    table, correct, top, failing = scores(rows)
    for rule, (tp, fp, fn) in table.items():
        print(f"{rule:16} tp {tp:2} fp {fp:2} fn {fn:2}")
    print(f"verdict (healthy vs not) correct: {correct}/{len(rows)}; top finding names the planted problem: {top}/{failing}")
    for row in rows:
        print(f"{row.get('source') or row['history']:36} {row['label']:15} {row['verdict']:9} {first_firing(row)}")


def best_wer(run):
    s = run / "summary.json"
    return json.loads(s.read_text()).get("best_wer") if s.exists() else None


def best_wer_before(name):
    """The library run's best dev WER: its folder under WORK, else its fixture (WORK may have been cleared)."""
    run = WORK / "runs" / name
    return best_wer(run) if (run / "summary.json").exists() else best_wer(FIXTURES / name)


def follow(row):
    """Runs the first advice command of a library run exactly as printed (the program is this checkout's glossa)."""
    name = row["run"]
    cmd = advice_command(row)
    before = best_wer_before(name)
    entry = {"run": name, "label": row["label"], "command": cmd, "best_wer_before": before}
    if cmd is None:
        return {**entry, "outcome": "no command (the advice is a data check)"}
    label = json.loads((FIXTURES / name / "label.json").read_text())
    corpus_for(label["world"], label["recipe"])  # the corpus the command names (re-synthesised if WORK was cleared)
    args = shlex.split(cmd)
    out = Path(args[args.index("--output-dir") + 1])
    if not (out / "summary.json").exists():
        (WORK / "runs").mkdir(parents=True, exist_ok=True)
        sh([GLOSSA, *args[1:], "--overwrite"], log=WORK / "runs" / f"{name}-advice.log")
    after = best_wer(out)
    improved = after is not None and (before is None or after < before - 0.5)
    return {**entry, "best_wer_after": after, "outcome": "improved" if improved else "not improved"}


def cmd_loop():
    """Follows the advice of every judged run not followed yet; each outcome is also a line of WORK/loop.jsonl."""
    from concurrent.futures import ThreadPoolExecutor
    data = json.loads(RESULTS.read_text())
    # Every library run with advice whose command has not been followed yet (an entry for an older command is followed again).
    todo = [row for row in data["runs"] if row.get("run") and (row["label"] != "healthy" or advice_command(row))
            and data["loop"].get(row["run"], {}).get("command") != advice_command(row) and not any(row["run"].startswith(p) for p in SKIP)]
    todo.sort(key=lambda row: row["label"] == "no_signal")  # the longest and least informative last
    if ONLY:
        todo = sorted((row for row in todo if row["run"] in ONLY), key=lambda row: ONLY.index(row["run"]))
    with ThreadPoolExecutor(PARALLEL) as pool:
        for entry in pool.map(follow, todo):
            with open(WORK / "loop.jsonl", "a") as log:
                log.write(json.dumps(entry) + "\n")
            fresh = json.loads(RESULTS.read_text())  # another step may have written meanwhile
            fresh["loop"][entry["run"]] = entry
            RESULTS.write_text(json.dumps(fresh, indent=1) + "\n")
            print(json.dumps(entry), flush=True)


def cmd_collect():
    """Gathers every loop outcome logged so far (WORK/loop.jsonl and the loop logs) into results.json."""
    data = json.loads(RESULTS.read_text())
    for f in sorted(WORK.glob("loop*.log")) + [WORK / "loop.jsonl"]:
        if f.exists():
            for line in f.read_text().splitlines():
                if line.startswith("{"):
                    entry = json.loads(line)
                    data["loop"][entry["run"]] = entry
    RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    print(f"{len(data['loop'])} loop outcomes")


def pct(v):
    return "-" if v is None else f"{v:.1f}%"


def cmd_report():
    data = json.loads(RESULTS.read_text())
    rows, loop = data["runs"], data["loop"]
    table, correct, top, failing = scores(rows)
    out = ["| rule | fired correctly | false alarms | missed | precision | recall |", "|---|---|---|---|---|---|"]
    for rule, (tp, fp, fn) in table.items():
        prec = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
        rec = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
        out.append(f"| `{rule}` | {tp} | {fp} | {fn} | {prec} | {rec} |")
    out += ["", f"Verdict (healthy vs. not healthy) correct on {correct} of {len(rows)} histories; the first finding names the planted problem on {top} of {failing} failing ones.", "",
            "| run | planted | verdict | first finding | first advice (changed options) | best dev WER before | after |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        name = row.get("run") or row["history"]
        l = loop.get(row.get("run"), {})
        if l.get("command") != advice_command(row):
            l = {"best_wer_before": l.get("best_wer_before")}  # followed an older advice: not this one
        if row.get("run") and row["label"] != "healthy" and l.get("best_wer_before") is None:
            l = {**l, "best_wer_before": best_wer_before(row["run"])}
        out.append(f"| {name} | {row['label']} | {row['verdict']} | {first_firing(row) or note(row)} | {changed(row, advice_command(row)) if advice_command(row) or row['verdict'] == 'healthy' else 'a check, no training command'} | "
                   f"{pct(l.get('best_wer_before'))} | {pct(l.get('best_wer_after'))} |")
    followed = [(r, loop[r["run"]]) for r in rows if r.get("run") in loop and loop[r["run"]].get("command") == advice_command(r)
                and advice_command(r) and "best_wer_after" in loop[r["run"]]]
    done = [l for r, l in followed if r["label"] != "healthy"]
    better = sum(1 for l in done if l["outcome"] == "improved")
    checks = sum(1 for r in rows if r.get("run") and r["label"] != "healthy" and not advice_command(r))
    out += ["", f"First advice followed on {len(done)} failing runs: best dev WER improved on {better} ({100 * better / max(1, len(done)):.0f}%)"
            f" ({checks} failing runs got a data check first, no training command to follow)."]
    for world in sorted({r["world"] for r, _ in followed}):
        w = [l for r, l in followed if r["world"] == world and r["label"] != "healthy"]
        out.append(f"- world {world}: {sum(1 for l in w if l['outcome'] == 'improved')} of {len(w)} improved")
    healthy = [(r, l) for r, l in followed if r["label"] == "healthy"]
    worse = sum(1 for _, l in healthy if l["best_wer_after"] is not None and l["best_wer_before"] is not None and l["best_wer_after"] > l["best_wer_before"] + 0.5)
    notes = {}
    for row in rows:
        for f in row["findings"]:
            if f["severity"] == "info" and f["rule"] in ("capacity", "data_mismatch", "underfitting"):
                notes.setdefault(f["rule"], []).append(row.get("run") or row["history"])
    out.append("")
    out.append("Info notes (never counted as firing, never change the verdict): "
               + "; ".join(f"`{k}` on {len(v)} ({', '.join(v)})" for k, v in sorted(notes.items())) + ".")
    out.append("")
    out.append(f"Advice given to runs labelled healthy, followed: {len(healthy)}; made worse: {worse}; "
               f"runs labelled healthy that got no advice: {sum(1 for r in rows if r.get('run') and r['label'] == 'healthy' and not advice_command(r))}.")
    (HERE / "results.md").write_text("\n".join(out) + "\n")
    print("\n".join(out))


def changed(row, cmd):
    if not cmd:
        return "-"
    label = FIXTURES / row["run"] / "label.json" if row.get("run") else None
    if label and label.exists():
        base = COMMON + json.loads(label.read_text())["train_options"]
    elif row.get("config"):  # a published history: its flat config
        cfg = json.loads((PUBLISHED / row["config"]).read_text())
        base = [x for k, v in cfg.items() for x in ("--" + k.replace("_", "-"), str(v))]
    else:
        base = []
    args = shlex.split(cmd)[2:]
    pairs, i = [], 0
    while i < len(args):
        if args[i].startswith("--"):
            val = args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("--") else ""
            pairs.append((args[i], val)); i += 2 if val else 1
        else:
            i += 1
    own = dict(zip(base[::2], base[1::2]))
    diff = [f"{k} {v}".strip() for k, v in pairs if k in ("--learning-rate", "--epochs", "--dropout", "--weight-decay", "--label-smoothing", "--hidden-dim",
                                                           "--frame-size", "--warmup-epochs", "--clip-grad-norm", "--max-frames") and own.get(k) != v]
    if "--pretrained" in own and "--pretrained" not in dict(pairs):
        diff.append("no --pretrained")
    return "`" + " ".join(diff) + "`" if diff else "(same options)"
