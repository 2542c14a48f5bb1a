/* SPDX-License-Identifier: MIT */
/*
 * Output helpers for the hotmem command: aligned text tables, sizes in IEC
 * units, and a progress bar that appears only when stderr is a terminal.
 */
#ifndef HOTMEM_SRC_OUTPUT_H
#define HOTMEM_SRC_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* "0 B", "1023 B", "1 KiB", "1.5 KiB", "64 MiB", "1.2 TiB". Returns @buf. */
char *hm_fmt_iec(uint64_t bytes, char *buf, size_t len);

struct hm_table;

/*
 * @align has one character per column: 'l' (left) or 'r' (right).
 * Returns NULL on allocation failure or a bad @align.
 */
struct hm_table *hm_table_new(unsigned int ncols, const char *const *headers,
			      const char *align);
/* Add one row of ncols cells. Returns 0 or -ENOMEM. */
int hm_table_row(struct hm_table *tbl, const char *const *cells);
/* Add one row from a printf format that yields ncols tab-separated cells. */
int hm_table_rowf(struct hm_table *tbl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void hm_table_print(const struct hm_table *tbl, FILE *f);
void hm_table_free(struct hm_table *tbl);

struct hm_progress {
	bool on;
	FILE *f;
	const char *label;
	uint64_t total;
	int last_pct;
};

/* Draw on @f only if it is a terminal (and HOTMEM_NO_PROGRESS is unset). */
void hm_progress_begin(struct hm_progress *p, FILE *f, const char *label,
		       uint64_t total);
void hm_progress_update(struct hm_progress *p, uint64_t done);
void hm_progress_end(struct hm_progress *p);

#endif /* HOTMEM_SRC_OUTPUT_H */
