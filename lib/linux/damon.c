// SPDX-License-Identifier: MIT
/*
 * Kernel DAMON as a hotness source, through its sysfs interface
 * (/sys/kernel/mm/damon/admin). hotmem creates one kdamond per process target
 * (a kdamond's scheme regions do not say which target they belong to), with
 * a stat scheme that matches every region, and reads the regions back each
 * aggregation with update_schemes_tried_regions.
 *
 * Coexistence is strict, because the machine may run kdamonds of its own:
 * - hotmem creates kdamonds only when nr_kdamonds reads 0: writing it
 *   recreates every kdamond directory, and the kernel refuses while any runs;
 * - it never writes a file of a kdamond it did not create;
 * - it keeps an owner record (its PID and start time, and each kdamond's
 *   thread PID) so that a later start can stop and remove kdamonds left by a
 *   hotmem that was killed, and only those.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/parse.h>

#define ADMIN	"kernel/mm/damon/admin/kdamonds"

static int path_of(char *buf, size_t len, const char *root, const char *fmt, va_list ap)
{
	int n = snprintf(buf, len, "%s/", root ? root : "/sys");

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (vsnprintf(buf + n, len - (size_t)n, fmt, ap) >= (int)(len - (size_t)n))
		return -ENAMETOOLONG;
	return 0;
}

static int sys_read(const char *root, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int sys_read(const char *root, char *out, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	ssize_t n;
	int fd, ret;

	va_start(ap, fmt);
	ret = path_of(path, sizeof(path), root, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	/* DAMON's sysfs takes its lock with trylock: -EBUSY while a command runs */
	for (int tries = 0;; tries++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, out, len - 1);
		ret = n < 0 ? -errno : 0;
		close(fd);
		if (ret != -EBUSY || tries == 50)
			break;
		usleep(2000);
	}
	if (ret)
		return ret;
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	return 0;
}

