// SPDX-License-Identifier: MIT
/*
 * Tables, sizes and progress for the hotmem command. Tables are built in
 * memory and printed once, so every column is as wide as its widest cell.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

char *hm_fmt_iec(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B",   "KiB", "MiB", "GiB",
					     "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t div = 1;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (bytes % div == 0) {
		snprintf(buf, len, "%llu %s", (unsigned long long)(bytes / div),
			 units[u]);
	} else {
		/* One decimal, rounded; 1023.96 KiB would round up to 1024.0. */
		unsigned long long tenths = (unsigned long long)
			(((unsigned __int128)bytes * 10 + div / 2) / div);

		if (tenths >= 10240 && u + 1 < sizeof(units) / sizeof(units[0])) {
			div *= 1024;
			u++;
			tenths = (unsigned long long)
				(((unsigned __int128)bytes * 10 + div / 2) / div);
		}
		snprintf(buf, len, "%llu.%llu %s", tenths / 10, tenths % 10,
			 units[u]);
	}
	return buf;
}

struct hm_table {
	unsigned int ncols;
	char *align;
	char **cells;		/* (nrows + 1) * ncols, row 0 = headers */
	size_t nrows;
	size_t cap;
};

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static int table_grow(struct hm_table *tbl)
{
	size_t cap = tbl->cap ? tbl->cap * 2 : 16;
	char **p;

	p = realloc(tbl->cells, cap * tbl->ncols * sizeof(*p));
	if (!p)
		return -ENOMEM;
	tbl->cells = p;
	tbl->cap = cap;
	return 0;
}

struct hm_table *hm_table_new(unsigned int ncols, const char *const *headers,
			      const char *align)
{
	struct hm_table *tbl;

	if (!ncols || !align || strlen(align) != ncols ||
	    strspn(align, "lr") != ncols)
		return NULL;
	tbl = calloc(1, sizeof(*tbl));
	if (!tbl)
		return NULL;
	tbl->ncols = ncols;
	tbl->align = strdup(align);
	if (!tbl->align || hm_table_row(tbl, headers)) {
		hm_table_free(tbl);
		return NULL;
	}
	return tbl;
}

int hm_table_row(struct hm_table *tbl, const char *const *cells)
{
	unsigned int c;
	char **row;

	if (tbl->nrows + 1 > tbl->cap && table_grow(tbl))
		return -ENOMEM;
	row = &tbl->cells[tbl->nrows * tbl->ncols];
	for (c = 0; c < tbl->ncols; c++) {
		row[c] = xstrdup(cells ? cells[c] : NULL);
		if (!row[c]) {
			while (c--)
				free(row[c]);
			return -ENOMEM;
		}
	}
	tbl->nrows++;
	return 0;
}

int hm_table_rowf(struct hm_table *tbl, const char *fmt, ...)
{
	const char **cells;
	char *line = NULL, *p;
	unsigned int c;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	cells = calloc(tbl->ncols, sizeof(*cells));
	if (!cells) {
		free(line);
		return -ENOMEM;
	}
	for (c = 0, p = line; c < tbl->ncols; c++) {
		cells[c] = p;
		p = p ? strchr(p, '\t') : NULL;
		if (p)
			*p++ = '\0';
	}
	ret = hm_table_row(tbl, cells);
	free(cells);
	free(line);
	return ret;
}

void hm_table_print(const struct hm_table *tbl, FILE *f)
{
	size_t *w = calloc(tbl->ncols, sizeof(*w));
	unsigned int c;
	size_t r;

	if (!w)
		return;
	for (r = 0; r < tbl->nrows; r++)
		for (c = 0; c < tbl->ncols; c++) {
			size_t l = strlen(tbl->cells[r * tbl->ncols + c]);

			w[c] = l > w[c] ? l : w[c];
		}
	for (r = 0; r < tbl->nrows; r++) {
		for (c = 0; c < tbl->ncols; c++) {
			const char *s = tbl->cells[r * tbl->ncols + c];
			bool last = c + 1 == tbl->ncols;

			if (tbl->align[c] == 'r')
				fprintf(f, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)w[c], s);
			if (!last)
				fputs("  ", f);
		}
		fputc('\n', f);
	}
	free(w);
}

void hm_table_free(struct hm_table *tbl)
{
	size_t i;

	if (!tbl)
		return;
	for (i = 0; i < tbl->nrows * tbl->ncols; i++)
		free(tbl->cells[i]);
	free(tbl->cells);
	free(tbl->align);
	free(tbl);
}

void hm_progress_begin(struct hm_progress *p, FILE *f, const char *label,
		       uint64_t total)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->label = label;
	p->total = total ? total : 1;
	p->last_pct = -1;
	p->on = isatty(fileno(f)) && !getenv("HOTMEM_NO_PROGRESS");
}

void hm_progress_update(struct hm_progress *p, uint64_t done)
{
	int pct, fill, i;

	if (!p->on)
		return;
	pct = (int)(done * 100 / p->total);
	if (pct > 100)
		pct = 100;
	if (pct == p->last_pct)
		return;
	p->last_pct = pct;
	fill = pct * 30 / 100;
	fprintf(p->f, "\r%s [", p->label);
	for (i = 0; i < 30; i++)
		fputc(i < fill ? '#' : '.', p->f);
	fprintf(p->f, "] %3d%%", pct);
	fflush(p->f);
}

void hm_progress_end(struct hm_progress *p)
{
	if (!p->on)
		return;
	/* Erase the bar so that what follows starts on a clean line. */
	fprintf(p->f, "\r\033[K");
	fflush(p->f);
}
