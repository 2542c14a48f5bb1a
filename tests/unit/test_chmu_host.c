// SPDX-License-Identifier: MIT
/*
 * The CHMU host driver against the emulated device: discovery, validation
 * with the corrected rules and defaults (every rejection names its field
 * and what is allowed), the register values it programs for the RFC's
 * example event, the start/drain/stop sequence with interrupt-driven
 * draining across ring wrap-around, and its failure paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>
#include <hotmem/chmu_host.h>

#include "../hm_test.h"

#define RFC_EVENT                                                                        \
	"cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,hotness_threshold=1024,"            \
	"epoch_multiplier=4,epoch_scale=4,range_base=0,range_size=1024,hotness_granual=12/"

struct rig {
	struct hm_chmu *d;
	struct hm_chmu_io io;
	struct hm_chmu_caps c;
};

static void rig_up(struct rig *r, const char *preset, void (*tweak)(struct hm_chmu_desc *))
{
	struct hm_chmu_desc desc;
	char err[256];

	assert_int_equal(hm_chmu_preset(preset, &desc), 0);
	if (tweak)
		tweak(&desc);
	r->d = hm_chmu_new(&desc, 3, err, sizeof(err));
	assert_non_null(r->d);
	hm_chmu_emulated_io(r->d, &r->io);
	assert_int_equal(hm_chmu_discover(&r->io, 0, &r->c, NULL), 0);
}

static int check(struct rig *r, const char *event, struct hm_chmu_program *p, char *err,
		 size_t len)
{
	struct hm_chmu_event ev;

	assert_int_equal(hm_chmu_event_parse(event, &ev, err, len), 0);
	return hm_chmu_validate(&r->io, &r->c, &ev, p, err, len);
}

static void refused(struct rig *r, const char *event, const char *want)
{
	struct hm_chmu_program p;
	char err[512] = "";

	assert_int_equal(check(r, event, &p, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s': '%s' lacks '%s'", event, err, want);
}

static void two(struct hm_chmu_desc *d)
{
	d->nr_instances = 2;
}

static void test_discover(void **state)
{
	struct rig r;
	struct hm_chmu_caps c;
	unsigned int n;
	uint64_t len;

	(void)state;
	rig_up(&r, "default", two);
	assert_int_equal(hm_chmu_discover(&r.io, 1, &c, &n), 0);
	assert_int_equal(n, 2);
	hm_chmu_read64(r.d, HM_CHMU_COMMON_CAP1, &len);
	assert_int_equal(c.base, 0x10 + len);
	assert_int_equal(c.hotlist_size, 1024);
	assert_int_equal(c.nr_ranges, 1024);
	assert_int_equal(c.bitmap_off, 0x70);
	assert_int_equal(hm_chmu_discover(&r.io, 2, &c, &n), -ENODEV);
	hm_chmu_free(r.d);
}

/* The RFC's example event on the default device: the registers it programs. */
static void test_rfc_event(void **state)
{
	struct hm_chmu_program p;
	struct rig r;
	char err[512] = "";
	uint64_t cfg1;

	(void)state;
	rig_up(&r, "default", NULL);
	hm_chmu_write64(r.d, r.c.base + HM_CHMU_CFG1, 13);
	if (check(&r, RFC_EVENT, &p, err, sizeof(err)))
		fail_msg("refused: %s", err);
	assert_int_equal(p.width, 16);
	assert_int_equal(p.unit_log2, 12);
	assert_int_equal(p.ds_log2, 0);		/* not given: the smallest supported */
	assert_int_equal(p.cfg0, 6 | HM_CHMU_CFG0_IRQ_OVERFLOW | HM_CHMU_CFG0_IRQ_FILL |
					 HM_CHMU_CFG0_ENABLE | 1024ull << 32);
	assert_int_equal(p.cfg1, 12 | 0ull << 40 | 4ull << 48 | 4ull << 52);
	assert_int_equal(p.cfg2, 512);		/* half the hotlist, as the RFC does */
	assert_int_equal(p.range_first, 0);
	assert_int_equal(p.nr_ranges, 1024);
	/* validation probed the width and put configuration 1 back */
	hm_chmu_read64(r.d, r.c.base + HM_CHMU_CFG1, &cfg1);
	assert_int_equal(cfg1, 13);
	/* range_size 0: every range from base on */
	assert_int_equal(check(&r, "access_type=6,range_base=1000", &p, err, sizeof(err)), 0);
	assert_int_equal(p.range_first, 1000);
	assert_int_equal(p.nr_ranges, 24);
	/* both epoch fields 0: the device's minimum (100 us) */
	assert_int_equal(HM_CHMU_CFG1_SCALE(p.cfg1), 1);
	assert_int_equal(HM_CHMU_CFG1_MULT(p.cfg1), 1);
	hm_chmu_free(r.d);
}