static int sys_u64(const char *root, uint64_t *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int sys_u64(const char *root, uint64_t *v, const char *fmt, ...)
{
	char path[PATH_MAX], buf[64];
	va_list ap;
	size_t at;
	int ret;

	va_start(ap, fmt);
	ret = path_of(path, sizeof(path), "", fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	ret = sys_read(root, buf, sizeof(buf), "%s", path + 1);
	if (ret)
		return ret;
	return hm_parse_u64(buf, v, &at) ? -EINVAL : 0;
}

/* Write @val to a DAMON file; on error say which file in @k->err. */
static int sys_write(struct hm_kdamond *k, const char *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int sys_write(struct hm_kdamond *k, const char *val, const char *fmt, ...)
{
	char path[PATH_MAX];
	size_t n = strlen(val);
	va_list ap;
	int fd, ret;

	va_start(ap, fmt);
	ret = path_of(path, sizeof(path), k->root, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	for (int tries = 0;; tries++) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
		} else {
			ret = write(fd, val, n) == (ssize_t)n ? 0 : -errno;
			close(fd);
		}
		if (ret != -EBUSY || tries == 50)
			break;
		usleep(2000);
	}
	if (ret)
		hm_errmsg(k->err, sizeof(k->err), "%s: writing '%s': %s", path, val,
			  strerror(-ret));
	return ret;
}

/* ---- the owner record ---------------------------------------------------- */

/* "hotmem PID START_TIME\nkdamond IDX THREAD_PID\n..." */
static int owner_write(const struct hm_kdamond *k)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", k->owner_path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "hotmem %d %" PRIu64 "\n", (int)k->self.pid, k->self.start_time);
	for (unsigned int i = 0; i < k->nr; i++)
		fprintf(f, "kdamond %u %d\n", i, k->kpid[i]);
	if (fflush(f) || fsync(fileno(f)))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, k->owner_path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

struct owner {
	struct hm_proc_id who;
	unsigned int nr;
	int kpid[HM_DAMON_MAX_KDAMONDS];
};

static int owner_read(const char *path, struct owner *o)
{
	char line[128];
	FILE *f = fopen(path, "re");

	memset(o, 0, sizeof(*o));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int idx;
		int pid;
		uint64_t st;

		if (sscanf(line, "hotmem %d %" SCNu64, &pid, &st) == 2) {
			o->who.pid = pid;
			o->who.start_time = st;
		} else if (sscanf(line, "kdamond %u %d", &idx, &pid) == 2 &&
			   idx == o->nr && idx < HM_DAMON_MAX_KDAMONDS) {
			o->kpid[o->nr++] = pid;
		} else {
			fclose(f);
			return -EINVAL;
		}
	}
	fclose(f);
	return o->who.pid > 0 ? 0 : -EINVAL;
}

/* ---- probing ------------------------------------------------------------- */

int hm_damon_probe(const char *root, char *why, size_t len)
{
	uint64_t nr;
	char ops[256];
	int ret = sys_u64(root, &nr, ADMIN "/nr_kdamonds");

	if (ret == -ENOENT) {
		hm_errmsg(why, len, "no %s/" ADMIN ": the kernel has no DAMON sysfs interface "
			  "(CONFIG_DAMON_SYSFS)", root ? root : "/sys");
		return HM_DAMON_ABSENT;
	}
	if (ret) {
		hm_errmsg(why, len, "%s/" ADMIN "/nr_kdamonds: %s", root ? root : "/sys",
			  strerror(-ret));
		return HM_DAMON_ABSENT;
	}
	if (nr) {
		char state[32] = "?";

		sys_read(root, state, sizeof(state), ADMIN "/0/state");
		hm_errmsg(why, len, "%" PRIu64 " kdamond%s already set up by another owner "
			  "(kdamond 0 is %s); hotmem creates its own only when nr_kdamonds is 0",
			  nr, nr == 1 ? "" : "s", state);
		return HM_DAMON_IN_USE;
	}
	if (access(root ? root : "/sys", W_OK) || geteuid()) {
		hm_errmsg(why, len, "DAMON is free, but setting it up needs root");
		return HM_DAMON_NO_PRIV;
	}
	/* nr_kdamonds 0: there is no avail_operations file yet to read */
	(void)ops;
	hm_errmsg(why, len, "free (nr_kdamonds is 0)");
	return HM_DAMON_AVAILABLE;
}

int hm_damon_cleanup(const char *root, const char *owner_path, char *msg, size_t len)
{
	struct hm_kdamond k = { .root = root };
	struct owner o;
	uint64_t nr;
	int ret;

	if (msg && len)
		msg[0] = '\0';
	ret = owner_read(owner_path, &o);
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		hm_errmsg(msg, len, "%s: not an owner record; left alone", owner_path);
		return ret;
	}
	if (!hm_proc_check(&o.who)) {
		hm_errmsg(msg, len, "%s: hotmem %d still runs and owns its kdamonds", owner_path,
			  (int)o.who.pid);
		return -EBUSY;
	}
	if (sys_u64(root, &nr, ADMIN "/nr_kdamonds") || nr != o.nr) {
		/* someone changed the kdamonds since: they are not ours to touch */
		unlink(owner_path);
		hm_errmsg(msg, len, "the kdamonds of a killed hotmem %d are gone or changed; "
			  "removed its record only", (int)o.who.pid);
		return 1;
	}
	for (unsigned int i = 0; i < o.nr; i++) {
		uint64_t kpid;

		if (sys_u64(root, &kpid, ADMIN "/%u/pid", i) || (int)kpid != o.kpid[i]) {
			unlink(owner_path);
			hm_errmsg(msg, len, "kdamond %u is not the one hotmem %d started; "
				  "removed its record only", i, (int)o.who.pid);
			return 1;
		}
	}
	for (unsigned int i = 0; i < o.nr; i++) {
		ret = sys_write(&k, "off", ADMIN "/%u/state", i);
		if (ret) {
			hm_errmsg(msg, len, "%s", k.err);
			return ret;
		}
	}
	ret = sys_write(&k, "0", ADMIN "/nr_kdamonds");
	if (ret) {
		hm_errmsg(msg, len, "%s", k.err);
		return ret;
	}
	unlink(owner_path);
	hm_errmsg(msg, len, "stopped and removed %u kdamond%s left by a killed hotmem %d", o.nr,
		  o.nr == 1 ? "" : "s", (int)o.who.pid);
	return 1;
}

/* ---- setting up, reading, stopping ---------------------------------------- */

