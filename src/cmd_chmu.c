// SPDX-License-Identifier: MIT
/*
 * hotmem chmu: the emulated CXL Hotness Monitoring Unit from the command
 * line. caps shows what a device preset advertises; config checks a perf
 * event string against it and shows the register programming; decode reads
 * AUX batches (or perf's dump of them) into units, counts, DPAs and HPAs;
 * emulate runs a workload through one or more interleaved devices and
 * scores what they reported against the exact hot set.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_eval.h>
#include <hotmem/chmu_host.h>
#include <hotmem/parse.h>
#include <hotmem/workload.h>

#include "cli.h"
#include "output.h"

#define CMD "chmu"
#define MAX_WAYS 16

const char hm_chmu_usage[] =
	"usage: hotmem chmu caps [--preset NAME] [--json]\n"
	"       hotmem chmu config 'EVENT' [--preset NAME] [--json]\n"
	"       hotmem chmu decode FILE [--unit SIZE] [--decoder BASE,SIZE,WAYS,GRAN,POS]\n"
	"                               [--dpa-skip N] [--json | --csv]\n"
	"       hotmem chmu emulate [--workload SPEC | --trace FILE] [--tracker SPEC]\n"
	"                           [--mode epoch|always-on] [--epoch 100ms] [--threshold N]\n"
	"                           [--unit 4K] [--downsample N] [--random] [--ways W]\n"
	"                           [--granularity SIZE] [--duration 1s] [--preset NAME]\n"
	"                           [--seed N] [--out FILE] [--json]\n"
	"                           [--adaptive [--units K] [--interval 1s]]\n"
	"       hotmem chmu compare [--workload NAME,...] [--tracker KIND,...]\n"
	"                           [--budget RATIO,...] [--config NAME,...] [--json]\n"
	"                           (hotmem chmu compare --help has the rest)\n"
	"\n"
	"The emulated CXL Hotness Monitoring Unit (docs/chmu.md).\n"
	"\n"
	"caps: the device's capabilities as its registers state them, and the\n"
	"  model's own settings (tracker, capacity) that no register shows.\n"
	"config: check a cxl_hmu perf event, as the Linux RFC driver takes it\n"
	"  (cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,.../), against the device,\n"
	"  and show perf_event_attr's config words and the register writes that\n"
	"  program it. A rejection names the field and what the device allows.\n"
	"decode: AUX batches as the driver writes them, or the text of perf report\n"
	"  --dump-raw-traces; per entry its batch, unit index and count, the DPA\n"
	"  with --unit, and the HPA with --decoder (HPA base, size, interleave\n"
	"  ways, granularity and this device's position; --dpa-skip is the DPA\n"
	"  below the decoder). A unit that interleaving splits lists its pieces.\n"
	"emulate: run a workload (docs/workload.md; default\n"
	"  hotset:size=1G,hot=64M,frac=0.9) or a trace through --ways devices\n"
	"  interleaved at --granularity (default 1 and 4K), programmed by the\n"
	"  host driver, drained on interrupt; print the precision and recall of\n"
	"  the reported units against the exact hot set (units whose exact count\n"
	"  in the same epoch reaches the threshold times the downsampling factor),\n"
	"  drops and the tracker's memory. --out writes the AUX batches (one file\n"
	"  per device: FILE.0, FILE.1, ... when --ways is above 1) for decode;\n"
	"  like perf's perf.data, it defaults to chmu.aux in the current directory.\n"
	"  --adaptive hands the devices to the adaptive controller, starting from\n"
	"  --threshold, --epoch and --downsample, for a consumer that acts on the\n"
	"  K busiest pages of each interval; it prints every change and its reason,\n"
	"  and scores each interval's K busiest reported pages against the K with\n"
	"  the most accesses (as chmu compare does). It needs --workload, epoch\n"
	"  mode and 4 KiB units.\n"
	"\n"
	"  --preset NAME      default or qemu (default: default)\n"
	"  --tracker SPEC     exact, table:N, cms:DxW+K, topk:K, lfu:SETSxWAYS\n"
	"  --mode MODE        epoch (default) or always-on\n"
	"  --epoch DURATION   epoch length (default 100ms); always-on: the window\n"
	"                     precision and recall are computed over\n"
	"  --threshold N      hotness threshold (default 16)\n"
	"  --unit SIZE        unit size (default 4K)\n"
	"  --downsample N     count 1 in N accesses, a power of two (default 1)\n"
	"  --random           randomized downsampling\n"
	"  --duration D       stream time to run (default 1s)\n"
	"  --seed N           workload and device seed (default 1)\n"
	"  --units K          --adaptive: pages the consumer acts on per interval\n"
	"                     (default 1024)\n"
	"  --interval D       --adaptive: the consumer's interval (default 1s)\n"
	"  --json             JSON instead of text\n"
	"  --csv              decode: CSV instead of text\n";

struct opts {
	const char *preset;
	bool json, csv;
	/* decode */
	uint64_t unit;
	bool have_unit;
	struct hm_hdm_decoder dec;
	bool have_dec;
	uint64_t dpa_skip;
	bool have_skip;
	/* emulate */
	const char *workload, *trace, *tracker, *out;
	bool always_on, random;
	uint64_t epoch_ns, threshold, downsample, ways, granularity, duration_ns, seed;
	bool adaptive, have_units, have_interval;
	uint64_t units, interval_ns;
};

static int load_desc(const struct opts *o, struct hm_chmu_desc *desc)
{
	if (hm_chmu_preset(o->preset, desc))
		return hm_usage_err(CMD, "--preset", "'%s' is not a preset (default or qemu)",
				    o->preset);
	return 0;
}

static struct hm_chmu *new_device(const struct hm_chmu_desc *desc, uint64_t seed)
{
	char err[256];
	struct hm_chmu *d = hm_chmu_new(desc, seed, err, sizeof(err));

	if (!d)
		hm_err(CMD, "device", "%s", errno == ENOMEM ? "out of memory" : err);
	return d;
}

/* ---- caps ---------------------------------------------------------------------- */

static const char *const type_names[] = { "non-TEE read", "non-TEE write",
					  "non-TEE read/write", "all read", "all write",
					  "all read/write" };

static void epoch_str(unsigned int scale, unsigned int mult, char *buf, size_t len)
{
	uint64_t ns = hm_chmu_epoch_ns(scale, mult);

	if (ns % 1000000000ull == 0)
		snprintf(buf, len, "%llu s", (unsigned long long)(ns / 1000000000ull));
	else if (ns % 1000000 == 0)
		snprintf(buf, len, "%llu ms", (unsigned long long)(ns / 1000000));
	else
		snprintf(buf, len, "%llu us", (unsigned long long)(ns / 1000));
}

/* The counter width the device reports for each supported unit size. */
static unsigned int widths(struct hm_chmu *d, const struct hm_chmu_caps *c, uint32_t *w)
{
	uint32_t units = (uint32_t)HM_CHMU_CAP1_UNITS(c->cap1);
	unsigned int b, n = 0;
	uint64_t st;

	for (b = 0; b < 32; b++) {
		w[b] = 0;
		if (!(units >> b & 1))
			continue;
		hm_chmu_write64(d, c->base + HM_CHMU_CFG1, b + 8);
		hm_chmu_read64(d, c->base + HM_CHMU_STATUS, &st);
		w[b] = (uint32_t)HM_CHMU_STATUS_WIDTH(st);
		n++;
	}
	hm_chmu_write64(d, c->base + HM_CHMU_CFG1, 0);
	return n;
}

/*
 * "4 KiB, 8 KiB (counter width 16)", or "256 B to 2 MiB, every power of two
 * (counter width 16)" for a run; widths per size when they differ.
 */
static void print_units(const uint32_t *w)
{
	unsigned int b, lo = 32, hi = 0, n = 0;
	bool same = true, run = true;
	char x[32], y[32];

	for (b = 0; b < 32; b++) {
		if (!w[b])
			continue;
		if (lo == 32)
			lo = b;
		else if (b != hi + 1)
			run = false;
		same &= w[b] == w[lo];
		hi = b;
		n++;
	}
	if (same && run && n >= 3) {
		printf("%s to %s, every power of two (counter width %u)",
		       hm_fmt_iec(1ull << (lo + 8), x, sizeof(x)),
		       hm_fmt_iec(1ull << (hi + 8), y, sizeof(y)), w[lo]);
		return;
	}
	for (b = lo, n = 0; b <= hi && b < 32; b++) {
		if (!w[b])
			continue;
		printf("%s%s", n++ ? ", " : "", hm_fmt_iec(1ull << (b + 8), x, sizeof(x)));
		if (!same)
			printf(" (width %u)", w[b]);
	}
	if (same)
		printf(" (counter width %u)", w[lo]);
}

