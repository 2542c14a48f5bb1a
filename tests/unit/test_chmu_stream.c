// SPDX-License-Identifier: MIT
/*
 * A CHMU read through its AUX stream (lib/chmu/stream.c), against the
 * emulated device driven as a perf event would drive it: batches split
 * anywhere still decode whole; bytes that are not batches are refused and
 * reading starts over; entries become HPA reports through the decoder;
 * with the controller, a threshold no page reaches is lowered, each change
 * comes back as an event to reopen, the device is reprogrammed with it and
 * the reports then name the hot set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_ctl.h>
#include <hotmem/workload.h>

#include "../hm_test.h"

#define MS 1000000ull

struct trail {
	struct hm_chmu_ctl_change c[64];
	unsigned int n;
};

static void logger(void *arg, const struct hm_chmu_ctl_change *c)
{
	struct trail *t = arg;

	if (t->n < 64)
		t->c[t->n++] = *c;
}

/* The emulated device behind a "perf event": drained into AUX bytes. */
struct fake {
	struct hm_chmu *d;
	struct hm_chmu_io io;
	struct hm_chmu_caps c;
	struct hm_chmu_program p;
	uint8_t aux[16 + 8 * 65536];
	size_t len;
	uint64_t t0;
};

static void drain(struct fake *f)
{
	static uint64_t e[65536];
	uint32_t width;
	long n = hm_chmu_drain(&f->io, &f->c, e, &width);

	assert_true(n >= 0);
	if (n > 0 && f->len + 16 + 8 * (size_t)n <= sizeof(f->aux))
		f->len += hm_chmu_aux_encode(e, (uint32_t)n, width, f->aux + f->len);
}

static void on_irq(void *arg, unsigned int inst)
{
	(void)inst;
	drain(arg);
}

static void fake_open(struct fake *f, const struct hm_chmu_event *ev)
{
	char err[256];

	if (hm_chmu_validate(&f->io, &f->c, ev, &f->p, err, sizeof(err)))
		fail_msg("validate: %s", err);
	assert_int_equal(hm_chmu_start(&f->io, &f->c, &f->p), 0);
}

static void fake_new(struct fake *f, const struct hm_chmu_event *ev)
{
	struct hm_chmu_desc desc;
	char err[256];

	memset(f, 0, sizeof(*f));
	hm_chmu_preset("default", &desc);
	desc.capacity = 1ull << 30;
	assert_int_equal(hm_tracker_parse("table:4096", &desc.tracker, err, sizeof(err)), 0);
	f->d = hm_chmu_new(&desc, 5, err, sizeof(err));
	assert_non_null(f->d);
	hm_chmu_emulated_io(f->d, &f->io);
	assert_int_equal(hm_chmu_discover(&f->io, 0, &f->c, NULL), 0);
	hm_chmu_set_irq(f->d, on_irq, f);
	fake_open(f, ev);
	f->t0 = hm_chmu_now(f->d);
}

static void event(struct hm_chmu_event *ev, unsigned int threshold)
{
	char err[256];
	char s[256];

	snprintf(s, sizeof(s), "epoch_type=0,access_type=6,epoch_scale=4,epoch_multiplier=1,"
		 "hotness_threshold=%u,hotness_granual=12", threshold);
	if (hm_chmu_event_parse(s, ev, err, sizeof(err)))
		fail_msg("%s", err);
}

/*
 * 3 s of a 1 MiB hot set (256 pages, 90% of 1 M accesses/s: 350 per page
 * per 100 ms epoch) in 256 MiB, from a threshold of 4000. Every 10 ms the
 * AUX bytes are handed over in two pieces cut at an odd byte.
 */
static void run(bool adaptive, struct trail *t, double *hot_share, uint64_t *reports,
		struct hm_chmu_stream_stats *st, uint32_t *threshold)
{
	struct hm_workload_spec spec;
	struct hm_workload *w;
	struct hm_access buf[4096];
	struct hm_chmu_event ev;
	struct hm_chmu_stream_cfg cfg = { 0 };
	struct hm_chmu_stream *s;
	struct fake *f = calloc(1, sizeof(*f));
	uint64_t next_tick = 10 * MS, hot_lo, hot_hi;
	double hot = 0, all = 0;
	char err[256];
	bool done = false;
	size_t i, k;

