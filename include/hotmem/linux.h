/* SPDX-License-Identifier: MIT */
/*
 * The real Linux host: its topology from sysfs, page placement and migration
 * of a process through move_pages(2), and the process-wide barrier that lets
 * producer rings run without a fence per report (membarrier(2)).
 */
#ifndef HOTMEM_LINUX_H
#define HOTMEM_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hotmem/ops.h>
#include <hotmem/tier.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Register this process for MEMBARRIER_CMD_PRIVATE_EXPEDITED.
 * Return: 0, or a negative errno (-ENOSYS, -EINVAL on kernels without it,
 * -EPERM under seccomp) meaning hm_membarrier_sync() must not be used.
 */
int hm_membarrier_setup(void);

/*
 * A struct hm_ring_set_attr.sync callback: a full memory barrier on every
 * running thread of this process. @arg is unused.
 */
int hm_membarrier_sync(void *arg);

/*
 * Read the online nodes, their CPUs, memory, distances and HMAT performance,
 * and the kernel's memory tiers from the sysfs tree at @root (NULL: /sys),
 * then hm_topo_compute(). Read only. On error @t is unchanged and @err (if
 * given) says which file and what was wrong with it.
 * Return: 0; -ENOENT and friends from the files; -EINVAL for malformed ones.
 */
int hm_topo_read(const char *root, struct hm_topo *t, char *err, size_t errlen);

/* MemTotal and MemFree of node @nid under @root, in bytes; -ENODEV if none. */
int hm_node_meminfo(const char *root, int nid, uint64_t *total, uint64_t *free_bytes);

/* What changed between two readings of the topology (hm_topo_diff). */
enum {
	HM_TOPO_NODES	= 1 << 0,	/* a node came online or went away */
	HM_TOPO_MEMORY	= 1 << 1,	/* a node gained or lost memory (hotplug) */
	HM_TOPO_CPUS	= 1 << 2,	/* a node's CPUs changed */
	HM_TOPO_PERF	= 1 << 3,	/* a node's firmware figures changed */
	HM_TOPO_TIERS	= 1 << 4,	/* the kernel's or hotmem's tiers changed */
};

/*
 * Compare two topologies. Return the HM_TOPO_* flags; @nodes (if given)
 * gets a mask of the node ids concerned.
 */
unsigned int hm_topo_diff(const struct hm_topo *old, const struct hm_topo *new,
			  uint64_t *nodes);

/**
 * struct hm_topo_watch - notices nodes coming and going, memory hotplug and
 * changed figures or tiers, by polling sysfs; a kernel uevent (memory or
 * node subsystem) makes the next poll come at once.
 * @root:	the sysfs root (NULL: /sys).
 * @cur:	the last good reading.
 * @fd:		a NETLINK_KOBJECT_UEVENT socket, or -1 where none can be had.
 */
struct hm_topo_watch {
	const char *root;
	struct hm_topo cur;
	int fd;
};

/* Read the topology once and open the uevent socket (optional). */
int hm_topo_watch_init(struct hm_topo_watch *w, const char *root, char *err, size_t errlen);

/*
 * Wait up to @timeout_ms for a uevent (or just sleep without a socket), then
 * read the topology again. Return the HM_TOPO_* flags of what changed (0 for
 * nothing; @w->cur is the new reading), or a negative errno with @err when
 * the reading failed (@w->cur is kept).
 */
int hm_topo_watch_poll(struct hm_topo_watch *w, int timeout_ms, uint64_t *nodes, char *err,
		       size_t errlen);

void hm_topo_watch_close(struct hm_topo_watch *w);

/*
 * CXL objects as the kernel's CXL core shows them, through libcxl. Host
 * physical addresses (decoder and region starts) are filled in; callers show
 * them only to privileged users.
 */
#define HM_CXL_MAX	64

struct hm_cxl_memdev {
	char name[32];		/* mem0 */
	char host[64];		/* its PCI device */
	uint64_t ram_size;	/* bytes of volatile capacity */
	uint64_t pmem_size;	/* bytes of persistent capacity */
	uint64_t serial;
	int numa_node;		/* -1 when none */
};

struct hm_cxl_decoder {
	char name[32];		/* decoder0.0 */
	uint64_t hpa;		/* first host physical address */
	uint64_t size;		/* bytes */
	unsigned int ways;	/* interleave ways */
	int nr_targets;
	bool root;		/* a root (CXL window) decoder */
};

