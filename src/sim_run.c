// SPDX-License-Identifier: MIT
/*
 * Scenarios: the simulator's configuration sections, and the loop that runs
 * a policy through a scenario's phases (docs/sim.md).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/parse.h>

#include "config.h"
#include "cli.h"
#include "config_read.h"
#include "sim_run.h"

typedef struct hm_cfg_reader rd_t;

const char *const hm_scenario_sections[] = { "machine", "sim", "workloads", "phases", NULL };

/* A plain number (integer or fraction) at least @min. */
static int read_double(rd_t *c, struct json_object *v, double min, double *out)
{
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return hm_cfg_fail(c, "expected a number, not %s",
				   json_type_to_name(json_object_get_type(v)));
	*out = json_object_get_double(v);
	if (!(*out >= min) || *out > 1e9)
		return hm_cfg_fail(c, "%g is out of range (at least %g)", *out, min);
	return 0;
}

/* A duration in ns: a JSON integer is µs (as everywhere), a string takes a unit. */
static int read_ns(rd_t *c, struct json_object *v, uint64_t *ns)
{
	size_t at;
	int ret;

	if (!json_object_is_type(v, json_type_string)) {
		uint64_t us;

		ret = hm_cfg_read_us(c, v, &us);
		if (!ret && us > UINT64_MAX / 1000)
			return hm_cfg_fail(c, "too long");
		if (!ret)
			*ns = us * 1000;
		return ret;
	}
	ret = hm_parse_duration(json_object_get_string(v), 1000, ns, &at);
	if (ret)
		return hm_cfg_fail(c, "'%s' is not a duration such as \"80ns\" or \"5ms\"",
				   json_object_get_string(v));
	return 0;
}

static int read_pct(rd_t *c, struct json_object *v, double *pct)
{
	uint64_t bp;
	int ret = hm_cfg_read_bp(c, v, &bp);

	if (!ret && bp > 10000)
		return hm_cfg_fail(c, "above 100%%");
	if (!ret)
		*pct = bp / 100.0;
	return ret;
}

static int read_ppm(rd_t *c, struct json_object *v, uint32_t *ppm)
{
	double pct = 0;
	int ret = read_pct(c, v, &pct);

	if (!ret)
		*ppm = (uint32_t)llround(pct * 10000);
	return ret;
}

static int curve_point(rd_t *c, struct json_object *v, size_t i, void *arg)
{
	struct hm_sim_node *n = arg;
	struct json_object *u, *f;
	double pct = 0, fac = 1;
	size_t old;
	int ret;

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
		return hm_cfg_fail(c, "expected [\"utilisation%%\", factor]");
	u = json_object_array_get_idx(v, 0);
	f = json_object_array_get_idx(v, 1);
	old = hm_cfg_push_idx(c, 0);
	ret = read_pct(c, u, &pct);
	hm_cfg_pop(c, old);
	if (ret)
		return ret;
	old = hm_cfg_push_idx(c, 1);
	ret = read_double(c, f, 1, &fac);
	hm_cfg_pop(c, old);
	if (ret)
		return ret;
	n->curve_util_pm[i] = (uint32_t)llround(pct * 10);
	n->curve_mult_milli[i] = (uint32_t)llround(fac * 1000);
	n->nr_curve = (uint32_t)i + 1;
	if (i && n->curve_util_pm[i] <= n->curve_util_pm[i - 1])
		return hm_cfg_fail(c, "utilisation must rise from point to point");
	return 0;
}

static int parse_node(rd_t *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = {
		"name", "capacity", "read_latency", "write_latency", "bandwidth", "cpus",
		"cxl_devices", "interleave_granularity", "latency_curve",
	};
	struct hm_sim_desc *d = arg;
	struct hm_sim_node *n = &d->nodes[i];
	uint64_t x;

	if (hm_cfg_check_keys(c, o, keys, sizeof(keys) / sizeof(keys[0]), NULL))
		return -EINVAL;
	if (i >= 2) {
		/* a third node onwards starts from the second's values */
		*n = d->nodes[1];
		snprintf(n->name, sizeof(n->name), "node%u", (unsigned int)(i & 0xff));
	}
	WITH(c, o, "name", hm_cfg_read_string(c, v, n->name, sizeof(n->name)));
	WITH(c, o, "capacity", hm_cfg_read_size(c, v, &n->capacity));
	WITH(c, o, "read_latency", (read_ns(c, v, &x) ? -EINVAL :
				    (x > UINT32_MAX || !x) ? hm_cfg_fail(c, "out of range") :
				    (n->read_ns = (uint32_t)x, 0)));
	WITH(c, o, "write_latency", (read_ns(c, v, &x) ? -EINVAL :
				     (x > UINT32_MAX || !x) ? hm_cfg_fail(c, "out of range") :
				     (n->write_ns = (uint32_t)x, 0)));
	WITH(c, o, "bandwidth", hm_cfg_read_size(c, v, &n->bw));
	WITH(c, o, "cpus", hm_cfg_read_bool(c, v, &n->cpus));
	WITH(c, o, "cxl_devices", hm_cfg_read_u32(c, v, 0, 16, &n->devices));
	WITH(c, o, "interleave_granularity", (hm_cfg_read_size(c, v, &x) ? -EINVAL :
					      x > (1u << 20) ? hm_cfg_fail(c, "out of range") :
					      (n->granularity = (uint32_t)x, 0)));
	WITH(c, o, "latency_curve", (n->nr_curve = 0,
				     hm_cfg_each(c, v, HM_SIM_CURVE_MAX, curve_point, n)));
	return 0;
}

static int read_weight(rd_t *c, struct json_object *v, size_t i, void *arg)
{
	struct hm_sim_desc *d = arg;

	return hm_cfg_read_u32(c, v, 0, 1000, &d->weights[i]);
}

