// SPDX-License-Identifier: MIT
/*
 * The daemon's sources that read physical frames, end to end on this host,
 * which has neither a CHMU nor idle page tracking, and without kernel
 * DAMON. A child process holds a buffer; this test reads the buffer's
 * frames from the child's pagemap and plays the hardware or the kernel:
 *
 * - chmu: it writes hotlist batches naming those frames into a FIFO that
 *   "hotmem run" reads as its AUX stream (daemon.chmu.aux_file). The daemon
 *   must map every unit back to the child's pages, replay them into the
 *   monitor so that a stat scheme sees the whole buffer hot, count units no
 *   process holds, and say once that a malformed batch came.
 * - page_idle: the daemon marks the child's frames idle in a file laid out
 *   as the kernel's bitmap (daemon.page_idle.bitmap); the test clears the
 *   marks of the buffer's first half as accesses would. The daemon must
 *   find that half accessed, never the rest, and a stat scheme must see it.
 *
 * Nothing system-wide is written: no DAMON, no kernel file, and no scheme
 * here moves pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../hm_test.h"
#include "cli_util.h"

extern char **environ;

#define PAGES		2048		/* the child's buffer: 8 MiB */
#define FOREIGN		16		/* units in each batch no process holds */
#define WIDTH		16		/* the counter width of the entries */

static char tmpdir[200];
/* what a failed assertion would leave running: the teardown ends them */
static pid_t g_child = -1, g_daemon = -1;

static int cleanup(void **state)
{
	(void)state;
	if (g_daemon > 0) {
		kill(g_daemon, SIGKILL);
		waitpid(g_daemon, NULL, 0);
	}
	if (g_child > 0) {
		kill(g_child, SIGKILL);
		waitpid(g_child, NULL, 0);
	}
	g_daemon = g_child = -1;
	return 0;
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char cfg_head[] =
	"{\"version\": 1,\n"
	" \"monitor\": {\"sample_interval\": \"10ms\", \"aggr_interval\": \"200ms\",\n"
	"             \"ops_update_interval\": \"1s\", \"min_nr_regions\": 10,\n"
	"             \"max_nr_regions\": 200},\n";

/*
 * Each of @bad ({sources, the rest of the file, what the message says}):
 * "hotmem run" refuses it in one line with exit 2, before anything starts.
 */
static void refused(const char *const (*bad)[3], size_t n, const char *name)
{
	char cfg[256], text[2048];
	struct run r;

	path_in(cfg, sizeof(cfg), name);
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%s \"sources\": %s%s}", cfg_head, bad[i][0], bad[i][1]);
		write_file(cfg, text);
		run(&r, (const char *[]){ "run", "--config", cfg, "--pid", "1", "--socket",
					  "/nonexistent/s.sock", NULL });
		assert_int_equal(code(&r), 2);
		assert_one_error_line(&r, "hotmem: config: ");
		if (!strstr(r.err, bad[i][2]))
			fail_msg("%s, case %zu: '%s' lacks '%s'", name, i, r.err, bad[i][2]);
		done(&r);
	}
}