static int setup_one(struct hm_kdamond *k, unsigned int i, pid_t pid)
{
	const struct hm_damon_attr *a = &k->attr;
	char v[32];
	int ret;

#define W(val, ...) do { if ((ret = sys_write(k, val, ADMIN "/%u/" __VA_ARGS__))) return ret; } while (0)
	W("1", "contexts/nr_contexts", i);
	W("vaddr", "contexts/0/operations", i);
	snprintf(v, sizeof(v), "%" PRIu64, a->sample_us);
	W(v, "contexts/0/monitoring_attrs/intervals/sample_us", i);
	snprintf(v, sizeof(v), "%" PRIu64, a->aggr_us);
	W(v, "contexts/0/monitoring_attrs/intervals/aggr_us", i);
	snprintf(v, sizeof(v), "%u", a->min_nr_regions);
	W(v, "contexts/0/monitoring_attrs/nr_regions/min", i);
	snprintf(v, sizeof(v), "%u", a->max_nr_regions);
	W(v, "contexts/0/monitoring_attrs/nr_regions/max", i);
	W("1", "contexts/0/targets/nr_targets", i);
	snprintf(v, sizeof(v), "%d", (int)pid);
	W(v, "contexts/0/targets/0/pid_target", i);
	/* a stat scheme that matches every region: its tried regions are all */
	W("1", "contexts/0/schemes/nr_schemes", i);
	W("stat", "contexts/0/schemes/0/action", i);
	/* every maximum defaults to 0 and would match nothing */
	W("0", "contexts/0/schemes/0/access_pattern/sz/min", i);
	W("18446744073709551615", "contexts/0/schemes/0/access_pattern/sz/max", i);
	W("0", "contexts/0/schemes/0/access_pattern/nr_accesses/min", i);
	W("4294967295", "contexts/0/schemes/0/access_pattern/nr_accesses/max", i);
	W("0", "contexts/0/schemes/0/access_pattern/age/min", i);
	W("4294967295", "contexts/0/schemes/0/access_pattern/age/max", i);
	W("on", "state", i);
#undef W
	return 0;
}

/*
 * Take DAMON: only when it is free; the owner record first, so that a hotmem
 * killed from here on leaves a trail; then @nr kdamond directories.
 */
static int claim(struct hm_kdamond *k, const char *root, const char *owner_path,
		 const struct hm_damon_attr *attr, unsigned int nr)
{
	char why[256], v[16];
	int state, ret;

	k->root = root;
	k->attr = *attr;
	snprintf(k->owner_path, sizeof(k->owner_path), "%s", owner_path);
	ret = hm_proc_open(getpid(), &k->self);
	if (ret)
		return ret;
	state = hm_damon_probe(root, why, sizeof(why));
	if (state != HM_DAMON_AVAILABLE) {
		hm_errmsg(k->err, sizeof(k->err), "%s", why);
		return state == HM_DAMON_IN_USE ? -EBUSY : state == HM_DAMON_NO_PRIV ? -EPERM :
										      -ENOENT;
	}
	k->nr = 0;
	ret = owner_write(k);
	if (ret)
		return hm_errmsg(k->err, sizeof(k->err), "%s: %s", owner_path, strerror(-ret)),
		       ret;
	snprintf(v, sizeof(v), "%u", nr);
	ret = sys_write(k, v, ADMIN "/nr_kdamonds");
	if (ret) {
		unlink(owner_path);
		return ret;
	}
	return 0;
}

/* A setup that failed midway: remove what was made, keep the first error. */
static int undo(struct hm_kdamond *k, int ret)
{
	char err[sizeof(k->err)];

	memcpy(err, k->err, sizeof(err));
	hm_damon_stop(k);
	memcpy(k->err, err, sizeof(err));
	return ret;
}

int hm_damon_start(struct hm_kdamond *k, const char *root, const char *owner_path,
		   const struct hm_damon_attr *attr, const pid_t *pids, unsigned int nr)
{
	int ret;

	memset(k, 0, sizeof(*k));
	if (!nr || nr > HM_DAMON_MAX_KDAMONDS)
		return hm_errmsg(k->err, sizeof(k->err), "%u targets: 1 to %d", nr,
				 HM_DAMON_MAX_KDAMONDS);
	ret = claim(k, root, owner_path, attr, nr);
	if (ret)
		return ret;
	k->nr = nr;
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t kpid = 0;

		k->pid[i] = pids[i];
		ret = setup_one(k, i, pids[i]);
		if (!ret)
			ret = sys_u64(root, &kpid, ADMIN "/%u/pid", i);
		if (ret)
			return undo(k, ret);
		k->kpid[i] = (int)kpid;
		owner_write(k);
	}
	return 0;
}

