// SPDX-License-Identifier: MIT
/*
 * hotmem sim: run a scenario on the simulated tiered machine under one or
 * more placement policies and print one comparable row per policy; write
 * each policy's time series (CSV and JSON lines) and plots on request.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "sim_cli.h"
#include "sim_run.h"

#define CMD "sim"

const char hm_sim_usage[] =
	"usage: hotmem sim --config FILE [options]\n"
	"\n"
	"Simulate the tiered machine the configuration describes (docs/sim.md):\n"
	"its workloads run through its phases under each policy, and one row per\n"
	"policy compares them: fast-tier hit ratio against the clairvoyant one,\n"
	"the share of the true hot set in the fast tier, average memory access\n"
	"time, bytes promoted and demoted, bounces, and the detected hot set's\n"
	"precision and recall.\n"
	"\n"
	"options:\n"
	"  --config FILE     the scenario (required)\n"
	"  --compare LIST    policies, comma-separated: static, oracle-bound,\n"
	"                    oracle-real, numab (or tpp), memtis, hemem, hotmem\n"
	"                    (default: the file's sim.compare)\n"
	"  --seed N          random seed (default: the file's)\n"
	"  --out DIR         write DIR/POLICY.csv, DIR/POLICY.jsonl and plots\n"
	"  --json            print JSON instead of the table\n"
	"  -h, --help        this text\n";

struct sim_opts {
	const char *config;
	const char *compare;
	const char *out;
	uint64_t seed;
	bool have_seed;
	bool json;
};

static int parse_opts(int argc, char **argv, struct sim_opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "compare", required_argument, NULL, 'C' },
		{ "seed", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->compare = optarg;
			break;
		case 's':
			if (hm_opt_u64(CMD, "--seed", optarg, 0, UINT64_MAX, &o->seed))
				return HM_EXIT_USAGE;
			o->have_seed = true;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(CMD), false);
			return -1;
		default:
			return hm_getopt_err(CMD, c, argv);
		}
	}
	if (optind < argc)
		return hm_usage_err(CMD, argv[optind], "unexpected argument");
	if (!o->config)
		return hm_usage_err(CMD, "--config", "a scenario file is required");
	return 0;
}

int hm_cmd_sim(int argc, char **argv)
{
	struct sim_opts o;
	struct hm_scenario sc;
	char err[1024];
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret < 0 ? HM_EXIT_OK : ret;
	ret = hm_scenario_load(o.config, &sc, err, sizeof(err));
	if (ret) {
		hm_err(CMD, NULL, "%s", err);
		return ret == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
	}
	if (o.have_seed)
		sc.seed = o.seed;
	ret = hm_sim_cli_run(CMD, &sc, o.compare, o.out, o.json, false);
	hm_scenario_release(&sc);
	return ret;
}