/* Bad CHMU configurations: one line naming the key, before anything starts. */
static void test_config_errors(void **state)
{
	static const char *const bad[][3] = {
		{ "[{\"name\": \"chmu\"}]", "", "$.sources[0]: the chmu source needs" },
		{ "[{\"name\": \"page-faults\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		  "epoch_scale=4,epoch_multiplier=1/\", \"decoder\": \"0,1T,1,4K,0\"}}",
		  "$.daemon.chmu: no source named \"chmu\"" },
		{ "[]", "", "$.sources: the daemon needs" },
		{ "[{\"name\": \"chmu\"}, {\"name\": \"chmu\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		  "epoch_scale=4,epoch_multiplier=1/\", \"decoder\": \"0,1T,1,4K,0\"}}",
		  "$.sources[1]: one chmu source at most" },
		{ "[{\"name\": \"chmu\"}]", ", \"daemon\": {\"chmu\": {\"decoder\": \"0,1T,1,4K,0\"}}",
		  "$.daemon.chmu.event: missing" },
		{ "[{\"name\": \"chmu\", \"accounting\": \"weighted\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		  "epoch_scale=4,epoch_multiplier=1/\", \"decoder\": \"0,1T,1,4K,0\"}}",
		  "$.sources[0]: the chmu source replays hot ranges" },
		{ "[{\"name\": \"chmu\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		  "epoch_scale=4,epoch_multiplier=1/\"}}", "$.daemon.chmu.decoder: missing" },
		{ "[{\"name\": \"chmu\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		  "epoch_scale=4,epoch_multiplier=1/\", \"decoder\": \"0,1T,3,4K\"}}",
		  "$.daemon.chmu.decoder: not BASE,SIZE,WAYS,GRAN,POS" },
		{ "[{\"name\": \"chmu\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=1/\", "
		  "\"decoder\": \"0,1T,1,4K,0\"}}", "$.daemon.chmu.event: epoch_type=0" },
		{ "[{\"name\": \"chmu\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"epoch_type=0,epoch_scale=4,"
		  "epoch_multiplier=1\", \"decoder\": \"0,1T,1,4K,0\"}}",
		  "$.daemon.chmu.event: name the PMU" },
		{ "[{\"name\": \"chmu\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		  "epoch_scale=4,epoch_multiplier=1/\", \"decoder\": \"0,1T,1,4K,0\", "
		  "\"aux_size\": \"12KiB\"}}", "$.daemon.chmu.aux_size: a power of two" },
		{ "[{\"name\": \"chmu\"}]",
		  ", \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		  "epoch_scale=4,epoch_multiplier=1/\", \"decoder\": \"0,1T,1,4K,0\", "
		  "\"treshold\": 4}}", "$.daemon.chmu.treshold: unknown key" },
	};

	(void)state;
	refused(bad, sizeof(bad) / sizeof(bad[0]), "bad-chmu.json");
}