static int cmd_caps(const struct opts *o)
{
	struct hm_chmu_desc desc;
	struct hm_chmu_caps c;
	struct hm_chmu_io io;
	struct hm_chmu *d;
	unsigned int n, b;
	uint32_t w[32];
	uint64_t len;
	char a[32], z[32], buf[64];
	int ret = load_desc(o, &desc);

	if (ret)
		return ret;
	d = new_device(&desc, 1);
	if (!d)
		return HM_EXIT_FAIL;
	hm_chmu_emulated_io(d, &io);
	hm_chmu_discover(&io, 0, &c, &n);
	hm_chmu_read64(d, HM_CHMU_COMMON_CAP1, &len);
	widths(d, &c, w);
	epoch_str((unsigned int)HM_CHMU_CAP0_MIN_SCALE(c.cap0),
		  (unsigned int)HM_CHMU_CAP0_MIN_MULT(c.cap0), a, sizeof(a));
	epoch_str((unsigned int)HM_CHMU_CAP0_MAX_SCALE(c.cap0),
		  (unsigned int)HM_CHMU_CAP0_MAX_MULT(c.cap0), z, sizeof(z));
	hm_tracker_format(&desc.tracker, buf, sizeof(buf));
	if (o->json) {
		struct json_object *j = json_object_new_object(), *u = json_object_new_array();
		struct json_object *t = json_object_new_array(), *ds = json_object_new_array();

		json_object_object_add(j, "preset", json_object_new_string(o->preset));
		json_object_object_add(j, "version", json_object_new_int(1));
		json_object_object_add(j, "instances", json_object_new_int((int)n));
		json_object_object_add(j, "instance_length", json_object_new_int64((int64_t)len));
		json_object_object_add(j, "cap0", json_object_new_uint64(c.cap0));
		json_object_object_add(j, "cap1", json_object_new_uint64(c.cap1));
		json_object_object_add(j, "hotlist_entries", json_object_new_int((int)c.hotlist_size));
		json_object_object_add(j, "ranges", json_object_new_int((int)c.nr_ranges));
		for (b = 0; b < 32; b++) {
			struct json_object *e;

			if (!w[b])
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "log2", json_object_new_int((int)b + 8));
			json_object_object_add(e, "bytes", json_object_new_uint64(1ull << (b + 8)));
			json_object_object_add(e, "counter_width", json_object_new_int((int)w[b]));
			json_object_array_add(u, e);
		}
		json_object_object_add(j, "units", u);
		for (b = 0; b < 16; b++)
			if (HM_CHMU_CAP1_DS(c.cap1) >> b & 1)
				json_object_array_add(ds, json_object_new_int((int)b));
		json_object_object_add(j, "downsampling_log2", ds);
		for (b = 0; b < 6; b++)
			if (HM_CHMU_CAP0_TYPES(c.cap0) >> b & 1)
				json_object_array_add(t, json_object_new_int((int)b + 1));
		json_object_object_add(j, "access_types", t);
		json_object_object_add(j, "epoch_min_ns", json_object_new_uint64(
			hm_chmu_epoch_ns((unsigned int)HM_CHMU_CAP0_MIN_SCALE(c.cap0),
					 (unsigned int)HM_CHMU_CAP0_MIN_MULT(c.cap0))));
		json_object_object_add(j, "epoch_max_ns", json_object_new_uint64(
			hm_chmu_epoch_ns((unsigned int)HM_CHMU_CAP0_MAX_SCALE(c.cap0),
					 (unsigned int)HM_CHMU_CAP0_MAX_MULT(c.cap0))));
		json_object_object_add(j, "epoch_type", json_object_new_string(
			HM_CHMU_CAP0_EPOCH_TYPE(c.cap0) ? "per-counter" : "global"));
		json_object_object_add(j, "epoch_mode", json_object_new_boolean(c.cap1 & HM_CHMU_CAP1_EPOCH));
		json_object_object_add(j, "always_on", json_object_new_boolean(c.cap1 & HM_CHMU_CAP1_ALWAYS_ON));
		json_object_object_add(j, "randomized_downsampling",
				       json_object_new_boolean(c.cap1 & HM_CHMU_CAP1_RANDOM_DS));
		json_object_object_add(j, "overlap", json_object_new_boolean(c.cap1 & HM_CHMU_CAP1_OVERLAP));
		json_object_object_add(j, "postpone", json_object_new_boolean(c.cap1 & HM_CHMU_CAP1_POSTPONE));
		json_object_object_add(j, "irq_overflow",
				       json_object_new_boolean(c.cap0 & HM_CHMU_CAP0_IRQ_OVERFLOW));
		json_object_object_add(j, "irq_fill", json_object_new_boolean(c.cap0 & HM_CHMU_CAP0_IRQ_FILL));
		json_object_object_add(j, "msi", json_object_new_int((int)HM_CHMU_CAP0_MSI(c.cap0)));
		json_object_object_add(j, "tracker", json_object_new_string(buf));
		json_object_object_add(j, "capacity", json_object_new_uint64(desc.capacity));
		json_object_object_add(j, "op_delay_ns", json_object_new_uint64(desc.op_delay_ns));
		hm_chmu_free(d);
		return hm_print_json(j);
	}
	printf("preset %s: CHMU version 1, %u instance%s of %llu bytes\n", o->preset, n,
	       n == 1 ? "" : "s", (unsigned long long)len);
	printf("capability 0 0x%016llx, capability 1 0x%016llx\n",
	       (unsigned long long)c.cap0, (unsigned long long)c.cap1);
	printf("  hotlist        %u entries (holds %u)\n", c.hotlist_size, c.hotlist_size - 1);
	printf("  ranges         %u of 256 MiB (%s of DPA)\n", c.nr_ranges,
	       hm_fmt_iec((uint64_t)c.nr_ranges << 28, buf, sizeof(buf)));
	printf("  units          ");
	print_units(w);
	printf("\n  downsampling   ");
	for (b = 0, n = 0; b < 16; b++)
		if (HM_CHMU_CAP1_DS(c.cap1) >> b & 1)
			printf("%s1/%u", n++ ? " " : "", 1u << b);
	printf("%s\n", c.cap1 & HM_CHMU_CAP1_RANDOM_DS ? ", randomized too" : "");
	printf("  access types   ");
	for (b = 0, n = 0; b < 6; b++)
		if (HM_CHMU_CAP0_TYPES(c.cap0) >> b & 1)
			printf("%s%u (%s)", n++ ? ", " : "", b + 1, type_names[b]);
	printf("\n  modes          %s%s%s\n", c.cap1 & HM_CHMU_CAP1_EPOCH ? "epoch-based" : "",
	       (c.cap1 & HM_CHMU_CAP1_EPOCH) && (c.cap1 & HM_CHMU_CAP1_ALWAYS_ON) ? ", " : "",
	       c.cap1 & HM_CHMU_CAP1_ALWAYS_ON ? "always on" : "");
	printf("  epochs         %s to %s, %s\n", a, z,
	       HM_CHMU_CAP0_EPOCH_TYPE(c.cap0) ? "per counter" : "global");
	printf("  interrupts     %s%s%s, MSI %u\n",
	       c.cap0 & HM_CHMU_CAP0_IRQ_FILL ? "fill threshold" : "",
	       (c.cap0 & HM_CHMU_CAP0_IRQ_FILL) && (c.cap0 & HM_CHMU_CAP0_IRQ_OVERFLOW) ? ", " : "",
	       c.cap0 & HM_CHMU_CAP0_IRQ_OVERFLOW ? "overflow" :
	       c.cap0 & HM_CHMU_CAP0_IRQ_FILL ? "" : "none (poll)",
	       (unsigned int)HM_CHMU_CAP0_MSI(c.cap0));
	printf("  overlap        %s\n", c.cap1 & HM_CHMU_CAP1_OVERLAP ? "yes" : "no");
	printf("  on overflow    %s\n", c.cap1 & HM_CHMU_CAP1_POSTPONE ? "postponed" : "dropped");
	hm_tracker_format(&desc.tracker, buf, sizeof(buf));
	printf("model (not in any register): tracker %s, capacity %s, operations take %llu us\n",
	       buf, hm_fmt_iec(desc.capacity, a, sizeof(a)),
	       (unsigned long long)(desc.op_delay_ns / 1000));
	hm_chmu_free(d);
	return HM_EXIT_OK;
}

/* ---- config -------------------------------------------------------------------- */

struct write_row {
	const char *reg;
	uint64_t off, value;
	char note[96];
};

