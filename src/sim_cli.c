// SPDX-License-Identifier: MIT
/*
 * The output side of hotmem sim and hotmem demo: progress, the comparison
 * table, the demo's convergence table, JSON, time series and plots.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cli.h"
#include "output.h"
#include "sim_cli.h"

struct prog {
	struct hm_progress bar;
	uint64_t base, grand;
};

static void on_progress(void *arg, uint64_t done, uint64_t total)
{
	struct prog *p = arg;

	(void)total;
	hm_progress_update(&p->bar, (p->base + done) / 1000000);
}

static int mkdir_p(const char *dir)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_series(const char *cmd, const struct hm_scenario *sc,
			const struct hm_sc_result *res, const char *out, char *csv, size_t len)
{
	char path[4096];
	FILE *f;
	int ret;

	snprintf(csv, len, "%s/%s.csv", out, hm_sim_policy_name(res->kind));
	f = fopen(csv, "w");
	if (!f)
		return hm_fail(cmd, csv, "%s", strerror(errno));
	ret = hm_sc_write_csv(sc, res, f);
	if (fclose(f) || ret)
		return hm_fail(cmd, csv, "write error");
	snprintf(path, sizeof(path), "%s/%s.jsonl", out, hm_sim_policy_name(res->kind));
	f = fopen(path, "w");
	if (!f)
		return hm_fail(cmd, path, "%s", strerror(errno));
	ret = hm_sc_write_jsonl(sc, res, f);
	if (fclose(f) || ret)
		return hm_fail(cmd, path, "write error");
	return 0;
}

static void plots(const char *out, char (*csv)[4096], const char *const *names, unsigned int n,
		  bool demo)
{
	const char *paths[HM_SIM_NR_POLICIES];
	char png[4096];
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		paths[i] = csv[i];
	snprintf(png, sizeof(png), "%s/hot_share.png", out);
	ret = hm_sc_plot(paths, names, n, demo ? "DRAM share of the hot set" :
			 "share of the true hot set in the fast tier", "percent", 6, png);
	if (ret == -ENOENT) {
		fprintf(stderr, "hotmem: note: gnuplot is not installed; the data is in %s/*.csv\n",
			out);
		return;
	}
	snprintf(png, sizeof(png), "%s/hit_ratio.png", out);
	if (!ret)
		ret = hm_sc_plot(paths, names, n, "fast-tier hit ratio", "share of accesses", 4, png);
	if (ret)
		fprintf(stderr, "hotmem: note: gnuplot failed; the data is in %s/*.csv\n", out);
}

static double bounce_pct(const struct hm_sim_tick_stats *t)
{
	return t->moves ? 100.0 * (double)t->bounces / (double)t->moves : 0;
}

static struct json_object *jnum(double x)
{
	return json_object_new_double(round(x * 10000) / 10000);
}

static struct json_object *phase_json(const struct hm_scenario *sc, const struct hm_sc_result *r)
{
	struct json_object *a = json_object_new_array();
	unsigned int p;

	for (p = 0; p < sc->nr_phases; p++) {
		const struct hm_sc_phase *ph = &sc->phases[p];
		const struct hm_sc_phase_result *pr = &r->phase[p];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(ph->name));
		json_object_object_add(o, "target_pct", ph->has_target ? jnum(ph->target_pct) : NULL);
		json_object_object_add(o, "mean_pct", jnum(pr->mean_pct));
		json_object_object_add(o, "offset_pp", ph->has_target ? jnum(pr->offset_pp) : NULL);
		json_object_object_add(o, "stddev_pp", jnum(pr->stddev_pct));
		json_object_object_add(o, "converge_s", ph->has_target && pr->converge_s >= 0 ?
				       jnum(pr->converge_s) : NULL);
		json_object_object_add(o, "hit_ratio", jnum(pr->hit_ratio));
		json_object_array_add(a, o);
	}
	return a;
}

/* The adaptive CHMU controller's end state and first changes, when there was one. */
static struct json_object *chmu_json(const struct hm_sc_result *r)
{
	struct json_object *o, *a;
	char line[256];
	size_t i;

