// SPDX-License-Identifier: MIT
/*
 * hotmem demo: the simulated tiered machine reproducing the PULL+PUSH
 * experiment of the hardware-sampled access reports RFC (docs/sim.md, "The
 * demo"): a hot set that starts interleaved over DRAM and a CXL expander,
 * two migrate_hot schemes with complementary address filters and
 * node_eligible_mem_bp goals, the temporal tuner, the CHMU on the CXL
 * device and an IBS-like sampler over all memory; cold starts at 70% and
 * 30% DRAM, then live changes to 90% and 85%. The scenario is
 * examples/demo.json, built in (demo_json.h is generated from it).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "demo_json.h"
#include "sim_cli.h"
#include "sim_run.h"

#define CMD "demo"

const char hm_demo_usage[] =
	"usage: hotmem demo [options]\n"
	"\n"
	"Simulate a server with DRAM and a CXL memory expander whose hot working\n"
	"set starts interleaved over both. Two migrate_hot schemes - pull (CXL to\n"
	"DRAM) and push (DRAM to CXL) - hold a target share of the hot set in DRAM,\n"
	"steered by node_eligible_mem_bp goals through the temporal quota tuner,\n"
	"from the CHMU on the CXL device and an IBS-like sampler over all memory.\n"
	"Phases: cold starts at 70% and 30% DRAM, then live goal changes to 90%\n"
	"and 85%. Print per phase the target, the mean and standard deviation of\n"
	"the true DRAM share of the hot set after it converged, the offset and the\n"
	"time to converge; then the hit ratio, bytes moved and bounces.\n"
	"The scenario is examples/demo.json (hotmem sim --config runs it too).\n"
	"\n"
	"options:\n"
	"  --out DIR     time series and plots (default out/demo; '-' for none)\n"
	"  --seed N      random seed (default 1)\n"
	"  --json        print JSON: phases[{name, target_pct, mean_pct, offset_pp,\n"
	"                stddev_pp, converge_s}], hit_ratio, oracle_hit_ratio,\n"
	"                promoted_bytes, demoted_bytes, bounce_pct\n"
	"  -h, --help    this text\n";

int hm_cmd_demo(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = "out/demo";
	struct hm_scenario sc;
	uint64_t seed = 0;
	bool json = false, have_seed = false;
	char err[1024];
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 's':
			if (hm_opt_u64(CMD, "--seed", optarg, 0, UINT64_MAX, &seed))
				return HM_EXIT_USAGE;
			have_seed = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(CMD), false);
			return HM_EXIT_OK;
		default:
			return hm_getopt_err(CMD, c, argv);
		}
	}
	if (optind < argc)
		return hm_usage_err(CMD, argv[optind], "unexpected argument");
	ret = hm_scenario_parse(hm_demo_json, strlen(hm_demo_json), "examples/demo.json", &sc, err,
				sizeof(err));
	if (ret) {
		hm_err(CMD, NULL, "the built-in scenario: %s", err);
		return HM_EXIT_FAIL;
	}
	if (have_seed)
		sc.seed = seed;
	ret = hm_sim_cli_run(CMD, &sc, "hotmem", strcmp(out, "-") ? out : NULL, json, true);
	hm_scenario_release(&sc);
	return ret;
}