static int parse_machine(rd_t *c, struct json_object *o, struct hm_sim_desc *d)
{
	static const char *const keys[] = {
		"nodes", "page_size", "alloc", "alloc_weights", "alloc_node", "migrate_rate",
		"migrate_page_cost", "bounce_window",
	};
	unsigned int a;
	uint64_t x;
	struct json_object *nodes;

	if (hm_cfg_check_keys(c, o, keys, sizeof(keys) / sizeof(keys[0]), NULL))
		return -EINVAL;
	if (json_object_object_get_ex(o, "nodes", &nodes) &&
	    json_object_is_type(nodes, json_type_array))
		d->nr_nodes = (uint32_t)json_object_array_length(nodes);
	WITH(c, o, "nodes", hm_cfg_each(c, v, HM_SIM_MAX_NODES, parse_node, d));
	WITH(c, o, "page_size", hm_cfg_read_size(c, v, &d->page_size));
	WITH(c, o, "alloc", (hm_cfg_read_enum(c, v, (const char *const[]){ "first_touch",
									     "interleave", "bind" },
					      3, &a) ? -EINVAL : (d->alloc = a, 0)));
	WITH(c, o, "alloc_weights", hm_cfg_each(c, v, HM_SIM_MAX_NODES, read_weight, d));
	WITH(c, o, "alloc_node", (hm_cfg_read_u64(c, v, 0, HM_SIM_MAX_NODES - 1, &x) ? -EINVAL :
				  (d->bind_node = (int32_t)x, 0)));
	WITH(c, o, "migrate_rate", hm_cfg_read_size(c, v, &d->migrate_rate));
	WITH(c, o, "migrate_page_cost", read_ns(c, v, &d->migrate_page_ns));
	WITH(c, o, "bounce_window", read_ns(c, v, &d->bounce_ns));
	return 0;
}

static int read_sources(rd_t *c, struct json_object *v, uint32_t *bits)
{
	char e[160];

	if (!json_object_is_type(v, json_type_string))
		return hm_cfg_fail(c, "expected a string such as \"chmu,ibs\"");
	if (hm_sim_parse_sources(json_object_get_string(v), bits, e, sizeof(e)))
		return hm_cfg_fail(c, "%s", e);
	return 0;
}

static int read_tracker(rd_t *c, struct json_object *v, struct hm_chmu_desc *d)
{
	char e[160];

	if (!json_object_is_type(v, json_type_string))
		return hm_cfg_fail(c, "expected a tracker such as \"cms:4x4096+1024\"");
	if (hm_tracker_parse(json_object_get_string(v), &d->tracker, e, sizeof(e)))
		return hm_cfg_fail(c, "%s", e);
	return 0;
}

static int read_preset(rd_t *c, struct json_object *v, struct hm_chmu_desc *d)
{
	if (!json_object_is_type(v, json_type_string) ||
	    hm_chmu_preset(json_object_get_string(v), d))
		return hm_cfg_fail(c, "expected a CHMU preset (default, qemu)");
	return 0;
}

static int read_policies(rd_t *c, struct json_object *v, char *buf, size_t len)
{
	enum hm_sim_policy_kind kinds[HM_SIM_NR_POLICIES];
	char tmp[256];
	const char *bad;

	if (hm_cfg_read_string(c, v, buf, len))
		return -EINVAL;
	snprintf(tmp, sizeof(tmp), "%s", buf);
	if (hm_sim_policy_list(tmp, kinds, &bad) < 0)
		return hm_cfg_fail(c, "'%s' is not a policy (" HM_SIM_POLICY_NAMES ")", bad);
	return 0;
}

static int parse_baselines(rd_t *c, struct json_object *o, struct hm_sim_baseline_params *p)
{
	static const char *const keys[] = {
		"interval", "numab_threshold", "numab_rate", "headroom", "hemem_read_threshold",
		"hemem_write_threshold", "hemem_cool_threshold", "memtis_cool_samples",
	};
	double pct = 0;

	if (hm_cfg_check_keys(c, o, keys, sizeof(keys) / sizeof(keys[0]), NULL))
		return -EINVAL;
	WITH(c, o, "interval", read_ns(c, v, &p->interval_ns));
	WITH(c, o, "numab_threshold", read_ns(c, v, &p->numab_threshold_ns));
	WITH(c, o, "numab_rate", hm_cfg_read_size(c, v, &p->numab_rate));
	WITH(c, o, "headroom", (read_pct(c, v, &pct) ? -EINVAL :
				(p->headroom_pm = (uint32_t)llround(pct * 10), 0)));
	WITH(c, o, "hemem_read_threshold", hm_cfg_read_u32(c, v, 1, 65535, &p->hemem_read_thr));
	WITH(c, o, "hemem_write_threshold", hm_cfg_read_u32(c, v, 1, 65535, &p->hemem_write_thr));
	WITH(c, o, "hemem_cool_threshold", hm_cfg_read_u32(c, v, 2, 65535, &p->hemem_cool_thr));
	WITH(c, o, "memtis_cool_samples", hm_cfg_read_u64(c, v, 1, UINT64_MAX,
							  &p->memtis_cool_samples));
	return 0;
}

/* true, false, or {"units": K, "interval": "1s", "max_entries": N} */
static int read_chmu_adaptive(rd_t *c, struct json_object *o, struct hm_sim_desc *d)
{
	static const char *const keys[] = { "units", "interval", "max_entries" };

	if (json_object_is_type(o, json_type_boolean))
		return hm_cfg_read_bool(c, o, &d->chmu_adaptive);
	if (!json_object_is_type(o, json_type_object))
		return hm_cfg_fail(c, "expected true, false or {\"units\", \"interval\", "
				   "\"max_entries\"}, not %s", json_type_to_name(json_object_get_type(o)));
	if (hm_cfg_check_keys(c, o, keys, sizeof(keys) / sizeof(keys[0]), NULL))
		return -EINVAL;
	d->chmu_adaptive = true;
	WITH(c, o, "units", hm_cfg_read_u32(c, v, 1, 1u << 30, &d->chmu_units));
	WITH(c, o, "interval", read_ns(c, v, &d->chmu_interval_ns));
	WITH(c, o, "max_entries", hm_cfg_read_u64(c, v, 0, UINT64_MAX, &d->chmu_max_entries));
	if (d->chmu_interval_ns < 10000000) {
		size_t old = hm_cfg_push_key(c, "interval");
		int ret = hm_cfg_fail(c, "at least 10ms, the shortest epoch it programs");

		hm_cfg_pop(c, old);
		return ret;
	}
	return 0;
}

