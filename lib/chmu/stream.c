// SPDX-License-Identifier: MIT
/*
 * A CHMU read the way a host reads a real one: through the perf AUX stream
 * of the Linux RFC driver's cxl_hmu PMU (include/hotmem/chmu_ctl.h). The
 * AUX bytes arrive in any split; whole batches become reports; with a
 * controller, an epoch's worth of them is judged and a new event handed
 * back, which the caller opens in place of the old one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_ctl.h>
#include <hotmem/parse.h>

#include "internal.h"

struct hm_chmu_stream {
	struct hm_chmu_stream_cfg cfg;
	struct hm_hdm_decoder dec;
	struct hm_chmu_ctl *ctl;
	struct hm_chmu_ctl_setting set;
	uint8_t *carry;			/* the start of a batch not yet whole */
	size_t nr_carry, cap_carry;
	struct hm__reps rep;		/* reports since the caller took them */
	struct hm__reps ep;		/* this epoch's reports, for the controller */
	struct hm_chmu_ctl_unit *u;
	size_t cap_u;
	uint64_t epoch_start, now;
	bool started;			/* epoch_start is set */
	bool overflow;
	int err;
	struct hm_chmu_stream_stats st;
};

/* The setting @ev states, as the controller names it. */
static void setting_of(const struct hm_chmu_event *ev, struct hm_chmu_ctl_setting *s)
{
	memset(s, 0, sizeof(*s));
	s->threshold = (uint32_t)hm_chmu_event_get(ev, HM_CHMU_F_THRESHOLD);
	s->ds_log2 = (uint32_t)hm_chmu_event_get(ev, HM_CHMU_F_DS_FACTOR);
	s->epoch_ns = hm_chmu_epoch_ns((unsigned int)hm_chmu_event_get(ev, HM_CHMU_F_EPOCH_SCALE),
				       (unsigned int)hm_chmu_event_get(ev, HM_CHMU_F_EPOCH_MULT));
}