static int cmd_config(const struct opts *o, const char *event_str)
{
	struct hm_chmu_event ev;
	struct hm_chmu_program p;
	struct hm_chmu_desc desc;
	struct hm_chmu_caps c;
	struct hm_chmu_io io;
	struct hm_chmu *d;
	struct write_row w[5];
	char err[512], ep[32], ub[32], rb[32];
	uint64_t scale, mult, bytes;
	unsigned int i;
	int ret;

	if (hm_chmu_event_parse(event_str, &ev, err, sizeof(err)))
		return hm_usage_err(CMD, "EVENT", "%s", err);
	ret = load_desc(o, &desc);
	if (ret)
		return ret;
	d = new_device(&desc, 1);
	if (!d)
		return HM_EXIT_FAIL;
	hm_chmu_emulated_io(d, &io);
	hm_chmu_discover(&io, 0, &c, NULL);
	ret = hm_chmu_validate(&io, &c, &ev, &p, err, sizeof(err));
	hm_chmu_free(d);
	if (ret) {
		/* the message starts with the field: "hotmem: chmu: field: why" */
		fprintf(stderr, "hotmem: %s: %s\n", CMD, err);
		return ret == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
	}
	scale = HM_CHMU_CFG1_SCALE(p.cfg1);
	mult = HM_CHMU_CFG1_MULT(p.cfg1);
	epoch_str((unsigned int)scale, (unsigned int)mult, ep, sizeof(ep));
	bytes = (uint64_t)p.nr_ranges << HM_CHMU_RANGE_SHIFT;
	w[0] = (struct write_row){ "cfg0", HM_CHMU_CFG0, HM_CHMU_CFG0_RESET,
				   "reset counters; wait while an operation is in progress" };
	w[1] = (struct write_row){ "cfg1", HM_CHMU_CFG1, p.cfg1, "" };
	snprintf(w[1].note, sizeof(w[1].note), "unit 2^%u, downsampling 2^%u, %s, scale %llu x %llu",
		 p.unit_log2, p.ds_log2, HM_CHMU_CFG1_MODE(p.cfg1) ? "always on" : "epoch-based",
		 (unsigned long long)scale, (unsigned long long)mult);
	w[2] = (struct write_row){ "bitmap", c.bitmap_off, 0, "" };
	snprintf(w[2].note, sizeof(w[2].note), "%llu words: ranges %u-%u set",
		 (unsigned long long)((c.nr_ranges + 63) / 64), p.range_first,
		 p.range_first + p.nr_ranges - 1);
	w[3] = (struct write_row){ "cfg2", HM_CHMU_CFG2, p.cfg2, "" };
	snprintf(w[3].note, sizeof(w[3].note), "fill threshold %llu entries",
		 (unsigned long long)p.cfg2);
	w[4] = (struct write_row){ "cfg0", HM_CHMU_CFG0, p.cfg0, "" };
	snprintf(w[4].note, sizeof(w[4].note), "access type %llu, threshold %u, interrupts%s%s, enable",
		 (unsigned long long)HM_CHMU_CFG0_TYPE(p.cfg0), HM_CHMU_CFG0_THRESHOLD(p.cfg0),
		 p.cfg0 & HM_CHMU_CFG0_IRQ_FILL ? " fill" : "",
		 p.cfg0 & HM_CHMU_CFG0_IRQ_OVERFLOW ? " overflow" : "");
	hm_fmt_iec(1ull << p.unit_log2, ub, sizeof(ub));
	hm_fmt_iec(bytes, rb, sizeof(rb));
	if (o->json) {
		struct json_object *j = json_object_new_object(), *s = json_object_new_object();
		struct json_object *arr = json_object_new_array();
		char buf[1024];

		hm_chmu_event_format(&ev, buf, sizeof(buf));
		json_object_object_add(j, "event", json_object_new_string(buf));
		json_object_object_add(j, "preset", json_object_new_string(o->preset));
		json_object_object_add(j, "config", json_object_new_uint64(ev.config));
		json_object_object_add(j, "config1", json_object_new_uint64(ev.config1));
		json_object_object_add(j, "config2", json_object_new_uint64(ev.config2));
		json_object_object_add(s, "mode", json_object_new_string(
			HM_CHMU_CFG1_MODE(p.cfg1) ? "always-on" : "epoch"));
		json_object_object_add(s, "epoch_ns", json_object_new_uint64(
			HM_CHMU_CFG1_MODE(p.cfg1) ? 0 : hm_chmu_epoch_ns((unsigned int)scale,
									 (unsigned int)mult)));
		json_object_object_add(s, "access_type",
				       json_object_new_int((int)HM_CHMU_CFG0_TYPE(p.cfg0)));
		json_object_object_add(s, "unit_bytes", json_object_new_uint64(1ull << p.unit_log2));
		json_object_object_add(s, "counter_width", json_object_new_int((int)p.width));
		json_object_object_add(s, "downsampling", json_object_new_uint64(1ull << p.ds_log2));
		json_object_object_add(s, "threshold",
				       json_object_new_uint64(HM_CHMU_CFG0_THRESHOLD(p.cfg0)));
		json_object_object_add(s, "range_first", json_object_new_int((int)p.range_first));
		json_object_object_add(s, "nr_ranges", json_object_new_int((int)p.nr_ranges));
		json_object_object_add(j, "settings", s);
		for (i = 0; i < 5; i++) {
			struct json_object *r = json_object_new_object();

			json_object_object_add(r, "register", json_object_new_string(w[i].reg));
			json_object_object_add(r, "offset", json_object_new_uint64(c.base + w[i].off));
			if (i != 2)
				json_object_object_add(r, "value", json_object_new_uint64(w[i].value));
			json_object_object_add(r, "note", json_object_new_string(w[i].note));
			json_object_array_add(arr, r);
		}
		json_object_object_add(j, "writes", arr);
		return hm_print_json(j);
	}
	printf("valid for the %s device (instance 0)\n", o->preset);
	printf("perf_event_attr: config 0x%llx, config1 0x%llx, config2 0x%llx\n",
	       (unsigned long long)ev.config, (unsigned long long)ev.config1,
	       (unsigned long long)ev.config2);
	if (HM_CHMU_CFG1_MODE(p.cfg1))
		printf("  mode          always on: an entry each time a counter reaches the threshold\n");
	else
		printf("  mode          epoch-based, epochs of %s (scale %llu x %llu)\n", ep,
		       (unsigned long long)scale, (unsigned long long)mult);
	printf("  access type   %llu (%s)\n", (unsigned long long)HM_CHMU_CFG0_TYPE(p.cfg0),
	       type_names[HM_CHMU_CFG0_TYPE(p.cfg0) - 1]);
	printf("  unit          %s (hotness_granual %u), counter width %u\n", ub, p.unit_log2,
	       p.width);
	printf("  downsampling  1 in %u%s\n", 1u << p.ds_log2,
	       p.cfg0 & HM_CHMU_CFG0_RANDOM_DS ? ", randomized" : "");
	printf("  threshold     %u\n", HM_CHMU_CFG0_THRESHOLD(p.cfg0));
	printf("  ranges        %u-%u: %s of DPA from 0x%llx\n", p.range_first,
	       p.range_first + p.nr_ranges - 1, rb,
	       (unsigned long long)p.range_first << HM_CHMU_RANGE_SHIFT);
	printf("register writes, in order (instance base 0x%llx):\n", (unsigned long long)c.base);
	for (i = 0; i < 5; i++) {
		if (i == 2)
			printf("  %-6s +0x%03llx  %-18s  %s\n", w[i].reg, (unsigned long long)w[i].off,
			       "", w[i].note);
		else
			printf("  %-6s +0x%03llx  0x%016llx  %s\n", w[i].reg,
			       (unsigned long long)w[i].off, (unsigned long long)w[i].value,
			       w[i].note);
	}
	return HM_EXIT_OK;
}

/* ---- decode -------------------------------------------------------------------- */

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int ret;

	if (!f)
		return -errno;
	ret = hm_read_file(f, SIZE_MAX, buf, len);
	if (f != stdin)
		fclose(f);
	return ret;
}

struct decode_out {
	const struct opts *o;
	struct json_object *batches;
	struct hm_table *tbl;
	uint64_t entries, outside;
	unsigned int unit_log2;
};