int hm_damon_read(struct hm_kdamond *k, unsigned int i, struct hm_damon_region *out,
		  unsigned int max, unsigned int *nr)
{
	char state[16];
	uint64_t n = 0;
	int ret;

	*nr = 0;
	if (i >= k->nr)
		return -EINVAL;
	/* a kdamond whose target exited turns itself off */
	ret = sys_read(k->root, state, sizeof(state), ADMIN "/%u/state", i);
	if (ret)
		return ret;
	if (strcmp(state, "on"))
		return -ESRCH;
	ret = sys_write(k, "update_schemes_tried_regions", ADMIN "/%u/state", i);
	if (ret)
		return ret;
	for (;; n++) {
		struct hm_damon_region *r;
		uint64_t v[4];

		ret = sys_u64(k->root, &v[0], ADMIN "/%u/contexts/0/schemes/0/tried_regions/%" PRIu64
			      "/start", i, n);
		if (ret == -ENOENT)
			break;
		if (!ret)
			ret = sys_u64(k->root, &v[1], ADMIN "/%u/contexts/0/schemes/0/tried_regions/"
				      "%" PRIu64 "/end", i, n);
		if (!ret)
			ret = sys_u64(k->root, &v[2], ADMIN "/%u/contexts/0/schemes/0/tried_regions/"
				      "%" PRIu64 "/nr_accesses", i, n);
		if (!ret)
			ret = sys_u64(k->root, &v[3], ADMIN "/%u/contexts/0/schemes/0/tried_regions/"
				      "%" PRIu64 "/age", i, n);
		if (ret)
			return ret;
		if (*nr == max)
			continue;
		r = &out[(*nr)++];
		r->start = v[0];
		r->end = v[1];
		r->nr_accesses = (uint32_t)v[2];
		r->age = (uint32_t)v[3];
	}
	return 0;
}

void hm_damon_stop(struct hm_kdamond *k)
{
	for (unsigned int i = 0; i < k->nr; i++) {
		char state[16] = "";

		sys_read(k->root, state, sizeof(state), ADMIN "/%u/state", i);
		if (!strcmp(state, "on"))
			sys_write(k, "off", ADMIN "/%u/state", i);
	}
	if (k->nr || !access(k->owner_path, F_OK))
		sys_write(k, "0", ADMIN "/nr_kdamonds");
	k->nr = 0;
	if (k->owner_path[0])
		unlink(k->owner_path);
}

/* ---- DAMOS offload: schemes run by the kernel -------------------------- */

static int write_u64(struct hm_kdamond *k, uint64_t v, const char *rel)
{
	char val[32];

	snprintf(val, sizeof(val), "%" PRIu64, v);
	return sys_write(k, val, ADMIN "/0/contexts/0/%s", rel);
}

