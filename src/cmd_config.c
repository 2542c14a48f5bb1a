// SPDX-License-Identifier: MIT
/*
 * hotmem config check FILE: load a configuration the way every command will,
 * and print what it means (or, with --json, its canonical form: durations in
 * µs, sizes in bytes, goal targets in basis points), or the one line that
 * says what is wrong and where.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <hotmem/parse.h>

#include "cli.h"
#include "config.h"
#include "output.h"
#include "sim_run.h"

#define CMD "config"

const char hm_config_usage[] =
	"usage: hotmem config check FILE [--json]\n"
	"\n"
	"Read a hotmem configuration (docs/config.md) and print what it sets up:\n"
	"monitoring attributes, targets, sources, sample filters and schemes with\n"
	"their quotas, goals, filters and watermarks. An invalid file gets one line\n"
	"naming the file, the JSON path and the problem, and exit code 2.\n"
	"A simulation scenario's sections (machine, sim, workloads, phases;\n"
	"docs/sim.md) are checked as well.\n"
	"\n"
	"  --json   the configuration in canonical form (durations in µs, sizes\n"
	"           in bytes, goal targets in basis points); loading it gives the\n"
	"           same setup\n";

static const char *dur(uint64_t us, char *buf, size_t len)
{
	if (us && us % 1000000 == 0)
		snprintf(buf, len, "%llu s", (unsigned long long)(us / 1000000));
	else if (us && us % 1000 == 0)
		snprintf(buf, len, "%llu ms", (unsigned long long)(us / 1000));
	else
		snprintf(buf, len, "%llu us", (unsigned long long)us);
	return buf;
}

static void print_bound(uint64_t v, uint64_t max, bool size)
{
	char buf[32];

	if (v >= max)
		printf("max");
	else if (size)
		printf("%s", hm_fmt_iec(v, buf, sizeof(buf)));
	else
		printf("%llu", (unsigned long long)v);
}

static void print_scheme(const struct hm_scheme *s, const char *name, unsigned int i,
			 uint64_t samples)
{
	const struct hm_access_pattern *p = &s->pattern;
	char a[32], b[32];
	uint32_t k;

	printf("  [%u]%s%s: %s", i, *name ? " " : "", name, hm_action_name(s->action));
	for (k = 0; k < s->nr_dests; k++)
		printf("%s node %d (weight %u)", k ? "," : " ->", s->dests[k].nid,
		       s->dests[k].weight);
	printf("\n      pattern: size ");
	print_bound(p->min_sz, UINT64_MAX, true);
	printf("..");
	print_bound(p->max_sz, UINT64_MAX, true);
	if (p->rate) {
		printf(", access rate %u%%..%u%%", p->min_nr_accesses,
		       p->max_nr_accesses > 100 ? 100 : p->max_nr_accesses);
	} else {
		printf(", nr_accesses ");
		print_bound(p->min_nr_accesses, UINT32_MAX, false);
		printf("..");
		print_bound(p->max_nr_accesses, UINT32_MAX, false);
	}
	printf(", age ");
	print_bound(p->min_age, UINT32_MAX, false);
	printf("..");
	print_bound(p->max_age, UINT32_MAX, false);
	printf(" windows; applied every %s\n",
	       s->apply_interval_us ? dur(s->apply_interval_us, a, sizeof(a)) :
				      "aggregation interval");
	/* percentages become counts as DAMON's do: rounded down, 5% of 10 is 0 */
	if (p->rate && p->min_nr_accesses && p->min_nr_accesses * samples / 100 == 0)
		printf("      note: access rate %u%% is 0 of %llu samples per aggregation, so it "
		       "also matches regions never accessed\n", p->min_nr_accesses,
		       (unsigned long long)samples);
	if (hm_quota_is_set(&s->quota)) {
		printf("      quota per %s:", dur(s->quota.reset_interval_ms * 1000, a, sizeof(a)));
		if (s->quota.sz)
			printf(" %s", hm_fmt_iec(s->quota.sz, b, sizeof(b)));
		if (s->quota.ms)
			printf(" %s%llu ms", s->quota.sz ? "and " : "",
			       (unsigned long long)s->quota.ms);
		if (s->quota.nr_goals)
			printf(" %s tuner", s->quota.tuner == HM_TUNER_TEMPORAL ? "temporal" :
										 "consist");
		printf("\n");
		for (k = 0; k < s->quota.nr_goals; k++) {
			const struct hm_quota_goal *g = &s->quota.goals[k];

			if (g->metric == HM_GOAL_USER_INPUT)
				printf("      goal: user_input -> %llu\n",
				       (unsigned long long)g->target_value);
			else
				printf("      goal: %s node %d -> %llu.%02llu%%\n",
				       hm_goal_metric_name(g->metric), g->nid,
				       (unsigned long long)(g->target_value / 100),
				       (unsigned long long)(g->target_value % 100));
		}
	} else {
		printf("      no quota\n");
	}
	for (k = 0; k < s->nr_filters; k++) {
		const struct hm_filter *f = &s->filters[k];

		if (f->type == HM_FILTER_ADDR)
			printf("      filter: %s regions %sin [0x%llx, 0x%llx)\n",
			       f->allow ? "allow" : "reject", f->matching ? "" : "not ",
			       (unsigned long long)f->addr.start, (unsigned long long)f->addr.end);
		else
			printf("      filter: %s regions %sof target %u\n",
			       f->allow ? "allow" : "reject", f->matching ? "" : "not ",
			       f->target_idx);
	}
	if (s->wmarks.metric == HM_WMARK_FREE_MEM_RATE)
		printf("      active while free memory stays in [%u, %u] per mille, from below "
		       "%u; checked every %s\n",
		       s->wmarks.low, s->wmarks.high, s->wmarks.mid,
		       dur(s->wmarks.interval_us, a, sizeof(a)));
}