static int decode_batch(void *arg, uint32_t b, uint32_t width, const uint64_t *e, uint32_t n)
{
	struct decode_out *d = arg;
	const struct opts *o = d->o;
	struct json_object *jb = NULL, *je = NULL;
	struct hm_hpa_piece pc[64];
	uint32_t i;

	if (o->json) {
		jb = json_object_new_object();
		je = json_object_new_array();
		json_object_object_add(jb, "counter_width", json_object_new_int((int)width));
		json_object_object_add(jb, "entries", je);
		json_object_array_add(d->batches, jb);
	}
	for (i = 0; i < n; i++) {
		uint64_t unit = e[i] >> width, count = e[i] & ((1ull << width) - 1);
		uint64_t dpa = unit << d->unit_log2, off;
		unsigned int np = 0, k;
		bool in = false;
		char dpa_s[24] = "-", hpa_s[48] = "-";

		d->entries++;
		if (o->have_unit)
			snprintf(dpa_s, sizeof(dpa_s), "0x%llx", (unsigned long long)dpa);
		if (o->have_dec && o->have_unit) {
			off = dpa - o->dec.dpa_skip;
			in = dpa >= o->dec.dpa_skip &&
			     off + (1ull << d->unit_log2) <= o->dec.hpa_size / o->dec.ways;
			if (in) {
				np = hm_hdm_pieces(&o->dec, off, 1ull << d->unit_log2, pc, 64);
				if (np == 1)
					snprintf(hpa_s, sizeof(hpa_s), "0x%llx",
						 (unsigned long long)pc[0].hpa);
				else
					snprintf(hpa_s, sizeof(hpa_s), "0x%llx (+%u pieces)",
						 (unsigned long long)pc[0].hpa, np - 1);
			} else {
				d->outside++;
			}
		}
		if (o->json) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "unit", json_object_new_uint64(unit));
			json_object_object_add(x, "count", json_object_new_uint64(count));
			if (o->have_unit)
				json_object_object_add(x, "dpa", json_object_new_uint64(dpa));
			if (o->have_dec && o->have_unit) {
				json_object_object_add(x, "hpa", in ? json_object_new_uint64(pc[0].hpa) :
								      NULL);
				if (np > 1) {
					struct json_object *ps = json_object_new_array();

					for (k = 0; k < np; k++) {
						struct json_object *pp = json_object_new_array();

						json_object_array_add(pp, json_object_new_uint64(pc[k].hpa));
						json_object_array_add(pp, json_object_new_uint64(pc[k].len));
						json_object_array_add(ps, pp);
					}
					json_object_object_add(x, "hpa_pieces", ps);
				}
			}
			json_object_array_add(je, x);
		} else if (o->csv) {
			printf("%u,%llu,%llu,%s,%s\n", b, (unsigned long long)unit,
			       (unsigned long long)count, o->have_unit ? dpa_s : "",
			       o->have_dec && in ? strtok(hpa_s, " ") : "");
		} else {
			hm_table_rowf(d->tbl, "%u\t%llu\t%llu\t%s\t%s", b, (unsigned long long)unit,
				      (unsigned long long)count, dpa_s, hpa_s);
		}
	}
	return 0;
}

static int cmd_decode(const struct opts *o, const char *file)
{
	static const char *const hdr[] = { "batch", "unit", "count", "dpa", "hpa" };
	struct decode_out d = { .o = o };
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[512];
	long n;
	int ret;

	if (o->have_unit) {
		if (o->unit < 256 || (o->unit & (o->unit - 1)))
			return hm_usage_err(CMD, "--unit", "%llu is not a power of two of at least 256",
					    (unsigned long long)o->unit);
		d.unit_log2 = (unsigned int)__builtin_ctzll(o->unit);
	}
	if (o->have_dec && !o->have_unit)
		return hm_usage_err(CMD, "--decoder", "needs --unit (the HPA is of the unit's DPA)");
	if (o->have_skip && !o->have_dec)
		return hm_usage_err(CMD, "--dpa-skip", "needs --decoder");
	ret = read_all(file, &buf, &len);
	if (ret)
		return hm_fail(CMD, file, "%s", strerror(-ret));
	if (o->json)
		d.batches = json_object_new_array();
	else if (!o->csv)
		d.tbl = hm_table_new(5, hdr, "rrrrl");
	else
		printf("batch,unit,count,dpa,hpa\n");
	n = hm_chmu_decode(buf, len, decode_batch, &d, err, sizeof(err));
	free(buf);
	if (n < 0) {
		json_object_put(d.batches);
		hm_table_free(d.tbl);
		if (n == -ENOMEM)
			return hm_fail(CMD, file, "out of memory");
		fprintf(stderr, "hotmem: %s: %s: %s\n", CMD, file, err);
		return HM_EXIT_USAGE;
	}
	if (o->json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "batches", d.batches);
		return hm_print_json(j);
	}
	if (d.tbl) {
		printf("%s: %ld batch%s, %llu entries%s\n", file, n, n == 1 ? "" : "es",
		       (unsigned long long)d.entries,
		       o->have_unit ? "" : " (--unit SIZE for DPAs)");
		hm_table_print(d.tbl, stdout);
		hm_table_free(d.tbl);
		if (d.outside)
			printf("%llu unit%s outside the decoder's range: no HPA\n",
			       (unsigned long long)d.outside, d.outside == 1 ? "" : "s");
	}
	return HM_EXIT_OK;
}

/* ---- emulate ------------------------------------------------------------------- */

struct dev {
	struct hm_chmu *d;
	struct hm_chmu_io io;
	struct hm_chmu_caps c;
	struct hm_chmu_program p;
	struct hm_tracker *truth;	/* exact counts of what the filters let through */
	uint64_t t0;			/* the device's time at stream time 0 */
	uint64_t *drained;		/* this window's entries */
	size_t nd, cap;
	uint8_t *aux;			/* AUX batches written so far */
	size_t aux_len, aux_cap;
	uint64_t batches, irqs, drops_seen;
	int err;
};

struct score {
	uint64_t reported, true_hot, hits, windows;
};

/* Each drain is one batch, as the driver copies it into the AUX buffer. */
static int aux_add(struct dev *v, const uint64_t *e, uint32_t n, uint32_t width)
{
	size_t need = 16 + 8 * (size_t)n;

	if (v->aux_len + need > v->aux_cap) {
		size_t cap = (v->aux_len + need) * 2;
		uint8_t *p = realloc(v->aux, cap);

		if (!p)
			return -ENOMEM;
		v->aux = p;
		v->aux_cap = cap;
	}
	v->aux_len += hm_chmu_aux_encode(e, n, width, v->aux + v->aux_len);
	v->batches++;
	return 0;
}

