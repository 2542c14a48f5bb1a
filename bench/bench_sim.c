// SPDX-License-Identifier: MIT
/*
 * The simulator's speed, each against a reference measured in the same run:
 * a plain loop that generates the same accesses without simulating them.
 * - access: accesses per second with only the oracle source (goal 50 M/s),
 *   and with the CHMU (cms tracker) plus the IBS-like sampler (goal 20 M/s);
 * - epoch: simulated seconds per wall second with 1 s ticks, a hot-set
 *   workload on a 1 TiB machine with 2 MiB pages and on a 64 GiB machine
 *   with 4 KiB pages (goal 1 each; the reference is 1).
 */
#include <hotmem/hotmem.h>

#include "bench.h"

static double gen_rate(const char *spec_s, uint64_t n)
{
	struct hm_workload_spec spec;
	struct hm_workload *w;
	static struct hm_access buf[4096];
	uint64_t t0, done = 0, sink = 0;

	hm_workload_parse(spec_s, &spec, NULL, 0);
	w = hm_workload_new(&spec, 1);
	t0 = bench_now_ns();
	while (done < n) {
		hm_workload_fill(w, buf, 4096);
		sink += buf[4095].addr;
		done += 4096;
	}
	t0 = bench_now_ns() - t0;
	hm_workload_free(w);
	return sink == 1 ? 0 : (double)done * 1e9 / (double)t0;
}

static double sim_rate(const char *spec_s, uint32_t sources, uint64_t secs, bool epoch,
		       uint64_t dram, uint64_t cxl, uint64_t page, uint64_t tick)
{
	struct hm_sim_desc d;
	struct hm_sim_workload w = { 0 };
	struct hm_sim_tick_stats st;
	struct hm_sim *s;
	char err[256];
	uint64_t t0;

	hm_sim_default_desc(&d);
	d.nodes[0].capacity = dram;
	d.nodes[1].capacity = cxl;
	d.page_size = page;
	d.time = epoch ? HM_SIM_TIME_EPOCH : HM_SIM_TIME_ACCESS;
	d.tick_ns = tick;
	d.sources = sources;
	d.ibs_period = 4096;
	hm_tracker_parse("cms:4x4096+1024", &d.chmu.tracker, NULL, 0);
	hm_workload_parse(spec_s, &w.spec, NULL, 0);
	s = hm_sim_new(&d, &w, 1, 1, err, sizeof(err));
	if (!s || hm_sim_populate(s)) {
		fprintf(stderr, "bench_sim: %s\n", s ? "populate" : err);
		exit(1);
	}
	t0 = bench_now_ns();
	hm_sim_run(s, secs * 1000000000ull);
	t0 = bench_now_ns() - t0;
	hm_sim_totals(s, &st);
	hm_sim_free(s);
	return epoch ? (double)secs * 1e9 / (double)t0 : (double)st.accesses * 1e9 / (double)t0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	const char *acc = "hotset:size=4G,hot=512M,frac=0.9,rate=100M,write=0.3,cpus=16";
	double ref, v;

	bench_parse_args(argc, argv, "bench_sim", "The simulator's speed.", &o);
	ref = gen_rate(acc, o.quick ? 1u << 20 : 50u << 20);
	v = sim_rate(acc, HM_SIM_SRC_ORACLE, o.quick ? 1 : 1, false, 2ull << 30, 4ull << 30, 4096,
		     10000000);
	bench_emit(&o, "sim", "access_oracle", v, "accesses/s", ref, NULL, "goal 50M/s");
	v = sim_rate(acc, HM_SIM_SRC_CHMU | HM_SIM_SRC_IBS, 1, false, 2ull << 30, 4ull << 30,
		     4096, 10000000);
	bench_emit(&o, "sim", "access_chmu_ibs", v, "accesses/s", ref, NULL, "goal 20M/s");
	v = sim_rate("hotset:size=900G,hot=64G,frac=0.9,rate=1G,cpus=64",
		     HM_SIM_SRC_CHMU | HM_SIM_SRC_IBS, o.quick ? 1 : 5, true, 256ull << 30,
		     768ull << 30, 2u << 20, 1000000000ull);
	bench_emit(&o, "sim", "epoch_1TiB_2M", v, "sim_s/s", 1, NULL, "goal 1");
	v = sim_rate("hotset:size=56G,hot=4G,frac=0.9,rate=1G,cpus=64",
		     HM_SIM_SRC_CHMU | HM_SIM_SRC_IBS, o.quick ? 1 : 3, true, 16ull << 30,
		     48ull << 30, 4096, 1000000000ull);
	bench_emit(&o, "sim", "epoch_64GiB_4K", v, "sim_s/s", 1, NULL, "goal 1");
	return 0;
}