/* Whether a DAMON file exists (a feature this kernel's sysfs offers). */
static bool sys_has(const char *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool sys_has(const char *root, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = path_of(path, sizeof(path), root, fmt, ap);
	va_end(ap);
	return !ret && access(path, F_OK) == 0;
}

/*
 * Where filters only exclude (no 'allow' file), a filter is written as the
 * kernel's 'matching' that excludes what hotmem's filter would not let
 * through: an allow filter excludes what it does not match, a reject
 * filter what it matches. That says the same only for reject filters, or
 * one allow filter alone. Return: 0, or -EOPNOTSUPP.
 */
static int exclude_only(const struct hm_damos_spec *s)
{
	unsigned int allows = 0;

	for (unsigned int f = 0; f < s->nr_filt; f++)
		allows += s->filt[f].allow;
	return !allows || (allows == 1 && s->nr_filt == 1) ? 0 : -EOPNOTSUPP;
}

static int setup_scheme(struct hm_kdamond *k, unsigned int j, const struct hm_damos_spec *s)
{
	char rel[192];
	bool allow;
	int ret;

#define SW(val, ...) do { snprintf(rel, sizeof(rel), __VA_ARGS__); \
		if ((ret = sys_write(k, val, ADMIN "/0/contexts/0/%s", rel))) return ret; } while (0)
#define SU(v, ...) do { snprintf(rel, sizeof(rel), __VA_ARGS__); \
		if ((ret = write_u64(k, v, rel))) return ret; } while (0)
	SW(s->action, "schemes/%u/action", j);
	if (s->target_nid >= 0)
		SU((uint64_t)s->target_nid, "schemes/%u/target_nid", j);
	SU(s->sz_min, "schemes/%u/access_pattern/sz/min", j);
	SU(s->sz_max, "schemes/%u/access_pattern/sz/max", j);
	SU(s->nr_min, "schemes/%u/access_pattern/nr_accesses/min", j);
	SU(s->nr_max, "schemes/%u/access_pattern/nr_accesses/max", j);
	SU(s->age_min, "schemes/%u/access_pattern/age/min", j);
	SU(s->age_max, "schemes/%u/access_pattern/age/max", j);
	SU(s->quota_bytes, "schemes/%u/quotas/bytes", j);
	SU(s->quota_ms, "schemes/%u/quotas/ms", j);
	SU(s->reset_ms, "schemes/%u/quotas/reset_interval_ms", j);
	SU(s->w_sz, "schemes/%u/quotas/weights/sz_permil", j);
	SU(s->w_nr, "schemes/%u/quotas/weights/nr_accesses_permil", j);
	SU(s->w_age, "schemes/%u/quotas/weights/age_permil", j);
	if (s->goal) {
		SU(1, "schemes/%u/quotas/goals/nr_goals", j);
		SW("user_input", "schemes/%u/quotas/goals/0/target_metric", j);
		SU(s->goal_target, "schemes/%u/quotas/goals/0/target_value", j);
		SU(s->goal_current, "schemes/%u/quotas/goals/0/current_value", j);
	}
	if (s->wm_metric) {
		SW(s->wm_metric, "schemes/%u/watermarks/metric", j);
		SU(s->wm_interval_us, "schemes/%u/watermarks/interval_us", j);
		SU(s->wm_high, "schemes/%u/watermarks/high", j);
		SU(s->wm_mid, "schemes/%u/watermarks/mid", j);
		SU(s->wm_low, "schemes/%u/watermarks/low", j);
	}
	if (s->nr_excl + s->nr_filt > 8)
		return hm_errmsg(k->err, sizeof(k->err), "scheme %u: %u filters with the ranges of "
				 "its destination; at most 8", j, s->nr_excl + s->nr_filt);
	/*
	 * The destination's ranges first: they reject, and with first-match
	 * rules the scheme's own filters keep deciding what is left (their
	 * last one sets the default).
	 */
	SU(s->nr_excl + s->nr_filt, "schemes/%u/filters/nr_filters", j);
	allow = s->nr_excl + s->nr_filt && sys_has(k->root, ADMIN "/0/contexts/0/schemes/%u/"
						   "filters/0/allow", j);
	if (!allow && exclude_only(s))
		return hm_errmsg(k->err, sizeof(k->err), "scheme %u: this kernel's filters only "
				 "exclude (no 'allow' file): give reject filters, or one allow "
				 "filter alone", j);
	for (unsigned int f = 0; f < s->nr_excl + s->nr_filt; f++) {
		bool own = f >= s->nr_excl;
		const struct hm_damos_filter *u = own ? &s->filt[f - s->nr_excl] : NULL;
		bool m = own ? u->matching : true, a = own ? u->allow : false;

		SW("addr", "schemes/%u/filters/%u/type", j, f);
		SU(own ? u->start : s->excl[f][0], "schemes/%u/filters/%u/addr_start", j, f);
		SU(own ? u->end : s->excl[f][1], "schemes/%u/filters/%u/addr_end", j, f);
		if (allow) {
			SW(m ? "Y" : "N", "schemes/%u/filters/%u/matching", j, f);
			SW(a ? "Y" : "N", "schemes/%u/filters/%u/allow", j, f);
		} else {
			SW(m != a ? "Y" : "N", "schemes/%u/filters/%u/matching", j, f);
		}
	}
#undef SW
#undef SU
	return 0;
}