static void print_summary(const char *path, const struct hm_ctx *ctx,
			  const struct hm_config *cfg)
{
	const struct hm_attrs *at = &ctx->attrs;
	const struct hm_target *t;
	const struct hm_scheme *s;
	struct hm_sample_filter sf[16];
	char a[32], b[32], c[32], d[32];
	unsigned int i = 0, n;

	printf("%s: valid\n", path);
	printf("monitor: sampling %s, aggregation %s, ops update %s, %u-%u regions, "
	       "min region %s, seed %llu\n",
	       dur(at->sample_interval_us, a, sizeof(a)), dur(at->aggr_interval_us, b, sizeof(b)),
	       dur(at->ops_update_interval_us, c, sizeof(c)), at->min_nr_regions,
	       at->max_nr_regions, hm_fmt_iec(ctx->min_region_sz, d, sizeof(d)),
	       (unsigned long long)cfg->seed);
	if (at->intervals_goal.aggrs)
		printf("intervals tuning: %u.%02u%% of possible accesses, every %u windows, "
		       "sampling %s-%s\n",
		       at->intervals_goal.access_bp / 100, at->intervals_goal.access_bp % 100,
		       at->intervals_goal.aggrs,
		       dur(at->intervals_goal.min_sample_us, a, sizeof(a)),
		       dur(at->intervals_goal.max_sample_us, b, sizeof(b)));
	printf("targets: %u\n", hm_nr_targets(ctx));
	hm_for_each_target(t, ctx) {
		uint64_t total = 0;
		const struct hm_region *r;

		hm_for_each_region(r, t)
			total += hm_sz_region(r);
		if (t->pid >= 0)
			printf("  [%u] process %d", i, t->pid);
		else
			printf("  [%u] %s addresses", i,
			       t->space == HM_SPACE_PHYS ? "physical" :
			       t->space == HM_SPACE_VIRT ? "virtual" : "any");
		printf(", %s in %u regions\n", hm_fmt_iec(total, a, sizeof(a)), t->nr_regions);
		i++;
	}
	printf("sources: %u\n", ctx->nr_sources);
	for (i = 0; i < ctx->nr_sources; i++) {
		const struct hm_source *src = &ctx->sources[i];

		printf("  [%u] %s: %s, scale %u%s\n", i, src->name,
		       src->acct == HM_ACCT_WEIGHTED ? "weighted" :
		       src->acct == HM_ACCT_COVERAGE ? "coverage" : "binary", src->scale,
		       src->acct == HM_ACCT_BINARY && hm_run_forces_coverage(src->name) ?
		       " (hotmem run counts it with coverage)" : "");
	}
	n = hm_get_sample_filters(ctx, sf, 16);
	if (n)
		printf("sample filters: %u\n", n);
	printf("schemes: %u\n", hm_nr_schemes(ctx));
	i = 0;
	hm_for_each_scheme(s, ctx) {
		print_scheme(s, i < cfg->nr_schemes ? cfg->scheme_names[i] : "", i,
			     at->aggr_interval_us / (at->sample_interval_us ? at->sample_interval_us : 1));
		i++;
	}
}

