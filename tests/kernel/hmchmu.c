// SPDX-License-Identifier: MIT
/*
 * hmchmu: a stand-in CXL device for the guest's CHMU test. QEMU has no
 * Hotness Monitoring Unit, so this plays the one a CXL memory node would
 * have: the node's memory is the device's (DPA 0 at BASE), and every epoch
 * it writes a hotlist batch, as the Linux RFC driver copies one into the
 * perf AUX area, to a FIFO that "hotmem run" reads (daemon.chmu.aux_file).
 * Its hot units are the frames that hold [START, START + LEN) of process
 * PID and lie in the device; a frame the process's page left (promoted to
 * another node) is no longer the device's to report.
 *
 *   hmchmu PID START LEN FIFO BASE SIZE EPOCH_MS COUNT
 *
 * Entries: unit << 16 | COUNT (a 16-bit counter), 4 KiB units. It runs
 * until PID exits or SIGTERM, then prints "@@ chmu-feed epochs=E
 * entries=N last=L" (L: the units of the last epoch). Raw system calls and
 * no libraries beyond libc, like hmwork. Exit: 0; 2 usage; 3 setup.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WIDTH	16
#define MAXN	65535		/* entries per batch: the header's 16 bits */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int put(int fd, const uint64_t *b, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t k = write(fd, (const char *)b + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long start, len, base, size, ms, count, epochs = 0, entries = 0, last = 0;
	uint64_t *b, *pm;
	char path[64];
	int pid, fd, out;
	size_t pages;

	if (argc != 9) {
		fprintf(stderr, "usage: hmchmu PID START LEN FIFO BASE SIZE EPOCH_MS COUNT\n");
		return 2;
	}
	pid = atoi(argv[1]);
	start = strtoull(argv[2], NULL, 0);
	len = strtoull(argv[3], NULL, 0);
	base = strtoull(argv[5], NULL, 0);
	size = strtoull(argv[6], NULL, 0);
	ms = strtoull(argv[7], NULL, 0);
	count = strtoull(argv[8], NULL, 0);
	pages = len / 4096;
	if (pid <= 0 || !pages || pages > MAXN || !ms || !count || count >> WIDTH) {
		fprintf(stderr, "hmchmu: bad arguments\n");
		return 2;
	}
	/* no SA_RESTART: SIGTERM ends an open() still waiting for the daemon */
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		signal(SIGPIPE, SIG_IGN);
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	b = calloc(2 + pages, 8);
	pm = calloc(pages, 8);
	fd = open(path, O_RDONLY);
	out = open(argv[4], O_WRONLY);	/* blocks until the daemon reads */
	if (!b || !pm || fd < 0 || out < 0) {
		fprintf(stderr, "hmchmu: setup: %s\n", strerror(errno));
		return 3;
	}
	while (!stop && !kill(pid, 0)) {
		size_t n = 0;

		if (pread(fd, pm, pages * 8, (off_t)(start / 4096 * 8)) != (ssize_t)(pages * 8))
			break;
		for (size_t i = 0; i < pages; i++) {
			uint64_t hpa = (pm[i] & ((1ull << 55) - 1)) * 4096;

			if ((pm[i] >> 63) && hpa >= base && hpa < base + size)
				b[2 + n++] = (hpa - base) / 4096 << WIDTH | count;
		}
		/* an epoch in which nothing reached the threshold writes no batch */
		if (n) {
			b[0] = n | (uint64_t)WIDTH << 16;
			b[1] = 0xdeadbeefull;
			if (put(out, b, (2 + n) * 8))
				break;
			entries += n;
		}
		last = n;
		epochs++;
		usleep((useconds_t)(ms * 1000));
	}
	printf("@@ chmu-feed epochs=%llu entries=%llu last=%llu\n", epochs, entries, last);
	return 0;
}
