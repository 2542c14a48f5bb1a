#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A window-by-window model of the two goal tuners on a lagged, noisy plant.

The share of the hot set on the fast node, s, moves toward a 70% goal. Each
window the tuner sets a quota (the consist tuner through the kernel's
feedback loop, hm_feed_loop_next_input; the temporal tuner at the cap until
the goal is met, then zero); what it asks arrives LAG windows later, only
MOVE of it, perturbed by +-10%; memory pressure then removes LEAK of s and a
constant DRIFT. Quotas are fractions of the hot set, capped at CAP per
window. It prints the offset of the mean from the goal and the standard
deviation over the last 50 of 600 windows, in percentage points, for three
seeds, with and without the consist tuner's anti-windup (the quota input
held at the largest usable quota).

docs/monitor.md quotes its output; tests/unit/test_plant.c runs the real
monitor on the same kind of plant. Run: python3 contrib/tuner-model.py
"""
import random
import statistics

BP = 10000


def feed_loop_next_input(last, score):
    """hm_feed_loop_next_input: the DAMOS quota goal feedback loop."""
    if score == BP:
        return last
    if score >= 2 * BP:
        return BP
    comp = last * abs(score - BP) // BP
    return max(last - comp, BP) if score > BP else last + comp


def run(tuner, cap, lag, move, leak, drift, anti_windup, windows=600, seed=1):
    rnd = random.Random(seed)
    share, goal, esz_bp = 0.3, 0.7, 0
    asked, hist = [0.0] * (windows + lag + 1), []
    for w in range(windows):
        score = int(share / goal * BP)
        if tuner == 'consist':
            esz_bp = feed_loop_next_input(max(esz_bp, BP), score)
            if anti_windup:
                esz_bp = min(esz_bp, int(cap * 1e12 * BP))
            esz = min(esz_bp / BP / 1e12, cap)
        else:
            esz = 0 if score >= BP else cap
        asked[w] = min(esz, 1 - share)
        arrived = asked[w - lag] * move if w >= lag else 0
        share = min(1, share + arrived * (1 + rnd.uniform(-0.1, 0.1)))
        share = max(0, share - leak * share - drift)
        hist.append(share * 100)
    last = hist[-50:]
    return statistics.mean(last) - goal * 100, statistics.pstdev(last)


def main():
    print('tuner    cap   leak  drift  anti-windup  offset/stddev (pp), seeds 1-3')
    for tuner in ('consist', 'temporal'):
        for cap in (0.01, 0.02, 0.04):
            for leak, drift in ((0, 0.003), (0.01, 0), (0.02, 0), (0.01, 0.001)):
                for aw in ((False, True) if tuner == 'consist' else (False,)):
                    r = [run(tuner, cap, 2, 0.8, leak, drift, aw, seed=s) for s in (1, 2, 3)]
                    print('%-8s %.2f  %.2f  %.3f  %-11s  %s' %
                          (tuner, cap, leak, drift, 'yes' if aw else 'no',
                           '  '.join('%+6.2f/%.2f' % x for x in r)))


if __name__ == '__main__':
    main()