static int parse_sim(rd_t *c, struct json_object *o, struct hm_scenario *sc)
{
	static const char *const keys[] = {
		"time_model", "tick", "duration", "metrics_interval", "seed", "populate",
		"sources", "ibs_period", "ibs_weighted", "tlb_entries", "abit_scan",
		"hint_scan", "hint_scan_size", "chmu_preset", "chmu_tracker", "chmu_event",
		"chmu_adaptive", "ring_entries", "compare", "baselines",
	};
	struct hm_sim_desc *d = &sc->desc;
	unsigned int a;
	struct json_object *pre;

	if (hm_cfg_check_keys(c, o, keys, sizeof(keys) / sizeof(keys[0]), NULL))
		return -EINVAL;
	/* the preset first: the tracker and the rest change it */
	if (json_object_object_get_ex(o, "chmu_preset", &pre)) {
		size_t old = hm_cfg_push_key(c, "chmu_preset");
		int ret = read_preset(c, pre, &d->chmu);

		hm_cfg_pop(c, old);
		if (ret)
			return ret;
	}
	WITH(c, o, "time_model", (hm_cfg_read_enum(c, v, (const char *const[]){ "access", "epoch" },
						   2, &a) ? -EINVAL : (d->time = a, 0)));
	WITH(c, o, "tick", read_ns(c, v, &d->tick_ns));
	WITH(c, o, "duration", read_ns(c, v, &sc->phases[0].duration_ns));
	WITH(c, o, "metrics_interval", read_ns(c, v, &sc->metrics_ns));
	WITH(c, o, "seed", hm_cfg_read_u64(c, v, 0, UINT64_MAX, &sc->seed));
	WITH(c, o, "populate", hm_cfg_read_bool(c, v, &sc->populate));
	WITH(c, o, "sources", read_sources(c, v, &d->sources));
	WITH(c, o, "ibs_period", hm_cfg_read_u32(c, v, 1, 1u << 30, &d->ibs_period));
	WITH(c, o, "ibs_weighted", hm_cfg_read_bool(c, v, &d->ibs_weighted));
	WITH(c, o, "tlb_entries", hm_cfg_read_u32(c, v, 0, 1u << 20, &d->tlb_entries));
	WITH(c, o, "abit_scan", read_ns(c, v, &d->abit_scan_ns));
	WITH(c, o, "hint_scan", read_ns(c, v, &d->hint_scan_ns));
	WITH(c, o, "hint_scan_size", hm_cfg_read_size(c, v, &d->hint_scan_bytes));
	WITH(c, o, "chmu_tracker", read_tracker(c, v, &d->chmu));
	WITH(c, o, "chmu_event", hm_cfg_read_string(c, v, d->chmu_event, sizeof(d->chmu_event)));
	WITH(c, o, "chmu_adaptive", read_chmu_adaptive(c, v, d));
	WITH(c, o, "ring_entries", hm_cfg_read_u32(c, v, 2, 1u << 24, &d->ring_entries));
	WITH(c, o, "compare", read_policies(c, v, sc->policies, sizeof(sc->policies)));
	WITH(c, o, "baselines", parse_baselines(c, v, &sc->prm));
	return 0;
}

/* A trace's accesses: at most this many, so a mistaken path cannot eat the memory */
#define TRACE_MAX_ACCESSES	(64ull << 20)
#define PERF_MAX_BYTES		(4ull << 30)

static long read_hotmem_trace(FILE *f, const char *path, struct hm_access **out, char *e,
			      size_t elen)
{
	struct hm_trace_reader *r;
	struct hm_access *a = NULL;
	size_t n = 0, cap = 0;
	long got;

	if (hm_trace_open(f, path, &r)) {
		snprintf(e, elen, "%.400s: out of memory", path);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			struct hm_access *x;

			cap = cap ? 2 * cap : 65536;
			x = realloc(a, cap * sizeof(*a));
			if (!x) {
				got = -ENOMEM;
				snprintf(e, elen, "%.400s: out of memory", path);
				break;
			}
			a = x;
		}
		got = hm_trace_read(r, a + n, cap - n, e, elen);
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n > TRACE_MAX_ACCESSES) {
			snprintf(e, elen, "%.400s: more than %llu accesses; cut the trace", path,
				 TRACE_MAX_ACCESSES);
			got = -EFBIG;
			break;
		}
	}
	hm_trace_close(r);
	if (got < 0) {
		free(a);
		return got;
	}
	*out = a;
	return (long)n;
}

static long read_perf_text(FILE *f, const char *path, bool phys, struct hm_access **out, char *e,
			   size_t elen)
{
	uint8_t *buf;
	size_t n;
	long ret = hm_read_file(f, PERF_MAX_BYTES, &buf, &n);

	if (ret) {
		snprintf(e, elen, "%.400s: %s", path, ret == -EFBIG ? "larger than 4 GiB" :
			 ret == -ENOMEM ? "out of memory" : "read error");
		return ret;
	}
	ret = hm_perf_parse((const char *)buf, n, path, phys, out, e, elen);
	free(buf);
	return ret;
}

/*
 * {"trace": FILE, "format": "hotmem" | "perf", "addr": "virt" | "phys",
 * "base": SIZE}: a recorded stream, packed at the machine's page size. A
 * relative FILE is taken from the scenario file's directory.
 */