	if (r->chmu_node < 0)
		return NULL;
	o = json_object_new_object();
	a = json_object_new_array();
	json_object_object_add(o, "node", json_object_new_int(r->chmu_node));
	json_object_object_add(o, "changes", json_object_new_uint64(r->chmu_changes));
	json_object_object_add(o, "threshold", json_object_new_uint64(r->chmu_set.threshold));
	json_object_object_add(o, "epoch_ns", json_object_new_uint64(r->chmu_set.epoch_ns));
	json_object_object_add(o, "downsample", json_object_new_uint64(1ull << r->chmu_set.ds_log2));
	for (i = 0; i < r->nr_chmu_trail; i++) {
		hm_chmu_ctl_change_format(&r->chmu_trail[i], line, sizeof(line));
		json_object_array_add(a, json_object_new_string(line));
	}
	json_object_object_add(o, "first_changes", a);
	return o;
}

static void print_chmu(const struct hm_sc_result *r)
{
	char line[256];
	size_t i;

	if (r->chmu_node < 0)
		return;
	printf("%s: adaptive CHMU control of node %d: %llu change%s, at the end threshold %u, "
	       "epoch %.0f ms, downsampling 1/%u\n", hm_sim_policy_name(r->kind), r->chmu_node,
	       (unsigned long long)r->chmu_changes, r->chmu_changes == 1 ? "" : "s",
	       r->chmu_set.threshold, r->chmu_set.epoch_ns / 1e6, 1u << r->chmu_set.ds_log2);
	for (i = 0; i < r->nr_chmu_trail; i++) {
		hm_chmu_ctl_change_format(&r->chmu_trail[i], line, sizeof(line));
		printf("  %s\n", line);
	}
	if (r->chmu_changes > r->nr_chmu_trail)
		printf("  ... %llu more\n", (unsigned long long)(r->chmu_changes - r->nr_chmu_trail));
}

static void print_demo(const struct hm_scenario *sc, const struct hm_sc_result *r, bool json)
{
	const struct hm_sim_tick_stats *t = &r->tot;
	char a[32], b[32];
	unsigned int p;

	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "phases", phase_json(sc, r));
		json_object_object_add(o, "hit_ratio", jnum(t->fast_share));
		json_object_object_add(o, "oracle_hit_ratio", jnum(t->oracle_share));
		json_object_object_add(o, "promoted_bytes", json_object_new_uint64(t->promoted));
		json_object_object_add(o, "demoted_bytes", json_object_new_uint64(t->demoted));
		json_object_object_add(o, "bounce_pct", jnum(bounce_pct(t)));
		json_object_object_add(o, "precision", r->precision >= 0 ? jnum(r->precision) : NULL);
		json_object_object_add(o, "recall", r->recall >= 0 ? jnum(r->recall) : NULL);
		json_object_object_add(o, "wall_s", jnum(r->wall_s));
		if (r->chmu_node >= 0)
			json_object_object_add(o, "chmu_control", chmu_json(r));
		hm_print_json(o);	/* it puts the object */
		return;
	}
	{
		static const char *const h[] = { "phase", "target", "mean", "offset", "stddev",
						  "converged after" };
		struct hm_table *tb = hm_table_new(6, h, "lrrrrr");

		for (p = 0; p < sc->nr_phases && tb; p++) {
			const struct hm_sc_phase *ph = &sc->phases[p];
			const struct hm_sc_phase_result *pr = &r->phase[p];
			char conv[32];

			if (pr->converge_s >= 0)
				snprintf(conv, sizeof(conv), "%.0f s", pr->converge_s);
			else
				snprintf(conv, sizeof(conv), "never");
			hm_table_rowf(tb, "%s\t%.0f%% DRAM\t%.2f%%\t%+.2fpp\t%.2fpp\t%s", ph->name,
				      ph->target_pct, pr->mean_pct, pr->offset_pp, pr->stddev_pct,
				      conv);
		}
		if (tb)
			hm_table_print(tb, stdout);
		hm_table_free(tb);
	}
	printf("\nmean and stddev: the true hot set's DRAM share, sampled every %.0f ms of "
	       "simulated time after the phase converged (within 1 pp for good)\n",
	       sc->metrics_ns / 1e6);
	printf("hit ratio %.4f (clairvoyant placement: %.4f); promoted %s, demoted %s; "
	       "bounces %.2f%% of %llu moves\n",
	       t->fast_share, t->oracle_share, hm_fmt_iec(t->promoted, a, sizeof(a)),
	       hm_fmt_iec(t->demoted, b, sizeof(b)), bounce_pct(t), (unsigned long long)t->moves);
	if (r->precision >= 0)
		printf("detected hot set: precision %.3f, recall %.3f\n", r->precision, r->recall);
	printf("%.0f simulated seconds in %.1f s of wall time\n", t->t_ns / 1e9, r->wall_s);
	print_chmu(r);
}

