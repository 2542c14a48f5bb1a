// SPDX-License-Identifier: MIT
/*
 * membarrier(2) for the producer rings: the consumer pays one system call
 * when a ring goes idle, so that producers can publish reports with no fence
 * at all (the argument is in lib/core/ring.c).
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <hotmem/linux.h>

static int membarrier(int cmd)
{
	long ret = syscall(__NR_membarrier, cmd, 0, 0);

	return ret < 0 ? -errno : (int)ret;
}

int hm_membarrier_setup(void)
{
	int mask = membarrier(MEMBARRIER_CMD_QUERY);

	if (mask < 0)
		return mask;
	if (!(mask & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return -EINVAL;
	return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
}

int hm_membarrier_sync(void *arg)
{
	(void)arg;
	return membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}
