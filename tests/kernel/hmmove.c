// SPDX-License-Identifier: MIT
/*
 * hmmove: the plain move_pages(2) loop hotmem's migrator is measured
 * against: every page of [START, START+LEN) of process PID to NODE, in one
 * call, no queries, no accounting. Prints the seconds it took.
 *
 *   hmmove PID START LEN NODE
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MF_MOVE (1 << 1)

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE), n, moved = 0;
	unsigned long start, len;
	struct timespec a, b;
	void **pg;
	int *nodes, *st, pid, node;

	if (argc != 5)
		return 2;
	pid = atoi(argv[1]);
	start = strtoul(argv[2], NULL, 0);
	len = strtoul(argv[3], NULL, 0);
	node = atoi(argv[4]);
	n = (long)(len / (unsigned long)psz);
	pg = malloc(n * sizeof(*pg));
	nodes = malloc(n * sizeof(*nodes));
	st = malloc(n * sizeof(*st));
	if (!pg || !nodes || !st)
		return 3;
	for (long i = 0; i < n; i++) {
		pg[i] = (void *)(start + (unsigned long)(i * psz));
		nodes[i] = node;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (syscall(SYS_move_pages, pid, n, pg, nodes, st, MF_MOVE) < 0) {
		perror("hmmove: move_pages");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	for (long i = 0; i < n; i++)
		moved += st[i] == node;
	printf("hmmove: %ld of %ld pages to node %d in %.3f s\n", moved, n, node,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9);
	return 0;
}