static int load_trace(rd_t *c, struct json_object *o, struct hm_scenario *sc,
		      struct hm_sim_workload *w)
{
	static const char *const fmts[] = { "hotmem", "perf" };
	static const char *const addrs[] = { "virt", "phys" };
	char file[512], path[1024], e[640];
	const char *slash = strrchr(sc->name, '/');
	unsigned int fmt = 0, addr = 0;
	struct hm_access *a = NULL;
	struct hm_workload *t;
	uint64_t base = 0;
	struct stat st;
	long n;
	FILE *f;

	if (sc->nr_traces == sizeof(sc->traces) / sizeof(sc->traces[0]))
		return hm_cfg_fail(c, "too many traces");
	WITH(c, o, "trace", hm_cfg_read_string(c, v, file, sizeof(file)));
	WITH(c, o, "format", hm_cfg_read_enum(c, v, fmts, 2, &fmt));
	WITH(c, o, "addr", hm_cfg_read_enum(c, v, addrs, 2, &addr));
	WITH(c, o, "base", hm_cfg_read_size(c, v, &base));
	if (addr && fmt != 1)
		return hm_cfg_fail(c, "\"addr\" is for perf samples (\"format\": \"perf\")");
	if (file[0] != '/' && slash)
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - sc->name), sc->name, file);
	else
		snprintf(path, sizeof(path), "%s", file);
	f = fopen(path, "rb");
	if (!f)
		return hm_cfg_fail(c, "trace: %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return hm_cfg_fail(c, "trace: %s: not a regular file", path);
	}
	n = fmt ? read_perf_text(f, path, addr == 1, &a, e, sizeof(e)) :
		  read_hotmem_trace(f, path, &a, e, sizeof(e));
	fclose(f);
	if (n < 0)
		return hm_cfg_fail(c, "trace: %s", e);
	t = hm_workload_from_accesses(a, (size_t)n, base, sc->desc.page_size, e, sizeof(e));
	free(a);
	if (!t)
		return hm_cfg_fail(c, "trace: %s: %s", path, e);
	sc->traces[sc->nr_traces++] = t;
	w->trace = t;
	w->spec = *hm_workload_get_spec(t);
	return 0;
}

struct wl_list {
	struct hm_scenario *sc;
	struct hm_sim_workload *wl;
};

static int parse_workload(rd_t *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "spec", "trace", "format", "addr", "base",
					    "prefetch", "cpu_base" };
	struct wl_list *l = arg;
	struct hm_sim_workload *w = l->wl + i;
	bool has_spec, has_trace;
	char spec[512], e[256];

	memset(w, 0, sizeof(*w));
	if (json_object_is_type(o, json_type_string)) {
		if (hm_workload_parse(json_object_get_string(o), &w->spec, e, sizeof(e)))
			return hm_cfg_fail(c, "%s", e);
		return 0;
	}
	if (hm_cfg_check_keys(c, o, keys, sizeof(keys) / sizeof(keys[0]), NULL))
		return -EINVAL;
	has_spec = json_object_object_get_ex(o, "spec", NULL);
	has_trace = json_object_object_get_ex(o, "trace", NULL);
	if (has_spec == has_trace)
		return hm_cfg_fail(c, "a workload needs \"spec\" or \"trace\", not %s",
				   has_spec ? "both" : "neither");
	if (!has_trace && (json_object_object_get_ex(o, "format", NULL) ||
			   json_object_object_get_ex(o, "addr", NULL) ||
			   json_object_object_get_ex(o, "base", NULL)))
		return hm_cfg_fail(c, "\"format\", \"addr\" and \"base\" go with \"trace\"; a "
				   "spec has its own base=");
	WITH(c, o, "spec", (hm_cfg_read_string(c, v, spec, sizeof(spec)) ? -EINVAL :
			    hm_workload_parse(spec, &w->spec, e, sizeof(e)) ?
				    hm_cfg_fail(c, "%s", e) : 0));
	WITH(c, o, "prefetch", read_ppm(c, v, &w->prefetch_ppm));
	WITH(c, o, "cpu_base", hm_cfg_read_u32(c, v, 0, HM_SIM_MAX_CPUS - 1, &w->cpu_base));
	if (has_trace)
		return load_trace(c, o, l->sc, w);
	return 0;
}

static int count_wl(struct json_object *v, unsigned int *n)
{
	*n = json_object_is_type(v, json_type_array) ? (unsigned int)json_object_array_length(v) : 0;
	return 0;
}