	assert_non_null(f);
	event(&ev, 4000);
	fake_new(f, &ev);
	cfg.ev = ev;
	cfg.src = (struct hm_chmu_source){ .node = 1, .source = 2 };
	cfg.adaptive = adaptive;
	cfg.lim = (struct hm_chmu_ctl_limits){ .min_threshold = 1, .max_threshold = 65535,
					       .ds_mask = 0xffff, .min_epoch_ns = 10 * MS,
					       .max_epoch_ns = 1000 * MS, .nr_ranges = 4,
					       .hotlist_size = 1024 };
	cfg.want = (struct hm_chmu_ctl_want){ .units = 256, .interval_ns = 1000 * MS };
	cfg.log = logger;
	cfg.log_arg = t;
	s = hm_chmu_stream_new(&cfg, err, sizeof(err));
	if (!s)
		fail_msg("%s", err);
	assert_int_equal(hm_workload_parse("hotset:size=256M,hot=1M,frac=0.9,rate=1M", &spec,
					   err, sizeof(err)), 0);
	w = hm_workload_new(&spec, 3);
	assert_non_null(w);
	hot_lo = hm_workload_hot_start(w);
	hot_hi = hot_lo + (1u << 20);
	*reports = 0;
	while (!done) {
		hm_workload_fill(w, buf, 4096);
		for (k = 0; k < 4096; k++) {
			const struct hm_access *a = &buf[k];

			while (a->time_ns >= next_tick) {
				struct hm_chmu_event next;
				const struct hm_report *r;
				size_t n, cut = f->len / 2 | 1;

				hm_chmu_advance(f->d, f->t0 + next_tick);
				drain(f);
				if (f->len) {
					assert_int_equal(hm_chmu_stream_aux(s, f->aux, cut, next_tick,
									    err, sizeof(err)), 0);
					assert_int_equal(hm_chmu_stream_aux(s, f->aux + cut,
									    f->len - cut, next_tick,
									    err, sizeof(err)), 0);
					f->len = 0;
				}
				r = hm_chmu_stream_reports(s, &n);
				*reports += n;
				for (i = 0; next_tick > 2000 * MS && i < n; i++) {
					assert_true(r[i].flags & HM_REPORT_PHYS);
					assert_int_equal(r[i].source, 2);
					if (r[i].addr >= hot_lo && r[i].addr < hot_hi)
						hot += r[i].count;
					all += r[i].count;
				}
				if (hm_chmu_stream_tick(s, next_tick, false, &next) == 1) {
					/* what a perf user does: read what is left, close, open anew */
					assert_int_equal(hm_chmu_stop(&f->io, &f->c), 0);
					drain(f);
					assert_int_equal(hm_chmu_stream_aux(s, f->aux, f->len, next_tick,
									    err, sizeof(err)), 0);
					f->len = 0;
					fake_open(f, &next);
					hm_chmu_stream_reopened(s, next_tick);
				}
				next_tick += 10 * MS;
				if (next_tick > 3000 * MS)
					done = true;
			}
			if (done)
				break;
			hm_chmu_advance(f->d, f->t0 + a->time_ns);
			hm_chmu_access(f->d, a->addr, a->flags);
		}
	}
	*hot_share = all > 0 ? hot / all : 0;
	hm_chmu_stream_get_stats(s, st);
	*threshold = hm_chmu_stream_setting(s)->threshold;
	hm_workload_free(w);
	hm_chmu_stream_free(s);
	hm_chmu_free(f->d);
	free(f);
}

static void test_adaptive_reopens(void **state)
{
	static struct trail t1, t2;
	struct hm_chmu_stream_stats st;
	uint64_t reports, r2;
	uint32_t thr;
	double share, s2;

	(void)state;
	t1.n = 0;
	run(false, &t1, &share, &reports, &st, &thr);
	assert_int_equal(reports, 0);		/* nothing reaches 4000 */
	assert_int_equal(st.reprograms, 0);
	assert_int_equal(t1.n, 0);
	t1.n = 0;
	run(true, &t1, &share, &reports, &st, &thr);
	print_message("# adaptive: %llu reports, hot share %.3f, %llu reprograms, %llu epochs, "
		      "threshold %u\n", (unsigned long long)reports, share,
		      (unsigned long long)st.reprograms, (unsigned long long)st.epochs, thr);
	for (unsigned int i = 0; i < t1.n; i++) {
		char line[256];

		hm_chmu_ctl_change_format(&t1.c[i], line, sizeof(line));
		print_message("#   %s\n", line);
	}
	assert_true(reports > 1000);
	assert_true(share > 0.85);
	assert_true(st.reprograms >= 1);
	assert_true(st.epochs > 10);
	assert_int_equal(st.bad, 0);
	assert_true(thr < 4000);
	assert_true(t1.n >= 1);
	assert_int_equal(t1.c[0].knob, HM_CHMU_CTL_THRESHOLD);
	assert_int_equal(t1.c[0].from, 4000);
	/* the same stream gives the same decisions */
	t2.n = 0;
	run(true, &t2, &s2, &r2, &st, &thr);
	assert_int_equal(r2, reports);
	assert_int_equal(t2.n, t1.n);
	assert_memory_equal(t1.c, t2.c, t1.n * sizeof(t1.c[0]));
}

