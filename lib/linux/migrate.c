// SPDX-License-Identifier: MIT
/*
 * Where a process's pages are, and moving them: move_pages(2) over the
 * process's mappings, in batches, at a bounded rate, with every page's status
 * accounted. A process is named by its PID and its start time, so that a PID
 * the kernel has handed to a new process is never touched (hm_proc_open).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/linux.h>

#define PROC_ROOT	"/proc"

/* The whole of a small /proc file. Return its length or a negative errno. */
static int read_proc(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PROC_ROOT "/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = errno == ESRCH ? -ESRCH : -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	return (int)n;
}

/*
 * Fields 3 (state), 22 (starttime) and 23 (vsize) of /proc/PID/stat. The
 * command name (field 2) may hold spaces and parentheses, so parse from the
 * last ')'. A process that is exiting has dropped its memory before it turns
 * zombie: its vsize is 0 then (as a kernel thread's always is).
 */
static int proc_stat(pid_t pid, char *state, uint64_t *start, uint64_t *vsize)
{
	char buf[2048], *p;
	int ret = read_proc(pid, "stat", buf, sizeof(buf));

	if (ret < 0)
		return ret;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				"%*d %*d %*d %*d %" SCNu64 " %" SCNu64, state, start, vsize) != 3)
		return -EINVAL;
	return 0;
}

int hm_proc_open(pid_t pid, struct hm_proc_id *id)
{
	uint64_t vsize;
	char state;
	int ret;

	if (pid <= 0)
		return -EINVAL;
	ret = proc_stat(pid, &state, &id->start_time, &vsize);
	if (ret)
		return ret;
	if (state == 'Z' || state == 'X' || !vsize)
		return -ESRCH;
	id->pid = pid;
	return 0;
}

int hm_proc_check(const struct hm_proc_id *id)
{
	uint64_t start, vsize;
	char state;
	int ret = proc_stat(id->pid, &state, &start, &vsize);

	if (ret)
		return ret == -EINVAL ? ret : -ESRCH;
	if (start != id->start_time || state == 'Z' || state == 'X' || !vsize)
		return -ESRCH;
	return 0;
}

int hm_proc_uids(pid_t pid, uid_t *real, uid_t *saved)
{
	char buf[4096], *p;
	unsigned int r, e, s;
	int ret = read_proc(pid, "status", buf, sizeof(buf));

	if (ret < 0)
		return ret;
	p = strstr(buf, "\nUid:");
	if (!p || sscanf(p + 5, "%u %u %u", &r, &e, &s) != 3)
		return -EINVAL;
	*real = r;
	*saved = s;
	return 0;
}

int hm_proc_maps(pid_t pid, struct hm_vma **out, size_t *nr)
{
	char path[64];
	struct hm_vma *v = NULL;
	size_t n = 0, cap = 0;
	char line[4352];
	FILE *f;

	snprintf(path, sizeof(path), PROC_ROOT "/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		uint64_t lo, hi;
		char perm[5];
		int name_at = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %n", &lo, &hi, perm,
			   &name_at) < 3 || lo >= hi)
			continue;
		/* the vsyscall page is not the process's memory */
		if (name_at && !strncmp(line + name_at, "[vsyscall]", 10))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct hm_vma *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n].start = lo;
		v[n].end = hi;
		v[n].readable = perm[0] == 'r';
		v[n].shared = perm[3] == 's';
		n++;
	}
	fclose(f);
	*out = v;
	*nr = n;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The page walk shared by placement queries and migration: every page of the
 * process's mappings inside [start, end), handed to @fn in batches.
 */
typedef int (*batch_fn)(void **pages, int *status, unsigned long n, void *arg);

static int walk(const struct hm_proc_id *id, uint64_t start, uint64_t end, unsigned int batch,
		batch_fn fn, void *arg)
{
	uint64_t psz = (uint64_t)sysconf(_SC_PAGESIZE);
	struct hm_vma *vma;
	size_t nr;
	void **pages;
	int *status, ret;

	ret = hm_proc_maps(id->pid, &vma, &nr);
	if (ret)
		return ret;
	pages = calloc(batch, sizeof(*pages));
	status = calloc(batch, sizeof(*status));
	if (!pages || !status) {
		ret = -ENOMEM;
		goto out;
	}
	start &= ~(psz - 1);
	for (size_t i = 0; !ret && i < nr; i++) {
		uint64_t lo = vma[i].start > start ? vma[i].start : start;
		uint64_t hi = vma[i].end < end ? vma[i].end : end;
		unsigned long n = 0;

		for (uint64_t a = lo; !ret && a < hi; a += psz) {
			pages[n++] = (void *)(uintptr_t)a;
			if (n == batch || a + psz >= hi) {
				ret = fn(pages, status, n, arg);
				n = 0;
			}
		}
	}
out:
	free(pages);
	free(status);
	free(vma);
	return ret;
}