static void no_random(struct hm_chmu_desc *d)
{
	d->random_ds = false;
}

static void test_refusals(void **state)
{
	struct hm_chmu_program p;
	struct rig r;
	char err[512];

	(void)state;
	rig_up(&r, "default", NULL);
	/* the documented example's downsampling_factor=32 is read as log2 */
	refused(&r, "cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,hotness_threshold=1024,"
		    "epoch_multiplier=4,epoch_scale=4,range_base=0,range_size=1024,"
		    "randomized_downsampling=0,downsampling_factor=32,hotness_granual=12/",
		"downsampling_factor: 32 is a log2 (a factor of 2^32) and the field takes 0-15");
	refused(&r, "access_type=6,hotness_threshold=70000",
		"hotness_threshold: 70000 does not fit the 16-bit counter (at most 65535)");
	refused(&r, "access_type=6,hotness_granual=7", "hotness_granual: 7 is not a supported");
	refused(&r, "access_type=6,hotness_granual=30", "this device supports 8 (256 B) to 21 (2 MiB)");
	refused(&r, "access_type=6,epoch_scale=7,epoch_multiplier=1",
		"epoch_scale: 7; expected 1 (100 us)");
	refused(&r, "access_type=6,epoch_scale=3", "epoch_multiplier: 0; expected 1-4095");
	refused(&r, "access_type=6,epoch_type=2", "epoch_type: 2; expected 0 (epoch-based) or 1");
	refused(&r, "epoch_type=0", "access_type: missing; this device tracks 1 (non-TEE read)");
	refused(&r, "access_type=7", "access_type: 7 is not supported");
	refused(&r, "access_type=6,range_base=1000,range_size=100",
		"range_base, range_size: 1000 + 100 ranges of 256 MiB go past this device's 1024");
	hm_chmu_free(r.d);

	rig_up(&r, "qemu", NULL);
	refused(&r, RFC_EVENT, "access_type: 6 is not supported; this device tracks 1 (non-TEE "
			       "read), 2 (non-TEE write), 3 (non-TEE read/write)");
	refused(&r, "access_type=3,epoch_type=1", "epoch_type: 1 (always on) is not supported");
	refused(&r, "access_type=3,hotness_granual=21",
		"this device supports 12 (4 KiB), 13 (8 KiB)");
	refused(&r, "access_type=3,epoch_scale=1,epoch_multiplier=1",
		"epoch_scale, epoch_multiplier: 1 x 1 (100 us) is outside this device's epochs, "
		"100 ms to 100 s");
	refused(&r, "access_type=3,downsampling_factor=2",
		"downsampling_factor: 2 (1 in 4) is not supported; this device supports 0 (1 in 1)");
	/* the RFC's default unit was 8 + ffs(): 8 KiB on this mask; the right one is 4 KiB */
	assert_int_equal(check(&r, "access_type=3", &p, err, sizeof(err)), 0);
	assert_int_equal(p.unit_log2, 12);
	hm_chmu_free(r.d);

	rig_up(&r, "default", no_random);
	refused(&r, "access_type=6,randomized_downsampling=1",
		"randomized_downsampling: 1 is not supported by this device");
	hm_chmu_free(r.d);
}

struct sink {
	struct rig *r;
	uint64_t e[4096];
	uint32_t n;
	uint32_t drains;
};

static void on_irq(void *arg, unsigned int inst)
{
	struct sink *s = arg;
	long n;

	(void)inst;
	n = hm_chmu_drain(&s->r->io, &s->r->c, s->e + s->n, NULL);
	assert_true(n >= 0);
	s->n += (uint32_t)n;
	s->drains++;
}

static void small_ring(struct hm_chmu_desc *d)
{
	d->hotlist_size = 8;
	d->tracker.kind = HM_TRACKER_EXACT;
}

/*
 * The whole sequence on an 8-entry ring (it holds 7) with 20 hot units per
 * epoch: the fill interrupt (above 4) drains while the epoch is reported,
 * the ring wraps several times, and nothing is dropped.
 */
