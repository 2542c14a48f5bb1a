#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Judge a guest console log of tests/kernel/init and print TAP.

Only lines starting with "@@" count. Checks what the issue asks of the
real-kernel suite: hotmem's tiers equal the kernel's and the HMAT figures
QEMU was given; a 64 MiB range of a 256 MiB buffer moves to pool 0 and
nothing else moves, with the contents intact; a process exiting mid-migration
stops hotmem cleanly; `hotmem pools --pid` counts the bytes placed; an
override persists across hotmem runs and changes where pages go. The sysfs
tree the guest captured is read back on the host with --sysfs and must give
the same answer as the guest's live reading.
"""
import argparse
import base64
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

MIB = 1 << 20
PAGE = 4096
# what run.sh gives QEMU: node -> (latency ns, bandwidth MB/s), read = write
HMAT = {0: (10, 10240), 1: (40, 5120)}
NODE_KEYS = {"id", "cpus", "mem_total", "mem_free", "read_latency_ns", "write_latency_ns",
             "read_bandwidth_mbps", "write_bandwidth_mbps", "adistance", "tier",
             "kernel_tier", "demotion_targets", "override"}

results = []


def check(ok, name, why=""):
    results.append((bool(ok), name, why))
    return ok


def block(lines, begin, end, prefix="@@J "):
    out, on = [], False
    for l in lines:
        if l.startswith("@@ " + begin):
            on = True
        elif l.startswith("@@ " + end):
            on = False
        elif on and l.startswith(prefix):
            out.append(l[len(prefix):])
    return out


def one(lines, pattern):
    for l in lines:
        m = re.match(pattern, l)
        if m:
            return m
    return None


def test_tiers(lines, hotmem):
    try:
        t = json.loads("\n".join(block(lines, "tiers-json-begin", "tiers-json-end")))
    except ValueError as e:
        return check(False, "hotmem tiers --json in the guest", f"not JSON: {e}")
    kernel = {}
    for l in lines:
        m = re.match(r"@@ kernel_tier (\d+) nodes=(.*)", l)
        if m:
            kernel[int(m.group(1))] = m.group(2).strip()
    print(f"# kernel tiers: {kernel}")
    for n in t["nodes"]:
        print(f"# node {n['id']}: tier {n['tier']} (kernel {n['kernel_tier']}), "
              f"distance {n['adistance']}, {n['read_latency_ns']} ns, "
              f"{n['read_bandwidth_mbps']} MB/s, demotes to {n['demotion_targets']}")
    missing = [k for n in t["nodes"] for k in NODE_KEYS - n.keys()]
    check(not missing and {"nodes", "tiers", "pools"} <= t.keys()
          and all({"id", "nodes"} <= x.keys() for x in t["tiers"])
          and all({"id", "tier", "nodes"} <= p.keys() for p in t["pools"]),
          "tiers --json has the schema's keys", f"missing {missing}")
    ours = {x["id"]: ",".join(map(str, x["nodes"])) for x in t["tiers"]}
    check(ours == kernel and kernel == {4: "0", 36: "1"},
          "hotmem's tiers equal the kernel's memory_tiering (4: node 0, 36: node 1)",
          f"hotmem {ours}, kernel {kernel}")
    check(all(n["tier"] == n["kernel_tier"] and not n["tier_differs"] for n in t["nodes"]),
          "every node's tier equals its kernel tier")
    perf_ok = all((n["read_latency_ns"], n["write_latency_ns"], n["read_bandwidth_mbps"],
                   n["write_bandwidth_mbps"]) == (HMAT[n["id"]][0], HMAT[n["id"]][0],
                                                  HMAT[n["id"]][1], HMAT[n["id"]][1])
                  for n in t["nodes"])
    check(perf_ok, "the HMAT figures equal QEMU's (10 ns/10 GiB/s, 40 ns/5 GiB/s)")
    n0 = next(n for n in t["nodes"] if n["id"] == 0)
    check(n0["demotion_targets"] == [1] and [p["nodes"] for p in t["pools"]] == [[0], [1]],
          "node 0 demotes to node 1; pool 0 is node 0, pool 1 node 1")
    return t


def test_fixture(lines, hotmem, guest, capture):
    data = "".join(l[len("@@F "):] for l in lines if l.startswith("@@F "))
    if not data:
        return check(False, "the guest's sysfs reads the same from a fixture", "no fixture")
    raw = base64.b64decode(data)
    with tempfile.TemporaryDirectory() as d:
        dest = capture or d
        os.makedirs(dest, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tf:
            tf.extractall(dest)
        r = subprocess.run([hotmem, "tiers", "--json", "--sysfs", dest,
                            "--state", os.path.join(d, "no-state.json")],
                           capture_output=True, text=True)
    if not check(r.returncode == 0, "hotmem tiers --sysfs reads the captured tree",
                 r.stderr.strip()):
        return
    host = json.loads(r.stdout)
    strip = lambda t: [{k: v for k, v in n.items() if k != "mem_free"} for n in t["nodes"]]
    check(strip(host) == strip(guest) and host["tiers"] == guest["tiers"],
          "the captured tree gives the guest's live answer (all but mem_free)")


def work(lines, prefix, part):
    m = one(lines, rf"@@ {prefix} {part} pages: node0=(\d+) node1=(\d+) other=(\d+)")
    return tuple(map(int, m.groups())) if m else None


def test_migrate(lines):
    for l in lines:
        if l.startswith("@@ migrate") or l.startswith("@@ placed"):
            print("# " + l[3:])
        if re.match(r"@@ (placed in|migrate rc=)", l):
            print("# note: kernel: " + l[3:])
    placed = work(lines, "work", "placed")
    check(placed == (0, 65536, 0), "256 MiB placed on node 1", f"{placed}")
    m = one(lines, r"@@ migrate rc=(\d+)")
    check(m and m.group(1) == "0", "hotmem migrate of 64 MiB to pool 0 succeeds",
          m.group(0) if m else "no result")
    head, tail = work(lines, "work", "head"), work(lines, "work", "tail")
    print(f"# note: kernel: after migrating the first 64 MiB to pool 0, pages on "
          f"node0/node1/other: {head} in it, {tail} in the other 192 MiB")
    check(head == (16384, 0, 0), "every page of the 64 MiB range is on node 0", f"{head}")
    check(tail == (0, 49152, 0), "the other 192 MiB stayed on node 1", f"{tail}")
    c = one(lines, r"@@ work checksum (\w+): (.*)")
    if c:
        print(f"# note: kernel: checksum of the 256 MiB buffer after the move: "
              f"{c.group(1)} ({c.group(2)})")
    check(c and c.group(1) == "ok", "the whole buffer's checksum matches after the move")


def test_pools(lines):
    try:
        p = json.loads("\n".join(block(lines, "pools-json-begin", "pools-json-end")))
    except ValueError as e:
        return check(False, "hotmem pools --pid --json", f"not JSON: {e}")
    b = [x["process_bytes"] for x in p["pools"]]
    print(f"# pools --pid: bytes per pool {b}")
    # the 64 MiB moved plus the process's own text, stack and arrays (first
    # touch, mostly on the CPU's node: a run saw one of those pages on node 1);
    # the buffer's own pages are counted exactly by the workload
    check(len(b) == 2 and 64 * MIB <= b[0] < 80 * MIB and 192 * MIB <= b[1] < 193 * MIB,
          "pools --pid: 64 MiB (+ the process's own pages) in pool 0, 192 MiB in pool 1",
          f"{b}")


def test_exit(lines):
    for l in lines:
        if l.startswith("@@ exit-migrate"):
            print("# " + l[3:])
        if l.startswith("@@ exit-migrate rc="):
            print("# note: kernel: target killed mid-migration: " + l[len("@@ exit-migrate "):])
    m = one(lines, r"@@ exit-migrate rc=(\d+)")
    said = any("exited during the migration" in l for l in lines
               if l.startswith("@@ exit-migrate: "))
    check(m and m.group(1) == "1" and said,
          "a process exiting mid-migration: hotmem says so and exits 1",
          m.group(0) if m else "no result")


def test_override(lines):
    try:
        t = json.loads("\n".join(block(lines, "override-json-begin", "override-json-end")))
    except ValueError as e:
        return check(False, "an override survives a restart", f"not JSON: {e}")
    n1 = next(n for n in t["nodes"] if n["id"] == 1)
    check(n1["override"] == {"tier": 2} and n1["tier"] == 2 and n1["tier_differs"]
          and n1["kernel_tier"] == 36,
          "tiers set 1 2 is still there for the next hotmem run, flagged against the kernel's",
          f"{n1}")
    check([p["nodes"] for p in t["pools"]] == [[1], [0]],
          "with the override pool 0 is node 1", f"{t['pools']}")
    head = work(lines, "override-work", "head")
    check(head == (0, 4096, 0), "migrate --to-pool 0 now puts pages on node 1", f"{head}")


def test_watch(lines):
    for l in lines:
        if re.match(r"@@ (offlined|watch|after)", l):
            print("# " + l[3:])
    off = one(lines, r"@@ offlined (memory\d+) of node 1")
    seen = one(lines, r"@@ watch: +[\d.]+ s  memory of node 1; .*node 1 ([\d.]+) MiB tier")
    after = one(lines, r"@@ after: Node 1 MemTotal: +(\d+) kB")
    if seen and after:
        print(f"# the watcher's node 1: {seen.group(1)} MiB; meminfo after: "
              f"{int(after.group(1)) / 1024:.1f} MiB")
        seen = seen.group(1) == f"{int(after.group(1)) / 1024:.1f}"
    took = one(lines, r"@@ watch saw it ([\d.]+) s")
    if took:
        print(f"# note: kernel: the watcher saw node 1's memory change {took.group(1)} s after "
              f"the offline began")
    check(off and seen, "tiers --watch sees a memory block of node 1 go offline, "
          "with node 1's new size", "no block went offline" if not off
          else "the watcher said nothing, or another size")


def test_daemon(lines):
    for l in lines:
        if re.match(r"@@ (sources|promote|status[0-9]|demote|kill|foreign|run\d+|runf|offload|pools7)", l):
            print("# " + l[3:])
    check(one(lines, r"@@ sources: damon +available "),
          "run --list-sources in the guest: kernel DAMON available")

    # promotion
    m = one(lines, r"@@ promote: hot part on node 0 after ([\d.]+) s")
    if m:
        print(f"# note: kernel: hotmem run promoted the hot part in {m.group(1)} s")
    hot, cold = work(lines, "work", "hot"), work(lines, "work", "cold")
    fin_hot = fin_cold = None
    for l in lines:
        x = re.match(r"@@ promote-work (hot|cold) pages: node0=(\d+) node1=(\d+) other=(\d+)", l)
        if x:
            v = tuple(map(int, x.groups()[1:]))
            if x.group(1) == "hot":
                fin_hot = v
            else:
                fin_cold = v
    print(f"# note: kernel: promotion: hot part node0/node1/other {fin_hot}, "
          f"the rest {fin_cold}")
    check(fin_hot and fin_hot[0] >= 0.9 * 16384,
          "hotmem run brings >= 90% of the hot 64 MiB to node 0", f"{fin_hot}")
    check(fin_cold and fin_cold[1] >= 0.8 * 49152,
          ">= 80% of the cold 192 MiB stays on node 1", f"{fin_cold}")
    c = one(lines, r"@@ promote-work checksum (\w+)")
    check(c and c.group(1) == "ok", "the promoted workload's checksum holds")
    try:
        st = json.loads("\n".join(l[len("@@J7 "):] for l in lines if l.startswith("@@J7 ")))
        ok = {"targets", "sources", "schemes", "moved"} <= st.keys() and st["schemes"][0]["goals"]
    except (ValueError, KeyError, IndexError) as e:
        ok, st = False, str(e)
    check(ok, "hotmem status --json answers with targets, sources, schemes and goals", f"{st}")
    try:
        pj = json.loads("\n".join(l[len("@@P7 "):] for l in lines if l.startswith("@@P7 ")))
        hb = [p["hotness_bp"] for p in pj["hotness"]]
        print(f"# note: kernel: pools --pid hotness per pool after promotion: {hb} bp "
              f"(from {pj['hotness_source']})")
        ok = len(hb) == 2 and hb[0] > hb[1] and "hotmem run" in pj["hotness_source"]
    except (ValueError, KeyError, TypeError) as e:
        ok, hb = False, str(e)
    check(ok, "pools --pid ranks the promoted hot part's pool (0) hotter, naming its source",
          f"{hb}")
    check(any("reloaded /etc/hm/promote.json" in l for l in lines),
          "SIGHUP reloads the configuration")
    check(one(lines, r"@@ promote: run rc=0 kdamonds after SIGTERM: nr=0"),
          "SIGTERM stops hotmem run with no kdamond left")
    for l in lines:
        if l.startswith("@@ record") or l.startswith("@@ wss7"):
            print("# " + l[3:])
    rec = one(lines, r"@@ record: report rc=(\d+) windows=(\d+)")
    check(rec and rec.group(1) == "0" and int(rec.group(2)) > 10,
          "the daemon's --record reads back with hotmem report", rec.group(0) if rec else "")

    # demotion
    m = one(lines, r"@@ demote: node 0 (\d+) kB free of (\d+) after ([\d.]+) s")
    b = one(lines, r"@@ demote: node 0 (\d+) kB free of (\d+) before")
    if m and b:
        print(f"# note: kernel: demotion: node 0 free {int(b.group(1)) * 100 // int(b.group(2))}% "
              f"-> {int(m.group(1)) * 100 // int(m.group(2))}% in {m.group(3)} s (goal 45%)")
    check(m and int(m.group(1)) * 100 >= 40 * int(m.group(2)),
          "demotion under a free-memory goal: node 0 reaches >= 40% free",
          m.group(0) if m else "no result")
    d = work(lines, "demote-work", "head")
    check(d and d[1] > 0, "cold pages moved from node 0 to node 1", f"{d}")
    c = one(lines, r"@@ demote-work checksum (\w+)")
    check(c and c.group(1) == "ok", "the demoted workload's checksum holds")
    check(one(lines, r"@@ run8: .*target \d+ exited; dropped") and
          one(lines, r"@@ demote: run rc=0 after its target exited; kdamonds: nr=0"),
          "a target exiting mid-run is dropped; hotmem stops and leaves no kdamond")

    # SIGKILL, then the next start
    check(one(lines, r"@@ kill: kdamonds after SIGKILL: nr=1 state=on") and
          one(lines, r"@@ run9: .*stopped and removed 1 kdamond left by a killed hotmem") and
          one(lines, r"@@ kill: next run rc=0 kdamonds after it: nr=0"),
          "a kdamond left by a SIGKILLed hotmem is cleaned up by the next start")

    # a foreign kdamond
    bf = one(lines, r"@@ foreign: before: (.*)")
    af = one(lines, r"@@ foreign: after: (.*)")
    run10 = [l for l in lines if l.startswith("@@ run12: ")]
    check(bf and af and bf.group(1) == af.group(1) and "state=on" in bf.group(1)
          and one(lines, r"@@ foreign: run rc=1") and len(run10) == 1
          and "another owner" in run10[0]
          and one(lines, r"@@ foreign-sources: damon +in-use-by-other"),
          "a foreign kdamond is left untouched; hotmem reports DAMON in use, in one line",
          f"{bf and bf.group(1)} / {af and af.group(1)} / {run10}")


def test_offload(lines):
    m = one(lines, r"@@ offload-promote: hot part on node 0 after ([\d.]+) s")
    fin = {}
    for l in lines:
        x = re.match(r"@@ offload-promote-work (hot|cold) pages: node0=(\d+) node1=(\d+) "
                     r"other=(\d+)", l)
        if x:
            fin[x.group(1)] = tuple(map(int, x.groups()[1:]))
    print(f"# note: kernel: offload promotion: hot part node0/node1/other {fin.get('hot')}, "
          f"the rest {fin.get('cold')}, {m.group(1) if m else '?'} s")
    check(fin.get("hot") and fin["hot"][0] >= 0.9 * 16384,
          "DAMOS offload (paddr migrate_hot, user_input goal fed by hotmem) brings >= 90% "
          "of the hot part to node 0", f"{fin}")
    check(fin.get("cold") and fin["cold"][1] >= 0.8 * 49152,
          "with offload, >= 80% of the cold part stays on node 1", f"{fin}")
    c = one(lines, r"@@ offload-promote-work checksum (\w+)")
    check(c and c.group(1) == "ok", "the offload-promoted workload's checksum holds")
    m = one(lines, r"@@ offload-demote: node 0 (\d+) kB free of (\d+) after ([\d.]+) s")
    b = one(lines, r"@@ offload-demote: node 0 (\d+) kB free of (\d+) before")
    if m and b:
        print(f"# note: kernel: offload demotion: node 0 free "
              f"{int(b.group(1)) * 100 // int(b.group(2))}% -> "
              f"{int(m.group(1)) * 100 // int(m.group(2))}% in {m.group(3)} s (goal 45%)")
    d = work(lines, "offload-demote-work", "head")
    c = one(lines, r"@@ offload-demote-work checksum (\w+)")
    check(m and int(m.group(1)) * 100 >= 40 * int(m.group(2)) and d and d[1] > 0
          and c and c.group(1) == "ok",
          "DAMOS offload demotes idle memory under the free-memory goal (>= 40% free); "
          "checksum holds", f"{m and m.group(0)} {d}")
    check(one(lines, r"@@ offload-promote: run rc=0 kdamonds after SIGTERM: nr=0") and
          one(lines, r"@@ offload-demote: run rc=0 kdamonds after SIGTERM: nr=0"),
          "SIGTERM leaves no offloaded kdamond")
    # test 16: a page-fault sampler beside kernel DAMON
    import json
    m = one(lines, r"@@ sampler-status (\{.*\})")
    st = None
    if m:
        try:
            st = json.loads(m.group(1))
        except ValueError:
            st = None
    for l in lines:
        if l.startswith("@@ sampler") or l.startswith("@@ runs: "):
            print("# " + l[3:])
    check(st and st.get("samples", 0) >= 1000 and st.get("reports", 0) >= 1000,
          "a page-fault sampler on the workload hotmem started puts its samples in the "
          "monitor's report ring (>= 1000 of the 131072 faults of 512 MiB)", m and m.group(1))
    check(one(lines, r"@@ sampler: run rc=0 kdamonds after SIGTERM: nr=0"),
          "the sampled run stops cleanly and leaves no kdamond")
    # test 15: a filter and watermarks offloaded
    w = one(lines, r"@@ offload-wmarks: kernel watermarks (\S+) (\d+)/(\d+)/(\d+) interval (\d+)")
    check(w and w.groups() == ("free_mem_rate", "1", "0", "0", "1000000"),
          "an offloaded scheme's watermarks are in the kernel as configured",
          w and w.group(0))
    f = one(lines, r"@@ offload-wmarks: kernel filters (\d+), last: addr 0-16777216 matching=Y")
    check(f and int(f.group(1)) >= 2,
          "its reject addr filter follows the destination's ranges, as 6.12 takes it "
          "(matching=Y excludes the range)", f and f.group(0))
    h = one(lines, r"@@ offload-wmarks: hot pages on node 0 after 20 s: (\d+)")
    check(h and int(h.group(1)) <= 0.05 * 16384,
          "watermarks that keep the scheme off hold the hot part on node 1 "
          "(<= 5% promoted in 20 s)", h and h.group(0))
    check(one(lines, r"@@ offload-wmarks: run rc=0 kdamonds after SIGTERM: nr=0"),
          "SIGTERM leaves no kdamond after the watermarked offload")


def test_cgroup(lines):
    for l in lines:
        if re.match(r"@@ (cgroup:|statusc|runc)", l):
            print("# " + l[3:])
    res = {}
    for who in ("a", "b"):
        for l in lines:
            x = re.match(rf"@@ cgroup-{who} (hot|cold) pages: node0=(\d+) node1=(\d+) other=(\d+)", l)
            if x:
                res[(who, x.group(1))] = tuple(map(int, x.groups()[1:]))
        c = one(lines, rf"@@ cgroup-{who} checksum (\w+)")
        res[(who, "sum")] = c.group(1) if c else None
    print(f"# note: kernel: cgroup target: {res}")
    ok = all(res.get((w, "hot")) and res[(w, "hot")][0] >= 0.9 * 8192 and res[(w, "sum")] == "ok"
             for w in ("a", "b"))
    check(ok, "a cgroup target: both of its processes' hot parts reach node 0, the second "
          "one after it joined; checksums hold", f"{res}")
    check(one(lines, r"@@ runc: .*cgroup /sys/fs/cgroup/hm: 2 processes \(\+1 -0\); kdamonds made again")
          and one(lines, r"@@ cgroup: run rc=0 kdamonds after SIGTERM: nr=0"),
          "the daemon follows the cgroup's new member and leaves no kdamond")
    check(one(lines, r"@@ runc: .*source page-faults: perf sampling of 1 process ") and
          one(lines, r"@@ runc: .*source page-faults: perf sampling of 2 processes "),
          "its page-fault sampler follows the cgroup: 1 process, then 2")


def test_cgroup_paddr(lines):
    for l in lines:
        if re.match(r"@@ (cgroup-paddr|runcp)", l):
            print("# " + l[3:])
    a = work(lines, "cgroup-paddr-a", "hot")
    b = work(lines, "cgroup-paddr-b", "hot")
    check(a and b and a[0] >= 0.9 * 8192 and b[0] >= 0.9 * 8192 and
          one(lines, r"@@ runcp: .*2 processes \(\+1 -0\); the paddr kdamond goes on"),
          "damon-paddr with --cgroup: the one paddr kdamond serves the member that joined; "
          "both hot parts reach node 0", f"{a} {b}")
    check(one(lines, r"@@ cgroup-paddr: run rc=0 kdamonds after SIGTERM: nr=0"),
          "the paddr cgroup run leaves no kdamond")


def test_paddr(lines):
    for l in lines:
        if re.match(r"@@ (paddr:|statusp|runp)", l):
            print("# " + l[3:])
    fin = {}
    for l in lines:
        x = re.match(r"@@ paddr-work (hot|cold) pages: node0=(\d+) node1=(\d+) other=(\d+)", l)
        if x:
            fin[x.group(1)] = tuple(map(int, x.groups()[1:]))
    m = one(lines, r"@@ paddr: hot part on node 0 after ([\d.]+) s")
    print(f"# note: kernel: paddr source through the reverse map: hot {fin.get('hot')}, "
          f"the rest {fin.get('cold')}, {m.group(1) if m else '?'} s")
    c = one(lines, r"@@ paddr-work checksum (\w+)")
    # the cold pages that moved along are reported, not asserted: physical
    # regions mix hot and cold frames as memory fragments (docs/daemon.md)
    check(fin.get("hot") and fin["hot"][0] >= 0.9 * 16384 and c and c.group(1) == "ok",
          "the damon-paddr source reaches the process through pagemap: >= 90% of the hot "
          "part to node 0, checksum holds", f"{fin}")
    check(one(lines, r"@@ paddr: run rc=0 kdamonds after SIGTERM: nr=0"),
          "SIGTERM leaves no paddr kdamond")


def test_chmu(lines):
    for l in lines:
        if re.match(r"@@ (chmu:|chmu-status|chmu-feed|runx)", l):
            print("# " + l[3:])
    fin = {}
    for l in lines:
        x = re.match(r"@@ chmu-work (hot|cold) pages: node0=(\d+) node1=(\d+) other=(\d+)", l)
        if x:
            fin[x.group(1)] = tuple(map(int, x.groups()[1:]))
    m = one(lines, r"@@ chmu: hot part on node 0 after ([\d.]+) s")
    st = one(lines, r"@@ chmu-status (\{.*\})")
    st = json.loads(st.group(1)) if st else {}
    print(f"# note: kernel: chmu source (a stand-in device on node 1, read as an AUX "
          f"stream): hot {fin.get('hot')}, the rest {fin.get('cold')}, "
          f"{m.group(1) if m else '?'} s")
    c = one(lines, r"@@ chmu-work checksum (\w+)")
    check(fin.get("hot") and fin["hot"][0] >= 0.9 * 16384 and c and c.group(1) == "ok",
          "the chmu source alone (no kernel DAMON) promotes what the device's hotlists name: "
          ">= 90% of the hot part to node 0 through pagemap, checksum holds", f"{fin}")
    # the device names only hot frames; a region at the hot part's edge may
    # take a few cold pages along before it splits
    check(fin.get("cold") and fin["cold"][0] <= 0.05 * (65536 - 16384),
          "the chmu source leaves the part the device never named on node 1 (<= 5% moved)",
          f"{fin}")
    check(st.get("batches", 0) > 0 and st.get("outside_decoder") == 0 and
          st.get("malformed") == 0 and st.get("input") == "aux_file",
          "the daemon's status counts the device's batches, none outside its decoder or "
          "malformed", f"{st}")
    check(one(lines, r"@@ chmu: run rc=0 kdamonds after SIGTERM: nr=0"),
          "the chmu-only daemon stops cleanly and made no kdamond")


def overhead(lines, out):
    """The daemon's CPU and the migrator's throughput: reported, never asserted."""
    cpu = one(lines, r"@@ overhead cpu: (\d+) ticks in ([\d.]+) s")
    hot, plain = [], []
    for l in lines:
        m = re.match(r"@@ overhead hotmem to\d ([\d.e-]+) moved=(\d+)", l)
        if m and float(m.group(1)) > 0:
            hot.append(256 / float(m.group(1)))
        m = re.match(r"@@ overhead plain to\d hmmove: (\d+) of \d+ pages to node \d in ([\d.]+) s", l)
        if m and float(m.group(2)) > 0:
            plain.append(256 / float(m.group(2)))
    res = {}
    if cpu:
        res["daemon_cpu_percent"] = round(int(cpu.group(1)) * 1.0 / float(cpu.group(2)), 2)
    if hot and plain:
        res["hotmem_migrate_mib_s"] = [round(x, 1) for x in hot]
        res["plain_move_pages_mib_s"] = [round(x, 1) for x in plain]
        res["migrate_ratio"] = round((sum(hot) / len(hot)) / (sum(plain) / len(plain)), 3)
    if res:
        print(f"# note: kernel: overhead (TCG inflates CPU time): {json.dumps(res)}")
    c = one(lines, r"@@ overhead-work checksum (\w+)")
    check(len(hot) == 6 and len(plain) == 6 and cpu and c and c.group(1) == "ok",
          "the overhead measurement ran (6 + 6 interleaved moves of 256 MiB, data intact)",
          f"{res}")
    if out and res:
        res["kernel"] = (one(lines, r"@@ BEGIN .* kernel=(\S+)") or [None, "?"])[1]
        res["note"] = ("QEMU TCG guest, 1 vCPU: CPU time is inflated; the ratio compares "
                       "hotmem migrate with one plain move_pages call over the same pages, "
                       "interleaved, both directions")
        with open(out, "w") as f:
            json.dump(res, f, indent=2)
            f.write("\n")


def test_interleave(lines):
    """examples/run-interleave.json on a hot part that starts all on node 1."""
    trail = []
    for l in lines:
        m = re.match(r"@@ interleave: t=(\d+) hot node0=(\d+)", l)
        if m:
            trail.append((int(m.group(1)), round(100.0 * int(m.group(2)) / 16384, 1)))
        if re.match(r"@@ runi: ", l):
            print("# " + l[3:])
    print(f"# note: kernel: interleave example, % of the hot part on node 0 at t s: {trail}")
    c = one(lines, r"@@ interleave-work checksum (\w+)")
    last = trail[-1][1] if trail else None
    # Both failure modes seen: overshoot (90.5% with the consist tuner) and a
    # stall (6-28% before regions in place were left alone). Seven runs of
    # the example ended at 59-71%: it mostly settles a few points under its goal.
    check(len(trail) == 9 and last is not None and 50 <= last <= 85 and c and
          c.group(1) == "ok",
          "the interleaving example moves the hot part toward 70% on node 0 without "
          "overshooting: 50-85% at 90 s, from 0%, data intact", f"trail {trail}, checksum {c.group(1) if c else '?'}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--hotmem", required=True)
    ap.add_argument("--capture")
    ap.add_argument("--overhead-json")
    a = ap.parse_args()
    with open(a.log, errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f if l.startswith("@@")]
    b, e = one(lines, r"@@ BEGIN uptime=([\d.]+)"), one(lines, r"@@ END uptime=([\d.]+)")
    if b and e:
        print(f"# note: kernel: guest init at {b.group(1)} s after boot; its tests took "
              f"{float(e.group(1)) - float(b.group(1)):.1f} s")
    guest = test_tiers(lines, a.hotmem)
    if isinstance(guest, dict):
        test_fixture(lines, a.hotmem, guest, a.capture)
    test_migrate(lines)
    test_pools(lines)
    test_exit(lines)
    test_override(lines)
    test_watch(lines)
    test_daemon(lines)
    test_offload(lines)
    test_cgroup(lines)
    test_paddr(lines)
    test_cgroup_paddr(lines)
    test_chmu(lines)
    test_interleave(lines)
    overhead(lines, a.overhead_json)
    print(f"1..{len(results)}")
    for i, (ok, name, why) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok and why:
            print(f"# {why}")
    return 0 if all(r[0] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