static int keep(struct dev *v, const uint64_t *e, long n, uint32_t width)
{
	if (n <= 0)
		return 0;
	if (v->nd + (size_t)n > v->cap) {
		size_t cap = (v->nd + (size_t)n) * 2;
		uint64_t *p = realloc(v->drained, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->drained = p;
		v->cap = cap;
	}
	memcpy(v->drained + v->nd, e, (size_t)n * sizeof(*e));
	v->nd += (size_t)n;
	return aux_add(v, e, (uint32_t)n, width);
}

static void drain_dev(struct dev *v)
{
	static uint64_t e[65536];
	uint32_t width;
	long n = hm_chmu_drain(&v->io, &v->c, e, &width);

	if (n < 0)
		v->err = (int)n;
	else if (keep(v, e, n, width))
		v->err = -ENOMEM;
}

static void on_irq(void *arg, unsigned int inst)
{
	struct dev *v = arg;

	(void)inst;
	v->irqs++;
	drain_dev(v);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

struct truth_walk {
	const uint64_t *rep;	/* sorted reported units */
	size_t nrep;
	uint64_t thr;
	struct score *s;
};

static int count_truth(void *arg, uint64_t unit, uint32_t cnt, uint64_t first)
{
	struct truth_walk *w = arg;

	(void)first;
	if (cnt < w->thr)
		return 0;
	w->s->true_hot++;
	if (bsearch(&unit, w->rep, w->nrep, sizeof(*w->rep), cmp_u64))
		w->s->hits++;
	return 0;
}

/* A window ended: compare what the device reported in it with the exact counts. */
static void score_window(struct dev *v, uint32_t width, uint64_t thr_scaled, struct score *s)
{
	struct truth_walk w = { .thr = thr_scaled ? thr_scaled : 1, .s = s };
	size_t i, j;

	drain_dev(v);
	for (i = 0; i < v->nd; i++)
		v->drained[i] >>= width;	/* the unit */
	qsort(v->drained, v->nd, sizeof(*v->drained), cmp_u64);
	for (i = 0, j = 0; i < v->nd; i++)	/* distinct units */
		if (!j || v->drained[j - 1] != v->drained[i])
			v->drained[j++] = v->drained[i];
	s->reported += j;
	w.rep = v->drained;
	w.nrep = j;
	hm_tracker_for_each(v->truth, count_truth, &w);
	hm_tracker_reset(v->truth);
	v->nd = 0;
}

/* Close the window ending at stream time @end on every device, and score it. */
static void close_window(const struct opts *o, struct dev *dv, uint64_t end, uint64_t factor,
			 struct score *sc)
{
	unsigned int i;

	for (i = 0; i < o->ways; i++) {
		hm_chmu_advance(dv[i].d, dv[i].t0 + end);
		score_window(&dv[i], dv[i].p.width, o->threshold * factor, sc);
	}
	sc->windows++;
}

/* The finest scale whose multiplier fits 12 bits and states @ns exactly. */
static int encode_epoch(uint64_t ns, unsigned int *scale, unsigned int *mult)
{
	if (hm_chmu_epoch_encode(ns, scale, mult) || hm_chmu_epoch_ns(*scale, *mult) != ns)
		return -EINVAL;
	return 0;
}

static int write_aux(const char *path, const struct dev *v)
{
	FILE *f = fopen(path, "wb");
	int ret = 0;

	if (!f)
		return -errno;
	if (v->aux_len && fwrite(v->aux, 1, v->aux_len, f) != v->aux_len)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* One emulate run: its options resolved, its devices, its stream, its score. */
struct emu {
	const struct opts *o;
	struct hm_chmu_desc desc;
	struct hm_chmu_event ev;
	struct hm_hdm_decoder dec;	/* how HPAs spread over the devices */
	uint64_t factor;		/* downsampling */
	struct hm_workload *wl;
	struct hm_trace_reader *tr;
	FILE *tf;
	char name[600];
	struct dev *dv;
	struct hm_access *buf;
	struct score sc;
	uint64_t accesses, outside, last_ns, next_window;
};

/* Options to the device description, the event, the decoder. Return: 0 or an exit code. */
static int emu_prepare(struct emu *e)
{
	const struct opts *o = e->o;
	unsigned int scale, mult;
	char err[512];
	int ret;

	ret = load_desc(o, &e->desc);
	if (ret)
		return ret;
	if (o->tracker && hm_tracker_parse(o->tracker, &e->desc.tracker, err, sizeof(err)))
		return hm_usage_err(CMD, "--tracker", "%s", err);
	if (encode_epoch(o->epoch_ns, &scale, &mult))
		return hm_usage_err(CMD, "--epoch", "%llu ns cannot be written as scale x multiplier "
				    "(100 us to 1 s steps, multiplier 1-4095)",
				    (unsigned long long)o->epoch_ns);
	e->factor = o->downsample;
	if (e->factor & (e->factor - 1))
		return hm_usage_err(CMD, "--downsample", "%llu is not a power of two up to 32768",
				    (unsigned long long)e->factor);
	if (o->unit & (o->unit - 1))
		return hm_usage_err(CMD, "--unit", "%llu is not a power of two of at least 256",
				    (unsigned long long)o->unit);
	if (o->workload && o->trace)
		return hm_usage_err(CMD, "--trace", "give --workload or --trace, not both");
	e->dec = (struct hm_hdm_decoder){ .hpa_size = o->ways * e->desc.capacity,
					  .ways = (uint32_t)o->ways,
					  .granularity = (uint32_t)o->granularity };
	if (hm_hdm_check(&e->dec, err, sizeof(err)))
		return hm_usage_err(CMD, strncmp(err, "ways", 4) ? "--granularity" : "--ways", "%s",
				    err);
	/* the event the host driver programs into every device */
	hm_chmu_event_set(&e->ev, HM_CHMU_F_EPOCH_TYPE, o->always_on);
	hm_chmu_event_set(&e->ev, HM_CHMU_F_ACCESS_TYPE, 6);
	hm_chmu_event_set(&e->ev, HM_CHMU_F_EPOCH_SCALE, scale);
	hm_chmu_event_set(&e->ev, HM_CHMU_F_EPOCH_MULT, mult);
	hm_chmu_event_set(&e->ev, HM_CHMU_F_RANDOM_DS, o->random);
	hm_chmu_event_set(&e->ev, HM_CHMU_F_DS_FACTOR, (uint64_t)__builtin_ctzll(e->factor));
	hm_chmu_event_set(&e->ev, HM_CHMU_F_THRESHOLD, o->threshold);
	hm_chmu_event_set(&e->ev, HM_CHMU_F_GRANUAL, (uint64_t)__builtin_ctzll(o->unit));
	return 0;
}

/* The access stream: a trace, or a workload that fits the devices. */
static int emu_stream(struct emu *e)
{
	const struct opts *o = e->o;
	struct hm_workload_spec spec;
	char err[512], sz[32];

	if (o->trace) {
		e->tf = fopen(o->trace, "rb");
		if (!e->tf)
			return hm_fail(CMD, o->trace, "%s", strerror(errno));
		if (hm_trace_open(e->tf, o->trace, &e->tr))
			return hm_fail(CMD, o->trace, "out of memory");
		snprintf(e->name, sizeof(e->name), "trace %s", o->trace);
		return 0;
	}
	if (hm_workload_parse(o->workload, &spec, err, sizeof(err)))
		return hm_usage_err(CMD, "--workload", "%s", err);
	if (spec.base + spec.size > e->dec.hpa_size)
		return hm_usage_err(CMD, "--workload", "its span ends at 0x%llx, beyond the %llu "
				    "device%s' %s of capacity",
				    (unsigned long long)(spec.base + spec.size),
				    (unsigned long long)o->ways, o->ways == 1 ? "" : "s",
				    hm_fmt_iec(e->dec.hpa_size, sz, sizeof(sz)));
	e->wl = hm_workload_new(&spec, o->seed);
	if (!e->wl)
		return hm_fail(CMD, "--workload", "out of memory");
	snprintf(e->name, sizeof(e->name), "%s", o->workload);
	return 0;
}

/* Each device built, validated, programmed and started by the host driver. */
static int emu_devices(struct emu *e)
{
	const struct opts *o = e->o;
	struct hm_tracker_spec ex = { .kind = HM_TRACKER_EXACT };
	char err[512];
	unsigned int i;
	int ret;

	e->dv = calloc(o->ways, sizeof(*e->dv));
	e->buf = malloc(65536 * sizeof(*e->buf));
	if (!e->dv || !e->buf)
		return hm_fail(CMD, "emulate", "out of memory");
	for (i = 0; i < o->ways; i++) {
		struct dev *v = &e->dv[i];

		v->d = hm_chmu_new(&e->desc, o->seed + i, err, sizeof(err));
		if (!v->d)
			return hm_fail(CMD, "device", "%s", errno == ENOMEM ? "out of memory" : err);
		v->truth = hm_tracker_new(&ex, UINT32_MAX, 0);
		if (!v->truth)
			return hm_fail(CMD, "emulate", "out of memory");
		hm_chmu_emulated_io(v->d, &v->io);
		hm_chmu_discover(&v->io, 0, &v->c, NULL);
		ret = hm_chmu_validate(&v->io, &v->c, &e->ev, &v->p, err, sizeof(err));
		if (ret) {
			/* an option the device cannot do: the message names the field */
			fprintf(stderr, "hotmem: %s: %s\n", CMD, err);
			return ret == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
		}
		hm_chmu_set_irq(v->d, on_irq, v);
		ret = hm_chmu_start(&v->io, &v->c, &v->p);
		if (ret)
			return hm_fail(CMD, "device", "did not start: %s",
				       ret == -ENODEV ? hm_chmu_last_error(v->d, 0) : strerror(-ret));
		/* stream time 0 is when the first epoch began */
		v->t0 = o->always_on ? hm_chmu_now(v->d) : hm_chmu_next_event(v->d) - o->epoch_ns;
	}
	return 0;
}

/* One access: to its device, at its time, and into the exact counts. */
static void emu_access(struct emu *e, const struct hm_access *a)
{
	struct dev *v;
	uint32_t pos, before, after;
	uint64_t dpa;

	while (a->time_ns >= e->next_window) {
		close_window(e->o, e->dv, e->next_window, e->factor, &e->sc);
		e->next_window += e->o->epoch_ns;
	}
	if (hm_hdm_hpa_to_dpa(&e->dec, a->addr, &dpa, &pos)) {
		e->outside++;
		return;
	}
	v = &e->dv[pos];
	hm_chmu_advance(v->d, v->t0 + a->time_ns);
	hm_chmu_access(v->d, dpa, a->flags);
	/* the truth: every access the filters let through (type 6: all of them) */
	hm_tracker_add(v->truth, dpa >> __builtin_ctzll(e->o->unit), 1, a->time_ns, &before,
		       &after);
	e->accesses++;
	e->last_ns = a->time_ns;
}

static int emu_run(struct emu *e)
{
	char err[512];
	long n, k;

	e->next_window = e->o->epoch_ns;
	for (;;) {
		if (e->wl) {
			n = 65536;
			hm_workload_fill(e->wl, e->buf, (size_t)n);
		} else {
			n = hm_trace_read(e->tr, e->buf, 65536, err, sizeof(err));
			if (n < 0) {
				fprintf(stderr, "hotmem: %s: %s\n", CMD, err);
				return n == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
			}
			if (!n)
				break;
		}
		for (k = 0; k < n; k++) {
			if (e->buf[k].time_ns >= e->o->duration_ns)
				goto done;
			emu_access(e, &e->buf[k]);
		}
	}
done:
	/* the windows the stream covered in full: up to the duration, or the trace's end */
	while (e->next_window <= (e->wl ? e->o->duration_ns : e->last_ns)) {
		close_window(e->o, e->dv, e->next_window, e->factor, &e->sc);
		e->next_window += e->o->epoch_ns;
	}
	for (k = 0; k < (long)e->o->ways; k++)
		if (e->dv[k].err)
			return hm_fail(CMD, "emulate", "out of memory");
	return 0;
}

/* Write each device's AUX batches (FILE, or FILE.0, FILE.1, ...). */
static int emu_write(const struct emu *e)
{
	const struct opts *o = e->o;
	char path[4096];
	unsigned int i;
	int ret;

	for (i = 0; i < o->ways; i++) {
		if (o->ways > 1)
			snprintf(path, sizeof(path), "%s.%u", o->out, i);
		else
			snprintf(path, sizeof(path), "%s", o->out);
		ret = write_aux(path, &e->dv[i]);
		if (ret)
			return hm_fail(CMD, path, "%s", strerror(-ret));
	}
	return 0;
}

static int emu_report(const struct emu *e)
{
	const struct opts *o = e->o;
	const struct score *sc = &e->sc;
	struct hm_chmu_stats st, all = { 0 };
	struct hm_tracker_stats ts = { 0 }, t1;
	double precision = sc->reported ? (double)sc->hits / (double)sc->reported : 1.0;
	double recall = sc->true_hot ? (double)sc->hits / (double)sc->true_hot : 1.0;
	char trk[64], a1[32], a2[32];
	uint64_t batches = 0, irqs = 0;
	unsigned int i;

	for (i = 0; i < o->ways; i++) {
		const struct hm_tracker *t = hm_chmu_tracker(e->dv[i].d, 0);

		hm_chmu_get_stats(e->dv[i].d, 0, &st);
		all.untracked += st.untracked;
		all.entries += st.entries;
		all.dropped += st.dropped;
		batches += e->dv[i].batches;
		irqs += e->dv[i].irqs;
		if (t) {
			hm_tracker_get_stats(t, &t1);
			ts.bytes += t1.bytes;
			ts.counters += t1.counters;
			ts.evictions += t1.evictions;
		}
	}
	hm_tracker_format(&e->desc.tracker, trk, sizeof(trk));
	if (o->json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "workload", json_object_new_string(e->name));
		json_object_object_add(j, "accesses", json_object_new_uint64(e->accesses));
		json_object_object_add(j, "devices", json_object_new_int((int)o->ways));
		json_object_object_add(j, "tracker", json_object_new_string(trk));
		json_object_object_add(j, "mode", json_object_new_string(o->always_on ? "always-on" :
											  "epoch"));
		json_object_object_add(j, "epoch_ns", json_object_new_uint64(o->epoch_ns));
		json_object_object_add(j, "threshold", json_object_new_uint64(o->threshold));
		json_object_object_add(j, "unit", json_object_new_uint64(o->unit));
		json_object_object_add(j, "downsample", json_object_new_uint64(e->factor));
		json_object_object_add(j, "windows", json_object_new_uint64(sc->windows));
		json_object_object_add(j, "reported_units", json_object_new_uint64(sc->reported));
		json_object_object_add(j, "true_hot_units", json_object_new_uint64(sc->true_hot));
		json_object_object_add(j, "hits", json_object_new_uint64(sc->hits));
		json_object_object_add(j, "precision", json_object_new_double(precision));
		json_object_object_add(j, "recall", json_object_new_double(recall));
		json_object_object_add(j, "entries", json_object_new_uint64(all.entries));
		json_object_object_add(j, "dropped", json_object_new_uint64(all.dropped));
		json_object_object_add(j, "untracked", json_object_new_uint64(all.untracked));
		json_object_object_add(j, "evictions", json_object_new_uint64(ts.evictions));
		json_object_object_add(j, "tracker_bytes", json_object_new_uint64(ts.bytes));
		json_object_object_add(j, "tracker_counters", json_object_new_uint64(ts.counters));
		json_object_object_add(j, "aux_batches", json_object_new_uint64(batches));
		json_object_object_add(j, "interrupts", json_object_new_uint64(irqs));
		json_object_object_add(j, "outside", json_object_new_uint64(e->outside));
		json_object_object_add(j, "out", json_object_new_string(o->out));
		return hm_print_json(j);
	}
	printf("%s: %llu accesses in %llu window%s of %llu ms, %llu device%s\n", e->name,
	       (unsigned long long)e->accesses, (unsigned long long)sc->windows,
	       sc->windows == 1 ? "" : "s", (unsigned long long)(o->epoch_ns / 1000000),
	       (unsigned long long)o->ways, o->ways == 1 ? "" : "s");
	printf("device: %s preset, tracker %s, %s mode, threshold %llu, unit %s, "
	       "downsampling 1/%llu%s\n", o->preset, trk, o->always_on ? "always-on" : "epoch",
	       (unsigned long long)o->threshold, hm_fmt_iec(o->unit, a1, sizeof(a1)),
	       (unsigned long long)e->factor, o->random ? " randomized" : "");
	printf("hot units: %llu reported, %llu truly hot (exact count >= %llu in the window), "
	       "%llu both\n", (unsigned long long)sc->reported, (unsigned long long)sc->true_hot,
	       (unsigned long long)(o->threshold * e->factor), (unsigned long long)sc->hits);
	printf("precision %.3f, recall %.3f\n", precision, recall);
	printf("hotlist: %llu entries, %llu dropped; %llu AUX batches, %llu interrupts\n",
	       (unsigned long long)all.entries, (unsigned long long)all.dropped,
	       (unsigned long long)batches, (unsigned long long)irqs);
	printf("tracker: %s in %llu counters; %llu accesses untracked, %llu evictions\n",
	       hm_fmt_iec(ts.bytes, a2, sizeof(a2)), (unsigned long long)ts.counters,
	       (unsigned long long)all.untracked, (unsigned long long)ts.evictions);
	if (e->outside)
		printf("%llu accesses fell outside the devices' range\n",
		       (unsigned long long)e->outside);
	printf("AUX batches written to %s%s (hotmem chmu decode reads them)\n", o->out,
	       o->ways > 1 ? ".0 .." : "");
	return HM_EXIT_OK;
}

/* ---- emulate --adaptive ------------------------------------------------------------ */

struct trail {
	struct hm_chmu_ctl_change *c;
	size_t n, cap;
	bool oom;
};

static void trail_add(void *arg, unsigned int dev, const struct hm_chmu_ctl_change *ch)
{
	struct trail *t = arg;

	(void)dev;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct hm_chmu_ctl_change *p = realloc(t->c, cap * sizeof(*p));

		if (!p) {
			t->oom = true;
			return;
		}
		t->c = p;
		t->cap = cap;
	}
	t->c[t->n++] = *ch;
}

static void aux_batch(void *arg, unsigned int dev, const uint64_t *ent, uint32_t n, uint32_t width)
{
	struct emu *e = arg;

	if (aux_add(&e->dv[dev], ent, n, width))
		e->dv[dev].err = -ENOMEM;
}

static const char *why_not_adaptive(const struct opts *o, const char **opt)
{
	if (o->trace) {
		*opt = "--trace";
		return "--adaptive is scored against a generated stream: give --workload";
	}
	if (o->always_on) {
		*opt = "--mode";
		return "--adaptive reprograms between epochs: always-on has none";
	}
	if (o->unit != 1ull << HM_CHMU_EVAL_PAGE_SHIFT) {
		*opt = "--unit";
		return "--adaptive works on 4 KiB units, the pages it scores";
	}
	if (o->duration_ns < o->interval_ns) {
		*opt = "--duration";
		return "shorter than --interval: nothing would be scored";
	}
	return NULL;
}

static int adaptive_report(const struct emu *e, const struct hm_chmu_eval_case *c,
			   const struct hm_chmu_eval_result *r, const struct trail *t)
{
	const struct opts *o = e->o;
	char trk[64], line[256], a1[32];
	uint64_t batches = 0;
	unsigned int i;
	size_t k;

	for (i = 0; i < o->ways; i++)
		batches += e->dv[i].batches;
	hm_tracker_format(&e->desc.tracker, trk, sizeof(trk));
	if (o->json) {
		struct json_object *j = json_object_new_object(), *a = json_object_new_array();

		json_object_object_add(j, "workload", json_object_new_string(o->workload));
		json_object_object_add(j, "accesses", json_object_new_uint64(r->accesses));
		json_object_object_add(j, "devices", json_object_new_int((int)o->ways));
		json_object_object_add(j, "tracker", json_object_new_string(trk));
		json_object_object_add(j, "mode", json_object_new_string("adaptive"));
		json_object_object_add(j, "units", json_object_new_uint64(c->units));
		json_object_object_add(j, "interval_ns", json_object_new_uint64(c->interval_ns));
		json_object_object_add(j, "intervals", json_object_new_uint64(r->intervals));
		json_object_object_add(j, "precision", json_object_new_double(r->precision));
		json_object_object_add(j, "recall", json_object_new_double(r->recall));
		json_object_object_add(j, "epoch_ns", json_object_new_uint64(r->epoch_ns));
		json_object_object_add(j, "threshold", json_object_new_uint64(r->threshold));
		json_object_object_add(j, "downsample", json_object_new_uint64(1ull << r->ds_log2));
		json_object_object_add(j, "reprograms", json_object_new_uint64(r->reprograms));
		json_object_object_add(j, "entries", json_object_new_uint64(r->entries));
		json_object_object_add(j, "overflows", json_object_new_uint64(r->overflows));
		json_object_object_add(j, "dropped", json_object_new_uint64(r->dropped));
		json_object_object_add(j, "untracked", json_object_new_uint64(r->untracked));
		json_object_object_add(j, "tracker_bytes", json_object_new_uint64(r->tracker_bytes));
		json_object_object_add(j, "aux_batches", json_object_new_uint64(batches));
		json_object_object_add(j, "out", json_object_new_string(o->out));
		for (k = 0; k < t->n; k++) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "epoch", json_object_new_uint64(t->c[k].epoch));
			json_object_object_add(x, "knob", json_object_new_string(
					       hm_chmu_ctl_knob_name(t->c[k].knob)));
			json_object_object_add(x, "from", json_object_new_uint64(t->c[k].from));
			json_object_object_add(x, "to", json_object_new_uint64(t->c[k].to));
			json_object_object_add(x, "why", json_object_new_string(t->c[k].why));
			json_object_array_add(a, x);
		}
		json_object_object_add(j, "changes", a);
		return hm_print_json(j);
	}
	printf("%s: %llu accesses, %llu device%s, %s preset, tracker %s\n", o->workload,
	       (unsigned long long)r->accesses, (unsigned long long)o->ways,
	       o->ways == 1 ? "" : "s", o->preset, trk);
	printf("adaptive: the consumer takes %u units per %llu ms interval; started at threshold "
	       "%llu, epoch %llu ms, downsampling 1/%llu\n", c->units,
	       (unsigned long long)(c->interval_ns / 1000000), (unsigned long long)o->threshold,
	       (unsigned long long)(o->epoch_ns / 1000000), (unsigned long long)e->factor);
	printf("controller: %zu change%s, %llu reprogram%s%s\n", t->n, t->n == 1 ? "" : "s",
	       (unsigned long long)r->reprograms, r->reprograms == 1 ? "" : "s",
	       t->n ? ":" : "");
	for (k = 0; k < t->n; k++) {
		hm_chmu_ctl_change_format(&t->c[k], line, sizeof(line));
		printf("  %s\n", line);
	}
	printf("at the end: threshold %u, epoch %llu ms, downsampling 1/%u\n", r->threshold,
	       (unsigned long long)(r->epoch_ns / 1000000), 1u << r->ds_log2);
	printf("precision %.3f, recall %.3f over %u interval%s (its %u busiest reported pages "
	       "against the %u with the most accesses)\n", r->precision, r->recall, r->intervals,
	       r->intervals == 1 ? "" : "s", c->units, c->units);
	printf("hotlist: %llu entries, %llu dropped, %llu overflow%s; %llu AUX batches\n",
	       (unsigned long long)r->entries, (unsigned long long)r->dropped,
	       (unsigned long long)r->overflows, r->overflows == 1 ? "" : "s",
	       (unsigned long long)batches);
	printf("tracker: %s; %llu accesses untracked\n",
	       hm_fmt_iec(r->tracker_bytes, a1, sizeof(a1)), (unsigned long long)r->untracked);
	printf("AUX batches written to %s%s (hotmem chmu decode reads them)\n", o->out,
	       o->ways > 1 ? ".0 .." : "");
	return HM_EXIT_OK;
}