static void test_sequence(void **state)
{
	static struct sink s;
	struct hm_chmu_program p;
	struct hm_chmu_stats st;
	struct rig r;
	char err[512] = "";
	uint64_t status;
	uint32_t i, u, w;

	(void)state;
	rig_up(&r, "default", small_ring);
	memset(&s, 0, sizeof(s));
	s.r = &r;
	hm_chmu_set_irq(r.d, on_irq, &s);
	if (check(&r, "access_type=6,epoch_scale=2,epoch_multiplier=1,hotness_threshold=2,"
		      "hotness_granual=12", &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p.cfg2, 4);
	assert_int_equal(hm_chmu_start(&r.io, &r.c, &p), 0);
	for (u = 0; u < 20; u++)
		for (i = 0; i < 3; i++)
			hm_chmu_access(r.d, u * 4096ull, 0);
	hm_chmu_advance(r.d, hm_chmu_now(r.d) + 1000000);
	/* what is left below the fill level is polled */
	s.n += (uint32_t)hm_chmu_drain(&r.io, &r.c, s.e + s.n, &w);
	assert_int_equal(w, 16);
	assert_int_equal(s.n, 20);
	for (u = 0; u < 20; u++)
		assert_int_equal(s.e[u], (uint64_t)u << 16 | 3);
	assert_true(s.drains >= 3);
	hm_chmu_get_stats(r.d, 0, &st);
	assert_int_equal(st.dropped, 0);
	/* the drain cleared the status bits */
	hm_chmu_read64(r.d, r.c.base + HM_CHMU_STATUS, &status);
	assert_false(status & (HM_CHMU_STATUS_FILL | HM_CHMU_STATUS_OVERFLOW));
	/* enabled: validation refuses to touch it */
	assert_int_equal(check(&r, "access_type=6", &p, err, sizeof(err)), -EBUSY);
	assert_int_equal(hm_chmu_stop(&r.io, &r.c), 0);
	hm_chmu_read64(r.d, r.c.base + HM_CHMU_STATUS, &status);
	assert_false(status & HM_CHMU_STATUS_ENABLED);
	hm_chmu_free(r.d);
}

/* A sparse range bitmap (hm_chmu_program.ranges) reaches the device as given. */
static void test_sparse_ranges(void **state)
{
	static const uint64_t words[16] = { 0x5, [1] = 1ull << 63 };	/* ranges 0, 2, 127 */
	struct hm_chmu_program p;
	struct hm_chmu_stats st;
	struct rig r;
	char err[512] = "";
	uint64_t bits;
	uint32_t k;

	(void)state;
	rig_up(&r, "default", NULL);
	if (check(&r, "access_type=6,hotness_threshold=1,hotness_granual=12", &p, err,
		  sizeof(err)))
		fail_msg("%s", err);
	assert_null(p.ranges);
	p.ranges = words;
	assert_int_equal(hm_chmu_start(&r.io, &r.c, &p), 0);
	hm_chmu_read64(r.d, r.c.base + r.c.bitmap_off, &bits);
	assert_int_equal(bits, 0x5);
	hm_chmu_read64(r.d, r.c.base + r.c.bitmap_off + 8, &bits);
	assert_int_equal(bits, 1ull << 63);
	hm_chmu_read64(r.d, r.c.base + r.c.bitmap_off + 16, &bits);
	assert_int_equal(bits, 0);
	/* one access in each of ranges 0 to 3, and one in range 127: 1 and 3 are filtered */
	for (k = 0; k < 4; k++)
		hm_chmu_access(r.d, (uint64_t)k << HM_CHMU_RANGE_SHIFT, 0);
	hm_chmu_access(r.d, 127ull << HM_CHMU_RANGE_SHIFT, 0);
	hm_chmu_get_stats(r.d, 0, &st);
	assert_int_equal(st.range_filtered, 2);
	assert_int_equal(st.counted, 3);
	hm_chmu_free(r.d);
}

static void slow_ops(struct hm_chmu_desc *d)
{
	d->op_delay_ns = 200000000;	/* 200 ms: past the driver's 100 ms */
}

static void test_failures(void **state)
{
	struct hm_chmu_program p;
	struct rig r;
	char err[512];

	(void)state;
	/* a device that does not enable: its configuration was refused */
	rig_up(&r, "qemu", NULL);
	assert_int_equal(check(&r, "access_type=3", &p, err, sizeof(err)), 0);
	p.cfg0 = (p.cfg0 & ~0xffull) | 6;	/* past validation, as a buggy driver might */
	assert_int_equal(hm_chmu_start(&r.io, &r.c, &p), -ENODEV);
	assert_string_equal(hm_chmu_last_error(r.d, 0), "access type 6 is not supported");
	hm_chmu_free(r.d);
	/* an operation that outlasts the driver's patience */
	rig_up(&r, "default", slow_ops);
	assert_int_equal(check(&r, "access_type=6", &p, err, sizeof(err)), 0);
	assert_int_equal(hm_chmu_start(&r.io, &r.c, &p), -ETIMEDOUT);
	hm_chmu_free(r.d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discover),
		cmocka_unit_test(test_rfc_event),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_sparse_ranges),
		cmocka_unit_test(test_failures),
	};

	return hm_run_tests(tests);
}
