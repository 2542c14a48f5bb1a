// SPDX-License-Identifier: MIT
/*
 * The hotmem command: one table of subcommands, dispatched by name, with
 * "hotmem help" generated from the same table. Adding a command is adding a
 * file and a row.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <hotmem/version.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const char help_usage[] =
	"usage: hotmem help [COMMAND] [--json]\n"
	"\n"
	"List the commands, or show the help of one (the same as\n"
	"'hotmem COMMAND --help').\n"
	"\n"
	"  --json   the command list as JSON: {\"commands\": [{\"name\", \"summary\"}]}\n";

static const char version_usage[] =
	"usage: hotmem version [--json]\n"
	"\n"
	"Print hotmem's version.\n"
	"\n"
	"  --json   {\"version\": \"...\"}\n";

const struct hm_cmd hm_commands[] = {
	{ "chmu", hm_cmd_chmu,
	  "the emulated CXL Hotness Monitoring Unit: caps, config, decode, emulate",
	  hm_chmu_usage },
	{ "config", hm_cmd_config, "check a configuration file and show what it sets up",
	  hm_config_usage },
	{ "demo", hm_cmd_demo,
	  "the tiered-machine demo: two schemes hold a DRAM share of the hot set",
	  hm_demo_usage },
	{ "help", cmd_help, "list the commands, or show one command's help",
	  help_usage },
	{ "migrate", hm_cmd_migrate, "move a range of a live process's memory to a pool",
	  hm_migrate_usage },
	{ "pipeline", hm_cmd_pipeline,
	  "synthetic access reports through rings into the adaptive monitor",
	  hm_pipeline_usage },
	{ "pools", hm_cmd_pools, "the pools (one per tier): capacity, use, a process's bytes",
	  hm_pools_usage },
	{ "report", hm_cmd_report, "show a monitoring record: access, heatmap, wss",
	  hm_report_usage },
	{ "run", hm_cmd_run, "the tiering daemon: real sources, schemes, move_pages",
	  hm_run_usage },
	{ "sim", hm_cmd_sim, "simulate a tiered machine under placement policies and compare",
	  hm_sim_usage },
	{ "status", hm_cmd_status, "ask a running 'hotmem run' what it is doing",
	  hm_status_usage },
	{ "tiers", hm_cmd_tiers, "nodes, tiers and pools as hotmem and the kernel see them",
	  hm_tiers_usage },
	{ "version", cmd_version, "print the version", version_usage },
};

const unsigned int hm_nr_commands = sizeof(hm_commands) / sizeof(hm_commands[0]);

const struct hm_cmd *hm_find_command(const char *name)
{
	unsigned int i;

	for (i = 0; i < hm_nr_commands; i++)
		if (!strcmp(hm_commands[i].name, name))
			return &hm_commands[i];
	return NULL;
}

static void print_overview(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: hotmem <command> [options]\n"
		   "\n"
		   "hotmem finds which memory is hot and keeps it in the right tier.\n"
		   "\n"
		   "commands:\n");
	for (i = 0; i < hm_nr_commands; i++)
		fprintf(f, "  %-10s %s\n", hm_commands[i].name,
			hm_commands[i].summary);
	fprintf(f, "\n'hotmem <command> --help' shows a command's options.\n");
}

/* Options shared by help and version: only --json and --help. */
static int parse_simple(const char *name, int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(name), false);
			return -1;
		default:
			return hm_getopt_err(name, c, argv);
		}
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const struct hm_cmd *cmd;
	bool json = false;
	unsigned int i;
	int ret;

	ret = parse_simple("help", argc, argv, &json);
	if (ret)
		return ret < 0 ? HM_EXIT_OK : ret;
	if (optind < argc) {
		if (optind + 1 < argc)
			return hm_usage_err("help", argv[optind + 1],
					    "unexpected argument (usage: hotmem help [COMMAND])");
		cmd = hm_find_command(argv[optind]);
		if (!cmd)
			return hm_usage_err("help", argv[optind],
					    "unknown command (see 'hotmem help')");
		hm_print_usage(cmd, false);
		return HM_EXIT_OK;
	}
	if (json) {
		struct json_object *o = json_object_new_object();
		struct json_object *a = json_object_new_array();

		for (i = 0; i < hm_nr_commands; i++) {
			struct json_object *c = json_object_new_object();

			json_object_object_add(c, "name",
					       json_object_new_string(hm_commands[i].name));
			json_object_object_add(c, "summary",
					       json_object_new_string(hm_commands[i].summary));
			json_object_array_add(a, c);
		}
		json_object_object_add(o, "commands", a);
		return hm_print_json(o);
	}
	print_overview(stdout);
	return HM_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	bool json = false;
	int ret;

	ret = parse_simple("version", argc, argv, &json);
	if (ret)
		return ret < 0 ? HM_EXIT_OK : ret;
	if (optind < argc)
		return hm_usage_err("version", argv[optind], "unexpected argument");
	if (json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "version",
				       json_object_new_string(hm_version()));
		return hm_print_json(o);
	}
	printf("hotmem %s\n", hm_version());
	return HM_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct hm_cmd *cmd;

	if (argc < 2) {
		print_overview(stderr);
		return HM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_overview(stdout);
		return HM_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hotmem %s\n", hm_version());
		return HM_EXIT_OK;
	}
	cmd = hm_find_command(argv[1]);
	if (!cmd)
		return hm_usage_err(argv[1],
				    argv[1][0] == '-' ? "unknown option" :
							"unknown command",
				    "see 'hotmem help' for the list");
	/* The handler sees its own name as argv[0]. */
	optind = 1;
	return cmd->fn(argc - 1, argv + 1);
}