struct hm_cxl_region {
	char name[32];		/* region0 */
	char decoder[32];	/* the root decoder it was carved from */
	uint64_t hpa;
	uint64_t size;
	unsigned int ways;
	unsigned int granularity;	/* bytes */
};

struct hm_cxl {
	unsigned int nr_memdevs, nr_decoders, nr_regions;
	struct hm_cxl_memdev memdev[HM_CXL_MAX];
	struct hm_cxl_decoder decoder[HM_CXL_MAX];
	struct hm_cxl_region region[HM_CXL_MAX];
	bool truncated;		/* more than HM_CXL_MAX of a kind */
};

/*
 * Read the live system's CXL memdevs, decoders and regions through libcxl
 * (which reads /sys only). None is not an error: a machine without CXL gives
 * zero of each. Return 0; -EOPNOTSUPP when hotmem was built without libcxl;
 * -ENOMEM or another error from libcxl.
 */
int hm_cxl_read(struct hm_cxl *c);

/**
 * struct hm_proc_id - a process, safe against PID reuse.
 * @pid:	its PID.
 * @start_time:	its start time (clock ticks after boot, /proc/PID/stat field
 *		22); a different value under the same PID is another process.
 */
struct hm_proc_id {
	pid_t pid;
	uint64_t start_time;
};

/*
 * Name process @pid. Return 0; -ESRCH if there is none, or it is exiting or a
 * zombie, or it has no memory of its own (a kernel thread).
 */
int hm_proc_open(pid_t pid, struct hm_proc_id *id);
/*
 * 0 while @id still runs; -ESRCH once it is exiting or exited, or its PID
 * was reused.
 */
int hm_proc_check(const struct hm_proc_id *id);
/* The real and saved user ids of @pid (the ones ptrace access compares). */
int hm_proc_uids(pid_t pid, uid_t *real, uid_t *saved);

/* ---- kernel DAMON as a source (lib/linux/damon.c) ------------------------ */

#define HM_DAMON_MAX_KDAMONDS	16

/* What hm_damon_probe() found. */
enum {
	HM_DAMON_ABSENT,	/* no DAMON sysfs interface */
	HM_DAMON_IN_USE,	/* kdamonds exist that hotmem did not create */
	HM_DAMON_NO_PRIV,	/* free, but this process may not set it up */
	HM_DAMON_AVAILABLE,	/* free: nr_kdamonds is 0 */
};

/*
 * Whether kernel DAMON can be used under sysfs root @root (NULL: /sys);
 * @why gets one line saying why not (or "free"). Reads only.
 */
int hm_damon_probe(const char *root, char *why, size_t len);

/**
 * struct hm_damon_attr - the kdamonds hotmem sets up.
 * @sample_us, @aggr_us: the kernel's sampling and aggregation intervals.
 * @min_nr_regions, @max_nr_regions: the kernel's region bounds.
 */
struct hm_damon_attr {
	uint64_t sample_us;
	uint64_t aggr_us;
	unsigned int min_nr_regions;
	unsigned int max_nr_regions;
};

/* One region the kernel monitored: [start, end), accesses in the last window. */
struct hm_damon_region {
	uint64_t start;
	uint64_t end;
	uint32_t nr_accesses;
	uint32_t age;
};

/**
 * struct hm_kdamond - the kdamonds one hotmem owns, one per process target.
 * @root:	sysfs root.
 * @owner_path:	the owner record.
 * @self:	this hotmem, as the record names it.
 * @nr:		kdamonds created (0..nr-1 under kdamonds/).
 * @pid:	each kdamond's target process.
 * @kpid:	each kdamond's own thread PID.
 * @err:	one line about the last failure.
 */
struct hm_kdamond {
	const char *root;
	bool offload;
	unsigned int nr_schemes;
	char owner_path[256];
	struct hm_damon_attr attr;
	struct hm_proc_id self;
	unsigned int nr;
	pid_t pid[HM_DAMON_MAX_KDAMONDS];
	int kpid[HM_DAMON_MAX_KDAMONDS];
	char err[384];
};

/*
 * Before starting: if @owner_path records kdamonds of a hotmem that no longer
 * runs, and they are still exactly those (count and thread PIDs), stop and
 * remove them. Return 0 if there was nothing to do, 1 if something was done
 * (@msg says what), or a negative errno (@msg says why: -EBUSY while that
 * hotmem still runs).
 */