/* Framing: split batches, garbage refused and then recovered from, the decoder. */
static void test_framing_and_decoder(void **state)
{
	struct hm_hdm_decoder dec = { .hpa_base = 1ull << 32, .hpa_size = 1ull << 30, .ways = 2,
				      .granularity = 4096, .position = 1 };
	struct hm_chmu_stream_cfg cfg = { 0 };
	struct hm_chmu_stream_stats st;
	struct hm_chmu_stream *s;
	const struct hm_report *r;
	uint64_t e[3] = { 1ull << 16 | 7, 2ull << 16 | 9, (1ull << 40) << 16 | 1 };
	uint8_t b[64], junk[24];
	char err[256] = "";
	size_t n, len, i;

	(void)state;
	event(&cfg.ev, 1);
	cfg.src = (struct hm_chmu_source){ .dec = &dec, .node = 1, .source = 3 };
	s = hm_chmu_stream_new(&cfg, err, sizeof(err));
	assert_non_null(s);
	len = hm_chmu_aux_encode(e, 2, 16, b);
	/* a byte at a time: nothing until the batch is whole */
	for (i = 0; i + 1 < len; i++) {
		assert_int_equal(hm_chmu_stream_aux(s, b + i, 1, 5, err, sizeof(err)), 0);
		hm_chmu_stream_reports(s, &n);
		assert_int_equal(n, 0);
	}
	assert_int_equal(hm_chmu_stream_aux(s, b + i, 1, 5, err, sizeof(err)), 0);
	r = hm_chmu_stream_reports(s, &n);
	assert_int_equal(n, 2);
	/* DPA unit 1 on way 1 of 2 at 4 KiB: HPA base + (1 x 2 + 1) x 4 KiB */
	assert_int_equal(r[0].addr, (1ull << 32) + 3 * 4096);
	assert_int_equal(r[0].count, 7);
	assert_int_equal(r[0].size, 4096);
	assert_int_equal(r[0].node, 1);
	assert_int_equal(r[0].time_ns, 5);
	assert_int_equal(r[1].addr, (1ull << 32) + 5 * 4096);
	/* not batches: refused, said why, and reading starts over */
	memset(junk, 0x41, sizeof(junk));
	assert_int_equal(hm_chmu_stream_aux(s, junk, sizeof(junk), 6, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "header marker"));
	assert_int_equal(hm_chmu_stream_aux(s, b, len, 7, err, sizeof(err)), 0);
	hm_chmu_stream_reports(s, &n);
	assert_int_equal(n, 2);
	/* a unit past the decoder: counted, not reported */
	len = hm_chmu_aux_encode(e + 2, 1, 16, b);
	assert_int_equal(hm_chmu_stream_aux(s, b, len, 8, err, sizeof(err)), 0);
	hm_chmu_stream_reports(s, &n);
	assert_int_equal(n, 0);
	hm_chmu_stream_get_stats(s, &st);
	assert_int_equal(st.batches, 3);
	assert_int_equal(st.outside, 1);
	assert_int_equal(st.bad, 1);
	assert_int_equal(st.reports, 4);
	/* without a controller, ticking never asks for a new event */
	{
		struct hm_chmu_event next;

		assert_int_equal(hm_chmu_stream_tick(s, 10000 * MS, true, &next), 0);
	}
	hm_chmu_stream_free(s);
}

static void test_refused(void **state)
{
	struct hm_chmu_stream_cfg cfg = { 0 };
	char err[256] = "";

	(void)state;
	event(&cfg.ev, 1);
	hm_chmu_event_set(&cfg.ev, HM_CHMU_F_EPOCH_TYPE, 1);
	assert_null(hm_chmu_stream_new(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "always-on"));
	event(&cfg.ev, 1);
	cfg.adaptive = true;
	cfg.want.units = 10;
	cfg.want.max_ranges = 2;
	assert_null(hm_chmu_stream_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "max_ranges"));
	cfg.want.max_ranges = 0;	/* limits that allow nothing */
	assert_null(hm_chmu_stream_new(&cfg, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adaptive_reopens),
		cmocka_unit_test(test_framing_and_decoder),
		cmocka_unit_test(test_refused),
	};

	return hm_run_tests(tests);
}
