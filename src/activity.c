/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Activity counters: Space-Saving tables over sliding windows (activity.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <xxhash.h>

#include "activity.h"

#define M _ACTIVITY_METRIC_MAX
#define H ACTIVITY_HALF_LIFE_SEC
#define FINE 11   /* one-second buckets: the current second and the 10 before */
#define DECADE 10
#define COARSE 7  /* ten-second buckets: the current decade and the 6 before */
/* Weights are rescaled when events weigh 2^32: far from a double's range, and
 * often enough that the rescale (all entries, once in 32 minutes) costs nothing. */
#define RENORM_HALVINGS 32
#define FIB 11400714819323198485ULL

typedef struct Buckets {
	uint64_t first; /* the first second counted: older buckets are a former key's */
	uint64_t last;  /* the latest second written: the buckets end there */
	uint32_t fine[FINE][M];
	uint32_t coarse[COARSE][M];
} Buckets;

typedef struct Entry {
	uint64_t hash;
	double err; /* the weight it inherited, in events of its first second */
	uint16_t len;
	bool cut;
	Buckets b;
} Entry;

typedef struct Group {
	size_t key_size; /* a slot's bytes, with the NUL */
	size_t n;        /* entries in use, the first n */
	unsigned bits;   /* the index has 1 << bits slots, at least 2k */
	uint16_t *index; /* entry + 1; 0 is free */
	Entry *entries;
	double *weight;
	uint16_t *heap;  /* the entries as a binary min-heap by weight */
	uint16_t *pos;   /* each entry's place in heap */
	char *keys;
	uint64_t evictions;
} Group;

struct Activity {
	size_t k;
	bool started;
	uint64_t clock;    /* the latest second counted */
	uint64_t landmark; /* an event at the landmark weighs 1 */
	double inc;        /* the weight of an event at clock */
	double frac[H];    /* 2^(i/H) */
	Buckets totals;
	Group groups[_ACTIVITY_GROUP_MAX];
};

static const size_t key_sizes[_ACTIVITY_GROUP_MAX] = {
	[ACTIVITY_UNIT] = 128,
	[ACTIVITY_USER] = 64,
	[ACTIVITY_COMM] = 16,
	[ACTIVITY_EXE] = 128,
	[ACTIVITY_CONTAINER] = 128,
};

static const char *const group_names[_ACTIVITY_GROUP_MAX] = {
	[ACTIVITY_UNIT] = "unit",
	[ACTIVITY_USER] = "user",
	[ACTIVITY_COMM] = "comm",
	[ACTIVITY_EXE] = "exe",
	[ACTIVITY_CONTAINER] = "container",
};

static const char *const metric_names[M] = {
	[ACTIVITY_FORK] = "forks",
	[ACTIVITY_EXEC] = "execs",
	[ACTIVITY_EXIT] = "exits",
	[ACTIVITY_FAILED] = "failed",
	[ACTIVITY_SHORT] = "short",
};

const char *activity_group_to_string(ActivityGroup g)
{
	return (int)g >= 0 && g < _ACTIVITY_GROUP_MAX ? group_names[g] : NULL;
}

ActivityGroup activity_group_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(group_names); i++)
		if (strcmp(group_names[i], s) == 0)
			return (ActivityGroup)i;
	return _ACTIVITY_GROUP_INVALID;
}

const char *activity_metric_to_string(ActivityMetric m)
{
	return (int)m >= 0 && m < M ? metric_names[m] : NULL;
}

ActivityMetric activity_metric_from_string(const char *s)
{
	for (size_t i = 0; s && i < ELEMENTSOF(metric_names); i++)
		if (strcmp(metric_names[i], s) == 0)
			return (ActivityMetric)i;
	return _ACTIVITY_METRIC_INVALID;
}

