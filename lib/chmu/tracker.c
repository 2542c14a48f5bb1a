// SPDX-License-Identifier: MIT
/*
 * The CHMU's trackers: what counts accesses per unit inside a resource
 * budget. A real device cannot keep a counter for every unit of a terabyte;
 * each tracker here is one way hardware can cope, with its own error:
 *
 *   exact   a counter per unit touched, unbounded: the ground truth.
 *   table   N counters handed out on first touch; once they are gone, new
 *           units are not counted at all (the exhaustion no register shows).
 *   cms     a Count-Min sketch (D rows of W counters, conservative update)
 *           never undercounts and overcounts by at most e/W of the stream
 *           with probability 1 - e^-D; it cannot list units, so K candidate
 *           ids, the units with the highest estimates, are kept alongside.
 *   topk    Space-Saving with K counters: a new unit takes the smallest
 *           counter and its count; counts never undercount, overcount by at
 *           most the inherited count, and every unit with more than N/K of
 *           the stream's N accesses is held.
 *   lfu     sets x ways counters, a unit hashed to a set; a miss on a full
 *           set evicts the way with the smallest count and starts from 0.
 *
 * Counters saturate at the device's counter width.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu.h>
#include <hotmem/parse.h>
#include <hotmem/rand.h>

#define ID_BYTES 8
#define COUNTER_BYTES 4
#define MAX_ENTRIES (1u << 28)

/* ---- a unit-keyed hash map: open addressing, linear probing ---------------- */

/* The heaps' position maps: unit -> index in the heap (in aux). */
struct slot {
	uint64_t key;		/* unit + 1; 0 is empty */
	uint32_t count;
	uint32_t aux;		/* the heap position */
};

struct map {
	struct slot *s;
	uint32_t mask;
	uint32_t shift;
	uint32_t used;
};

static inline uint32_t map_home(const struct map *m, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> m->shift) & m->mask;
}

static int map_init(struct map *m, uint32_t min_slots)
{
	uint32_t n = 16, bits = 4;

	while (n < min_slots) {
		n <<= 1;
		bits++;
	}
	m->s = calloc(n, sizeof(*m->s));
	if (!m->s)
		return -ENOMEM;
	m->mask = n - 1;
	m->shift = 64 - bits;
	m->used = 0;
	return 0;
}

static void map_free(struct map *m)
{
	free(m->s);
	m->s = NULL;
}

static void map_clear(struct map *m)
{
	memset(m->s, 0, ((size_t)m->mask + 1) * sizeof(*m->s));
	m->used = 0;
}



static inline struct slot *map_find(const struct map *m, uint64_t unit)
{
	uint64_t key = unit + 1;
	uint32_t i = map_home(m, key);

	for (;; i = (i + 1) & m->mask) {
		struct slot *s = &m->s[i];

		if (s->key == key)
			return s;
		if (!s->key)
			return NULL;
	}
}

/* The slot for @unit, new (zeroed, key set) if absent; the map must have room. */
static inline struct slot *map_insert(struct map *m, uint64_t unit, bool *fresh)
{
	uint64_t key = unit + 1;
	uint32_t i = map_home(m, key);

	for (;; i = (i + 1) & m->mask) {
		struct slot *s = &m->s[i];

		if (s->key == key) {
			*fresh = false;
			return s;
		}
		if (!s->key) {
			s->key = key;
			m->used++;
			*fresh = true;
			return s;
		}
	}
}

/*
 * Remove @s; backward-shift the cluster after it so lookups still work.
 * @moved, if set, hears of each entry that moved (the slot it now has).
 */
static void map_remove(struct map *m, struct slot *s, void (*moved)(void *, uint32_t),
		       void *arg)
{
	uint32_t i = (uint32_t)(s - m->s), j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & m->mask;
		if (!m->s[j].key)
			break;
		home = map_home(m, m->s[j].key);
		/* may the entry at j move to the hole at i? only if i lies on its path */
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->s[i] = m->s[j];
			if (moved)
				moved(arg, i);
			i = j;
		}
	}
	memset(&m->s[i], 0, sizeof(m->s[i]));
	m->used--;
}

/* ---- the counters of exact and table: 8-byte slots ---------------------------- */

/*
 * A slot is the unit's low 32 bits and its count: eight to a cache line,
 * which is what keeps a table fast. A count is never 0 while the slot is
 * used, so 0 marks it empty. The units' high halves live in @hi, created
 * the first time a unit of 2^32 or more is counted and read only then.
 * First-touch times (per-counter epochs) live in @first, which probing
 * never touches.
 */