int hm_damon_cleanup(const char *root, const char *owner_path, char *msg, size_t len);

/*
 * Create and start one vaddr kdamond per process of @pids, each with a stat
 * scheme matching every region, after writing the owner record. Only when
 * nr_kdamonds is 0. Return 0, or a negative errno with @k->err set: -EBUSY
 * when DAMON is in use by another owner, -EPERM, -ENOENT without DAMON,
 * or the error of the sysfs write that failed (everything created is undone).
 */
int hm_damon_start(struct hm_kdamond *k, const char *root, const char *owner_path,
		   const struct hm_damon_attr *attr, const pid_t *pids, unsigned int nr);

/*
 * The regions kdamond @i monitored in its last aggregation window, at most
 * @max into @out, in address order. Return 0; -ESRCH when the kdamond has
 * turned off (its target exited); another errno from sysfs.
 */
int hm_damon_read(struct hm_kdamond *k, unsigned int i, struct hm_damon_region *out,
		  unsigned int max, unsigned int *nr);

/* ---- DAMOS offload: the kernel runs the schemes ---- */

#define HM_DAMOS_MAX_SCHEMES	8

/**
 * struct hm_damos_spec - one kernel DAMOS scheme, in the kernel's units.
 * @action:	"migrate_hot" or "migrate_cold".
 * @target_nid:	the destination node.
 * @sz_min, @sz_max, @nr_min, @nr_max, @age_min, @age_max: the access
 *		pattern: bytes, samples per kernel aggregation, aggregations.
 * @quota_bytes, @quota_ms, @reset_ms: the quota (0: none) and its window.
 * @w_sz, @w_nr, @w_age: priority weights, per mille.
 * @goal:	one user_input goal: the kernel's consist tuner sizes the
 *		quota from @goal_current / @goal_target, both fed by hotmem.
 * @excl, @nr_excl: physical ranges the scheme must not touch (its
 *		destination node), written as addr filters that reject them.
 * @filt, @nr_filt: the scheme's own addr filters, in order, after @excl.
 *		Where the kernel's filters have no 'allow' file (6.12: a filter
 *		only ever excludes), they must all reject, or be one allow
 *		filter alone; hm_damos_start() refuses other mixes.
 * @wm_metric:	NULL (always active) or "free_mem_rate", with
 *		@wm_interval_us and @wm_high, @wm_mid, @wm_low per mille.
 */
struct hm_damos_filter {
	uint64_t start, end;
	bool matching, allow;
};

struct hm_damos_spec {
	const char *action;
	int target_nid;
	uint64_t sz_min, sz_max;
	uint64_t nr_min, nr_max;
	uint64_t age_min, age_max;
	uint64_t quota_bytes, quota_ms, reset_ms;
	uint32_t w_sz, w_nr, w_age;
	bool goal;
	uint64_t goal_target, goal_current;
	uint64_t excl[8][2];
	unsigned int nr_excl;
	struct hm_damos_filter filt[8];
	unsigned int nr_filt;
	const char *wm_metric;
	uint64_t wm_interval_us;
	uint32_t wm_high, wm_mid, wm_low;
};

/* A scheme's counters as the kernel keeps them. */
struct hm_damos_stats {
	uint64_t nr_tried, sz_tried, nr_applied, sz_applied, qt_exceeds;
	uint64_t effective_bytes;
};

/*
 * One paddr kdamond over the physical @ranges running @n schemes, with the
 * same coexistence rules and owner record as hm_damon_start().
 */
int hm_damos_start(struct hm_kdamond *k, const char *root, const char *owner_path,
		   const struct hm_damon_attr *attr, const uint64_t (*ranges)[2],
		   unsigned int nr_ranges, const struct hm_damos_spec *s, unsigned int n);
/*
 * Write each scheme's goal current value (UINT64_MAX: leave it) and commit
 * them (commit_schemes_quota_goals). Blocks until the kdamond took them.
 */
int hm_damos_feed_goals(struct hm_kdamond *k, const uint64_t *current);
/* The kernel's counters of every scheme (update_schemes_stats). */
int hm_damos_stats(struct hm_kdamond *k, struct hm_damos_stats *st);
/* Ask for every scheme's tried regions (update_schemes_tried_regions). */
int hm_damos_update_tried(struct hm_kdamond *k);
/*
 * Of scheme @j's tried regions (after hm_damos_update_tried), the bytes in
 * the physical ranges @node and the bytes in all: the eligible-memory goal.
 */