int hm_damos_start(struct hm_kdamond *k, const char *root, const char *owner_path,
		   const struct hm_damon_attr *attr, const uint64_t (*ranges)[2],
		   unsigned int nr_ranges, const struct hm_damos_spec *s, unsigned int n)
{
	char rel[128];
	uint64_t kpid = 0;
	int ret;

	memset(k, 0, sizeof(*k));
	k->offload = true;
	if (!n || n > HM_DAMOS_MAX_SCHEMES || !nr_ranges || nr_ranges > 64)
		return hm_errmsg(k->err, sizeof(k->err), "offload: %u schemes (1-%d), %u ranges",
				 n, HM_DAMOS_MAX_SCHEMES, nr_ranges);
	ret = claim(k, root, owner_path, attr, 1);
	if (ret)
		return ret;
	k->nr = 1;
	k->pid[0] = -1;
	k->nr_schemes = n;
	ret = sys_write(k, "1", ADMIN "/0/contexts/nr_contexts");
	if (!ret)
		ret = sys_write(k, "paddr", ADMIN "/0/contexts/0/operations");
	if (!ret)
		ret = write_u64(k, attr->sample_us, "monitoring_attrs/intervals/sample_us");
	if (!ret)
		ret = write_u64(k, attr->aggr_us, "monitoring_attrs/intervals/aggr_us");
	if (!ret)
		ret = write_u64(k, attr->min_nr_regions, "monitoring_attrs/nr_regions/min");
	if (!ret)
		ret = write_u64(k, attr->max_nr_regions, "monitoring_attrs/nr_regions/max");
	if (!ret)
		ret = write_u64(k, 1, "targets/nr_targets");
	if (!ret)
		ret = write_u64(k, nr_ranges, "targets/0/regions/nr_regions");
	for (unsigned int i = 0; !ret && i < nr_ranges; i++) {
		snprintf(rel, sizeof(rel), "targets/0/regions/%u/start", i);
		ret = write_u64(k, ranges[i][0], rel);
		snprintf(rel, sizeof(rel), "targets/0/regions/%u/end", i);
		if (!ret)
			ret = write_u64(k, ranges[i][1], rel);
	}
	if (!ret)
		ret = write_u64(k, n, "schemes/nr_schemes");
	for (unsigned int j = 0; !ret && j < n; j++)
		ret = setup_scheme(k, j, &s[j]);
	if (!ret)
		ret = sys_write(k, "on", ADMIN "/0/state");
	if (!ret)
		ret = sys_u64(root, &kpid, ADMIN "/0/pid");
	if (ret)
		return undo(k, ret);
	k->kpid[0] = (int)kpid;
	owner_write(k);
	return 0;
}

int hm_damos_feed_goals(struct hm_kdamond *k, const uint64_t *current)
{
	char rel[96];
	int ret = 0;

	for (unsigned int j = 0; !ret && j < k->nr_schemes; j++) {
		if (current[j] == UINT64_MAX)
			continue;
		snprintf(rel, sizeof(rel), "schemes/%u/quotas/goals/0/current_value", j);
		ret = write_u64(k, current[j], rel);
	}
	if (!ret)
		ret = sys_write(k, "commit_schemes_quota_goals", ADMIN "/0/state");
	return ret;
}

int hm_damos_stats(struct hm_kdamond *k, struct hm_damos_stats *st)
{
	static const char *const names[] = { "nr_tried", "sz_tried", "nr_applied", "sz_applied",
					     "qt_exceeds" };
	int ret = sys_write(k, "update_schemes_stats", ADMIN "/0/state");

	for (unsigned int j = 0; !ret && j < k->nr_schemes; j++) {
		uint64_t *v[5] = { &st[j].nr_tried, &st[j].sz_tried, &st[j].nr_applied,
				   &st[j].sz_applied, &st[j].qt_exceeds };

		for (unsigned int f = 0; !ret && f < 5; f++)
			ret = sys_u64(k->root, v[f], ADMIN "/0/contexts/0/schemes/%u/stats/%s", j,
				      names[f]);
		if (!ret)
			ret = sys_u64(k->root, &st[j].effective_bytes,
				      ADMIN "/0/contexts/0/schemes/%u/quotas/effective_bytes", j);
	}
	return ret;
}

int hm_damos_tried(struct hm_kdamond *k, unsigned int j, const uint64_t (*node)[2],
		   unsigned int nr_node, uint64_t *on_node, uint64_t *all)
{
	int ret = 0;

	*on_node = *all = 0;
	for (uint64_t n = 0;; n++) {
		uint64_t lo, hi;

		ret = sys_u64(k->root, &lo, ADMIN "/0/contexts/0/schemes/%u/tried_regions/%" PRIu64
			      "/start", j, n);
		if (ret == -ENOENT)
			return 0;
		if (!ret)
			ret = sys_u64(k->root, &hi, ADMIN "/0/contexts/0/schemes/%u/tried_regions/"
				      "%" PRIu64 "/end", j, n);
		if (ret)
			return ret;
		*all += hi - lo;
		for (unsigned int i = 0; i < nr_node; i++) {
			uint64_t a = lo > node[i][0] ? lo : node[i][0];
			uint64_t b = hi < node[i][1] ? hi : node[i][1];

			if (b > a)
				*on_node += b - a;
		}
	}
}

int hm_damos_update_tried(struct hm_kdamond *k)
{
	return sys_write(k, "update_schemes_tried_regions", ADMIN "/0/state");
}