/*
 * The controller runs the devices (lib/chmu/eval.c drives them as emulate
 * does, and scores each interval as compare does).
 */
static int emu_adaptive(struct emu *e)
{
	const struct opts *o = e->o;
	struct hm_chmu_eval_case c = { 0 };
	struct hm_chmu_eval_result r = { 0 };
	struct trail t = { 0 };
	const char *msg, *opt;
	char err[512];
	unsigned int i;
	int ret;

	msg = why_not_adaptive(o, &opt);
	if (msg)
		return hm_usage_err(CMD, opt, "%s", msg);
	if (hm_workload_parse(o->workload, &c.wl[0], err, sizeof(err)))
		return hm_usage_err(CMD, "--workload", "%s", err);
	e->dv = calloc(o->ways, sizeof(*e->dv));
	if (!e->dv)
		return hm_fail(CMD, "emulate", "out of memory");
	c.nr_wl = 1;
	c.ways = (uint32_t)o->ways;
	c.granularity = (uint32_t)o->granularity;
	c.units = (uint32_t)o->units;
	c.interval_ns = o->interval_ns;
	c.duration_ns = o->duration_ns;
	c.adaptive = true;
	c.fixed = (struct hm_chmu_eval_fixed){ .threshold = (uint32_t)o->threshold,
					       .ds_log2 = (uint32_t)__builtin_ctzll(e->factor),
					       .epoch_ns = o->epoch_ns };
	c.seed = o->seed;
	c.log = trail_add;
	c.log_arg = &t;
	c.desc = &e->desc;
	c.tracker_spec = &e->desc.tracker;
	c.random_ds = o->random;
	c.batch = aux_batch;
	c.batch_arg = e;
	ret = hm_chmu_eval_run(&c, &r, err, sizeof(err));
	for (i = 0; !ret && i < o->ways; i++)
		if (e->dv[i].err)
			ret = -ENOMEM;
	if (!ret && t.oom)
		ret = -ENOMEM;
	if (ret == -EINVAL)
		ret = hm_usage_err(CMD, "emulate", "%s", err);
	else if (ret)
		ret = hm_fail(CMD, "emulate", "%s", ret == -ENOMEM ? "out of memory" : err);
	if (!ret)
		ret = emu_write(e);
	if (!ret)
		ret = adaptive_report(e, &c, &r, &t);
	free(t.c);
	return ret;
}