static const char *const all_sections[] = { "machine", "sim", "workloads", "phases", "daemon",
					     NULL };

int hm_cmd_config(int argc, char **argv)
{
	struct json_object *daemon = NULL;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct hm_config cfg;
	struct hm_scenario sc;
	struct hm_ctx *ctx;
	char err[1024];
	bool json = false;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
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
	if (optind >= argc)
		return hm_usage_err(CMD, "check", "missing the file (usage: hotmem config check FILE)");
	if (strcmp(argv[optind], "check"))
		return hm_usage_err(CMD, argv[optind], "unknown subcommand (try 'check')");
	if (optind + 2 != argc)
		return hm_usage_err(CMD, "check", optind + 1 >= argc ?
				    "missing the file (usage: hotmem config check FILE)" :
				    "one file at a time");
	ret = hm_config_load(argv[optind + 1], all_sections, &ctx, &cfg, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "hotmem: %s: %s\n", CMD, err);
		return ret == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
	}
	if (cfg.extra && json_object_object_get_ex(cfg.extra, "daemon", &daemon)) {
		/* the daemon's section: checked here as hotmem run checks it */
		ret = hm_run_check_section(daemon, err, sizeof(err));
		if (!ret && json_object_object_length(cfg.extra) > 1)
			ret = hm_errmsg(err, sizeof(err), "$.daemon: a daemon configuration has no "
					"simulation sections");
		if (ret) {
			fprintf(stderr, "hotmem: %s: %s: %s\n", CMD, argv[optind + 1], err);
			hm_config_release(&cfg);
			hm_destroy_ctx(ctx);
			return HM_EXIT_USAGE;
		}
		if (!json)
			printf("daemon configuration; run it with hotmem run --config %s\n\n",
			       argv[optind + 1]);
	} else if (cfg.extra) {
		/* a simulation scenario: its own sections are checked too */
		ret = hm_scenario_load(argv[optind + 1], &sc, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "hotmem: %s: %s\n", CMD, err);
			hm_config_release(&cfg);
			hm_destroy_ctx(ctx);
			return ret == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
		}
		if (!json)
			printf("simulation scenario: %u node(s), %u workload(s), %u phase(s), %s "
			       "time model; run it with hotmem sim --config %s\n\n",
			       sc.desc.nr_nodes, sc.nr_wl, sc.nr_phases,
			       hm_sim_time_name(sc.desc.time), argv[optind + 1]);
		hm_scenario_release(&sc);
	}
	if (json)
		ret = hm_print_json(hm_config_dump(ctx, &cfg));
	else
		print_summary(argv[optind + 1], ctx, &cfg);
	hm_config_release(&cfg);
	hm_destroy_ctx(ctx);
	return ret;
}