int hm_damos_tried(struct hm_kdamond *k, unsigned int j, const uint64_t (*node)[2],
		   unsigned int nr_node, uint64_t *on_node, uint64_t *all);

/*
 * The physical ranges of node @nid's online memory blocks, merged, at most
 * @max. Return how many, or a negative errno. Physical addresses: callers
 * show them only to privileged users.
 */
int hm_node_phys_ranges(const char *root, int nid, uint64_t (*ranges)[2], unsigned int max);

/* Stop and remove every kdamond of @k, and its owner record. */
void hm_damon_stop(struct hm_kdamond *k);

/* One line of /proc/PID/maps: [start, end), readable, shared. */
struct hm_vma {
	uint64_t start;
	uint64_t end;
	bool readable;
	bool shared;
};

/*
 * The mappings of @pid (without [vsyscall]), in address order, in a new
 * array the caller frees. Return 0; -ESRCH; -ENOMEM; other errors of /proc.
 */
int hm_proc_maps(pid_t pid, struct hm_vma **out, size_t *nr);

/**
 * struct hm_placement - where a range of a process's pages is.
 * @bytes:	bytes present on each node id.
 * @absent:	bytes mapped but not present (never touched, swapped out).
 */
struct hm_placement {
	uint64_t bytes[HM_MAX_NODES];
	uint64_t absent;
};

/*
 * Query (move_pages(2) without nodes) every page of @id's mappings inside
 * [@start, @end). Return 0; -ESRCH if the process exited; -EPERM without
 * ptrace access to it.
 */
int hm_proc_placement(const struct hm_proc_id *id, uint64_t start, uint64_t end,
		      struct hm_placement *pl);

/**
 * struct hm_migrate_stats - what happened to each page of a migration.
 * @pages:	pages of the process's mappings inside the range.
 * @moved:	now on the target node.
 * @already:	were on the target node before.
 * @busy:	still busy (-EBUSY/-EAGAIN) after every retry.
 * @nomem:	the target node had no free memory (-ENOMEM).
 * @absent:	not present: never touched, swapped out, or unmapped meanwhile.
 * @shared:	mapped by other processes too (-EACCES; moving those needs
 *		MPOL_MF_MOVE_ALL).
 * @other:	any other status.
 * @retries:	page moves retried after -EBUSY/-EAGAIN.
 * @batches:	move_pages(2) batches completed.
 */
struct hm_migrate_stats {
	uint64_t pages;
	uint64_t moved;
	uint64_t already;
	uint64_t busy;
	uint64_t nomem;
	uint64_t absent;
	uint64_t shared;
	uint64_t other;
	uint64_t retries;
	uint64_t batches;
};

/**
 * struct hm_migrate_attr - a migration.
 * @start, @end:	the virtual address range, @end exclusive.
 * @node:		the target node.
 * @rate_bps:		at most this many bytes moved per second; 0: no limit.
 * @batch:		pages per move_pages(2) call; 0: 1024.
 * @max_retries:	retries of a busy page (with 1, 2, 4 ... ms back-off).
 * @progress:		called after each batch; non-zero stops the migration.
 */
struct hm_migrate_attr {
	uint64_t start;
	uint64_t end;
	int node;
	uint64_t rate_bps;
	unsigned int batch;
	unsigned int max_retries;
	int (*progress)(const struct hm_migrate_stats *st, void *arg);
	void *arg;
};

/*
 * Move the pages of @id inside the range to the target node. @st counts what
 * was done even on error. Before each batch the process's start time is
 * checked, so a reused PID is never touched.
 * Return: 0; -ESRCH when the process exited (or its PID was reused) midway;
 * -EINTR when @progress stopped it; -EPERM without the privilege; -ENODEV
 * for a node that is not online; -EINVAL for a bad range or node.
 */
int hm_migrate(const struct hm_proc_id *id, const struct hm_migrate_attr *a,
	       struct hm_migrate_stats *st);

/* ---- monitoring processes on this host (lib/linux/ops.c) ----------------- */

/**
 * struct hm_linux_ops - the ops the monitor uses for process targets on a
 * real kernel: ranges from /proc/PID/maps, actions through the migrator,
 * node memory from sysfs, placement through move_pages(2) queries.
 * @root:	sysfs root (NULL: /sys).
 * @rate_bps:	migration rate limit, bytes per second (0: none).
 * @gone:	set when a target's process exited (its pid); the caller drops
 *		the target.
 * @nomem_node:	set to a node that refused pages for lack of memory (-1).
 * @moved:	bytes moved so far, per destination node.
 * @st:		the migrator's counts, summed.
 */