static int cmd_emulate(const struct opts *o)
{
	struct emu e = { .o = o };
	unsigned int i;
	int ret;

	ret = emu_prepare(&e);
	if (!ret && o->adaptive) {
		ret = emu_adaptive(&e);
		goto out;
	}
	if (!ret)
		ret = emu_stream(&e);
	if (!ret)
		ret = emu_devices(&e);
	if (!ret)
		ret = emu_run(&e);
	if (!ret)
		ret = emu_write(&e);
	if (!ret)
		ret = emu_report(&e);
out:
	for (i = 0; e.dv && i < o->ways; i++) {
		hm_chmu_free(e.dv[i].d);
		hm_tracker_free(e.dv[i].truth);
		free(e.dv[i].drained);
		free(e.dv[i].aux);
	}
	free(e.dv);
	free(e.buf);
	hm_workload_free(e.wl);
	hm_trace_close(e.tr);
	if (e.tf)
		fclose(e.tf);
	return ret;
}

/* ---- options and dispatch ---------------------------------------------------------- */

static int parse_dur(const char *opt, const char *arg, uint64_t *ns)
{
	size_t at;

	if (hm_parse_duration(arg, 1000000, ns, &at) || !*ns)
		return hm_usage_err(CMD, opt, "'%s' is not a duration such as 100ms or 2s", arg);
	return 0;
}