struct cslot {
	uint32_t lo;
	uint32_t count;
};

struct cmap {
	struct cslot *s;
	uint32_t *hi;
	uint64_t *first;
	uint32_t mask;
	uint32_t shift;
	uint32_t used;
};

static int cmap_init(struct cmap *m, uint32_t min_slots)
{
	uint32_t n = 16, bits = 4;

	while (n < min_slots) {
		n <<= 1;
		bits++;
	}
	m->s = calloc(n, sizeof(*m->s));
	m->first = calloc(n, sizeof(*m->first));
	m->hi = NULL;
	if (!m->s || !m->first) {
		free(m->s);
		free(m->first);
		m->s = NULL;
		m->first = NULL;
		return -ENOMEM;
	}
	m->mask = n - 1;
	m->shift = 64 - bits;
	m->used = 0;
	return 0;
}

static void cmap_free(struct cmap *m)
{
	free(m->s);
	free(m->hi);
	free(m->first);
	m->s = NULL;
	m->hi = NULL;
	m->first = NULL;
}

static void cmap_clear(struct cmap *m)
{
	memset(m->s, 0, ((size_t)m->mask + 1) * sizeof(*m->s));
	m->used = 0;
}

static inline uint32_t cmap_home(const struct cmap *m, uint64_t unit)
{
	return (uint32_t)(((unit + 1) * 0x9e3779b97f4a7c15ull) >> m->shift) & m->mask;
}

static inline uint64_t cmap_unit(const struct cmap *m, uint32_t i)
{
	return (m->hi ? (uint64_t)m->hi[i] << 32 : 0) | m->s[i].lo;
}

static inline bool cmap_is(const struct cmap *m, uint32_t i, uint64_t unit)
{
	return m->s[i].count && m->s[i].lo == (uint32_t)unit &&
	       (!m->hi ? !(unit >> 32) : m->hi[i] == (uint32_t)(unit >> 32));
}

/* The slot of @unit, or -1. */
static inline int64_t cmap_find(const struct cmap *m, uint64_t unit)
{
	uint32_t i = cmap_home(m, unit);

	for (;; i = (i + 1) & m->mask) {
		if (cmap_is(m, i, unit))
			return i;
		if (!m->s[i].count)
			return -1;
	}
}

/* A new slot for @unit (not present; the map has room): count it later. */
static int64_t cmap_insert(struct cmap *m, uint64_t unit)
{
	uint32_t i = cmap_home(m, unit);

	if ((unit >> 32) && !m->hi) {
		m->hi = calloc((size_t)m->mask + 1, sizeof(*m->hi));
		if (!m->hi)
			return -1;
	}
	while (m->s[i].count)
		i = (i + 1) & m->mask;
	m->s[i].lo = (uint32_t)unit;
	if (m->hi)
		m->hi[i] = (uint32_t)(unit >> 32);
	m->used++;
	return i;
}

/* Remove slot @i, shifting the cluster after it back (see map_remove). */
static void cmap_remove(struct cmap *m, uint32_t i)
{
	uint32_t j = i, home;

	for (;;) {
		j = (j + 1) & m->mask;
		if (!m->s[j].count)
			break;
		home = cmap_home(m, cmap_unit(m, j));
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->s[i] = m->s[j];
			m->first[i] = m->first[j];
			if (m->hi)
				m->hi[i] = m->hi[j];
			i = j;
		}
	}
	m->s[i].count = 0;
	m->used--;
}

static int cmap_grow(struct cmap *m)
{
	struct cmap n;
	uint32_t i;
	int64_t k;

	if (cmap_init(&n, (m->mask + 1) * 2))
		return -ENOMEM;
	for (i = 0; i <= m->mask; i++) {
		if (!m->s[i].count)
			continue;
		k = cmap_insert(&n, cmap_unit(m, i));
		if (k < 0) {
			cmap_free(&n);
			return -ENOMEM;
		}
		n.s[k].count = m->s[i].count;
		n.first[k] = m->first[i];
	}
	cmap_free(m);
	*m = n;
	return 0;
}

/* ---- an indexed min-heap of units (topk's counters, cms's candidates) -------- */

struct hnode {
	uint64_t unit;
	uint32_t key;		/* count (topk) or estimate at the last access (cms) */
	uint32_t err;		/* topk: the count inherited on entry */
	uint64_t first_ns;
	uint32_t slot;		/* its entry in the position map */
};