static int move_pages_err(const struct hm_proc_id *id, unsigned long n, void **pages,
			  const int *nodes, int *status, int flags)
{
	long ret = move_pages(id->pid, n, pages, nodes, status, flags);

	if (ret >= 0)
		return 0;
	ret = -errno;
	/* a zombie has no mm: the kernel says -EINVAL; a gone one -ESRCH */
	if ((ret == -EINVAL || ret == -ESRCH) && hm_proc_check(id))
		return -ESRCH;
	return (int)ret;
}

struct place_ctx {
	const struct hm_proc_id *id;
	struct hm_placement *pl;
	uint64_t psz;
};

static int place_batch(void **pages, int *status, unsigned long n, void *arg)
{
	struct place_ctx *c = arg;
	int ret = hm_proc_check(c->id);

	if (!ret)
		ret = move_pages_err(c->id, n, pages, NULL, status, 0);
	if (ret)
		return ret;
	for (unsigned long i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] < HM_MAX_NODES)
			c->pl->bytes[status[i]] += c->psz;
		else
			c->pl->absent += c->psz;
	}
	return 0;
}

int hm_proc_placement(const struct hm_proc_id *id, uint64_t start, uint64_t end,
		      struct hm_placement *pl)
{
	struct place_ctx c = { id, pl, (uint64_t)sysconf(_SC_PAGESIZE) };

	memset(pl, 0, sizeof(*pl));
	return walk(id, start, end, 1024, place_batch, &c);
}

struct mig_ctx {
	const struct hm_proc_id *id;
	const struct hm_migrate_attr *a;
	struct hm_migrate_stats *st;
	uint64_t psz, t0;
	int *nodes;
	void **todo;
	int *tstat;
};

/* Wait until the bytes moved so far fit the rate limit. */
static void pace(struct mig_ctx *c)
{
	uint64_t due, now;

	if (!c->a->rate_bps)
		return;
	due = c->t0 + (uint64_t)((double)(c->st->moved * c->psz) * 1e9 / (double)c->a->rate_bps);
	now = now_ns();
	if (due > now)
		sleep_ns(due - now);
}

static int mig_batch(void **pages, int *status, unsigned long n, void *arg)
{
	struct mig_ctx *c = arg;
	struct hm_migrate_stats *st = c->st;
	unsigned long todo = 0;
	int ret;

	ret = hm_proc_check(c->id);
	if (!ret)
		ret = move_pages_err(c->id, n, pages, NULL, status, 0);
	if (ret)
		return ret;
	st->pages += n;
	for (unsigned long i = 0; i < n; i++) {
		if (status[i] == c->a->node)
			st->already++;
		else if (status[i] == -ENOENT || status[i] == -EFAULT)
			st->absent++;
		else
			c->todo[todo++] = pages[i];
	}
	for (unsigned int attempt = 0; todo; attempt++) {
		unsigned long again = 0;

		ret = hm_proc_check(c->id);
		if (!ret)
			ret = move_pages_err(c->id, todo, c->todo, c->nodes, c->tstat, MPOL_MF_MOVE);
		if (ret)
			return ret;
		for (unsigned long i = 0; i < todo; i++) {
			int s = c->tstat[i];

			if (s == c->a->node) {
				st->moved++;
			} else if (s == -EBUSY || s == -EAGAIN) {
				if (attempt < c->a->max_retries)
					c->todo[again++] = c->todo[i];
				else
					st->busy++;
			} else if (s == -ENOMEM) {
				st->nomem++;
			} else if (s == -ENOENT || s == -EFAULT) {
				st->absent++;
			} else if (s == -EACCES) {
				st->shared++;
			} else {
				st->other++;
			}
		}
		if (again) {
			st->retries += again;
			/* back off: 1, 2, 4 ... ms, at most 64 ms */
			sleep_ns(1000000ull << (attempt < 6 ? attempt : 6));
		}
		todo = again;
	}
	st->batches++;
	pace(c);
	if (c->a->progress && c->a->progress(st, c->a->arg))
		return -EINTR;
	return 0;
}

int hm_migrate(const struct hm_proc_id *id, const struct hm_migrate_attr *a,
	       struct hm_migrate_stats *st)
{
	unsigned int batch = a->batch ? a->batch : 1024;
	struct mig_ctx c = { id, a, st, (uint64_t)sysconf(_SC_PAGESIZE), now_ns(), NULL, NULL,
			     NULL };
	int ret = -ENOMEM;

	memset(st, 0, sizeof(*st));
	if (a->node < 0 || a->node >= HM_MAX_NODES || a->start >= a->end)
		return -EINVAL;
	c.nodes = malloc(batch * sizeof(*c.nodes));
	c.todo = malloc(batch * sizeof(*c.todo));
	c.tstat = malloc(batch * sizeof(*c.tstat));
	if (c.nodes && c.todo && c.tstat) {
		for (unsigned int i = 0; i < batch; i++)
			c.nodes[i] = a->node;
		ret = walk(id, a->start, a->end, batch, mig_batch, &c);
	}
	free(c.nodes);
	free(c.todo);
	free(c.tstat);
	return ret;
}