int activity_new(size_t k, Activity **ret)
{
	_cleanup_(activity_freep) Activity *a = NULL;

	if (k == 0 || k > ACTIVITY_K_MAX)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->k = k;
	/* 2^(1/H) to the i-th: H small steps, exact enough for an error bound */
	a->frac[0] = 1.0;
	for (size_t i = 1; i < H; i++)
		a->frac[i] = a->frac[i - 1] * 1.0116194403019225; /* 2^(1/60) */
	for (size_t i = 0; i < _ACTIVITY_GROUP_MAX; i++) {
		Group *g = &a->groups[i];

		g->key_size = key_sizes[i];
		for (g->bits = 1; ((size_t)1 << g->bits) < 2 * k; g->bits++)
			;
		g->index = calloc((size_t)1 << g->bits, sizeof(*g->index));
		g->entries = calloc(k, sizeof(*g->entries));
		g->weight = calloc(k, sizeof(*g->weight));
		g->heap = calloc(k, sizeof(*g->heap));
		g->pos = calloc(k, sizeof(*g->pos));
		g->keys = calloc(k, g->key_size);
		if (!g->index || !g->entries || !g->weight || !g->heap || !g->pos || !g->keys)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(a);
	return 0;
}

Activity *activity_free(Activity *a)
{
	if (!a)
		return NULL;
	for (size_t i = 0; i < _ACTIVITY_GROUP_MAX; i++) {
		free(a->groups[i].index);
		free(a->groups[i].entries);
		free(a->groups[i].weight);
		free(a->groups[i].heap);
		free(a->groups[i].pos);
		free(a->groups[i].keys);
	}
	free(a);
	return NULL;
}

size_t activity_memory(const Activity *a)
{
	size_t sum = sizeof(*a);

	for (size_t i = 0; i < _ACTIVITY_GROUP_MAX; i++) {
		const Group *g = &a->groups[i];

		sum += ((size_t)1 << g->bits) * sizeof(*g->index) +
		       a->k * (sizeof(*g->entries) + sizeof(*g->weight) + sizeof(*g->heap) +
			       sizeof(*g->pos) + g->key_size);
	}
	return sum;
}

void activity_group_stats(const Activity *a, ActivityGroup g, ActivityGroupStats *ret)
{
	if ((int)g < 0 || g >= _ACTIVITY_GROUP_MAX) {
		*ret = (ActivityGroupStats){};
		return;
	}
	*ret = (ActivityGroupStats){
		.entries = a->groups[g].n,
		.capacity = a->k,
		.evictions = a->groups[g].evictions,
	};
}

/* 2^(d/H) for d below RENORM_HALVINGS * H */
static double pow2(const Activity *a, uint64_t d)
{
	return (double)(1ULL << (d / H)) * a->frac[d % H];
}

/* Move the clock to now (never back) and the weight of an event with it. */
static void clock_set(Activity *a, uint64_t now)
{
	uint64_t d, q;
	double scale = 1.0;

	if (!a->started) {
		a->started = true;
		a->clock = a->landmark = now;
		a->inc = 1.0;
		return;
	}
	if (now <= a->clock)
		return;
	a->clock = now;
	d = now - a->landmark;
	if (d >= (uint64_t)RENORM_HALVINGS * H) {
		/* by a power of two: every weight keeps its exact ratio to the others */
		q = d / H;
		a->landmark += q * H;
		for (uint64_t r = q; r > 0 && scale > 0; r -= MIN(r, 60))
			scale /= (double)(1ULL << MIN(r, 60));
		for (size_t i = 0; i < _ACTIVITY_GROUP_MAX; i++)
			for (size_t j = 0; j < a->groups[i].n; j++)
				a->groups[i].weight[j] *= scale;
		d = now - a->landmark;
	}
	a->inc = pow2(a, d);
}

/* Clear what lies between the last second written and now: a bucket is reused
 * once its second (decade) has left the ring. */
static void buckets_advance(Buckets *b, uint64_t now)
{
	uint64_t dl = b->last / DECADE;

	if (now <= b->last)
		return;
	for (uint64_t s = b->last + 1; s <= now && s <= b->last + FINE; s++)
		memset(b->fine[s % FINE], 0, sizeof(b->fine[0]));
	for (uint64_t d = dl + 1; d <= now / DECADE && d <= dl + COARSE; d++)
		memset(b->coarse[d % COARSE], 0, sizeof(b->coarse[0]));
	b->last = now;
}

static void buckets_add(Buckets *b, uint64_t now, unsigned metrics)
{
	uint32_t *f, *c;

	buckets_advance(b, now);
	f = b->fine[now % FINE];
	c = b->coarse[now / DECADE % COARSE];
	for (; metrics; metrics &= metrics - 1) {
		unsigned m = (unsigned)__builtin_ctz(metrics);

		f[m]++;
		c[m]++;
	}
}

/* The first second of the window (they end at now - 1). */
static uint64_t window_start(uint64_t now, unsigned window)
{
	uint64_t s = now >= window ? now - window : 0;

	return window <= DECADE ? s : s / DECADE * DECADE;
}

unsigned activity_span(uint64_t now_sec, unsigned window_sec)
{
	if (window_sec < 1 || window_sec > ACTIVITY_WINDOW_MAX)
		return 0;
	return (unsigned)(now_sec - window_start(now_sec, window_sec));
}

/* Reads never clear: a bucket counts only while the ring still holds its second,
 * and only from the first second on. */
static void add_fine(const Buckets *b, uint64_t s, uint64_t sum[M])
{
	if (s < b->first || s > b->last || b->last - s >= FINE)
		return;
	for (unsigned m = 0; m < M; m++)
		sum[m] += b->fine[s % FINE][m];
}

static void add_coarse(const Buckets *b, uint64_t d, uint64_t sum[M])
{
	if (d < b->first / DECADE || d > b->last / DECADE || b->last / DECADE - d >= COARSE)
		return;
	for (unsigned m = 0; m < M; m++)
		sum[m] += b->coarse[d % COARSE][m];
}

static void buckets_sum(const Buckets *b, uint64_t now, unsigned window, uint64_t sum[M])
{
	uint64_t start = window_start(now, window);

	memset(sum, 0, M * sizeof(sum[0]));
	if (window <= DECADE) {
		for (uint64_t s = start; s < now; s++)
			add_fine(b, s, sum);
		return;
	}
	/* whole decades, then the seconds of the current one that are over */
	for (uint64_t d = start / DECADE; d < now / DECADE; d++)
		add_coarse(b, d, sum);
	for (uint64_t s = now / DECADE * DECADE; s < now; s++)
		add_fine(b, s, sum);
}

/* The key as stored: at most max bytes, not ending inside a UTF-8 character. */
static size_t key_cut(const char *s, size_t max, bool *ret_cut)
{
	size_t n = strnlen(s, max + 1);

	*ret_cut = n > max;
	if (n <= max)
		return n;
	/* s[n] starts what is left out: back to a character's first byte (4 at most) */
	for (n = max; n > 0 && max - n < 3 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	return n;
}

/* xxHash's XXH3 (libxxhash): fast on short keys (a comm, a 71-byte container id
 * costs a few ns), seeded with whether the key was cut, so a cut key and an
 * uncut one of the same bytes never share a hash */
static uint64_t key_hash(const char *s, size_t n, bool cut)
{
	return XXH3_64bits_withSeed(s, n, cut);
}

static size_t home_of(const Group *g, uint64_t hash)
{
	/* the top bits, multiplied through: the low bits see little of the last word */
	return (size_t)((hash * FIB) >> (64 - g->bits));
}

static char *key_of(const Group *g, size_t e)
{
	return g->keys + e * g->key_size;
}

/* The entry of the key, or -1. */
static ssize_t group_find(const Group *g, const char *s, size_t len, bool cut, uint64_t hash)
{
	size_t mask = ((size_t)1 << g->bits) - 1;

	for (size_t i = home_of(g, hash);; i = (i + 1) & mask) {
		unsigned v = g->index[i];
		const Entry *e;

		if (v == 0)
			return -1;
		e = &g->entries[v - 1];
		if (e->hash == hash && e->len == len && e->cut == cut &&
		    memcmp(key_of(g, v - 1), s, len) == 0)
			return (ssize_t)(v - 1);
	}
}

static void index_insert(Group *g, size_t e)
{
	size_t mask = ((size_t)1 << g->bits) - 1, i;

	for (i = home_of(g, g->entries[e].hash); g->index[i]; i = (i + 1) & mask)
		;
	g->index[i] = (uint16_t)(e + 1);
}

static void index_remove(Group *g, size_t e)
{
	size_t mask = ((size_t)1 << g->bits) - 1, i, j;

	for (i = home_of(g, g->entries[e].hash); g->index[i] != e + 1; i = (i + 1) & mask)
		;
	g->index[i] = 0;
	/* backward-shift deletion, as proctable.c: no tombstones to pile up with
	 * an eviction at every unseen key */
	for (j = (i + 1) & mask; g->index[j]; j = (j + 1) & mask) {
		size_t home = home_of(g, g->entries[g->index[j] - 1].hash);

		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			g->index[i] = g->index[j];
			g->index[j] = 0;
			i = j;
		}
	}
}

static void heap_set(Group *g, size_t i, uint16_t e)
{
	g->heap[i] = e;
	g->pos[e] = (uint16_t)i;
}

/* Weights only grow, so an entry only ever moves down: the hole goes down while
 * a child weighs less. A busy key's entry sits at the bottom, where this is one
 * comparison. */
static void heap_down(Group *g, size_t i)
{
	uint16_t e = g->heap[i];
	double w = g->weight[e];

	for (;;) {
		size_t c = 2 * i + 1;
		double wc;

		if (c >= g->n)
			break;
		wc = g->weight[g->heap[c]];
		if (c + 1 < g->n && g->weight[g->heap[c + 1]] < wc) {
			c++;
			wc = g->weight[g->heap[c]];
		}
		if (!(wc < w))
			break;
		heap_set(g, i, g->heap[c]);
		i = c;
	}
	heap_set(g, i, e);
}

/* A new entry, at the bottom: up while it weighs less than its parent. */
static void heap_up(Group *g, size_t i)
{
	uint16_t e = g->heap[i];
	double w = g->weight[e];

	while (i > 0 && w < g->weight[g->heap[(i - 1) / 2]]) {
		heap_set(g, i, g->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(g, i, e);
}

static void group_count(Activity *a, Group *g, const char *key, unsigned metrics)
{
	uint64_t now = a->clock, hash;
	ssize_t found;
	size_t e, len;
	Entry *p;
	bool cut;
	char *slot;

	len = key_cut(key, g->key_size - 1, &cut);
	hash = key_hash(key, len, cut);
	found = group_find(g, key, len, cut, hash);
	if (found >= 0) {
		buckets_add(&g->entries[found].b, now, metrics);
		g->weight[found] += a->inc;
		heap_down(g, g->pos[found]);
		return;
	}
	if (g->n < a->k) {
		e = g->n++;
		g->weight[e] = 0.0;
		g->heap[e] = (uint16_t)e;
		g->pos[e] = (uint16_t)e;
	} else {
		/* Space-Saving: the newcomer takes the least weight as its own and
		 * as its error */
		e = g->heap[0];
		index_remove(g, e);
		g->evictions++;
	}
	p = &g->entries[e];
	p->hash = hash;
	p->err = g->weight[e] / a->inc;
	p->len = (uint16_t)len;
	p->cut = cut;
	/* the former key's buckets are masked by first, and cleared as the rings
	 * turn; those of this second and decade are cleared now */
	p->b.first = p->b.last = now;
	memset(p->b.fine[now % FINE], 0, sizeof(p->b.fine[0]));
	memset(p->b.coarse[now / DECADE % COARSE], 0, sizeof(p->b.coarse[0]));
	slot = key_of(g, e);
	memcpy(slot, key, len);
	slot[len] = 0;
	index_insert(g, e);
	buckets_add(&p->b, now, metrics);
	g->weight[e] += a->inc;
	/* new: up from the bottom; taken over: down from the top */
	heap_up(g, g->pos[e]);
	heap_down(g, g->pos[e]);
}

void activity_count(Activity *a, uint64_t now_sec, unsigned metrics,
		    const char *const keys[_ACTIVITY_GROUP_MAX])
{
	metrics &= ACTIVITY_BIT(M) - 1;
	if (metrics == 0)
		return;
	clock_set(a, now_sec);
	buckets_add(&a->totals, a->clock, metrics);
	for (size_t i = 0; i < _ACTIVITY_GROUP_MAX; i++)
		if (keys[i])
			group_count(a, &a->groups[i], keys[i], metrics);
}

int activity_totals(const Activity *a, uint64_t now_sec, unsigned window_sec,
		    uint64_t ret[_ACTIVITY_METRIC_MAX])
{
	if (window_sec < 1 || window_sec > ACTIVITY_WINDOW_MAX)
		return -EINVAL;
	buckets_sum(&a->totals, now_sec, window_sec, ret);
	return 0;
}

/* The events a key may have had in the window before it took its entry: their
 * weight is at most what it inherited, and each weighs at least an event of the
 * window's first second. */
static uint64_t entry_error(const Activity *a, const Entry *e, uint64_t now, unsigned window)
{
	uint64_t start = window_start(now, window);
	double bound;

	if (e->err <= 0.0 || e->b.first < start)
		return 0;
	/* a row is shown for its own events in the window, so first is in it and
	 * first - start < 70 s, within pow2's range; the margin covers rounding */
	bound = e->err * pow2(a, e->b.first - start) * (1.0 + 1e-9);
	return bound >= 1e18 ? (uint64_t)1e18 : (uint64_t)bound;
}

/* Does (counts, key, cut) come before row r? */
static bool row_before(const uint64_t counts[M], const char *key, bool cut,
		       const ActivityRow *r, ActivityMetric sort_by)
{
	int c;

	if (counts[sort_by] != r->counts[sort_by])
		return counts[sort_by] > r->counts[sort_by];
	c = strcmp(key, r->key);
	if (c != 0)
		return c < 0;
	return !cut && r->cut;
}

int activity_top(const Activity *a, uint64_t now_sec, ActivityGroup g, unsigned window_sec,
		 ActivityMetric sort_by, ActivityRow *rows, size_t n)
{
	const Group *grp;
	size_t filled = 0;

	if ((int)g < 0 || g >= _ACTIVITY_GROUP_MAX || (int)sort_by < 0 || sort_by >= M ||
	    window_sec < 1 || window_sec > ACTIVITY_WINDOW_MAX || n > INT32_MAX)
		return -EINVAL;
	grp = &a->groups[g];
	for (size_t e = 0; e < grp->n; e++) {
		const Entry *p = &grp->entries[e];
		const char *key = key_of(grp, e);
		uint64_t counts[M], any = 0;
		size_t at;

		buckets_sum(&p->b, now_sec, window_sec, counts);
		for (unsigned m = 0; m < M; m++)
			any |= counts[m];
		if (!any)
			continue;
		/* insertion into the n best so far: n and k are small, and this is
		 * a query, not the event path */
		at = filled;
		while (at > 0 && row_before(counts, key, p->cut, &rows[at - 1], sort_by))
			at--;
		if (at >= n)
			continue;
		if (filled < n)
			filled++;
		memmove(&rows[at + 1], &rows[at], (filled - 1 - at) * sizeof(rows[0]));
		rows[at] = (ActivityRow){
			.cut = p->cut,
			.error = entry_error(a, p, now_sec, window_sec),
		};
		memcpy(rows[at].key, key, p->len + 1);
		memcpy(rows[at].counts, counts, sizeof(counts));
	}
	return (int)filled;
}