static void print_compare(const struct hm_scenario *sc, const struct hm_sc_result *r,
			  unsigned int n, bool json)
{
	unsigned int i;

	if (json) {
		struct json_object *o = json_object_new_object(), *a = json_object_new_array();

		json_object_object_add(o, "scenario", json_object_new_string(sc->name));
		json_object_object_add(o, "seed", json_object_new_uint64(sc->seed));
		for (i = 0; i < n; i++) {
			const struct hm_sim_tick_stats *t = &r[i].tot;
			struct json_object *p = json_object_new_object();

			json_object_object_add(p, "policy",
					       json_object_new_string(hm_sim_policy_name(r[i].kind)));
			json_object_object_add(p, "hit_ratio", jnum(t->fast_share));
			json_object_object_add(p, "oracle_hit_ratio", jnum(t->oracle_share));
			json_object_object_add(p, "hot_fast_pct", jnum(t->hot_fast_share * 100));
			json_object_object_add(p, "amat_ns", jnum(t->amat_ns));
			json_object_object_add(p, "promoted_bytes", json_object_new_uint64(t->promoted));
			json_object_object_add(p, "demoted_bytes", json_object_new_uint64(t->demoted));
			json_object_object_add(p, "moves", json_object_new_uint64(t->moves));
			json_object_object_add(p, "bounce_pct", jnum(bounce_pct(t)));
			json_object_object_add(p, "failed_moves", json_object_new_uint64(t->failed));
			json_object_object_add(p, "precision", r[i].precision >= 0 ?
					       jnum(r[i].precision) : NULL);
			json_object_object_add(p, "recall", r[i].recall >= 0 ? jnum(r[i].recall) : NULL);
			json_object_object_add(p, "phases", phase_json(sc, &r[i]));
			json_object_object_add(p, "wall_s", jnum(r[i].wall_s));
			if (r[i].chmu_node >= 0)
				json_object_object_add(p, "chmu_control", chmu_json(&r[i]));
			json_object_array_add(a, p);
		}
		json_object_object_add(o, "policies", a);
		hm_print_json(o);	/* it puts the object */
		return;
	}
	{
		static const char *const h[] = { "policy", "hit ratio", "oracle", "hot in fast",
						  "AMAT", "promoted", "demoted", "bounces",
						  "precision", "recall" };
		struct hm_table *tb = hm_table_new(10, h, "lrrrrrrrrr");

		for (i = 0; i < n && tb; i++) {
			const struct hm_sim_tick_stats *t = &r[i].tot;
			char a[32], b[32], pr[16], rc[16];

			if (r[i].precision >= 0) {
				snprintf(pr, sizeof(pr), "%.3f", r[i].precision);
				snprintf(rc, sizeof(rc), "%.3f", r[i].recall);
			} else {
				snprintf(pr, sizeof(pr), "-");
				snprintf(rc, sizeof(rc), "-");
			}
			hm_table_rowf(tb, "%s\t%.4f\t%.4f\t%.1f%%\t%.1f ns\t%s\t%s\t%.2f%%\t%s\t%s",
				      hm_sim_policy_name(r[i].kind), t->fast_share, t->oracle_share,
				      t->hot_fast_share * 100, t->amat_ns,
				      hm_fmt_iec(t->promoted, a, sizeof(a)),
				      hm_fmt_iec(t->demoted, b, sizeof(b)), bounce_pct(t), pr, rc);
		}
		if (tb)
			hm_table_print(tb, stdout);
		hm_table_free(tb);
	}
	printf("\nhit ratio: accesses served by the fastest node; oracle: the same with the "
	       "highest-rate pages placed there for free; hot in fast: the true hot set's "
	       "share there at the end\n");
	for (i = 0; i < n; i++)
		print_chmu(&r[i]);
}

