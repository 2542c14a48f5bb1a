// SPDX-License-Identifier: MIT
/*
 * Corpus replay for the fuzz targets, built with gcc: feeds every file of the
 * given directories (or the given files) to LLVMFuzzerTestOneInput once, in
 * name order. make check runs it (also under ASan and UBSan), so every input
 * that once found a bug keeps being checked without clang. Prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	/* An exact-size heap copy, so ASan sees any read past the input. */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned int total = 0, failed = 0;
	int i;

	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		struct stat st;
		char **names = NULL;
		size_t n = 0, k;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st)) {
			printf("not ok %d - %s: cannot stat\n", i, argv[i]);
			failed++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			int bad = run_file(argv[i]);

			printf("%sok %d - %s\n", bad ? "not " : "", i, argv[i]);
			failed += bad != 0;
			total++;
			continue;
		}
		d = opendir(argv[i]);
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			if (asprintf(&names[n], "%s/%s", argv[i], e->d_name) < 0)
				return 1;
			n++;
		}
		if (d)
			closedir(d);
		qsort(names, n, sizeof(*names), cmp);
		for (k = 0; k < n; k++) {
			if (run_file(names[k])) {
				printf("# cannot read %s\n", names[k]);
				failed++;
			}
			free(names[k]);
		}
		free(names);
		total += (unsigned int)n;
		printf("%sok %d - %s (%zu inputs)\n", n && !failed ? "" : "not ", i,
		       argv[i], n);
	}
	return failed ? 1 : 0;
}