struct heap {
	struct hnode *h;
	uint32_t n, cap;
	struct map pos;		/* unit -> index in h, in slot.aux */
};

static int heap_init(struct heap *hp, uint32_t cap)
{
	hp->h = calloc(cap ? cap : 1, sizeof(*hp->h));
	if (!hp->h || map_init(&hp->pos, cap * 2)) {
		free(hp->h);
		return -ENOMEM;
	}
	hp->n = 0;
	hp->cap = cap;
	return 0;
}

static void heap_free(struct heap *hp)
{
	free(hp->h);
	map_free(&hp->pos);
}

static void heap_clear(struct heap *hp)
{
	hp->n = 0;
	map_clear(&hp->pos);
}

/* Put @nd at @i and tell its map entry: O(1), no lookup. */
static inline void heap_place(struct heap *hp, uint32_t i, const struct hnode *nd)
{
	hp->h[i] = *nd;
	hp->pos.s[nd->slot].aux = i;
}

/* A map entry moved to slot @to: its heap node learns where. */
static void heap_slot_moved(void *arg, uint32_t to)
{
	struct heap *hp = arg;

	hp->h[hp->pos.s[to].aux].slot = to;
}

/* Map @unit in the position map; return its slot index. */
static uint32_t heap_map(struct heap *hp, uint64_t unit)
{
	bool fresh;

	return (uint32_t)(map_insert(&hp->pos, unit, &fresh) - hp->pos.s);
}

static void sift_down(struct heap *hp, uint32_t i)
{
	struct hnode nd = hp->h[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= hp->n)
			break;
		if (c + 1 < hp->n && hp->h[c + 1].key < hp->h[c].key)
			c++;
		if (hp->h[c].key >= nd.key)
			break;
		heap_place(hp, i, &hp->h[c]);
		i = c;
	}
	heap_place(hp, i, &nd);
}

static void sift_up(struct heap *hp, uint32_t i)
{
	struct hnode nd = hp->h[i];

	while (i) {
		uint32_t p = (i - 1) / 2;

		if (hp->h[p].key <= nd.key)
			break;
		heap_place(hp, i, &hp->h[p]);
		i = p;
	}
	heap_place(hp, i, &nd);
}

static inline struct hnode *heap_get(const struct heap *hp, uint64_t unit)
{
	struct slot *s = map_find(&hp->pos, unit);

	return s ? &hp->h[s->aux] : NULL;
}

static void heap_push(struct heap *hp, const struct hnode *nd)
{
	struct hnode n = *nd;

	n.slot = heap_map(hp, nd->unit);
	hp->h[hp->n] = n;
	hp->pos.s[n.slot].aux = hp->n;
	hp->n++;
	sift_up(hp, hp->n - 1);
}

/* Take the node at @i out of the heap. */
static void heap_delete(struct heap *hp, uint32_t i)
{
	map_remove(&hp->pos, &hp->pos.s[hp->h[i].slot], heap_slot_moved, hp);
	if (--hp->n == i)
		return;
	heap_place(hp, i, &hp->h[hp->n]);
	sift_down(hp, i);
	sift_up(hp, i);
}

/* Replace the minimum with @nd (a unit not in the heap). */
static void heap_replace_min(struct heap *hp, const struct hnode *nd)
{
	struct hnode n = *nd;

	map_remove(&hp->pos, &hp->pos.s[hp->h[0].slot], heap_slot_moved, hp);
	n.slot = heap_map(hp, nd->unit);
	heap_place(hp, 0, &n);
	sift_down(hp, 0);
}

/* ---- the trackers ------------------------------------------------------------- */

struct lfu_way {
	uint64_t key;		/* unit + 1; 0 empty */
	uint32_t count;
	uint64_t first_ns;
};

struct hm_tracker {
	struct hm_tracker_spec spec;
	uint32_t max;		/* saturation */
	struct hm_tracker_stats st;
	struct cmap map;	/* exact, table */
	struct heap heap;	/* topk, cms candidates */
	void *sketch;		/* cms: depth x width counters */
	bool narrow;		/* cms: 16-bit counters (the saturation fits) */
	bool sliced;		/* cms: rows index by slices of one hash */
	uint64_t mul[8];	/* cms row hashes */
	struct lfu_way *ways;	/* lfu */
	uint64_t set_mul;
};