struct hm_linux_ops {
	const char *root;
	uint64_t rate_bps;
	int gone;
	int nomem_node;
	uint64_t moved[HM_MAX_NODES];
	struct hm_migrate_stats st;
	uint32_t dest_turn;
	unsigned int nr_procs;
	struct hm_proc_id procs[64];
};

/* The ops table; priv is a struct hm_linux_ops. */
extern const struct hm_ops hm_linux_ops;

/*
 * Name process target @pid in @lo (its start time is checked before every
 * action). Return 0, -ESRCH, -ENOSPC.
 */
int hm_linux_ops_add_proc(struct hm_linux_ops *lo, pid_t pid);

/*
 * A process's address space as DAMON's vaddr sees it: its mappings cut into
 * three ranges at the two largest gaps (fewer if it has fewer gaps). Return
 * how many, or a negative errno.
 */
int hm_proc_three_ranges(pid_t pid, uint64_t range[3][2]);

/* ---- perf_event_open(2) mmap rings (lib/linux/perf_ring.c) ---- */

struct perf_event_mmap_page;
struct hm_report;

/**
 * struct hm_perf_ring - one event's mmap ring, read in place.
 * @meta:	the first mmap page (data_head, data_tail, aux_head, aux_tail).
 * @data, @size: the data area (a power of two).
 * @aux, @aux_size: the AUX area, or NULL (a CHMU's batches).
 * @sample_type: what the event was opened with (fixed-size fields only).
 * @source:	the report source id samples carry.
 * @phys:	report PHYS_ADDR (when present) rather than ADDR.
 * Counters: @samples read, @no_addr samples without an address, @drops
 * reports the sink refused, @lost samples the kernel lost (PERF_RECORD_LOST),
 * @other records of other types, @bad malformed stops, @aux_bytes given to
 * the aux sink, @aux_bad batches it refused, @aux_truncated AUX records
 * flagged truncated, @aux_skipped AUX records with no AUX area to read.
 */
struct hm_perf_ring {
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	uint64_t size;
	uint8_t *aux;
	uint64_t aux_size;
	uint64_t sample_type;
	uint8_t source;
	bool phys;
	uint64_t samples, no_addr, drops, lost, other, bad;
	uint64_t aux_bytes, aux_bad, aux_truncated, aux_skipped;
};

/* Where records go: reports, and AUX data (CHMU batches). Nonzero refuses. */
struct hm_perf_sink {
	int (*report)(void *arg, const struct hm_report *r);
	int (*aux)(void *arg, const uint8_t *buf, size_t len);
	void *arg;
};

/*
 * Set up @r over an mmap of a perf event: @base is the first page (its
 * data_offset says where data starts, else one page on), @data_size the
 * data area's size. Return 0; -EINVAL for sizes that are not powers of two;
 * -EOPNOTSUPP for a sample_type with variable-size fields.
 */
int hm_perf_ring_init(struct hm_perf_ring *r, void *base, uint64_t data_size, void *aux,
		      uint64_t aux_size, uint64_t sample_type, uint8_t source);

/*
 * Consume every record between data_tail and data_head, handing the space
 * back as it goes. Return the records read; -EINVAL with one line in @err
 * (the ring offset and what was wrong) for a malformed record, after which
 * the ring is empty; -ENOMEM.
 */
long hm_perf_ring_read(struct hm_perf_ring *r, const struct hm_perf_sink *sink, char *err,
		       size_t errlen);

/* ---- the pagemap reverse map (lib/linux/rmap.c) ---- */

struct hm_rmap_ent {
	uint64_t pfn;
	uint64_t vaddr;
};

/* A process's present pages, sorted by page frame (by address within a frame). */
struct hm_rmap {
	struct hm_rmap_ent *e;
	size_t nr;
	pid_t pid;
	uint64_t page_size;
};

/*
 * Read @id's /proc/PID/pagemap over its readable mappings (a page the
 * process cannot read is never accessed, and PROT_NONE reservations can be
 * huge). Return 0; -EPERM when the
 * kernel hides PFNs (CAP_SYS_ADMIN is missing); -ESRCH if the process is
 * gone; -ENOMEM. PFNs are physical addresses: never show them unprivileged.
 */
