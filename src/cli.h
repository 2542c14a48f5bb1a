/* SPDX-License-Identifier: MIT */
/*
 * What every hotmem subcommand shares: the command table, exit codes, the
 * one-line error format and option-value helpers.
 */
#ifndef HOTMEM_SRC_CLI_H
#define HOTMEM_SRC_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

enum {
	HM_EXIT_OK = 0,
	HM_EXIT_FAIL = 1,	/* the command ran and failed */
	HM_EXIT_USAGE = 2,	/* the command line was wrong */
};

/**
 * struct hm_cmd - one row of the command table.
 * @name:	what the user types after "hotmem".
 * @fn:		the handler; argv[0] is the command name.
 * @summary:	one line for "hotmem help".
 * @usage:	the full text of "hotmem <name> --help".
 */
struct hm_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;
};

extern const struct hm_cmd hm_commands[];
extern const unsigned int hm_nr_commands;

const struct hm_cmd *hm_find_command(const char *name);

/* "hotmem: <cmd>: <what>: <why>" on stderr. */
void hm_err(const char *cmd, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* hm_err, then return HM_EXIT_USAGE or HM_EXIT_FAIL. */
int hm_usage_err(const char *cmd, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int hm_fail(const char *cmd, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Report a getopt_long failure (opterr = 0, optstring starting with ':'). */
int hm_getopt_err(const char *cmd, int c, char **argv);

/* Parse an option value into [min, max]; on error print and return 2. */
int hm_opt_u64(const char *cmd, const char *opt, const char *arg, uint64_t min,
	       uint64_t max, uint64_t *out);
int hm_opt_size(const char *cmd, const char *opt, const char *arg, uint64_t min,
		uint64_t max, uint64_t *out);

/*
 * Read all of @f into a malloc'd *@buf (*@len bytes, NUL not added).
 * Return: 0; -EFBIG past @max bytes; -ENOMEM; -EIO.
 */
int hm_read_file(FILE *f, size_t max, uint8_t **buf, size_t *len);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t hm_mono_ns(void);

/* Whether this process has capability @cap (CAP_*) in its effective set. */
bool hm_have_cap(int cap);

/* Print @obj on stdout, pretty, and drop the reference. 0 or 1. */
int hm_print_json(struct json_object *obj);

/* Print usage text, to stdout for --help and to stderr after an error. */
void hm_print_usage(const struct hm_cmd *cmd, bool to_stderr);

int hm_cmd_demo(int argc, char **argv);
extern const char hm_demo_usage[];
int hm_cmd_pipeline(int argc, char **argv);
extern const char hm_pipeline_usage[];
int hm_cmd_sim(int argc, char **argv);
extern const char hm_sim_usage[];
int hm_cmd_chmu(int argc, char **argv);
extern const char hm_chmu_usage[];
int hm_cmd_chmu_compare(int argc, char **argv);
extern const char hm_chmu_compare_usage[];
int hm_cmd_config(int argc, char **argv);
extern const char hm_config_usage[];
int hm_cmd_report(int argc, char **argv);
extern const char hm_report_usage[];

int hm_cmd_tiers(int argc, char **argv);
extern const char hm_tiers_usage[];
int hm_cmd_pools(int argc, char **argv);
extern const char hm_pools_usage[];
int hm_cmd_run(int argc, char **argv);
extern const char hm_run_usage[];
int hm_cmd_status(int argc, char **argv);
/*
 * Ask the daemon on unix socket @path for its status: 0 and the reply in
 * @out; -ENAMETOOLONG; -errno of connect or write; -EBADMSG if not JSON.
 */
int hm_status_request(const char *path, struct json_object **out);
/* Check a configuration's "daemon" section; -EINVAL and one line in @err. */
int hm_run_check_section(struct json_object *sec, char *err, size_t len);
/* Whether hotmem run counts source @name with coverage accounting whatever is configured. */
bool hm_run_forces_coverage(const char *name);
extern const char hm_status_usage[];
int hm_cmd_migrate(int argc, char **argv);
extern const char hm_migrate_usage[];

#endif /* HOTMEM_SRC_CLI_H */