static inline uint32_t sat_add(uint32_t a, uint32_t b, uint32_t max)
{
	return a >= max || b >= max - a ? max : a + b;
}

/* A decimal number ending at one of @stops (or the end); advances *@p. */
static int num(const char **p, const char *stops, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -ERANGE;
	}
	if (*s && !strchr(stops, *s))
		return -EINVAL;
	*p = s;
	*out = (uint32_t)v;
	return 0;
}

int hm_tracker_parse(const char *str, struct hm_tracker_spec *spec, char *err, size_t errlen)
{
	struct hm_tracker_spec s;
	const char *p;

	memset(&s, 0, sizeof(s));
	if (!str)
		return hm_errmsg(err, errlen, "no tracker given");
	if (!strcmp(str, "exact")) {
		s.kind = HM_TRACKER_EXACT;
	} else if (!strncmp(str, "table:", 6)) {
		p = str + 6;
		s.kind = HM_TRACKER_TABLE;
		if (num(&p, "", MAX_ENTRIES, &s.entries) || *p || !s.entries)
			return hm_errmsg(err, errlen, "'%s': table:N takes 1 to %u counters", str,
				    MAX_ENTRIES);
	} else if (!strncmp(str, "topk:", 5)) {
		p = str + 5;
		s.kind = HM_TRACKER_TOPK;
		if (num(&p, "", MAX_ENTRIES, &s.entries) || *p || !s.entries)
			return hm_errmsg(err, errlen, "'%s': topk:K takes 1 to %u counters", str,
				    MAX_ENTRIES);
	} else if (!strncmp(str, "cms:", 4)) {
		p = str + 4;
		s.kind = HM_TRACKER_CMS;
		if (num(&p, "x", 8, &s.depth) || *p++ != 'x' || !s.depth ||
		    num(&p, "+", MAX_ENTRIES, &s.width) || *p++ != '+' || !s.width ||
		    num(&p, "", MAX_ENTRIES, &s.candidates) || *p || !s.candidates)
			return hm_errmsg(err, errlen, "'%s': cms:DxW+K takes 1-8 rows, 1 to %u counters "
				    "per row and 1 to %u candidates, as in cms:4x16384+1024", str,
				    MAX_ENTRIES, MAX_ENTRIES);
		if ((uint64_t)s.depth * s.width > MAX_ENTRIES)
			return hm_errmsg(err, errlen, "'%s': more than %u counters in all", str,
				    MAX_ENTRIES);
	} else if (!strncmp(str, "lfu:", 4)) {
		p = str + 4;
		s.kind = HM_TRACKER_LFU;
		if (num(&p, "x", MAX_ENTRIES, &s.sets) || *p++ != 'x' || !s.sets ||
		    num(&p, "", 64, &s.ways) || *p || !s.ways)
			return hm_errmsg(err, errlen, "'%s': lfu:SETSxWAYS takes 1 to %u sets of 1-64 ways, "
				    "as in lfu:1024x4", str, MAX_ENTRIES);
		if ((uint64_t)s.sets * s.ways > MAX_ENTRIES)
			return hm_errmsg(err, errlen, "'%s': more than %u counters in all", str,
				    MAX_ENTRIES);
	} else {
		return hm_errmsg(err, errlen, "'%s' is not a tracker (expected exact, table:N, "
			    "cms:DxW+K, topk:K or lfu:SETSxWAYS)", str);
	}
	*spec = s;
	return 0;
}

int hm_tracker_format(const struct hm_tracker_spec *s, char *buf, size_t len)
{
	switch (s->kind) {
	case HM_TRACKER_TABLE:
		return snprintf(buf, len, "table:%u", s->entries);
	case HM_TRACKER_CMS:
		return snprintf(buf, len, "cms:%ux%u+%u", s->depth, s->width, s->candidates);
	case HM_TRACKER_TOPK:
		return snprintf(buf, len, "topk:%u", s->entries);
	case HM_TRACKER_LFU:
		return snprintf(buf, len, "lfu:%ux%u", s->sets, s->ways);
	default:
		return snprintf(buf, len, "exact");
	}
}