/* The child: a buffer touched page by page, its address on @fd, then wait. */
static void child_main(int fd)
{
	long psz = sysconf(_SC_PAGESIZE);
	char *buf = mmap(NULL, PAGES * (size_t)psz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t a = (uintptr_t)buf;

	if (buf == MAP_FAILED)
		_exit(3);
	madvise(buf, PAGES * (size_t)psz, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < PAGES; i++)
		buf[i * (size_t)psz] = (char)i;
	if (write(fd, &a, sizeof(a)) != sizeof(a))
		_exit(3);
	for (;;)
		pause();
}

/* The frames of the child's buffer; false when pagemap hides them. */
static bool frames(pid_t pid, uint64_t addr, uint64_t *pfn)
{
	long psz = sysconf(_SC_PAGESIZE);
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (size_t i = 0; i < PAGES; i++) {
		uint64_t e = 0;

		assert_int_equal(pread(fd, &e, 8, (off_t)((addr / (uint64_t)psz + i) * 8)), 8);
		assert_true(e >> 63);		/* present: the child touched it */
		pfn[i] = e & ((1ull << 55) - 1);
		if (!pfn[i]) {
			close(fd);
			return false;
		}
	}
	close(fd);
	return true;
}

/* One batch: the header, then unit << WIDTH | count for each unit. */
static void put_batch(int fd, const uint64_t *units, size_t n, uint32_t count)
{
	size_t len = 16 + 8 * n;
	uint64_t *b = malloc(len);
	size_t off = 0;

	assert_non_null(b);
	b[0] = n | (uint64_t)WIDTH << 16;
	b[1] = 0xdeadbeefull;
	for (size_t i = 0; i < n; i++)
		b[2 + i] = units[i] << WIDTH | count;
	while (off < len) {
		ssize_t k = write(fd, (char *)b + off, len - off);

		assert_true(k > 0);
		off += (size_t)k;
	}
	free(b);
}

static struct json_object *source_named(struct json_object *st, const char *name)
{
	struct json_object *a, *x, *v;

	assert_true(json_object_object_get_ex(st, "sources", &a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		x = json_object_array_get_idx(a, i);
		if (json_object_object_get_ex(x, "name", &v) &&
		    !strcmp(json_object_get_string(v), name))
			return x;
	}
	return NULL;
}

/* Start "hotmem run --config @cfg --pid @pid" with stderr in @log. */
static pid_t spawn_daemon(const char *cfg, pid_t pid, const char *sock, const char *log)
{
	const char *bin = getenv("HOTMEM_BIN");
	posix_spawn_file_actions_t fa;
	char spid[16];
	char *argv[12];
	pid_t daemon;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	argv[0] = (char *)bin;
	argv[1] = "run";
	argv[2] = "--config";
	argv[3] = (char *)cfg;
	argv[4] = "--pid";
	argv[5] = spid;
	argv[6] = "--socket";
	argv[7] = (char *)sock;
	argv[8] = "--duration";
	argv[9] = "120";
	argv[10] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(posix_spawn(&daemon, bin, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	g_daemon = daemon;
	return daemon;
}

/* "hotmem status --json": NULL while the daemon has no socket yet. */
static struct json_object *status_of(const char *sock)
{
	struct json_object *st = NULL;
	struct run r;

	run(&r, (const char *[]){ "status", "--json", "--socket", sock, NULL });
	if (code(&r) == 0)
		st = parse_json(r.out);
	done(&r);
	return st;
}

/* The scheme @i's sz_tried. */
static uint64_t tried(struct json_object *st, size_t i)
{
	struct json_object *a, *v;

	assert_true(json_object_object_get_ex(st, "schemes", &a));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(a, i), "sz_tried", &v));
	return (uint64_t)json_object_get_int64(v);
}

/* SIGTERM: the daemon must stop cleanly. */
static void stop_daemon(pid_t daemon)
{
	int status;

	kill(daemon, SIGTERM);
	assert_int_equal(waitpid(daemon, &status, 0), daemon);
	g_daemon = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The child with its buffer written: its pid, the buffer's address in @addr. */
static pid_t start_child(uint64_t *addr)
{
	int p[2];
	pid_t child;

	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		close(p[0]);
		child_main(p[1]);
	}
	g_child = child;
	close(p[1]);
	assert_int_equal(read(p[0], addr, sizeof(*addr)), sizeof(*addr));
	close(p[0]);
	return child;
}

/* The child and its buffer's frames; skips when pagemap hides them. */
static pid_t start_child_frames(uint64_t *addr, uint64_t *pfn, const char *source)
{
	pid_t child = start_child(addr);

	if (!frames(child, *addr, pfn)) {
		cleanup(NULL);
		hm_skip("pagemap shows no frame numbers without CAP_SYS_ADMIN, which the daemon's "
			"%s source needs as well", source);
	}
	return child;
}

static void test_aux_fifo(void **state)
{
	uint64_t units[PAGES + FOREIGN], addr;
	char cfg[256], fifo[256], sock[256], log[256], text[4096];
	struct json_object *st = NULL, *src = NULL, *v;
	int wfd, status;
	pid_t child, daemon;
	FILE *f;
	bool seen = false;

	(void)state;
	child = start_child_frames(&addr, units, "CHMU");
	/* units at the top of the decoder's terabyte, where no process has memory */
	for (size_t i = 0; i < FOREIGN; i++)
		units[PAGES + i] = (1ull << 28) - 1 - i;

	path_in(cfg, sizeof(cfg), "chmu.json");
	path_in(fifo, sizeof(fifo), "aux.fifo");
	path_in(sock, sizeof(sock), "chmu.sock");
	path_in(log, sizeof(log), "run.log");
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* 100 ms epochs, identity decoder: a unit index is a page frame number */
	snprintf(text, sizeof(text),
		 "%s \"sources\": [{\"name\": \"chmu\"}],\n"
		 " \"schemes\": [{\"name\": \"hot\", \"action\": \"stat\", \"access_pattern\": "
		 "{\"access_rate\": [\"90%%\", \"100%%\"], \"age\": [0, \"max\"]}}],\n"
		 " \"daemon\": {\"chmu\": {\"event\": \"cxl_hmu_mem0.0.0/epoch_type=0,"
		 "access_type=6,hotness_threshold=16,epoch_scale=4,epoch_multiplier=1,"
		 "hotness_granual=12/\", \"decoder\": \"0,1T,1,4K,0\", \"aux_file\": \"%s\", "
		 "\"adaptive\": true}}}\n",
		 cfg_head, fifo);
	write_file(cfg, text);
	daemon = spawn_daemon(cfg, child, sock, log);

	/* the daemon opens its end at start: wait for it, or for its exit */
	for (int i = 0;; i++) {
		wfd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (wfd >= 0 || errno != ENXIO)
			break;
		if (waitpid(daemon, &status, WNOHANG) == daemon) {
			g_daemon = -1;
			fail_msg("hotmem run exited before it opened the FIFO (status 0x%x): %s", status,
				 log);
		}
		assert_true(i < 6000);	/* 60 s */
		usleep(10000);
	}
	assert_true(wfd >= 0);
	/* writes block again: the daemon reads at its pace */
	assert_int_equal(fcntl(wfd, F_SETFL, 0), 0);
	/*
	 * An epoch's batch every 100 ms: count 50 in 100 ms is 500 accesses a
	 * second, five per 10 ms sample, so every sample finds each page hot.
	 * Ask for status once the daemon has read ten batches and had five
	 * aggregations to see them (at most 600 batches: a loaded machine).
	 */
	for (int ep = 0; ep < 600 && !seen; ep++) {
		put_batch(wfd, units, PAGES + FOREIGN, 50);
		usleep(100000);
		if (ep < 10 || ep % 5)
			continue;
		json_object_put(st);
		st = status_of(sock);
		assert_non_null(st);
		src = source_named(st, "chmu");
		assert_non_null(src);
		seen = get_u64(src, "batches") >= 10 && tried(st, 0) >= PAGES * 4096ull * 5;
	}
	assert_true(seen);
	printf("# note: chmu via FIFO: %llu batches, %llu entries, %llu unmapped, window %llu "
	       "bytes in %llu runs, %llu reports\n",
	       (unsigned long long)get_u64(src, "batches"),
	       (unsigned long long)get_u64(src, "entries"),
	       (unsigned long long)get_u64(src, "unmapped"),
	       (unsigned long long)get_u64(src, "window_bytes"),
	       (unsigned long long)get_u64(src, "window_runs"),
	       (unsigned long long)get_u64(src, "reports"));
	assert_int_equal(get_u64(src, "entries"), get_u64(src, "batches") * (PAGES + FOREIGN));
	/* every batch's foreign units, and none of the child's pages, went unmapped */
	assert_int_equal(get_u64(src, "unmapped") % FOREIGN, 0);
	assert_true(get_u64(src, "unmapped") >= FOREIGN * 5);
	assert_true(get_u64(src, "unmapped") <= FOREIGN * get_u64(src, "batches"));
	assert_int_equal(get_u64(src, "window_bytes"), PAGES * 4096ull);
	assert_int_equal(get_u64(src, "malformed"), 0);
	assert_int_equal(get_u64(src, "drops"), 0);
	assert_true(get_u64(src, "reports") > 0);
	/* 2064 units an epoch against the 1024 wanted: the controller acts, on paper */
	assert_true(get_u64(src, "reprograms") >= 1);
	assert_true(json_object_object_get_ex(src, "setting_applied", &v));
	assert_false(json_object_get_boolean(v));
	json_object_put(st);

	/* a header that is not one: counted, and said once */
	memset(text, 0x5a, 32);
	assert_int_equal(write(wfd, text, 32), 32);
	usleep(300000);
	put_batch(wfd, units, PAGES, 50);
	usleep(300000);
	st = status_of(sock);
	assert_non_null(st);
	src = source_named(st, "chmu");
	assert_true(get_u64(src, "malformed") >= 1);
	json_object_put(st);
	close(wfd);
	stop_daemon(daemon);
	cleanup(NULL);

	f = fopen(log, "r");
	assert_non_null(f);
	{
		char line[1024];
		int bad = 0, start = 0, paper = 0, changes = 0;

		while (fgets(line, sizeof(line), f)) {
			bad += strstr(line, "source chmu: ") && strstr(line, "later ones are counted");
			start += strstr(line, "source chmu: AUX bytes from ") != NULL;
			paper += strstr(line, "which hotmem cannot reprogram") != NULL;
			changes += strstr(line, "source chmu: epoch ") != NULL;
		}
		assert_int_equal(start, 1);
		assert_int_equal(bad, 1);
		assert_int_equal(paper, 1);	/* said once */
		assert_true(changes >= 1);	/* each change named with its reason */
	}
	fclose(f);
	unlink(fifo);
}

/* Bad page_idle configurations: one line naming what is wrong. */
static void test_idle_config_errors(void **state)
{
	static const char *const bad[][3] = {
		{ "[{\"name\": \"page_idle\", \"accounting\": \"weighted\"}]", "",
		  "$.sources[0]: the page_idle source replays accessed pages" },
		{ "[{\"name\": \"page_idle\"}, {\"name\": \"page_idle\"}]", "",
		  "$.sources[1]: one page_idle source at most" },
		{ "[{\"name\": \"page_idle\"}]", ", \"daemon\": {\"page_idle\": 1}",
		  "$.daemon.page_idle: not an object" },
		{ "[{\"name\": \"page_idle\"}]",
		  ", \"daemon\": {\"page_idle\": {\"interval\": \"5ms\"}}",
		  "$.daemon.page_idle.interval: a duration from \"10ms\"" },
		{ "[{\"name\": \"page_idle\"}]",
		  ", \"daemon\": {\"page_idle\": {\"interval\": 100}}",
		  "$.daemon.page_idle.interval: a duration" },
		{ "[{\"name\": \"page_idle\"}]", ", \"daemon\": {\"page_idle\": {\"bitmap\": \"\"}}",
		  "$.daemon.page_idle.bitmap: a path" },
		{ "[{\"name\": \"page_idle\"}]",
		  ", \"daemon\": {\"page_idle\": {\"intervall\": \"1s\"}}",
		  "$.daemon.page_idle.intervall: unknown key" },
		{ "[{\"name\": \"page-faults\"}]",
		  ", \"daemon\": {\"page_idle\": {\"interval\": \"1s\"}}",
		  "$.daemon.page_idle: no source named \"page_idle\"" },
	};
	char cfg[256], text[2048];
	struct run r;

	(void)state;
	refused(bad, sizeof(bad) / sizeof(bad[0]), "bad-idle.json");
	path_in(cfg, sizeof(cfg), "bad-idle.json");
	/* a bitmap that is not there: a runtime failure, in one line */
	snprintf(text, sizeof(text), "%s \"sources\": [{\"name\": \"page_idle\"}], \"daemon\": "
		 "{\"page_idle\": {\"bitmap\": \"%s/no-bitmap\"}}}", cfg_head, tmpdir);
	write_file(cfg, text);
	run(&r, (const char *[]){ "run", "--config", cfg, "--pid", "1", "--socket",
				  "/nonexistent/s.sock", NULL });
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: run: source: page_idle: ");
	done(&r);
}

/* What accesses do in the kernel: clear the idle marks of frames @pfn[0..n). */
static void idle_touch(int fd, const uint64_t *pfn, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t w;
		off_t at = (off_t)(pfn[i] / 64 * 8);

		assert_int_equal(pread(fd, &w, 8, at), 8);
		w &= ~(1ull << (pfn[i] % 64));
		assert_int_equal(pwrite(fd, &w, 8, at), 8);
	}
}

static void test_idle_bitmap(void **state)
{
	const size_t hot = PAGES / 2;
	uint64_t pfn[PAGES], addr, first_round = 0;
	char cfg[256], bitmap[256], sock[256], log[256], text[4096];
	struct json_object *st = NULL, *src = NULL;
	int fd, status;
	pid_t child, daemon;
	bool seen = false;
	FILE *f;

	(void)state;
	child = start_child_frames(&addr, pfn, "page_idle");
	path_in(cfg, sizeof(cfg), "idle.json");
	path_in(bitmap, sizeof(bitmap), "bitmap");
	path_in(sock, sizeof(sock), "idle.sock");
	path_in(log, sizeof(log), "idle.log");
	/* sparse, with room for every frame of 4 TiB: reads past it would be "unknown" */
	fd = open(bitmap, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (1ll << 30) / 8), 0);
	/*
	 * A second scheme pulls the hot half to the node it is on already: the
	 * status's migrate_pages must count those pages as already in place,
	 * and nothing moves (the frames the test clears stay the child's).
	 */
	{
		void *page = (void *)(uintptr_t)addr;
		int node = -1;

		assert_int_equal(syscall(SYS_move_pages, child, 1, &page, NULL, &node, 0), 0);
		assert_true(node >= 0);
		snprintf(text, sizeof(text),
			 "%s \"sources\": [{\"name\": \"page_idle\"}],\n"
			 " \"schemes\": [{\"name\": \"hot\", \"action\": \"stat\", "
			 "\"access_pattern\": {\"access_rate\": [\"90%%\", \"100%%\"], "
			 "\"age\": [0, \"max\"]}},\n"
			 "  {\"name\": \"pull\", \"action\": \"migrate_hot\", \"node\": %d, "
			 "\"access_pattern\": {\"access_rate\": [\"90%%\", \"100%%\"], "
			 "\"age\": [0, \"max\"]}}],\n"
			 " \"daemon\": {\"page_idle\": {\"interval\": \"100ms\", \"bitmap\": "
			 "\"%s\"}}}\n",
			 cfg_head, node, bitmap);
	}
	write_file(cfg, text);
	daemon = spawn_daemon(cfg, child, sock, log);

	/*
	 * Clear the hot half's marks every 20 ms, from the daemon's first round
	 * on (before it, a clear could undo a mark the round is writing). Ask
	 * for status every half second until ten rounds and the stat scheme
	 * has seen the hot half in five aggregations (at most 60 s).
	 */
	for (int i = 0; i < 3000 && !seen; i++) {
		if (waitpid(daemon, &status, WNOHANG) == daemon) {
			g_daemon = -1;
			fail_msg("hotmem run exited (status 0x%x): %s", status, log);
		}
		if (first_round)
			idle_touch(fd, pfn, hot);
		usleep(20000);
		if (i % 25)
			continue;
		json_object_put(st);
		st = status_of(sock);
		if (!st)
			continue;
		src = source_named(st, "page_idle");
		assert_non_null(src);
		if (!first_round && get_u64(src, "rounds") >= 1)
			first_round = get_u64(src, "rounds");
		seen = get_u64(src, "rounds") >= first_round + 10 &&
		       tried(st, 0) >= hot * 4096ull * 5;
	}
	assert_true(seen);
	printf("# note: page_idle: %llu rounds (%.1f ms each), last round: %llu pages, %llu "
	       "judged, %llu accessed; window %llu bytes in %llu runs, %llu reports\n",
	       (unsigned long long)get_u64(src, "rounds"),
	       json_object_get_double(json_object_object_get(src, "round_ms_avg")),
	       (unsigned long long)get_u64(src, "pages"),
	       (unsigned long long)get_u64(src, "judged"),
	       (unsigned long long)get_u64(src, "accessed"),
	       (unsigned long long)get_u64(src, "window_bytes"),
	       (unsigned long long)get_u64(src, "window_runs"),
	       (unsigned long long)get_u64(src, "reports"));
	/* every page of the child is tracked; only the hot half is ever found accessed */
	assert_true(get_u64(src, "pages") >= PAGES);
	assert_true(get_u64(src, "judged") >= PAGES);
	assert_true(get_u64(src, "accessed") <= hot);
	assert_true(get_u64(src, "accessed") >= hot * 9 / 10);
	assert_true(get_u64(src, "window_bytes") <= hot * 4096ull);
	assert_int_equal(get_u64(src, "io_errors"), 0);
	assert_int_equal(get_u64(src, "rmap_errors"), 0);
	assert_int_equal(get_u64(src, "drops"), 0);
	{
		struct json_object *m;

		assert_true(json_object_object_get_ex(st, "migrate_pages", &m));
		printf("# note: page_idle: the pull scheme's pages: %llu already in place, %llu "
		       "moved\n", (unsigned long long)get_u64(m, "already"),
		       (unsigned long long)get_u64(m, "moved"));
		assert_true(get_u64(m, "already") >= hot / 2);
		assert_int_equal(get_u64(m, "moved"), 0);
		assert_int_equal(get_u64(m, "pages"), get_u64(m, "already"));
	}
	json_object_put(st);

	/* the daemon marked the cold half, and nothing cleared it */
	for (size_t i = hot; i < PAGES; i++) {
		uint64_t w = 0;

		assert_int_equal(pread(fd, &w, 8, (off_t)(pfn[i] / 64 * 8)), 8);
		assert_true(w >> (pfn[i] % 64) & 1);
	}
	/* with no access at all, the next rounds find nothing */
	for (int i = 0; i < 300; i++) {
		usleep(20000);
		if (i % 25)
			continue;
		st = status_of(sock);
		assert_non_null(st);
		src = source_named(st, "page_idle");
		seen = get_u64(src, "accessed") == 0 && get_u64(src, "window_bytes") == 0;
		json_object_put(st);
		if (seen)
			break;
	}
	assert_true(seen);
	close(fd);
	stop_daemon(daemon);
	cleanup(NULL);

	f = fopen(log, "r");
	assert_non_null(f);
	{
		char line[1024];
		int start = 0;

		while (fgets(line, sizeof(line), f))
			start += strstr(line, "source page_idle: ") &&
				 strstr(line, "a round every 100 ms");
		assert_int_equal(start, 1);
	}
	fclose(f);
	unlink(bitmap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test_teardown(test_aux_fifo, cleanup),
		cmocka_unit_test(test_idle_config_errors),
		cmocka_unit_test_teardown(test_idle_bitmap, cleanup),
	};
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/hm-run-sources-XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		return 1;
	return hm_run_tests(tests);
}