int hm_sim_cli_run(const char *cmd, const struct hm_scenario *sc, const char *compare,
		   const char *out, bool json, bool demo)
{
	enum hm_sim_policy_kind kinds[HM_SIM_NR_POLICIES];
	struct hm_sc_result res[HM_SIM_NR_POLICIES];
	char csv[HM_SIM_NR_POLICIES][4096];
	const char *names[HM_SIM_NR_POLICIES];
	char list[256], err[1024];
	const char *bad;
	struct prog pg = { 0 };
	unsigned int n, i, ph;
	uint64_t total = 0;
	int ret = HM_EXIT_OK, k;

	snprintf(list, sizeof(list), "%s", compare ? compare : sc->policies);
	k = hm_sim_policy_list(list, kinds, &bad);
	if (k < 0)
		return hm_usage_err(cmd, "--compare", "'%s' is not a policy (" HM_SIM_POLICY_NAMES ")",
				    bad);
	n = (unsigned int)k;
	for (i = 0; i < n; i++)
		if (kinds[i] == HM_SIM_POL_HOTMEM && !sc->has_schemes)
			return hm_usage_err(cmd, "--compare", "hotmem needs schemes in %s", sc->name);
	if (!n)
		return hm_usage_err(cmd, "--compare", "no policy given");
	if (out) {
		int r = mkdir_p(out);

		if (r)
			return hm_fail(cmd, out, "%s", strerror(-r));
	}
	for (ph = 0; ph < sc->nr_phases; ph++)
		total += sc->phases[ph].duration_ns;
	hm_progress_begin(&pg.bar, stderr, demo ? "simulating" : "policies",
			  total / 1000000 * n);
	for (i = 0; i < n; i++) {
		pg.base = (uint64_t)i * total;
		if (hm_scenario_run(sc, kinds[i], on_progress, &pg, &res[i], err, sizeof(err))) {
			hm_progress_end(&pg.bar);
			hm_err(cmd, NULL, "%s: %s", hm_sim_policy_name(kinds[i]), err);
			while (i--)
				hm_sc_result_release(&res[i]);
			return HM_EXIT_FAIL;
		}
		names[i] = hm_sim_policy_name(kinds[i]);
	}
	hm_progress_end(&pg.bar);
	if (demo)
		print_demo(sc, &res[0], json);
	else
		print_compare(sc, res, n, json);
	if (out) {
		for (i = 0; i < n && ret == HM_EXIT_OK; i++)
			ret = write_series(cmd, sc, &res[i], out, csv[i], sizeof(csv[i]));
		if (ret == HM_EXIT_OK) {
			plots(out, csv, names, n, demo);
			if (!json)
				printf("time series and plots: %s/\n", out);
		}
	}
	for (i = 0; i < n; i++)
		hm_sc_result_release(&res[i]);
	return ret;
}