struct hm_tracker *hm_tracker_new(const struct hm_tracker_spec *spec, uint32_t max_count,
				  uint64_t seed)
{
	struct hm_tracker *t = calloc(1, sizeof(*t));
	struct hm_rand rng;
	int ret = 0;
	uint32_t i;

	if (!t)
		return NULL;
	t->spec = *spec;
	t->max = max_count ? max_count : 1;
	hm_rand_seed(&rng, seed);
	switch (spec->kind) {
	case HM_TRACKER_EXACT:
		ret = cmap_init(&t->map, 1024);
		break;
	case HM_TRACKER_TABLE:
		ret = cmap_init(&t->map, spec->entries * 2);
		t->st.bytes = (uint64_t)spec->entries * (ID_BYTES + COUNTER_BYTES);
		t->st.counters = spec->entries;
		break;
	case HM_TRACKER_TOPK:
		ret = heap_init(&t->heap, spec->entries);
		t->st.bytes = (uint64_t)spec->entries * (ID_BYTES + 2 * COUNTER_BYTES);
		t->st.counters = spec->entries;
		break;
	case HM_TRACKER_CMS:
		/* counters that saturate below 2^16 take half the memory */
		t->narrow = t->max <= UINT16_MAX;
		t->sketch = calloc((size_t)spec->depth * spec->width,
				   t->narrow ? sizeof(uint16_t) : sizeof(uint32_t));
		ret = t->sketch ? heap_init(&t->heap, spec->candidates) : -ENOMEM;
		for (i = 0; i < 8; i++)
			t->mul[i] = hm_rand_next(&rng) | 1;
		t->sliced = spec->depth <= 4 && spec->width <= 65536;
		t->st.bytes = (uint64_t)spec->depth * spec->width * COUNTER_BYTES +
			      (uint64_t)spec->candidates * (ID_BYTES + COUNTER_BYTES);
		t->st.counters = (uint64_t)spec->depth * spec->width;
		break;
	case HM_TRACKER_LFU:
		t->ways = calloc((size_t)spec->sets * spec->ways, sizeof(*t->ways));
		ret = t->ways ? 0 : -ENOMEM;
		t->set_mul = hm_rand_next(&rng) | 1;
		t->st.bytes = (uint64_t)spec->sets * spec->ways * (ID_BYTES + COUNTER_BYTES);
		t->st.counters = (uint64_t)spec->sets * spec->ways;
		break;
	default:
		ret = -EINVAL;
	}
	if (ret) {
		hm_tracker_free(t);
		errno = -ret;
		return NULL;
	}
	return t;
}

void hm_tracker_free(struct hm_tracker *t)
{
	if (!t)
		return;
	cmap_free(&t->map);
	if (t->heap.h)
		heap_free(&t->heap);
	free(t->sketch);
	free(t->ways);
	free(t);
}

/* A well-mixed 64-bit hash of @unit (keyed by the seed), once per access. */
static inline uint64_t cms_mix(const struct hm_tracker *t, uint64_t unit)
{
	uint64_t h = ((unit + 1) ^ t->mul[7]) * 0x9e3779b97f4a7c15ull;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ h >> 29;
}

/*
 * Row @r's counter. Up to four rows of up to 65536 counters take one
 * 16-bit slice of the hash each; larger sketches multiply the hash by the
 * row's random odd multiplier.
 */
static inline uint32_t cms_index(const struct hm_tracker *t, unsigned int r, uint64_t h)
{
	if (t->sliced)
		return (uint32_t)(((h >> (16 * r) & 0xffff) * t->spec.width) >> 16);
	return (uint32_t)((((h * t->mul[r]) >> 32) * t->spec.width) >> 32);
}

/*
 * The sketch's two counter widths share one body: the estimate (the
 * smallest of the unit's counters) and the conservative update.
 */
#define CMS_FUNCS(T, NAME)                                                           \
	static inline uint32_t NAME##_estimate(const struct hm_tracker *t, uint64_t h) \
	{                                                                             \
		const T *sk = t->sketch;                                              \
		uint32_t r, m = UINT32_MAX, c;                                        \
                                                                                      \
		for (r = 0; r < t->spec.depth; r++) {                                 \
			c = sk[(size_t)r * t->spec.width + cms_index(t, r, h)];      \
			m = c < m ? c : m;                                            \
		}                                                                     \
		return m;                                                             \
	}                                                                             \
	static inline uint32_t NAME##_update(struct hm_tracker *t, uint64_t h,         \
					     uint32_t w, uint32_t *before)             \
	{                                                                             \
		T *sk = t->sketch, *c[8];                                             \
		uint32_t r, m = UINT32_MAX, nv, depth = t->spec.depth;                \
                                                                                      \
		/* every address first, so the loads can all be in flight */        \
		for (r = 0; r < depth; r++)                                           \
			c[r] = sk + (size_t)r * t->spec.width + cms_index(t, r, h);  \
		for (r = 0; r < depth; r++)                                           \
			m = *c[r] < m ? *c[r] : m;                                    \
		nv = sat_add(m, w, t->max);                                           \
		/* raise the counters below the estimate: a store of the larger \
		 * value, since which rows are below is a coin toss to a branch */ \
		for (r = 0; r < depth; r++)                                           \
			*c[r] = (T)(*c[r] > nv ? *c[r] : nv);                         \
		*before = m;                                                          \
		return nv;                                                            \
	}

