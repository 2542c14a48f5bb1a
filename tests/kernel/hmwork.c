// SPDX-License-Identifier: MIT
/*
 * hmwork: the guest's test workload. It fills a buffer on one node with a
 * pattern, says where the buffer is, and waits; on SIGUSR1 it reports how
 * many pages of each part of the buffer sit on each node (move_pages(2)
 * queries) and whether every byte is still what it wrote. Raw system calls,
 * so the static binary needs no libnuma.
 *
 *   hmwork MIB NODE INFOFILE [SPLIT_MIB [HOT_START_MIB HOT_MIB]]
 *
 * INFOFILE gets "PID START LEN" once the buffer is filled. The report counts
 * pages per node separately for [0, SPLIT_MIB) and [SPLIT_MIB, MIB). With a
 * hot part, the workload writes one word of every page of it in a loop until
 * SIGUSR1, and the buffer is 2 MiB aligned; SIGUSR2 prints the counts of the
 * hot part and of the rest ("hot" and "cold") at any time.
 * Exit: 0 when the checksum matches, 1 when it does not, 2 usage, 3 setup.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND_	2
#define NODES		8

static volatile sig_atomic_t go, report;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	report = 1;
}

/* a different 64-bit word at every offset, so a page moved wrongly shows */
static uint64_t pattern(uint64_t i)
{
	i ^= i >> 31;
	i *= 0x9e3779b97f4a7c15ull;
	return i ^ (i >> 29);
}

static void count(char *buf, long first, long n, long psz, long cnt[NODES + 1])
{
	void **pg = malloc(n * sizeof(*pg));
	int *st = malloc(n * sizeof(*st));

	memset(cnt, 0, (NODES + 1) * sizeof(long));
	for (long i = 0; i < n; i++)
		pg[i] = buf + (first + i) * psz;
	if (syscall(SYS_move_pages, 0, n, pg, NULL, st, 0)) {
		perror("hmwork: move_pages");
		exit(3);
	}
	for (long i = 0; i < n; i++)
		cnt[st[i] >= 0 && st[i] < NODES ? st[i] : NODES]++;
	free(pg);
	free(st);
}

static void print_counts(const char *what, const long cnt[NODES + 1])
{
	printf("@@ work %s pages: node0=%ld node1=%ld other=%ld\n", what, cnt[0], cnt[1],
	       cnt[NODES]);
}

/* the counts of the hot part and of everything else */
static void hot_cold(char *buf, long n, long hot_first, long hot_n, long psz)
{
	long cnt[NODES + 1], c2[NODES + 1];

	count(buf, hot_first, hot_n, psz, cnt);
	print_counts("hot", cnt);
	count(buf, 0, hot_first, psz, cnt);
	count(buf, hot_first + hot_n, n - hot_first - hot_n, psz, c2);
	for (int k = 0; k <= NODES; k++)
		cnt[k] += c2[k];
	print_counts("cold", cnt);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	long mib, node, split, psz = sysconf(_SC_PAGESIZE), len, n, cnt[NODES + 1];
	long hot_at = 0, hot_len = 0;
	struct sigaction sa2 = { .sa_handler = on_usr2 };
	struct sigaction sa = { .sa_handler = on_usr1 };
	unsigned long mask;
	uint64_t *w, sum = 0, check = 0, bad = 0;
	sigset_t block, old;
	char *buf;
	FILE *f;

	if (argc < 4) {
		fprintf(stderr, "usage: hmwork MIB NODE INFOFILE [SPLIT_MIB]\n");
		return 2;
	}
	mib = atol(argv[1]);
	node = atol(argv[2]);
	split = argc > 4 ? atol(argv[4]) : mib;
	if (argc > 6) {
		hot_at = atol(argv[5]) << 20;
		hot_len = atol(argv[6]) << 20;
	}
	if (mib <= 0 || node < 0 || node >= NODES || split < 0 || split > mib || hot_at < 0 ||
	    hot_len < 0 || hot_at + hot_len > mib << 20)
		return 2;
	len = mib << 20;
	n = len / psz;
	mask = 1ul << node;
	buf = mmap(NULL, len + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (buf == MAP_FAILED)
		return 3;
	buf = (char *)(((uintptr_t)buf + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
	madvise(buf, len, MADV_NOHUGEPAGE);	/* 4 KiB pages: counts are pages */
	if (syscall(SYS_mbind, buf, len, MPOL_BIND_, &mask, 64, 0)) {
		perror("hmwork: mbind");
		return 3;
	}
	w = (uint64_t *)buf;
	for (long i = 0; i < len / 8; i++) {
		w[i] = pattern(i);
		sum += w[i];
	}
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa2, NULL);
	count(buf, 0, n, psz, cnt);
	print_counts("placed", cnt);
	f = fopen(argv[3], "w");
	if (!f)
		return 3;
	fprintf(f, "%d %p %ld\n", (int)getpid(), (void *)buf, len);
	fclose(f);
	fflush(stdout);
	if (hot_len) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		while (!go) {
			for (long i = hot_at; i < hot_at + hot_len && !go; i += psz)
				((volatile uint64_t *)buf)[i / 8] = pattern(i / 8);
			if (report) {
				report = 0;
				hot_cold(buf, n, hot_at / psz, hot_len / psz, psz);
			}
		}
		hot_cold(buf, n, hot_at / psz, hot_len / psz, psz);
	}
	while (!go)
		sigsuspend(&old);

	if (split) {
		count(buf, 0, (split << 20) / psz, psz, cnt);
		print_counts("head", cnt);
	}
	if (split < mib) {
		count(buf, (split << 20) / psz, n - (split << 20) / psz, psz, cnt);
		print_counts("tail", cnt);
	}
	for (long i = 0; i < len / 8; i++) {
		bad += w[i] != pattern(i);
		check += w[i];
	}
	printf("@@ work checksum %s: %ld MiB, sum %016llx (written %016llx), %llu bad words\n",
	       check == sum && !bad ? "ok" : "BAD", mib, (unsigned long long)check,
	       (unsigned long long)sum, (unsigned long long)bad);
	return check == sum && !bad ? 0 : 1;
}
