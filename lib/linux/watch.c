// SPDX-License-Identifier: MIT
/*
 * The topology watcher: what changed between two readings of sysfs, and a
 * loop that rereads it when the kernel announces a memory or node event
 * (a uevent) or when a poll interval passes. Polling alone is enough:
 * uevents only make hotplug seen sooner, and a process without the socket
 * (or a --sysfs tree, which sends none) still sees every change.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/linux.h>

static bool same_perf(const struct hm_topo_node *a, const struct hm_topo_node *b)
{
	return a->has_perf == b->has_perf &&
	       (!a->has_perf || !memcmp(&a->perf, &b->perf, sizeof(a->perf)));
}

unsigned int hm_topo_diff(const struct hm_topo *old, const struct hm_topo *new,
			  uint64_t *nodes)
{
	unsigned int flags = 0;
	uint64_t mask = 0;

	for (int id = 0; id < HM_MAX_NODES; id++) {
		const struct hm_topo_node *a = hm_topo_find((struct hm_topo *)old, id);
		const struct hm_topo_node *b = hm_topo_find((struct hm_topo *)new, id);
		unsigned int f = 0;

		if (!a && !b)
			continue;
		if (!a || !b) {
			f = HM_TOPO_NODES;
			if ((a && a->has_memory) || (b && b->has_memory))
				f |= HM_TOPO_MEMORY;
		} else {
			if (a->has_memory != b->has_memory || a->mem_total != b->mem_total)
				f |= HM_TOPO_MEMORY;
			if (a->has_cpu != b->has_cpu || strcmp(a->cpulist, b->cpulist))
				f |= HM_TOPO_CPUS;
			if (!same_perf(a, b))
				f |= HM_TOPO_PERF;
			if (a->kernel_tier != b->kernel_tier || a->tier != b->tier ||
			    a->pool != b->pool)
				f |= HM_TOPO_TIERS;
		}
		if (f)
			mask |= 1ull << id;
		flags |= f;
	}
	if (nodes)
		*nodes = mask;
	return flags;
}

static int uevent_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

int hm_topo_watch_init(struct hm_topo_watch *w, const char *root, char *err, size_t errlen)
{
	int ret = hm_topo_read(root, &w->cur, err, errlen);

	if (ret)
		return ret;
	w->root = root;
	/* a captured tree gets no uevents */
	w->fd = root ? -1 : uevent_socket();
	return 0;
}

/* Drain the socket; true if an event concerned memory or nodes. */
static bool relevant_events(int fd)
{
	char buf[8192];
	bool hit = false;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		/* "ACTION@DEVPATH", then NUL-separated KEY=VALUE */
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
			if (!strcmp(buf + i, "SUBSYSTEM=memory") ||
			    !strcmp(buf + i, "SUBSYSTEM=node") ||
			    !strcmp(buf + i, "SUBSYSTEM=memory_tiering"))
				hit = true;
	}
	return hit;
}

int hm_topo_watch_poll(struct hm_topo_watch *w, int timeout_ms, uint64_t *nodes, char *err,
		       size_t errlen)
{
	struct hm_topo now;
	int ret;

	if (w->fd >= 0) {
		struct pollfd p = { .fd = w->fd, .events = POLLIN };

		if (poll(&p, 1, timeout_ms) > 0 && relevant_events(w->fd))
			usleep(50000);	/* let the kernel finish the operation */
	} else if (timeout_ms > 0) {
		struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	ret = hm_topo_read(w->root, &now, err, errlen);
	if (ret)
		return ret;
	/* keep the overrides the caller applied */
	for (unsigned int i = 0; i < now.nr_nodes; i++) {
		const struct hm_topo_node *o = hm_topo_find(&w->cur, now.node[i].id);

		if (o) {
			now.node[i].ovr_tier = o->ovr_tier;
			now.node[i].has_ovr_perf = o->has_ovr_perf;
			now.node[i].ovr_perf = o->ovr_perf;
		}
	}
	hm_topo_compute(&now);
	ret = (int)hm_topo_diff(&w->cur, &now, nodes);
	w->cur = now;
	return ret;
}

void hm_topo_watch_close(struct hm_topo_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