CMS_FUNCS(uint16_t, cms16)
CMS_FUNCS(uint32_t, cms32)

static uint32_t cms_estimate(const struct hm_tracker *t, uint64_t unit)
{
	uint64_t h = cms_mix(t, unit);

	return t->narrow ? cms16_estimate(t, h) : cms32_estimate(t, h);
}

/*
 * Keep the K units with the highest estimates as candidates. Their heap
 * keys are refreshed lazily: a unit is looked up only when its estimate
 * beats the smallest key, and the smallest is re-read from the sketch before
 * it is evicted (keys only lag, since estimates only grow). Most accesses
 * therefore cost one comparison here.
 */
static void cms_offer(struct hm_tracker *t, uint64_t unit, uint32_t est, uint64_t now)
{
	struct heap *hp = &t->heap;
	struct hnode nd = { .unit = unit, .key = est, .first_ns = now }, *cand;

	if (hp->n == hp->cap && est <= hp->h[0].key)
		return;
	cand = heap_get(hp, unit);
	if (cand) {
		cand->key = est;
		sift_down(hp, (uint32_t)(cand - hp->h));
		return;
	}
	if (hp->n < hp->cap) {
		heap_push(hp, &nd);
		return;
	}
	for (;;) {
		uint32_t cur = cms_estimate(t, hp->h[0].unit);

		if (cur <= hp->h[0].key)
			break;
		hp->h[0].key = cur;	/* it grew since: refresh and look again */
		sift_down(hp, 0);
		if (est <= hp->h[0].key)
			return;
	}
	heap_replace_min(hp, &nd);
	t->st.evictions++;
}

/*
 * The common shape - four rows of 16-bit counters, indexed by slices - in
 * straight-line code: four independent loads in flight at once.
 */
static inline uint32_t cms16x4_update(struct hm_tracker *t, uint64_t h, uint32_t w,
				      uint32_t *before)
{
	uint16_t *sk = t->sketch;
	size_t W = t->spec.width;
	uint16_t *c0 = sk + (((h & 0xffff) * W) >> 16);
	uint16_t *c1 = sk + W + (((h >> 16 & 0xffff) * W) >> 16);
	uint16_t *c2 = sk + 2 * W + (((h >> 32 & 0xffff) * W) >> 16);
	uint16_t *c3 = sk + 3 * W + (((h >> 48) * W) >> 16);
	uint32_t m01 = *c0 < *c1 ? *c0 : *c1, m23 = *c2 < *c3 ? *c2 : *c3;
	uint32_t m = m01 < m23 ? m01 : m23, nv = sat_add(m, w, t->max);

	*c0 = (uint16_t)(*c0 > nv ? *c0 : nv);
	*c1 = (uint16_t)(*c1 > nv ? *c1 : nv);
	*c2 = (uint16_t)(*c2 > nv ? *c2 : nv);
	*c3 = (uint16_t)(*c3 > nv ? *c3 : nv);
	*before = m;
	return nv;
}

static bool add_cms(struct hm_tracker *t, uint64_t unit, uint32_t w, uint64_t now,
		    uint32_t *before, uint32_t *after)
{
	uint64_t h = cms_mix(t, unit);

	if (t->narrow && t->sliced && t->spec.depth == 4)
		*after = cms16x4_update(t, h, w, before);
	else if (t->narrow)
		*after = cms16_update(t, h, w, before);
	else
		*after = cms32_update(t, h, w, before);
	cms_offer(t, unit, *after, now);
	return true;
}