struct hm_chmu_stream *hm_chmu_stream_new(const struct hm_chmu_stream_cfg *cfg, char *err,
					  size_t errlen)
{
	struct hm_chmu_stream *s;
	struct hm_chmu_ctl_setting start;

	if (cfg->adaptive && cfg->want.max_ranges) {
		hm_errmsg(err, errlen, "max_ranges: the event states one run of ranges, not a "
			  "bitmap of them");
		errno = EINVAL;
		return NULL;
	}
	if (hm_chmu_event_get(&cfg->ev, HM_CHMU_F_EPOCH_TYPE)) {
		hm_errmsg(err, errlen, "epoch_type: the stream judges epochs; always-on has none");
		errno = EINVAL;
		return NULL;
	}
	setting_of(&cfg->ev, &start);
	if (!start.epoch_ns) {
		hm_errmsg(err, errlen, "epoch_scale, epoch_multiplier: no epoch length");
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	if (cfg->src.dec) {
		s->dec = *cfg->src.dec;
		s->cfg.src.dec = &s->dec;
	}
	s->cfg.src.unit_log2 = (uint32_t)hm_chmu_event_get(&cfg->ev, HM_CHMU_F_GRANUAL);
	if (!s->cfg.src.unit_log2)
		s->cfg.src.unit_log2 = 12;
	s->set = start;
	if (cfg->adaptive) {
		s->ctl = hm_chmu_ctl_new(&cfg->lim, &cfg->want, &start, cfg->log, cfg->log_arg);
		if (!s->ctl) {
			int e = errno;

			hm_errmsg(err, errlen, "the controller takes no such limits or wants");
			free(s);
			errno = e;
			return NULL;
		}
		s->set = *hm_chmu_ctl_get(s->ctl);
	}
	return s;
}

void hm_chmu_stream_free(struct hm_chmu_stream *s)
{
	if (!s)
		return;
	hm_chmu_ctl_free(s->ctl);
	free(s->carry);
	free(s->rep.r);
	free(s->ep.r);
	free(s->u);
	free(s);
}

static int on_batch(void *arg, uint32_t batch, uint32_t width, const uint64_t *e, uint32_t n)
{
	struct hm_chmu_stream *s = arg;
	struct hm_chmu_source src = s->cfg.src;
	size_t per = s->dec.granularity && (1ull << src.unit_log2) > s->dec.granularity ?
			     (1ull << src.unit_log2) / s->dec.granularity : 1;
	long k;

	(void)batch;
	s->st.batches++;
	s->st.entries += n;
	if (!n)
		return 0;
	/* straight into the caller's reports, then a copy for the controller */
	if (hm__grow(&s->rep.r, &s->rep.cap, s->rep.n + (size_t)n * per, sizeof(*s->rep.r))) {
		s->err = -ENOMEM;
		return 1;
	}
	src.time_ns = s->now;
	k = hm_chmu_reports(&src, e, n, width, s->rep.r + s->rep.n, (size_t)n * per);
	if (k == -ERANGE) {
		s->st.outside++;
		return 0;
	}
	if (k < 0 || (s->ctl && hm__reps_push(&s->ep, s->rep.r + s->rep.n, (size_t)k))) {
		s->err = k < 0 ? (int)k : -ENOMEM;
		return 1;
	}
	s->rep.n += (size_t)k;
	s->st.reports += (uint64_t)k;
	return 0;
}

int hm_chmu_stream_aux(struct hm_chmu_stream *s, const uint8_t *buf, size_t len, uint64_t now_ns,
		       char *err, size_t errlen)
{
	size_t off = 0;

	s->now = now_ns;
	if (!s->started) {
		s->epoch_start = now_ns;
		s->started = true;
	}
	if (!len)
		return 0;
	if (hm__grow(&s->carry, &s->cap_carry, s->nr_carry + len, 1))
		return -ENOMEM;
	memcpy(s->carry + s->nr_carry, buf, len);
	s->nr_carry += len;
	/* whole batches only: a batch is 16 bytes of header and 8 per entry */
	while (s->nr_carry - off >= 16) {
		const uint8_t *h = s->carry + off;
		size_t need = 16 + 8 * (size_t)(h[0] | h[1] << 8);
		uint64_t magic = 0;
		long ret;
		int b;

		for (b = 7; b >= 0; b--)
			magic = magic << 8 | h[8 + b];
		if (magic != HM_CHMU_AUX_MAGIC || h[3] || h[4] || h[5] || h[6] || h[7])
			need = 16;	/* not a header: let the decoder say what is wrong */
		else if (s->nr_carry - off < need)
			break;
		s->err = 0;
		ret = hm_chmu_aux_decode(s->carry + off, need, on_batch, s, err, errlen);
		if (ret < 0 || s->err) {
			/* a stream that lost its framing cannot be read on: start over */
			s->nr_carry = 0;
			s->st.bad++;
			if (s->err == -ENOMEM)
				return -ENOMEM;
			if (ret >= 0)
				hm_errmsg(err, errlen, "a batch's units fall outside the decoder");
			return -EINVAL;
		}
		off += need;
	}
	if (off && s->nr_carry > off)
		memmove(s->carry, s->carry + off, s->nr_carry - off);
	s->nr_carry -= off;
	return 0;
}

const struct hm_report *hm_chmu_stream_reports(struct hm_chmu_stream *s, size_t *n)
{
	*n = s->rep.n;
	s->rep.n = 0;
	return s->rep.r;
}

int hm_chmu_stream_tick(struct hm_chmu_stream *s, uint64_t now_ns, bool overflow,
			struct hm_chmu_event *next)
{
	struct hm_chmu_ctl_obs obs = { .unit_log2 = s->cfg.src.unit_log2 };
	struct hm_chmu_ctl_setting want;
	unsigned int scale, mult;
	long n;
	int ret;

	s->overflow |= overflow;
	if (!s->started) {
		s->epoch_start = now_ns;
		s->started = true;
	}
	/*
	 * The device ends its epoch a little after the host's clock says so
	 * (enabling takes time), and its last batch comes with the read after
	 * that: judge at the first tick strictly past an epoch, on everything
	 * read since the last judgement.
	 */
	if (!s->ctl || now_ns - s->epoch_start <= s->set.epoch_ns)
		return 0;
	n = hm_chmu_ctl_units(s->ep.r, s->ep.n, obs.unit_log2, s->cfg.src.dec,
			      s->cfg.src.dec ? s->cfg.src.dpa_base : 0, &s->u, &s->cap_u);
	s->ep.n = 0;
	if (n < 0)
		return (int)n;
	obs.units = s->u;
	obs.nr_units = (size_t)n;
	obs.overflow = s->overflow;
	obs.max_count = s->cfg.lim.max_threshold;
	s->overflow = false;
	s->epoch_start = now_ns;
	s->st.epochs++;
	ret = hm_chmu_ctl_step(s->ctl, &obs, &want);
	if (ret <= 0)
		return ret;
	if (hm_chmu_epoch_encode(want.epoch_ns, &scale, &mult))
		return -EINVAL;
	*next = s->cfg.ev;
	hm_chmu_event_set(next, HM_CHMU_F_EPOCH_SCALE, scale);
	hm_chmu_event_set(next, HM_CHMU_F_EPOCH_MULT, mult);
	hm_chmu_event_set(next, HM_CHMU_F_DS_FACTOR, want.ds_log2);
	hm_chmu_event_set(next, HM_CHMU_F_THRESHOLD, want.threshold);
	/*
	 * The event states one run of ranges (range_base, range_size); a bitmap
	 * of them would need the driver to take one. The stream's controller
	 * is made without max_ranges, so it keeps every range on.
	 */
	s->set = want;
	s->set.epoch_ns = hm_chmu_epoch_ns(scale, mult);
	s->cfg.ev = *next;
	s->st.reprograms++;
	return 1;
}

void hm_chmu_stream_reopened(struct hm_chmu_stream *s, uint64_t now_ns)
{
	s->epoch_start = now_ns;
	s->started = true;
	s->nr_carry = 0;
}

const struct hm_chmu_ctl_setting *hm_chmu_stream_setting(const struct hm_chmu_stream *s)
{
	return &s->set;
}

void hm_chmu_stream_get_stats(const struct hm_chmu_stream *s, struct hm_chmu_stream_stats *st)
{
	*st = s->st;
}
