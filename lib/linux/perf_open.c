// SPDX-License-Identifier: MIT
/*
 * Opening a sampling event with perf_event_open(2) and mapping its ring, so
 * that hm_perf_ring_read() reads it in place. The PMU is named as sysfs
 * names it (ibs_op, cpu, cxl_hmu_mem0.0, or "software"); its type number
 * comes from /sys/bus/event_source/devices/NAME/type.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/parse.h>

int hm_perf_pmu_type(const char *root, const char *pmu, uint32_t *type)
{
	char path[512], buf[32];
	uint64_t v;
	size_t at;
	ssize_t n;
	int fd;

	if (!strcmp(pmu, "software")) {
		*type = PERF_TYPE_SOFTWARE;
		return 0;
	}
	if (strchr(pmu, '/') || snprintf(path, sizeof(path), "%s/bus/event_source/devices/%s/type",
					 root ? root : "/sys", pmu) >= (int)sizeof(path))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (hm_parse_u64(buf, &v, &at) || v > UINT32_MAX)
		return -EINVAL;
	*type = (uint32_t)v;
	return 0;
}

int hm_perf_open(struct hm_perf_event *ev, const struct hm_perf_spec *sp)
{
	struct perf_event_attr a;
	size_t len;
	int ret;

	memset(ev, 0, sizeof(*ev));
	ev->fd = -1;
	if (!sp->data_pages || (sp->data_pages & (sp->data_pages - 1)) ||
	    (sp->aux_pages & (sp->aux_pages - 1)))
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	ret = hm_perf_pmu_type(sp->root, sp->pmu, &a.type);
	if (ret)
		return ret;
	a.size = sizeof(a);
	a.config = sp->config;
	a.config1 = sp->config1;
	a.config2 = sp->config2;
	a.inherit = sp->inherit;
	a.sample_period = sp->period ? sp->period : !sp->aux_pages;
	a.sample_type = sp->sample_type;
	a.disabled = 1;
	a.exclude_kernel = !sp->system;
	a.exclude_hv = !sp->system;
	a.precise_ip = sp->precise;
	a.wakeup_events = 1;
	ev->fd = (int)syscall(SYS_perf_event_open, &a, sp->pid, sp->cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (ev->fd < 0)
		return -errno;
	ev->page = (size_t)sysconf(_SC_PAGESIZE);
	len = (1 + sp->data_pages) * ev->page;
	ev->base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, ev->fd, 0);
	if (ev->base == MAP_FAILED) {
		ret = -errno;
		close(ev->fd);
		ev->fd = -1;
		ev->base = NULL;
		return ret;
	}
	ev->len = len;
	if (sp->aux_pages) {
		struct perf_event_mmap_page *m = ev->base;

		/* the AUX area follows the ring in the file; its place is said first */
		m->aux_offset = len;
		m->aux_size = sp->aux_pages * ev->page;
		ev->aux = mmap(NULL, m->aux_size, PROT_READ | PROT_WRITE, MAP_SHARED, ev->fd,
			       (off_t)m->aux_offset);
		if (ev->aux == MAP_FAILED) {
			ret = -errno;
			ev->aux = NULL;
			hm_perf_close(ev);
			return ret;
		}
		ev->aux_len = m->aux_size;
	}
	ret = hm_perf_ring_init(&ev->ring, ev->base, sp->data_pages * ev->page, ev->aux,
				ev->aux_len, sp->sample_type, sp->source);
	if (ret) {
		hm_perf_close(ev);
		return ret;
	}
	return 0;
}

int hm_perf_enable(struct hm_perf_event *ev, bool on)
{
	return ioctl(ev->fd, on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0) ? -errno : 0;
}

void hm_perf_close(struct hm_perf_event *ev)
{
	if (ev->aux)
		munmap(ev->aux, ev->aux_len);
	ev->aux = NULL;
	if (ev->base)
		munmap(ev->base, ev->len);
	if (ev->fd >= 0)
		close(ev->fd);
	ev->base = NULL;
	ev->fd = -1;
}