int hm_rmap_build(const struct hm_proc_id *id, struct hm_rmap *m);
/* The same for the mappings inside [@lo, @hi) only: a process with huge
 * reserved mappings (a sanitizer's shadow) costs a pagemap entry per page. */
int hm_rmap_build_range(const struct hm_proc_id *id, uint64_t lo, uint64_t hi,
			struct hm_rmap *m);

/*
 * Call @fn for every run of virtual pages, contiguous in the process, whose
 * frames lie in the physical range [@plo, @phi). Return the number of runs.
 */
int hm_rmap_walk(const struct hm_rmap *m, uint64_t plo, uint64_t phi,
		 void (*fn)(void *arg, uint64_t vstart, uint64_t vend), void *arg);

void hm_rmap_free(struct hm_rmap *m);

/* ---- idle page tracking (lib/linux/idle.c) ---- */

/**
 * struct hm_idle_stats - what one round saw.
 * @judged:	frames marked idle by the previous round, at the same address.
 * @accessed:	of those, the ones whose mark an access cleared.
 * @fresh:	frames the previous round did not have there (marked now).
 * @unknown:	frames past the bitmap's end.
 */
struct hm_idle_stats {
	uint64_t judged, accessed, fresh, unknown;
};

/*
 * One round of idle page tracking for one process: read the idle bits of
 * @cur's frames from @fd (the page_idle bitmap, opened read-write), call @fn
 * (if not NULL) for each run of virtual pages, contiguous in the process,
 * accessed since @prev's round (NULL: the first round, nothing judged), and
 * mark every frame of @cur idle again. Return 0, or the -errno of a failed
 * read or write (the frames after it are neither judged nor marked).
 */
int hm_idle_round(int fd, const struct hm_rmap *prev, const struct hm_rmap *cur,
		  void (*fn)(void *arg, uint64_t lo, uint64_t hi), void *arg,
		  struct hm_idle_stats *st);

/* ---- opening perf events (lib/linux/perf_open.c) ---- */

/* The type number of PMU @pmu ("software", or a name under
 * bus/event_source/devices). -ENODEV when this machine has no such PMU. */
int hm_perf_pmu_type(const char *root, const char *pmu, uint32_t *type);

/**
 * struct hm_perf_spec - a sampling event to open.
 * @root:	sysfs root for the PMU's type (NULL: /sys).
 * @pmu:	"ibs_op", "cpu", "cxl_hmu_mem0.0", "software"...
 * @config, @config1, @config2: the event (PMU-specific).
 * @period:	one sample every @period events (0 with @aux_pages: no samples).
 * @inherit:	follow the threads and children started after the open.
 * @sample_type: fixed-size PERF_SAMPLE_* fields (see hm_perf_ring_init).
 * @precise:	precise_ip (PEBS wants 2 or 3).
 * @pid, @cpu:	as perf_event_open(2) takes them.
 * @data_pages:	ring pages, a power of two.
 * @aux_pages:	AUX area pages, a power of two, or 0 for none (a CHMU writes
 *		its hotlist batches there).
 * @system:	count the kernel too (a device PMU such as cxl_hmu refuses
 *		events that exclude anything).
 * @source:	the report source id.
 */
struct hm_perf_spec {
	const char *root;
	const char *pmu;
	uint64_t config, config1, config2;
	uint64_t period;
	bool inherit;
	uint64_t sample_type;
	unsigned int precise;
	pid_t pid;
	int cpu;
	size_t data_pages;
	size_t aux_pages;
	bool system;
	uint8_t source;
};

struct hm_perf_event {
	int fd;
	void *base, *aux;
	size_t len, aux_len, page;
	struct hm_perf_ring ring;
};

/*
 * Open the event disabled, excluding the kernel unless @sp->system, and map
 * its ring, and its AUX area when asked (writable: the kernel stops rather
 * than overwrite what was not read). Return 0; -ENODEV without the PMU;
 * -EACCES/-EPERM per perf_event_paranoid; -EOPNOTSUPP when the PMU has no
 * AUX area; other errors of perf_event_open(2) and mmap(2).
 */
int hm_perf_open(struct hm_perf_event *ev, const struct hm_perf_spec *sp);
int hm_perf_enable(struct hm_perf_event *ev, bool on);
void hm_perf_close(struct hm_perf_event *ev);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_LINUX_H */
