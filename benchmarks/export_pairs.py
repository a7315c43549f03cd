"""Exporters against the plainest writer of the same bytes, side by side (issue 12 item 5).

    python benchmarks/export_pairs.py                          # 300 stores × 10 groups
    python benchmarks/export_pairs.py --stores 1000 --runs 3   # a bigger chain, best of 3
    python benchmarks/export_pairs.py --pairs ics-zip wecom

Pairs (each row: sidomain's exporter, then the baseline, then the ratio):

- ``ics-folder`` / ``ics-zip``: ``export --stores … -f ics`` (one calendar per owner) against
  a plain streamed ICS writer written here — f-strings, ``uuid.uuid5``, ``hashlib.sha1``, a
  straightforward escape-and-fold, the VTIMEZONE built once — producing the same events
  (the script checks the bytes are identical before timing).
- ``xlsx``: sidomain's workbook against xlsxwriter's constant-memory mode writing the same
  rows with ``write_row`` and nothing else (no formats, print setup or summary).
- ``wecom``: ``export -f wecom`` against the same lines (``wecom.calls``) written one by one
  with ``json.dumps`` to a file opened in text mode (bytes checked identical first).

The package timed is the *installed* one: each measurement is a fresh process started in an
empty folder (so ``import sidomain_cli`` cannot pick up a source tree beside it), and the
script prints the path it imported.  Install first, e.g. ``pip install .`` into a venv,
and run this file with that venv's python.  Time is ``time.perf_counter`` from the loaded
profile and stores to the last byte (plans included on both sides); output goes to real
files in a temporary folder.  Both wall time and the process's CPU time are printed (on a
shared machine the CPU time is the steadier figure); best of ``--runs`` by CPU time.
Target: each ratio ≤ 1.2.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from export_scale import make_stores  # noqa: E402  (this folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "examples" / "coffee.yaml"
PAIRS = ("ics-folder", "ics-zip", "xlsx", "wecom")


# ---- the baselines (what a plain hand-written writer does) -------------------------------

NS = "6f1d3c2a-5b7e-5c1a-9d0e-51d0a1a5e0c3"


def plain_ics_owner_files(source, sink) -> int:
    import datetime as dt
    import hashlib
    import uuid

    from icalendar import Timezone

    from sidomain_cli.domain import CHANNELS, label

    ns = uuid.UUID(NS)

    def esc(s: str) -> str:
        return (s.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;")
                .replace(",", "\\,").replace("\n", "\\n"))

    def fold(line: str) -> str:
        out, cur, n = [], [], 0
        for ch in line:
            k = len(ch.encode())
            if cur and n + k >= 75:
                if len(cur) > 1 and cur[-1] in "\\^":
                    last = cur.pop()
                    out.append("".join(cur))
                    cur, n = [last], 1
                else:
                    out.append("".join(cur))
                    cur, n = [], 0
            cur.append(ch)
            n += k
        out.append("".join(cur))
        return "\r\n ".join(out) + "\r\n"

    def fast_fold(line: str) -> str:
        return line + "\r\n" if len(line.encode()) < 75 else fold(line)

    plan0 = source.plan
    tzid = plan0.timezone
    starts = [source.start_of(s) for s in source.stores]
    first, last = min(starts), max(starts) + dt.timedelta(days=plan0.days - 1)
    tz = Timezone.from_tzid(tzid, first_date=dt.date(first.year, 1, 1),
                            last_date=dt.date(last.year + 1, 1, 1)).to_ical().decode()
    stamp = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.timezone.utc)
    stamp_text = stamp.strftime("%Y%m%dT%H%M%SZ")
    brand = source.profile.brand
    sep = ":" if plan0.locale == "zh-CN" else ": "
    shared_cache: dict = {}  # a start date's group rows, encoded once

    def parts(tasks, account: bool) -> list:
        hit = []
        for t in tasks:
            cats = ",".join(esc(c) for c in (t.channel, t.phase, t.activity) if c)
            lines = [f"DTSTART;TZID={tzid}:{t.date.replace('-', '')}T{t.time.replace(':', '')}00\r\n",
                     "DURATION:PT15M\r\n", fast_fold(f"CATEGORIES:{cats}"),
                     fast_fold(f"DESCRIPTION:{esc(t.message)}"),
                     f"X-SIDOMAIN-DAY:{t.day}\r\n", fast_fold(f"X-SIDOMAIN-METRIC:{esc(t.metric)}")]
            if t.node:
                lines.append(fast_fold(f"X-SIDOMAIN-NODE:{esc(t.node)}"))
            lines += [fast_fold(f"X-SIDOMAIN-SEGMENT:{esc(t.segment)}"),
                      fast_fold(f"X-SIDOMAIN-SEND:{esc(t.send)}"),
                      fast_fold(f"X-SIDOMAIN-TASK:{esc(t.task)}")]
            summary = esc(label(CHANNELS, t.channel, plan0.locale) + sep + t.action)
            dated = account or t.node or t.activity in ("small", "small_preview")
            when = f"{t.date}\x1f{t.node or ''}" if dated else str(t.day)
            hit.append((t.task, when, summary, "".join(lines)))
        return hit

    def events(store, key: tuple, who: str, group: str | None, account: str, rows) -> list:
        own = (fast_fold(f"LOCATION:{esc(f'{store.name}({store.city})')}")
               + fast_fold(f"X-SIDOMAIN-STORE-ID:{esc(store.store_id)}")
               + (fast_fold(f"X-SIDOMAIN-GROUP-ID:{esc(group)}") if group else "")
               + fast_fold(f"X-SIDOMAIN-ACCOUNT:{esc(account)}"))
        out = []
        for task, when, summary, rest in rows:
            uid = uuid.uuid5(ns, "\x1f".join((*key, task, when)))
            body = (fast_fold(f"SUMMARY:{summary}({esc(who)})") + own + rest).encode()
            digest = hashlib.sha1(body).hexdigest()[:16]
            out.append(b"BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:%s\r\nSEQUENCE:0\r\n%s"
                       b"X-SIDOMAIN-DIGEST:%s\r\nEND:VEVENT\r\n"
                       % (str(uid).encode(), stamp_text.encode(), body, digest.encode()))
        return out

    # one file per person: an owner's groups, a staff account's own rows (moments, 1v1;
    # merged and capped by the source, as the data both sides write)
    index = ["\ufeffowner,file,stores,groups,events,cancelled\r\n"]
    total = 0
    for person, owned, served in source.people():
        name = f"{person}.ics"
        cal = esc(f"{brand} 私域SOP · {person}")
        n = 0
        with sink(name) as fh:
            fh.write(("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sidomain//sidomain export//ZH\r\n"
                      "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n" + fast_fold(f"NAME:{cal}")
                      + fast_fold(f"X-WR-CALNAME:{cal}") + f"X-WR-TIMEZONE:{tzid}\r\n"
                      + tz).encode())
            for store in owned:
                tasks = [t for t in source.plan_for(source.start_of(store)).calendar
                         if t.scope != "account"]
                rows = shared_cache.get(source.start_of(store))
                if rows is None:
                    rows = shared_cache[source.start_of(store)] = parts(tasks, False)
                for gid in store.group_ids():
                    batch = events(store, (brand, store.store_id, gid), gid, gid, store.owner,
                                   rows)
                    fh.write(b"".join(batch))
                    n += len(batch)
            for unit in source.account_units(person, served) if served else ():
                batch = events(unit.store, (brand, "", "account:" + person), person, None,
                               person, parts(unit.tasks, True))
                fh.write(b"".join(batch))
                n += len(batch)
            fh.write(b"END:VCALENDAR\r\n")
        stores = len({s.store_id for s in owned + served})
        index.append(f"{person},{name},{stores},{sum(s.groups for s in owned)},{n},0\r\n")
        total += n
    with sink("index.csv") as fh:
        fh.write("".join(index).encode())
    return total


def plain_xlsx(source, path: str) -> int:
    import xlsxwriter

    from sidomain_cli.exporters.table import columns, task_dicts

    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, columns(source))
    r = 0
    cache: dict[int, list] = {}
    for unit in source.units():
        rows = cache.get(id(unit.tasks)) if unit.shared else None
        if rows is None:
            rows = [list(d.values()) for d in task_dicts(unit.tasks)]
            if unit.shared:
                cache[id(unit.tasks)] = rows
        prefix = list(unit.fields().values())
        for row in rows:
            r += 1
            ws.write_row(r, 0, prefix + row)
    wb.close()
    return r


def plain_wecom(source, path: str) -> int:
    from sidomain_cli.exporters import wecom

    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for obj in wecom.calls(source):
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
            n += 1
    return n


# ---- one measurement in a fresh process ---------------------------------------------------

def child(kind: str, side: str, stores_csv: str, out: str) -> None:
    import contextlib
    import time
    import zipfile

    import sidomain_cli
    from sidomain_cli.exporters import FORMATS
    from sidomain_cli.exporters.stores import ExportSource, load_stores
    from sidomain_cli.output import atomic_open
    from sidomain_cli.playbook import load_method
    from sidomain_cli.profile import load_profile

    profile, method = load_profile(PROFILE), load_method()
    stores = load_stores(stores_csv)
    t0, c0 = time.perf_counter(), time.process_time()
    source = ExportSource(profile, method=method, stores=stores)
    if kind.startswith("ics"):
        zipped = kind == "ics-zip"
        if side == "sidomain":
            from sidomain_cli.exporters.ics import write_owner_files
            from sidomain_cli.exporters.sinks import open_sink

            with open_sink(out, force=True) as sink:
                n = write_owner_files(source, sink, epoch=int(os.environ["SOURCE_DATE_EPOCH"]))
        elif zipped:
            with open(out, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
                @contextlib.contextmanager
                def member(name):
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    with zf.open(info, "w", force_zip64=True) as fh:
                        yield fh
                n = plain_ics_owner_files(source, member)
        else:
            os.mkdir(out)

            @contextlib.contextmanager
            def member(name):
                with open(os.path.join(out, name), "xb") as fh:
                    yield fh
                    fh.flush()
                    os.fsync(fh.fileno())
            n = plain_ics_owner_files(source, member)
    elif kind == "xlsx":
        if side == "sidomain":
            with atomic_open(out, force=True, binary=True) as fh:
                n = FORMATS["xlsx"].load()(source, fh)
        else:
            n = plain_xlsx(source, out)
    else:  # wecom
        if side == "sidomain":
            with atomic_open(out, force=True, binary=True) as fh:
                n = FORMATS["wecom"].load()(source, fh)
        else:
            n = plain_wecom(source, out)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"n": n, "secs": secs, "cpu": cpu,
                      "package": os.path.dirname(sidomain_cli.__file__)}))


def run_child(kind, side, stores_csv, out, cwd) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "1767225600"}
    env.pop("PYTHONPATH", None)
    res = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", kind, side,
                          stores_csv, out], check=True, capture_output=True, text=True, env=env,
                         cwd=cwd)
    return json.loads(res.stdout.strip().splitlines()[-1])


def tree_bytes(path: Path) -> dict[str, bytes]:
    import zipfile

    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stores", type=int, default=300)
    ap.add_argument("--groups", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1, help="best of N runs per side")
    ap.add_argument("--pairs", nargs="*", default=list(PAIRS), choices=PAIRS)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        empty = t / "cwd"
        empty.mkdir()
        stores_csv = t / "stores.csv"
        make_stores(stores_csv, args.stores, args.groups)
        small = t / "small.csv"
        make_stores(small, 7, 3)
        print(f"{args.stores} stores × {args.groups} groups, {PROFILE.name}, best of {args.runs}")
        print(f"{'pair':<11} {'rows':>10} {'sidomain s':>11} {'baseline s':>11} {'ratio':>6}"
              f" {'sidomain cpu':>13} {'baseline cpu':>13} {'ratio':>6}")
        for kind in args.pairs:
            if kind == "wecom":
                code = "import sidomain_cli.exporters as e; print('wecom' in e.FORMATS)"
                has = subprocess.run([sys.executable, "-c", code], capture_output=True,
                                     text=True, cwd=empty).stdout.strip() == "True"
                if not has:
                    print(f"{kind:<11} (not in the installed package)")
                    continue
            suffix = {"ics-folder": "", "ics-zip": ".zip", "xlsx": ".xlsx", "wecom": ".jsonl"}[kind]
            if kind != "xlsx":  # same events or lines, same bytes, before any timing
                a, b = t / f"check-a{suffix}", t / f"check-b{suffix}"
                run_child(kind, "sidomain", str(small), str(a), empty)
                run_child(kind, "plain", str(small), str(b), empty)
                same = (a.read_bytes() == b.read_bytes() if kind == "wecom"
                        else tree_bytes(a) == tree_bytes(b))
                assert same, "the baseline does not write the same bytes"
            best = {}
            for side in ("sidomain", "plain"):
                for i in range(args.runs):
                    out = t / f"{kind}-{side}-{i}{suffix}"
                    r = run_child(kind, side, str(stores_csv), str(out), empty)
                    if side not in best or r["cpu"] < best[side]["cpu"]:
                        best[side] = r
                    subprocess.run(["rm", "-rf", str(out)], check=True)
            s, p = best["sidomain"], best["plain"]
            print(f"{kind:<11} {s['n']:>10,} {s['secs']:>11.2f} {p['secs']:>11.2f} "
                  f"{s['secs'] / p['secs']:>6.2f} {s['cpu']:>13.2f} {p['cpu']:>13.2f} "
                  f"{s['cpu'] / p['cpu']:>6.2f}")
        print("package timed:", s["package"] if args.pairs else "-",
              "(source tree)" if str(ROOT) in s.get("package", "") else "(installed)")


if __name__ == "__main__":
    main()