static bool add_topk(struct hm_tracker *t, uint64_t unit, uint32_t w, uint64_t now,
		     uint32_t *before, uint32_t *after)
{
	struct hnode *nd = heap_get(&t->heap, unit);

	if (nd) {
		*before = nd->key;
		nd->key = sat_add(nd->key, w, t->max);
		*after = nd->key;
		sift_down(&t->heap, (uint32_t)(nd - t->heap.h));
		return true;
	}
	*before = 0;
	if (t->heap.n < t->heap.cap) {
		struct hnode n = { .unit = unit, .key = sat_add(0, w, t->max), .first_ns = now };

		*after = n.key;
		heap_push(&t->heap, &n);
	} else {
		/* Space-Saving: take the smallest counter, and its count */
		uint32_t min = t->heap.h[0].key;
		struct hnode n = { .unit = unit, .key = sat_add(min, w, t->max), .err = min,
				   .first_ns = now };

		*after = n.key;
		heap_replace_min(&t->heap, &n);
		t->st.evictions++;
	}
	return true;
}

/* The ways of @unit's set. */
static inline struct lfu_way *lfu_set(const struct hm_tracker *t, uint64_t unit)
{
	uint64_t h = (unit + 1) * t->set_mul;
	uint32_t set = (uint32_t)(((h >> 32) * t->spec.sets) >> 32);

	return &t->ways[(size_t)set * t->spec.ways];
}

static bool add_lfu(struct hm_tracker *t, uint64_t unit, uint32_t w, uint64_t now,
		    uint32_t *before, uint32_t *after)
{
	struct lfu_way *way = lfu_set(t, unit), *victim = NULL;
	uint32_t i;

	for (i = 0; i < t->spec.ways; i++) {
		if (way[i].key == unit + 1) {
			*before = way[i].count;
			way[i].count = sat_add(way[i].count, w, t->max);
			*after = way[i].count;
			return true;
		}
		if (!victim || (victim->key && (!way[i].key || way[i].count < victim->count)))
			victim = &way[i];
	}
	if (victim->key)
		t->st.evictions++;
	else
		t->st.tracked++;
	victim->key = unit + 1;
	victim->count = sat_add(0, w, t->max);
	victim->first_ns = now;
	*before = 0;
	*after = victim->count;
	return true;
}

/* exact and table: a counter per unit, on first touch if there is room. */
static bool add_counter(struct hm_tracker *t, uint64_t unit, uint32_t w, uint64_t now,
			uint32_t *before, uint32_t *after)
{
	struct cmap *m = &t->map;
	int64_t i = cmap_find(m, unit);

	*before = *after = 0;
	if (i < 0) {
		if (!w)
			return true;	/* a query: nothing to count, nothing to hold */
		if (t->spec.kind == HM_TRACKER_TABLE ? m->used >= t->spec.entries :
			    m->used * 2 >= m->mask + 1 && cmap_grow(m)) {
			t->st.untracked++;	/* full (or, exact, out of memory) */
			return false;
		}
		i = cmap_insert(m, unit);
		if (i < 0) {
			t->st.untracked++;
			return false;
		}
		m->first[i] = now;
	}
	*before = m->s[i].count;
	m->s[i].count = sat_add(m->s[i].count, w, t->max);
	*after = m->s[i].count;
	return true;
}

bool hm_tracker_add(struct hm_tracker *t, uint64_t unit, uint32_t w, uint64_t now_ns,
		    uint32_t *before, uint32_t *after)
{
	switch (t->spec.kind) {
	case HM_TRACKER_CMS:
		return add_cms(t, unit, w, now_ns, before, after);
	case HM_TRACKER_TOPK:
		return add_topk(t, unit, w, now_ns, before, after);
	case HM_TRACKER_LFU:
		return add_lfu(t, unit, w, now_ns, before, after);
	default:
		return add_counter(t, unit, w, now_ns, before, after);
	}
}

bool hm_tracker_lookup(const struct hm_tracker *t, uint64_t unit, uint32_t *count,
		       uint64_t *first_ns)
{
	const struct hnode *nd;
	const struct lfu_way *way;
	int64_t k;
	uint32_t i;

	switch (t->spec.kind) {
	case HM_TRACKER_CMS:
		nd = heap_get(&t->heap, unit);
		if (!nd)
			return false;
		*count = cms_estimate(t, unit);
		*first_ns = nd->first_ns;
		return true;
	case HM_TRACKER_TOPK:
		nd = heap_get(&t->heap, unit);
		if (!nd)
			return false;
		*count = nd->key;
		*first_ns = nd->first_ns;
		return true;
	case HM_TRACKER_LFU:
		way = lfu_set(t, unit);
		for (i = 0; i < t->spec.ways; i++) {
			if (way[i].key == unit + 1) {
				*count = way[i].count;
				*first_ns = way[i].first_ns;
				return true;
			}
		}
		return false;
	default:
		k = cmap_find(&t->map, unit);
		if (k < 0)
			return false;
		*count = t->map.s[k].count;
		*first_ns = t->map.first[k];
		return true;
	}
}

