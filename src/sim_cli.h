/* SPDX-License-Identifier: MIT */
/* What hotmem sim and hotmem demo share: run, print, write. */
#ifndef HOTMEM_SRC_SIM_CLI_H
#define HOTMEM_SRC_SIM_CLI_H

#include <stdbool.h>

#include "sim_run.h"

/*
 * Run @sc under each policy of @compare (NULL: the scenario's list), print
 * the comparison (or, with @demo, the convergence table of the one policy)
 * as text or JSON, and write the series and plots into @out if not NULL.
 * Return: an HM_EXIT_* code; errors are printed as "hotmem: CMD: ...".
 */
int hm_sim_cli_run(const char *cmd, const struct hm_scenario *sc, const char *compare,
		   const char *out, bool json, bool demo);

#endif /* HOTMEM_SRC_SIM_CLI_H */
