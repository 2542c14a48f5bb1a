/* SPDX-License-Identifier: MIT */
/*
 * The real Linux host. For now: the process-wide barrier that lets producer
 * rings run without a fence per report (membarrier(2)).
 */
#ifndef HOTMEM_LINUX_H
#define HOTMEM_LINUX_H

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

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_LINUX_H */
