// SPDX-License-Identifier: MIT
/*
 * CXL memdevs, decoders and regions through libcxl (the ndctl project's
 * library): what the kernel's CXL core has enumerated. Used by `hotmem
 * tiers` to show which CXL objects back which memory; built only with the
 * libcxl meson option (lib/linux/cxl_none.c otherwise).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cxl/libcxl.h>

#include <hotmem/linux.h>

static void name(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "?");
}

static void add_decoders(struct hm_cxl *c, struct cxl_port *port, bool root)
{
	struct cxl_decoder *d;

	cxl_decoder_foreach(port, d) {
		struct hm_cxl_decoder *o;
		struct cxl_region *r;

		if (c->nr_decoders == HM_CXL_MAX) {
			c->truncated = true;
			return;
		}
		o = &c->decoder[c->nr_decoders++];
		name(o->name, sizeof(o->name), cxl_decoder_get_devname(d));
		o->hpa = cxl_decoder_get_resource(d);
		o->size = cxl_decoder_get_size(d);
		o->ways = cxl_decoder_get_interleave_ways(d);
		o->nr_targets = cxl_decoder_get_nr_targets(d);
		o->root = root;
		if (!root)
			continue;
		cxl_region_foreach(d, r) {
			struct hm_cxl_region *g;

			if (c->nr_regions == HM_CXL_MAX) {
				c->truncated = true;
				break;
			}
			g = &c->region[c->nr_regions++];
			name(g->name, sizeof(g->name), cxl_region_get_devname(r));
			memcpy(g->decoder, o->name, sizeof(g->decoder));
			g->hpa = cxl_region_get_resource(r);
			g->size = cxl_region_get_size(r);
			g->ways = cxl_region_get_interleave_ways(r);
			g->granularity = cxl_region_get_interleave_granularity(r);
		}
	}
}

int hm_cxl_read(struct hm_cxl *c)
{
	struct cxl_memdev *m;
	struct cxl_ctx *ctx;
	struct cxl_bus *bus;
	int ret = cxl_new(&ctx);

	if (ret)
		return ret < 0 ? ret : -ENOMEM;
	memset(c, 0, sizeof(*c));
	cxl_memdev_foreach(ctx, m) {
		struct hm_cxl_memdev *o;

		if (c->nr_memdevs == HM_CXL_MAX) {
			c->truncated = true;
			break;
		}
		o = &c->memdev[c->nr_memdevs++];
		name(o->name, sizeof(o->name), cxl_memdev_get_devname(m));
		name(o->host, sizeof(o->host), cxl_memdev_get_host(m));
		o->ram_size = cxl_memdev_get_ram_size(m);
		o->pmem_size = cxl_memdev_get_pmem_size(m);
		o->serial = cxl_memdev_get_serial(m);
		o->numa_node = cxl_memdev_get_numa_node(m);
	}
	cxl_bus_foreach(ctx, bus) {
		struct cxl_port *root = cxl_bus_get_port(bus), *p;

		add_decoders(c, root, true);
		cxl_port_foreach_all(root, p)
			add_decoders(c, p, false);
	}
	cxl_unref(ctx);
	return 0;
}
