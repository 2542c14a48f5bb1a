/* SPDX-License-Identifier: MIT */
/* Everything public in libhotmem, for programs that want one include. */
#ifndef HOTMEM_HOTMEM_H
#define HOTMEM_HOTMEM_H

#include <hotmem/version.h>
#include <hotmem/list.h>
#include <hotmem/rand.h>
#include <hotmem/parse.h>
#include <hotmem/report.h>
#include <hotmem/monitor.h>
#include <hotmem/drain.h>
#include <hotmem/ops.h>
#include <hotmem/scheme.h>
#include <hotmem/linux.h>
#include <hotmem/workload.h>
#include <hotmem/chmu.h>
#include <hotmem/chmu_host.h>
#include <hotmem/chmu_ctl.h>
#include <hotmem/sim.h>
#include <hotmem/tier.h>

#endif /* HOTMEM_HOTMEM_H */