uint32_t hm_tracker_estimate(const struct hm_tracker *t, uint64_t unit)
{
	uint32_t c;
	uint64_t first;

	if (t->spec.kind == HM_TRACKER_CMS)
		return cms_estimate(t, unit);
	return hm_tracker_lookup(t, unit, &c, &first) ? c : 0;
}

bool hm_tracker_can_release(const struct hm_tracker *t)
{
	return t->spec.kind != HM_TRACKER_CMS;
}

int hm_tracker_release(struct hm_tracker *t, uint64_t unit)
{
	struct hnode *nd;
	struct lfu_way *way;
	int64_t k;
	uint32_t i;

	switch (t->spec.kind) {
	case HM_TRACKER_CMS:
		return -EOPNOTSUPP;
	case HM_TRACKER_TOPK:
		nd = heap_get(&t->heap, unit);
		if (!nd)
			return -ENOENT;
		heap_delete(&t->heap, (uint32_t)(nd - t->heap.h));
		return 0;
	case HM_TRACKER_LFU:
		way = lfu_set(t, unit);
		for (i = 0; i < t->spec.ways; i++) {
			if (way[i].key == unit + 1) {
				memset(&way[i], 0, sizeof(way[i]));
				t->st.tracked--;
				return 0;
			}
		}
		return -ENOENT;
	default:
		k = cmap_find(&t->map, unit);
		if (k < 0)
			return -ENOENT;
		cmap_remove(&t->map, (uint32_t)k);
		return 0;
	}
}

void hm_tracker_for_each(const struct hm_tracker *t,
			 int (*fn)(void *arg, uint64_t unit, uint32_t count, uint64_t first_ns),
			 void *arg)
{
	uint64_t i, n;

	switch (t->spec.kind) {
	case HM_TRACKER_CMS:
		for (i = 0; i < t->heap.n; i++)
			if (fn(arg, t->heap.h[i].unit, cms_estimate(t, t->heap.h[i].unit),
			       t->heap.h[i].first_ns))
				return;
		return;
	case HM_TRACKER_TOPK:
		for (i = 0; i < t->heap.n; i++)
			if (fn(arg, t->heap.h[i].unit, t->heap.h[i].key, t->heap.h[i].first_ns))
				return;
		return;
	case HM_TRACKER_LFU:
		n = (uint64_t)t->spec.sets * t->spec.ways;
		for (i = 0; i < n; i++)
			if (t->ways[i].key &&
			    fn(arg, t->ways[i].key - 1, t->ways[i].count, t->ways[i].first_ns))
				return;
		return;
	default:
		for (i = 0; i <= t->map.mask; i++)
			if (t->map.s[i].count &&
			    fn(arg, cmap_unit(&t->map, (uint32_t)i), t->map.s[i].count,
			       t->map.first[i]))
				return;
		return;
	}
}

void hm_tracker_reset(struct hm_tracker *t)
{
	switch (t->spec.kind) {
	case HM_TRACKER_CMS:
		memset(t->sketch, 0, (size_t)t->spec.depth * t->spec.width *
					     (t->narrow ? sizeof(uint16_t) : sizeof(uint32_t)));
		heap_clear(&t->heap);
		break;
	case HM_TRACKER_TOPK:
		heap_clear(&t->heap);
		break;
	case HM_TRACKER_LFU:
		memset(t->ways, 0, (size_t)t->spec.sets * t->spec.ways * sizeof(*t->ways));
		t->st.tracked = 0;
		break;
	default:
		cmap_clear(&t->map);
		break;
	}
}

void hm_tracker_get_stats(const struct hm_tracker *t, struct hm_tracker_stats *st)
{
	*st = t->st;
	switch (t->spec.kind) {
	case HM_TRACKER_EXACT:
		st->tracked = t->map.used;
		st->counters = t->map.used;
		st->bytes = (uint64_t)t->map.used * (ID_BYTES + COUNTER_BYTES);
		break;
	case HM_TRACKER_TABLE:
		st->tracked = t->map.used;
		break;
	case HM_TRACKER_TOPK:
	case HM_TRACKER_CMS:
		st->tracked = t->heap.n;
		break;
	default:
		break;
	}
}