int hm_cmd_chmu(int argc, char **argv)
{
	enum { O_PRESET = 256, O_JSON, O_CSV, O_UNIT, O_DEC, O_SKIP, O_WL, O_TRACE, O_TRACKER,
	       O_MODE, O_EPOCH, O_THR, O_DS, O_RANDOM, O_WAYS, O_GRAN, O_DUR, O_SEED, O_OUT,
	       O_ADAPTIVE, O_UNITS, O_INTERVAL };
	static const struct option opts[] = {
		{ "preset", required_argument, NULL, O_PRESET },
		{ "json", no_argument, NULL, O_JSON },
		{ "csv", no_argument, NULL, O_CSV },
		{ "unit", required_argument, NULL, O_UNIT },
		{ "decoder", required_argument, NULL, O_DEC },
		{ "dpa-skip", required_argument, NULL, O_SKIP },
		{ "workload", required_argument, NULL, O_WL },
		{ "trace", required_argument, NULL, O_TRACE },
		{ "tracker", required_argument, NULL, O_TRACKER },
		{ "mode", required_argument, NULL, O_MODE },
		{ "epoch", required_argument, NULL, O_EPOCH },
		{ "threshold", required_argument, NULL, O_THR },
		{ "downsample", required_argument, NULL, O_DS },
		{ "random", no_argument, NULL, O_RANDOM },
		{ "ways", required_argument, NULL, O_WAYS },
		{ "granularity", required_argument, NULL, O_GRAN },
		{ "duration", required_argument, NULL, O_DUR },
		{ "seed", required_argument, NULL, O_SEED },
		{ "out", required_argument, NULL, O_OUT },
		{ "adaptive", no_argument, NULL, O_ADAPTIVE },
		{ "units", required_argument, NULL, O_UNITS },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* which subcommands take each option, by bit: caps 1, config 2, decode 4, emulate 8 */
	static const unsigned char takes[] = {
		[O_PRESET - O_PRESET] = 1 | 2 | 8, [O_JSON - O_PRESET] = 15,
		[O_CSV - O_PRESET] = 4, [O_UNIT - O_PRESET] = 4 | 8, [O_DEC - O_PRESET] = 4,
		[O_SKIP - O_PRESET] = 4, [O_WL - O_PRESET] = 8, [O_TRACE - O_PRESET] = 8,
		[O_TRACKER - O_PRESET] = 8, [O_MODE - O_PRESET] = 8, [O_EPOCH - O_PRESET] = 8,
		[O_THR - O_PRESET] = 8, [O_DS - O_PRESET] = 8, [O_RANDOM - O_PRESET] = 8,
		[O_WAYS - O_PRESET] = 8, [O_GRAN - O_PRESET] = 8, [O_DUR - O_PRESET] = 8,
		[O_SEED - O_PRESET] = 8, [O_OUT - O_PRESET] = 8, [O_ADAPTIVE - O_PRESET] = 8,
		[O_UNITS - O_PRESET] = 8, [O_INTERVAL - O_PRESET] = 8,
	};
	static const char *const subs[] = { "caps", "config", "decode", "emulate" };
	struct opts o = {
		.preset = "default", .unit = 4096, .epoch_ns = 100000000, .threshold = 16,
		.downsample = 1, .ways = 1, .granularity = 4096, .duration_ns = 1000000000,
		.seed = 1, .workload = NULL, .out = "chmu.aux", .units = 1024,
		.interval_ns = 1000000000,
	};
	const char *sub = NULL;
	unsigned int si = 0;
	int c, ret;

	/* the subcommand comes first, so its options can be checked against it */
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return hm_cmd_chmu_compare(argc - 1, argv + 1);
	if (argc >= 2 && argv[1][0] != '-') {
		sub = argv[1];
		for (si = 0; si < 4 && strcmp(sub, subs[si]); si++)
			;
		if (si == 4)
			return hm_usage_err(CMD, sub, "unknown subcommand (caps, config, decode, "
					    "emulate or compare)");
		argv++;
		argc--;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		ret = 0;
		if (c >= O_PRESET && c <= O_INTERVAL) {
			if (sub && !(takes[c - O_PRESET] >> si & 1)) {
				char name[32];

				snprintf(name, sizeof(name), "--%s", opts[c - O_PRESET].name);
				return hm_usage_err(CMD, name, "not an option of chmu %s", sub);
			}
		}
		switch (c) {
		case O_PRESET:
			o.preset = optarg;
			break;
		case O_JSON:
			o.json = true;
			break;
		case O_CSV:
			o.csv = true;
			break;
		case O_UNIT:
			ret = hm_opt_size(CMD, "--unit", optarg, 256, 1ull << 39, &o.unit);
			o.have_unit = true;
			break;
		case O_DEC:
			if (hm_hdm_parse(optarg, &o.dec))
				return hm_usage_err(CMD, "--decoder", "'%s' is not BASE,SIZE,WAYS,GRAN,"
						    "POS (e.g. 0x4000000000,64G,2,4K,0)", optarg);
			o.have_dec = true;
			break;
		case O_SKIP:
			ret = hm_opt_size(CMD, "--dpa-skip", optarg, 0, UINT64_MAX, &o.dpa_skip);
			o.have_skip = true;
			break;
		case O_WL:
			o.workload = optarg;
			break;
		case O_TRACE:
			o.trace = optarg;
			break;
		case O_TRACKER:
			o.tracker = optarg;
			break;
		case O_MODE:
			if (strcmp(optarg, "epoch") && strcmp(optarg, "always-on"))
				return hm_usage_err(CMD, "--mode", "'%s' is not epoch or always-on",
						    optarg);
			o.always_on = optarg[0] == 'a';
			break;
		case O_EPOCH:
			ret = parse_dur("--epoch", optarg, &o.epoch_ns);
			break;
		case O_THR:
			ret = hm_opt_u64(CMD, "--threshold", optarg, 0, UINT32_MAX, &o.threshold);
			break;
		case O_DS:
			ret = hm_opt_u64(CMD, "--downsample", optarg, 1, 32768, &o.downsample);
			break;
		case O_RANDOM:
			o.random = true;
			break;
		case O_WAYS:
			ret = hm_opt_u64(CMD, "--ways", optarg, 1, MAX_WAYS, &o.ways);
			break;
		case O_GRAN:
			ret = hm_opt_size(CMD, "--granularity", optarg, 256, 16384, &o.granularity);
			break;
		case O_DUR:
			ret = parse_dur("--duration", optarg, &o.duration_ns);
			break;
		case O_SEED:
			ret = hm_opt_u64(CMD, "--seed", optarg, 0, UINT64_MAX, &o.seed);
			break;
		case O_OUT:
			o.out = optarg;
			break;
		case O_ADAPTIVE:
			o.adaptive = true;
			break;
		case O_UNITS:
			ret = hm_opt_u64(CMD, "--units", optarg, 1, 1u << 24, &o.units);
			o.have_units = true;
			break;
		case O_INTERVAL:
			ret = parse_dur("--interval", optarg, &o.interval_ns);
			o.have_interval = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(CMD), false);
			return HM_EXIT_OK;
		default:
			return hm_getopt_err(CMD, c, argv);
		}
		if (ret)
			return ret;
	}
	if (!sub)
		return hm_usage_err(CMD, "-", "missing the subcommand: caps, config, decode, emulate or "
				    "compare");
	if (o.json && o.csv)
		return hm_usage_err(CMD, "--csv", "give --json or --csv, not both");
	switch (si) {
	case 0:
		if (optind != argc)
			return hm_usage_err(CMD, argv[optind], "unexpected argument");
		return cmd_caps(&o);
	case 1:
		if (optind >= argc)
			return hm_usage_err(CMD, "config", "missing the event, e.g. "
					    "'cxl_hmu_mem0.0.0/access_type=6,.../'");
		if (optind + 1 != argc)
			return hm_usage_err(CMD, argv[optind + 1], "unexpected argument (quote the "
					    "event)");
		return cmd_config(&o, argv[optind]);
	case 2:
		if (optind >= argc)
			return hm_usage_err(CMD, "decode", "missing the file (AUX batches or perf's dump)");
		if (optind + 1 != argc)
			return hm_usage_err(CMD, argv[optind + 1], "one file at a time");
		return cmd_decode(&o, argv[optind]);
	default:
		if (optind != argc)
			return hm_usage_err(CMD, argv[optind], "unexpected argument");
		if (!o.adaptive && (o.have_units || o.have_interval))
			return hm_usage_err(CMD, o.have_units ? "--units" : "--interval",
					    "needs --adaptive (the consumer the controller serves)");
		if (!o.workload && !o.trace)
			o.workload = "hotset:size=1G,hot=64M,frac=0.9";
		return cmd_emulate(&o);
	}
}
