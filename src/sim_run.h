/* SPDX-License-Identifier: MIT */
/*
 * Scenarios for the simulator (hotmem sim, hotmem demo): a configuration
 * file's machine, sim, workloads and phases sections on top of the monitor
 * configuration, and the loop that runs one policy through every phase and
 * collects the metrics. docs/sim.md documents the sections.
 */
#ifndef HOTMEM_SRC_SIM_RUN_H
#define HOTMEM_SRC_SIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hotmem/hotmem.h>

#define HM_SC_MAX_PHASES	16
#define HM_SC_MAX_GOALS		8

struct hm_sc_phase {
	char name[32];
	uint64_t duration_ns;
	bool restart;
	bool has_target;
	double target_pct;
	unsigned int nr_goals;
	char goal_scheme[HM_SC_MAX_GOALS][32];
	uint64_t goal_bp[HM_SC_MAX_GOALS];
	unsigned int nr_wl;
	struct hm_sim_workload wl[HM_SIM_MAX_WORKLOADS];
};

struct hm_scenario {
	char name[256];
	char *text;
	size_t len;
	struct hm_sim_desc desc;
	unsigned int nr_wl;
	struct hm_sim_workload wl[HM_SIM_MAX_WORKLOADS];
	unsigned int nr_phases;
	struct hm_sc_phase phases[HM_SC_MAX_PHASES];
	uint64_t metrics_ns;
	uint64_t seed;
	bool populate;
	char policies[256];
	struct hm_sim_baseline_params prm;
	bool has_schemes;
	/* the recorded streams the workloads replay (hm_scenario_release() frees them) */
	unsigned int nr_traces;
	struct hm_workload *traces[HM_SIM_MAX_WORKLOADS * (HM_SC_MAX_PHASES + 1)];
};

/* One metrics interval of a run. */
struct hm_sc_row {
	unsigned int phase;
	struct hm_sim_tick_stats st;
	double precision, recall;	/* negative: the policy cannot say */
	double eligible_bp;		/* hotmem: the first scheme's first goal; else -1 */
};

struct hm_sc_phase_result {
	double mean_pct, stddev_pct, offset_pp;
	double converge_s;		/* negative: never converged */
	double hit_ratio, hot_pct;
};

struct hm_sc_result {
	enum hm_sim_policy_kind kind;
	struct hm_sc_row *rows;
	size_t nr_rows;
	struct hm_sc_phase_result phase[HM_SC_MAX_PHASES];
	struct hm_sim_tick_stats tot;
	double precision, recall;	/* means over the rows that have them */
	double wall_s;
	/* with sim.chmu_adaptive: the first controlled node's controller */
	int chmu_node;			/* -1: none */
	struct hm_chmu_ctl_setting chmu_set;
	uint64_t chmu_changes;
	size_t nr_chmu_trail;
	struct hm_chmu_ctl_change chmu_trail[8];
};

/* The top-level sections a scenario adds to a configuration, NULL-terminated. */
extern const char *const hm_scenario_sections[];

/*
 * Parse a scenario (the whole file, @name for messages). Return: 0;
 * -EINVAL with "NAME: $.path: what" in @err; -ENOMEM.
 */
int hm_scenario_parse(const char *text, size_t len, const char *name, struct hm_scenario *sc,
		      char *err, size_t errlen);
int hm_scenario_load(const char *path, struct hm_scenario *sc, char *err, size_t errlen);
void hm_scenario_release(struct hm_scenario *sc);

/*
 * Run policy @kind through every phase. @progress (may be NULL) is called
 * with simulated ns done and the total. Return: 0; -EINVAL/-ENOMEM with
 * one line in @err.
 */
int hm_scenario_run(const struct hm_scenario *sc, enum hm_sim_policy_kind kind,
		    void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
		    struct hm_sc_result *res, char *err, size_t errlen);
void hm_sc_result_release(struct hm_sc_result *res);

/* The time series as CSV and as JSON lines. Return: 0 or -errno. */
int hm_sc_write_csv(const struct hm_scenario *sc, const struct hm_sc_result *res, FILE *f);
int hm_sc_write_jsonl(const struct hm_scenario *sc, const struct hm_sc_result *res, FILE *f);
/*
 * Plot @csv_paths (one per policy, named @names) into @out (.png or .svg)
 * with gnuplot. Return: 0; -ENOENT when gnuplot is not installed.
 */
int hm_sc_plot(const char *const *csv_paths, const char *const *names, unsigned int n,
	       const char *title, const char *ylabel, int column, const char *out);

#endif /* HOTMEM_SRC_SIM_RUN_H */