static int parse_goals(rd_t *c, struct json_object *o, struct hm_sc_phase *p)
{
	if (!json_object_is_type(o, json_type_object))
		return hm_cfg_fail(c, "expected an object of scheme name: target");
	json_object_object_foreach(o, k, val) {
		size_t old = hm_cfg_push_key(c, k);
		int ret = 0;

		if (p->nr_goals == HM_SC_MAX_GOALS)
			ret = hm_cfg_fail(c, "at most %d goals", HM_SC_MAX_GOALS);
		else if (strlen(k) >= sizeof(p->goal_scheme[0]))
			ret = hm_cfg_fail(c, "scheme name too long");
		else
			ret = hm_cfg_read_bp(c, val, &p->goal_bp[p->nr_goals]);
		if (!ret && !p->goal_bp[p->nr_goals])
			ret = hm_cfg_fail(c, "a goal's target cannot be 0");
		if (!ret)
			snprintf(p->goal_scheme[p->nr_goals++], sizeof(p->goal_scheme[0]), "%s", k);
		hm_cfg_pop(c, old);
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_phase(rd_t *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "name", "duration", "restart", "target", "goals",
					    "workloads" };
	struct hm_scenario *sc = arg;
	struct hm_sc_phase *p = &sc->phases[i];
	struct wl_list l = { sc, p->wl };

	if (hm_cfg_check_keys(c, o, keys, sizeof(keys) / sizeof(keys[0]), NULL))
		return -EINVAL;
	snprintf(p->name, sizeof(p->name), "phase%zu", i + 1);
	p->restart = i == 0;
	if (!json_object_object_get_ex(o, "duration", NULL))
		return hm_cfg_fail(c, "a phase needs \"duration\"");
	WITH(c, o, "name", hm_cfg_read_string(c, v, p->name, sizeof(p->name)));
	WITH(c, o, "duration", read_ns(c, v, &p->duration_ns));
	WITH(c, o, "restart", hm_cfg_read_bool(c, v, &p->restart));
	WITH(c, o, "target", (read_pct(c, v, &p->target_pct) ? -EINVAL :
			      (p->has_target = true, 0)));
	WITH(c, o, "goals", parse_goals(c, v, p));
	WITH(c, o, "workloads", (count_wl(v, &p->nr_wl),
				 hm_cfg_each(c, v, HM_SIM_MAX_WORKLOADS, parse_workload, &l)));
	if (!p->duration_ns)
		return hm_cfg_fail(c, "duration must be non-zero");
	return 0;
}

int hm_scenario_parse(const char *text, size_t len, const char *name, struct hm_scenario *sc,
		      char *err, size_t errlen)
{
	rd_t c = { .name = name, .err = err, .errlen = errlen, .path = "$", .plen = 1 };
	struct hm_config cfg;
	struct hm_ctx *ctx;
	struct json_object *o;
	char e[160];
	int ret;

	memset(sc, 0, sizeof(*sc));
	/* the monitor's sections, checked by the configuration loader */
	ret = hm_config_parse(text, len, name, hm_scenario_sections, &ctx, &cfg, err, errlen);
	if (ret)
		return ret;
	sc->has_schemes = hm_nr_schemes(ctx) > 0;
	hm_destroy_ctx(ctx);
	hm_sim_default_desc(&sc->desc);
	hm_sim_baseline_defaults(&sc->prm);
	sc->metrics_ns = 1000000000ull;
	sc->seed = cfg.seed ? cfg.seed : 1;
	sc->populate = true;
	sc->nr_phases = 1;
	snprintf(sc->phases[0].name, sizeof(sc->phases[0].name), "run");
	sc->phases[0].duration_ns = 10ull * 1000000000;
	sc->phases[0].restart = true;
	snprintf(sc->policies, sizeof(sc->policies), "%s",
		 sc->has_schemes ? "static,oracle-bound,hotmem" : "static,oracle-bound");
	o = cfg.extra;
	ret = -EINVAL;
	if (!o || !json_object_object_get_ex(o, "workloads", NULL)) {
		hm_cfg_fail(&c, "a simulation needs \"workloads\"");
		goto out;
	}
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	{
		struct hm_cfg_reader *cp = &c;
		struct wl_list l = { sc, sc->wl };

#define SECTION(key, stmt)                                                   \
		do {                                                         \
			struct json_object *v;                               \
			if (json_object_object_get_ex(o, key, &v)) {         \
				size_t old = hm_cfg_push_key(cp, key);       \
				int r = (stmt);                              \
				hm_cfg_pop(cp, old);                         \
				if (r)                                       \
					goto out;                            \
			}                                                    \
		} while (0)
		SECTION("machine", parse_machine(cp, v, &sc->desc));
		SECTION("sim", parse_sim(cp, v, sc));
		SECTION("workloads", (count_wl(v, &sc->nr_wl),
				      hm_cfg_each(cp, v, HM_SIM_MAX_WORKLOADS, parse_workload, &l)));
		SECTION("phases", (count_wl(v, &sc->nr_phases),
				   hm_cfg_each(cp, v, HM_SC_MAX_PHASES, parse_phase, sc)));
#undef SECTION
	}
	if (!sc->nr_wl) {
		hm_cfg_fail(&c, "\"workloads\" is empty");
		goto out;
	}
	if (!sc->nr_phases) {
		hm_cfg_fail(&c, "\"phases\" is empty");
		goto out;
	}
	if (hm_sim_check_desc(&sc->desc, e, sizeof(e))) {
		snprintf(c.path, sizeof(c.path), "$.machine");
		hm_cfg_fail(&c, "%s", e);
		goto out;
	}
	if (!sc->metrics_ns || sc->metrics_ns % sc->desc.tick_ns) {
		snprintf(c.path, sizeof(c.path), "$.sim.metrics_interval");
		hm_cfg_fail(&c, "must be a multiple of the tick");
		goto out;
	}
	sc->text = malloc(len + 1);
	if (!sc->text) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(sc->text, text, len);
	sc->text[len] = '\0';
	sc->len = len;
	snprintf(sc->name, sizeof(sc->name), "%s", name);
	ret = 0;
out:
	hm_config_release(&cfg);
	if (ret)
		hm_scenario_release(sc);
	return ret;
}

int hm_scenario_load(const char *path, struct hm_scenario *sc, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;
	int ret;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	ret = hm_read_file(f, (1 << 20) - 1, &buf, &n);
	fclose(f);
	if (ret == -EIO)
		snprintf(err, errlen, "%s: read error", path);
	else if (ret == -EFBIG)
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
	if (ret)
		return ret;
	ret = hm_scenario_parse((const char *)buf, n, path, sc, err, errlen);
	free(buf);
	return ret;
}

void hm_scenario_release(struct hm_scenario *sc)
{
	unsigned int i;

	free(sc->text);
	sc->text = NULL;
	for (i = 0; i < sc->nr_traces; i++)
		hm_workload_free(sc->traces[i]);
	sc->nr_traces = 0;
}

/* ---- running ------------------------------------------------------------------------ */

struct runner {
	const struct hm_scenario *sc;
	enum hm_sim_policy_kind kind;
	struct hm_sim *sim;
	struct hm_sim_pol *pol;
	struct hm_ctx *ctx;
	struct hm_config cfg;
	bool have_cfg;
	char *err;
	size_t errlen;
};

static void set_goals(struct hm_ctx *ctx, const struct hm_config *cfg, const struct hm_sc_phase *p,
		      struct hm_scheme *out, unsigned int *n)
{
	struct hm_scheme *s;
	unsigned int i = 0, g;

	hm_for_each_scheme(s, ctx) {
		out[i] = *s;
		for (g = 0; g < p->nr_goals; g++)
			if (!strcmp(cfg->scheme_names[i], p->goal_scheme[g]) && out[i].quota.nr_goals)
				out[i].quota.goals[0].target_value = p->goal_bp[g];
		i++;
	}
	*n = i;
}

static int check_goal_names(struct runner *r, const struct hm_sc_phase *p)
{
	unsigned int g, i;

	for (g = 0; g < p->nr_goals; g++) {
		for (i = 0; i < r->cfg.nr_schemes; i++)
			if (!strcmp(r->cfg.scheme_names[i], p->goal_scheme[g]))
				break;
		if (i == r->cfg.nr_schemes) {
			snprintf(r->err, r->errlen, "%s: phase '%s': no scheme named '%s'",
				 r->sc->name, p->name, p->goal_scheme[g]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Set phase @p's goals on the context's schemes and commit them, as
 * DAMON's commit does: at a phase's start and live between phases.
 */
static int commit_goals(struct runner *r, const struct hm_sc_phase *p)
{
	struct hm_scheme *tmp;
	unsigned int n;
	int ret;

	if (check_goal_names(r, p))
		return -EINVAL;
	tmp = calloc(hm_nr_schemes(r->ctx) + 1, sizeof(*tmp));
	if (!tmp) {
		snprintf(r->err, r->errlen, "%s: out of memory", r->sc->name);
		return -ENOMEM;
	}
	set_goals(r->ctx, &r->cfg, p, tmp, &n);
	ret = hm_commit_schemes(r->ctx, tmp, n);
	free(tmp);
	if (ret)
		snprintf(r->err, r->errlen, "%s: phase '%s': the goals were refused", r->sc->name,
			 p->name);
	return ret;
}

static void drop_policy(struct runner *r)
{
	hm_sim_pol_free(r->pol);
	r->pol = NULL;
	hm_sim_set_policy(r->sim, NULL);
	if (r->ctx)
		hm_destroy_ctx(r->ctx);
	r->ctx = NULL;
	if (r->have_cfg)
		hm_config_release(&r->cfg);
	r->have_cfg = false;
}

static int new_policy(struct runner *r, const struct hm_sc_phase *p)
{
	const struct hm_scenario *sc = r->sc;

	if (r->kind != HM_SIM_POL_HOTMEM) {
		r->pol = hm_sim_baseline_new(r->sim, r->kind, &sc->prm);
		if (!r->pol) {
			snprintf(r->err, r->errlen, "%s: out of memory", sc->name);
			return -ENOMEM;
		}
	} else {
		int ret;

		ret = hm_config_parse(sc->text, sc->len, sc->name, hm_scenario_sections, &r->ctx,
				      &r->cfg, r->err, r->errlen);
		if (ret)
			return ret;
		r->have_cfg = true;
		ret = commit_goals(r, p);
		if (ret)
			return ret;
		r->pol = hm_sim_hotmem_new(r->sim, r->ctx, r->err, r->errlen);
		if (!r->pol) {
			if (errno == ENOMEM)
				snprintf(r->err, r->errlen, "%s: out of memory", sc->name);
			return -EINVAL;
		}
	}
	hm_sim_set_policy(r->sim, hm_sim_pol_policy(r->pol));
	return 0;
}

static int live_goals(struct runner *r, const struct hm_sc_phase *p)
{
	if (!p->nr_goals || r->kind != HM_SIM_POL_HOTMEM)
		return 0;
	return commit_goals(r, p);
}

static double first_goal_bp(struct hm_ctx *ctx)
{
	struct hm_scheme *s;

	if (!ctx)
		return -1;
	hm_for_each_scheme(s, ctx)
		if (s->quota.nr_goals)
			return (double)s->quota.goals[0].current_value;
	return -1;
}

static void summarize(const struct hm_scenario *sc, struct hm_sc_result *res)
{
	unsigned int p;
	size_t i, n = 0;
	double ps = 0, rs = 0;

	for (i = 0; i < res->nr_rows; i++)
		if (res->rows[i].precision >= 0) {
			ps += res->rows[i].precision;
			rs += res->rows[i].recall;
			n++;
		}
	res->precision = n ? ps / (double)n : -1;
	res->recall = n ? rs / (double)n : -1;
	for (p = 0; p < sc->nr_phases; p++) {
		const struct hm_sc_phase *ph = &sc->phases[p];
		struct hm_sc_phase_result *pr = &res->phase[p];
		size_t first = SIZE_MAX, last = 0, k, from, cnt = 0;
		uint64_t t0 = 0, acc = 0, fast = 0;
		double sum = 0, sq = 0;

		for (k = 0; k < res->nr_rows; k++) {
			if (res->rows[k].phase != p)
				continue;
			if (first == SIZE_MAX)
				first = k;
			last = k;
		}
		if (first == SIZE_MAX)
			continue;
		for (k = 0; k < p; k++)
			t0 += sc->phases[k].duration_ns;
		from = first;
		pr->converge_s = 0;
		if (ph->has_target) {
			/* the first row from which every row stays within 1 pp */
			size_t k2 = last + 1;

			while (k2 > first &&
			       fabs(res->rows[k2 - 1].st.hot_fast_share * 100 - ph->target_pct) <= 1.0)
				k2--;
			if (k2 > last) {
				pr->converge_s = -1;
				from = first + (last - first + 1) / 2;
			} else {
				from = k2;
				pr->converge_s = k2 == first ? 0 :
					(double)(res->rows[k2 - 1].st.t_ns - t0) / 1e9;
			}
		}
		for (k = from; k <= last; k++) {
			double x = res->rows[k].st.hot_fast_share * 100;

			sum += x;
			sq += x * x;
			cnt++;
		}
		for (k = first; k <= last; k++) {
			acc += res->rows[k].st.accesses;
			fast += (uint64_t)llround(res->rows[k].st.fast_share *
						  (double)res->rows[k].st.accesses);
		}
		pr->mean_pct = cnt ? sum / (double)cnt : 0;
		pr->stddev_pct = cnt > 1 ? sqrt(fmax(0, (sq - sum * sum / (double)cnt) /
						     (double)(cnt - 1))) : 0;
		pr->offset_pp = ph->has_target ? pr->mean_pct - ph->target_pct : 0;
		pr->hit_ratio = acc ? (double)fast / (double)acc : 0;
		pr->hot_pct = pr->mean_pct;
	}
}

/* What the first node under adaptive CHMU control ended with, for the outputs. */
static void keep_chmu_control(const struct hm_sim *s, struct hm_sc_result *res)
{
	const struct hm_chmu_ctl_change *t;
	int nid;

	res->chmu_node = -1;
	for (nid = 0; nid < HM_SIM_MAX_NODES; nid++) {
		const struct hm_chmu_ctl_setting *set = hm_sim_chmu_setting(s, nid);
		size_t n;

		if (!set)
			continue;
		res->chmu_node = nid;
		res->chmu_set = *set;
		t = hm_sim_chmu_trail(s, nid, &n, &res->chmu_changes);
		res->nr_chmu_trail = n < 8 ? n : 8;
		memcpy(res->chmu_trail, t, res->nr_chmu_trail * sizeof(*t));
		return;
	}
}

int hm_scenario_run(const struct hm_scenario *sc, enum hm_sim_policy_kind kind,
		    void (*progress)(void *arg, uint64_t done, uint64_t total), void *arg,
		    struct hm_sc_result *res, char *err, size_t errlen)
{
	struct runner r = { .sc = sc, .kind = kind, .err = err, .errlen = errlen };
	struct hm_sim_desc d = sc->desc;
	struct timespec w0, w1;
	uint64_t total = 0, t = 0;
	size_t cap = 0;
	unsigned int p;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	res->kind = kind;
	res->chmu_node = -1;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	for (p = 0; p < sc->nr_phases; p++)
		total += sc->phases[p].duration_ns;
	/* each baseline gets the source it is built on */
	if (kind == HM_SIM_POL_NUMAB)
		d.sources |= HM_SIM_SRC_HINT;
	if (kind == HM_SIM_POL_MEMTIS || kind == HM_SIM_POL_HEMEM)
		d.sources |= HM_SIM_SRC_IBS;
	r.sim = hm_sim_new(&d, sc->wl, sc->nr_wl, sc->seed, err, errlen);
	if (!r.sim)
		return -EINVAL;
	if (sc->populate && hm_sim_populate(r.sim)) {
		snprintf(err, errlen, "%s: the workloads do not fit the machine", sc->name);
		ret = -EINVAL;
		goto out;
	}
	for (p = 0; p < sc->nr_phases && !ret; p++) {
		const struct hm_sc_phase *ph = &sc->phases[p];
		uint64_t end = t + ph->duration_ns;

		if (p && ph->nr_wl) {
			ret = hm_sim_set_workloads(r.sim, ph->wl, ph->nr_wl, err, errlen);
			if (ret)
				break;
		}
		if (p && ph->restart) {
			drop_policy(&r);
			if (sc->populate && hm_sim_repopulate(r.sim)) {
				snprintf(err, errlen, "%s: phase '%s': the workloads do not fit",
					 sc->name, ph->name);
				ret = -EINVAL;
				break;
			}
		}
		if (!r.pol)
			ret = new_policy(&r, ph);
		else
			ret = live_goals(&r, ph);
		if (ret)
			break;
		while (t < end) {
			uint64_t next = t + sc->metrics_ns < end ? t + sc->metrics_ns : end;
			struct hm_sc_row *row;

			ret = hm_sim_run(r.sim, next);
			if (ret) {
				snprintf(err, errlen, "%s: the machine ran out of memory", sc->name);
				break;
			}
			if (kind == HM_SIM_POL_HOTMEM && hm_sim_pol_error(r.pol)) {
				snprintf(err, errlen, "%s: the monitor failed: %s", sc->name,
					 strerror(-hm_sim_pol_error(r.pol)));
				ret = -EINVAL;
				break;
			}
			t = hm_sim_now(r.sim);
			if (res->nr_rows == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct hm_sc_row *x = realloc(res->rows, nc * sizeof(*x));

				if (!x) {
					ret = -ENOMEM;
					break;
				}
				res->rows = x;
				cap = nc;
			}
			row = &res->rows[res->nr_rows++];
			memset(row, 0, sizeof(*row));
			row->phase = p;
			hm_sim_take_stats(r.sim, &row->st);
			row->precision = row->recall = -1;
			if (hm_sim_nr_vpages(r.sim) <= (1u << 22))
				hm_sim_pol_accuracy(r.pol, &row->precision, &row->recall);
			row->eligible_bp = first_goal_bp(r.ctx);
			if (progress)
				progress(arg, t, total);
		}
	}
	if (!ret) {
		hm_sim_totals(r.sim, &res->tot);
		summarize(sc, res);
		keep_chmu_control(r.sim, res);
	}
out:
	drop_policy(&r);
	hm_sim_free(r.sim);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	res->wall_s = (double)(w1.tv_sec - w0.tv_sec) + (w1.tv_nsec - w0.tv_nsec) / 1e9;
	return ret;
}

void hm_sc_result_release(struct hm_sc_result *res)
{
	free(res->rows);
	res->rows = NULL;
	res->nr_rows = 0;
}

/* ---- outputs ------------------------------------------------------------------------ */

static uint32_t cpus_of(const struct hm_scenario *sc)
{
	uint32_t n = 0, i;

	for (i = 0; i < sc->nr_wl; i++)
		n += sc->wl[i].spec.cpus;
	return n ? n : 1;
}

int hm_sc_write_csv(const struct hm_scenario *sc, const struct hm_sc_result *res, FILE *f)
{
	size_t i;
	unsigned int k;

	fprintf(f, "t_s,phase,accesses,fast_share,oracle_share,hot_fast_pct,eligible_pct,amat_ns,"
		   "mops,promoted_bytes,demoted_bytes,moves,bounces,failed");
	for (k = 0; k < HM_SIM_NR_SRC; k++)
		fprintf(f, ",%s_reports_s,%s_drops", hm_sim_source_name(1u << k),
			hm_sim_source_name(1u << k));
	fprintf(f, ",precision,recall\n");
	for (i = 0; i < res->nr_rows; i++) {
		const struct hm_sc_row *r = &res->rows[i];
		double secs = (double)sc->metrics_ns / 1e9;

		fprintf(f, "%.3f,%s,%llu,%.6f,%.6f,%.4f,", r->st.t_ns / 1e9,
			sc->phases[r->phase].name, (unsigned long long)r->st.accesses,
			r->st.fast_share, r->st.oracle_share, r->st.hot_fast_share * 100);
		if (r->eligible_bp >= 0)
			fprintf(f, "%.2f", r->eligible_bp / 100);
		fprintf(f, ",%.2f,%.2f,%llu,%llu,%llu,%llu,%llu", r->st.amat_ns,
			r->st.amat_ns > 0 ? cpus_of(sc) * 1e3 / r->st.amat_ns : 0,
			(unsigned long long)r->st.promoted, (unsigned long long)r->st.demoted,
			(unsigned long long)r->st.moves, (unsigned long long)r->st.bounces,
			(unsigned long long)r->st.failed);
		for (k = 0; k < HM_SIM_NR_SRC; k++)
			fprintf(f, ",%.1f,%llu", r->st.reports[k] / secs,
				(unsigned long long)r->st.drops[k]);
		if (r->precision >= 0)
			fprintf(f, ",%.4f,%.4f\n", r->precision, r->recall);
		else
			fprintf(f, ",,\n");
	}
	return ferror(f) ? -EIO : 0;
}

int hm_sc_write_jsonl(const struct hm_scenario *sc, const struct hm_sc_result *res, FILE *f)
{
	size_t i;
	unsigned int k;

	for (i = 0; i < res->nr_rows; i++) {
		const struct hm_sc_row *r = &res->rows[i];
		struct json_object *o = json_object_new_object(), *src = json_object_new_object();

		json_object_object_add(o, "policy", json_object_new_string(hm_sim_policy_name(res->kind)));
		json_object_object_add(o, "t_s", json_object_new_double(r->st.t_ns / 1e9));
		json_object_object_add(o, "phase", json_object_new_string(sc->phases[r->phase].name));
		json_object_object_add(o, "accesses", json_object_new_uint64(r->st.accesses));
		json_object_object_add(o, "fast_share", json_object_new_double(r->st.fast_share));
		json_object_object_add(o, "oracle_share", json_object_new_double(r->st.oracle_share));
		json_object_object_add(o, "hot_fast_pct",
				       json_object_new_double(r->st.hot_fast_share * 100));
		json_object_object_add(o, "eligible_pct", r->eligible_bp >= 0 ?
				       json_object_new_double(r->eligible_bp / 100) : NULL);
		json_object_object_add(o, "amat_ns", json_object_new_double(r->st.amat_ns));
		json_object_object_add(o, "promoted_bytes", json_object_new_uint64(r->st.promoted));
		json_object_object_add(o, "demoted_bytes", json_object_new_uint64(r->st.demoted));
		json_object_object_add(o, "moves", json_object_new_uint64(r->st.moves));
		json_object_object_add(o, "bounces", json_object_new_uint64(r->st.bounces));
		for (k = 0; k < HM_SIM_NR_SRC; k++) {
			struct json_object *s = json_object_new_object();

			json_object_object_add(s, "reports", json_object_new_uint64(r->st.reports[k]));
			json_object_object_add(s, "drops", json_object_new_uint64(r->st.drops[k]));
			json_object_object_add(src, hm_sim_source_name(1u << k), s);
		}
		json_object_object_add(o, "sources", src);
		if (sc->desc.chmu_adaptive)
			json_object_object_add(o, "chmu_changes",
					       json_object_new_uint64(r->st.chmu_changes));
		json_object_object_add(o, "precision", r->precision >= 0 ?
				       json_object_new_double(r->precision) : NULL);
		json_object_object_add(o, "recall", r->recall >= 0 ?
				       json_object_new_double(r->recall) : NULL);
		fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	return ferror(f) ? -EIO : 0;
}

int hm_sc_plot(const char *const *csv_paths, const char *const *names, unsigned int n,
	       const char *title, const char *ylabel, int column, const char *out)
{
	const char *ext = strrchr(out, '.');
	FILE *gp;
	unsigned int i;
	int st;

	if (system("command -v gnuplot >/dev/null 2>&1"))
		return -ENOENT;
	gp = popen("gnuplot 2>/dev/null", "w");
	if (!gp)
		return -errno;
	fprintf(gp, "set terminal %s size 900,500\n",
		ext && !strcmp(ext, ".svg") ? "svg" : "pngcairo");
	fprintf(gp, "set output '%s'\nset datafile separator ','\nset key outside right\n", out);
	fprintf(gp, "set title '%s'\nset xlabel 'simulated time (s)'\nset ylabel '%s'\n", title,
		ylabel);
	fprintf(gp, "set grid\nplot ");
	for (i = 0; i < n; i++)
		fprintf(gp, "%s'%s' using 1:%d every ::1 with lines lw 2 title '%s'",
			i ? ", " : "", csv_paths[i], column, names[i]);
	fprintf(gp, "\n");
	st = pclose(gp);
	return st == 0 ? 0 : -EIO;
}
