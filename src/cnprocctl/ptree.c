/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process forest of the past, rebuilt from cnprocd's records (ptree.h). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <langinfo.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"
#include "output.h"
#include "ptree.h"
#include "util.h"

/* Of a command line this much is kept for display: a record may carry 128 KiB,
 * and every process of a long window keeps one. */
#define CMDLINE_KEEP 4096
/* cnprocd reports a rule's pending suppressed count every 5 s
 * (REPORT_INTERVAL_USEC): what a report counts was dropped in the 5 s before. */
#define SUPPRESSED_SPAN_USEC (5 * USEC_PER_SEC)
/* Episodes of one kind this close are one: a long storm comes in many reports,
 * and one line says it as well as a thousand. */
#define GAP_MERGE_USEC (1 * USEC_PER_SEC)
/* Levels drawn below a root; deeper subtrees are drawn as roots of their own
 * (said to continue under their parent) right after. A fork chain can be as
 * long as an unprivileged user likes: without a limit the lines of the text
 * grow with the depth (the table with its square), jansson frees and dumps
 * nested JSON recursively (the stack overflows some ten thousand levels down),
 * and common readers refuse deep nesting (jq 1.6 at 256 levels, two a process). */
#define DEPTH_MAX 100

#define NONE UINT32_MAX

/* how much is known of a start: the fork seen, exit time - lifetime, or only
 * that the process was there at its first record */
enum { START_NONE, START_SEEN, START_DERIVED, START_FORK };

/* One process. Strings that repeat across processes (comm, exe, user, unit) are
 * interned in PTree.strings and shared; the command line is the node's own. */
typedef struct Node {
	uint64_t ticks;                 /* of its process id PID@TICKS */
	uint64_t start_usec, end_usec;  /* end: set once exited */
	int64_t lifetime_usec;          /* the exit record's; -1 none */
	int64_t uid, loginuid, session; /* -1 unknown */
	const char *comm, *exe, *user, *login_user, *unit;
	char *cmdline;   /* at most CMDLINE_KEEP bytes, cut between characters */
	char *ancestors; /* placeholders only: the chain above, as a child's record says */
	uint32_t group, parent, execs; /* parent: NONE for a root */
	int pid, ppid;
	int16_t exit_code, exit_signal; /* -1 unknown; signal 0: not killed */
	uint8_t start_kind;
	bool recorded : 1, exited : 1, core : 1, cmdline_cut : 1;
} Node;

typedef enum GapKind { GAP_LOST, GAP_SUPPRESSED, _GAP_KIND_MAX } GapKind;

/* A time the trail has holes in: one episode, or several close ones merged. */
typedef struct Gap {
	uint64_t start_usec, end_usec;
	unsigned long long count;
	GapKind kind;
	bool unknown; /* some of it lost in an unknown number */
} Gap;

/* One machine's boot: trees never cross these. */
typedef struct Group {
	char *machine;    /* the identity: the machine id, else the host name, else "" */
	bool machine_id;  /* machine is the machine id */
	char *host;       /* the latest host name; NULL unknown */
	char boot_id[33]; /* "" unknown */
	json_t *nodes;    /* "PID@TICKS" -> node index */
	Gap *gaps;
	size_t n_gaps, alloc_gaps;
	size_t last_gap[_GAP_KIND_MAX]; /* per kind, the one to merge into; SIZE_MAX none */
	uint64_t first_usec, last_usec; /* the times seen (starts derived included) */
} Group;

struct PTree {
	Node *nodes;
	uint32_t n_nodes, alloc_nodes;
	Group *groups;
	uint32_t n_groups, alloc_groups;
	uint32_t last_group; /* the previous record's, tried first; NONE */
	json_t *group_index; /* "BOOT MACHINE" -> group index */
	json_t *strings;     /* the interned strings, as keys */
	size_t n_recorded;
	unsigned long long ignored;
};

PTree *ptree_new(void)
{
	PTree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->last_group = NONE;
	t->group_index = json_object();
	t->strings = json_object();
	if (!t->group_index || !t->strings) {
		ptree_free(t);
		return NULL;
	}
	return t;
}

void ptree_free(PTree *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n_nodes; i++) {
		free(t->nodes[i].cmdline);
		free(t->nodes[i].ancestors);
	}
	free(t->nodes);
	for (uint32_t i = 0; i < t->n_groups; i++) {
		free(t->groups[i].machine);
		free(t->groups[i].host);
		free(t->groups[i].gaps);
		json_decref(t->groups[i].nodes);
	}
	free(t->groups);
	json_decref(t->group_index);
	json_decref(t->strings);
	free(t);
}

size_t ptree_processes(const PTree *t)
{
	return t->n_recorded;
}

unsigned long long ptree_ignored(const PTree *t)
{
	return t->ignored;
}

/* s shared: a key of t->strings, whose text jansson keeps in place as long as
 * the key is there (its foreach macros rely on that too). */
static int intern(PTree *t, const char *s, const char **ret)
{
	void *it;

	if (!s) {
		*ret = NULL;
		return 0;
	}
	it = json_object_iter_at(t->strings, s);
	if (!it) {
		/* json_true() is a singleton: the key is the only copy */
		if (json_object_set_new_nocheck(t->strings, s, json_true()) < 0)
			return -ENOMEM;
		it = json_object_iter_at(t->strings, s);
		if (!it)
			return -ENOMEM;
	}
	*ret = json_object_iter_key(it);
	return 0;
}

/* p with room for one more than n of size; NULL on ENOMEM (p stays). */
static void *grow(void *p, uint32_t *alloc, uint32_t n, size_t size)
{
	uint32_t na;

	if (n < *alloc)
		return p;
	if (n >= UINT32_MAX / 2 - 1)
		return NULL;
	na = MAX(*alloc * 2, (uint32_t)64);
	p = reallocarray(p, na, size);
	if (p)
		*alloc = na;
	return p;
}

/* The record's machine and boot: its group, made on first sight. */
static int group_get(PTree *t, const JRecord *r, uint32_t *ret)
{
	const char *machine = r->machine_id ?: r->host ?: "";
	_cleanup_free_ char *key = NULL;
	Group *g;
	json_t *v;
	int k;

	if (t->last_group != NONE) {
		g = &t->groups[t->last_group];
		if (strcmp(g->boot_id, r->boot_id) == 0 && strcmp(g->machine, machine) == 0)
			goto found;
	}
	/* a boot id has no blank: the key is unambiguous */
	if (asprintf(&key, "%s %s", r->boot_id, machine) < 0)
		return -ENOMEM;
	v = json_object_get(t->group_index, key);
	if (v) {
		t->last_group = (uint32_t)json_integer_value(v);
		g = &t->groups[t->last_group];
		goto found;
	}
	g = grow(t->groups, &t->alloc_groups, t->n_groups, sizeof(Group));
	if (!g)
		return -ENOMEM;
	t->groups = g;
	g = &t->groups[t->n_groups];
	*g = (Group){
		.machine = strdup(machine),
		.machine_id = !!r->machine_id,
		.nodes = json_object(),
		.last_gap = { SIZE_MAX, SIZE_MAX },
		.first_usec = UINT64_MAX,
	};
	memcpy(g->boot_id, r->boot_id, sizeof(g->boot_id));
	v = json_integer(t->n_groups);
	k = g->machine && g->nodes && v ? json_object_set_new_nocheck(t->group_index, key, v) :
					  (json_decref(v), -1);
	if (k < 0) {
		free(g->machine);
		json_decref(g->nodes);
		return -ENOMEM;
	}
	t->last_group = t->n_groups++;
found:
	if (r->host && (!g->host || strcmp(g->host, r->host) != 0)) {
		char *h = strdup(r->host);

		if (!h)
			return -ENOMEM;
		free(g->host);
		g->host = h;
	}
	g->first_usec = MIN(g->first_usec, r->realtime_usec);
	g->last_usec = MAX(g->last_usec, r->realtime_usec);
	*ret = t->last_group;
	return 0;
}

/* "PID@TICKS" (checked by jrecord_finish(), again here) as numbers, so that the
 * keys are one spelling of each id */
static bool parse_process_id(const char *s, int *ret_pid, uint64_t *ret_ticks)
{
	char *at;
	long pid;

	if (!s || !process_id_valid(s))
		return false;
	pid = strtol(s, &at, 10);
	*ret_pid = (int)pid;
	*ret_ticks = strtoull(at + 1, NULL, 10);
	return true;
}

/* The node of PID@TICKS in group g, a placeholder (not recorded) if new. The
 * nodes may move: pointers into them are stale after this. */
static int node_get(PTree *t, uint32_t g, int pid, uint64_t ticks, uint32_t *ret)
{
	char key[48];
	json_t *v;
	Node *n;
	uint32_t i;

	snprintf(key, sizeof(key), "%d@%llu", pid, (unsigned long long)ticks);
	v = json_object_get(t->groups[g].nodes, key);
	if (v) {
		*ret = (uint32_t)json_integer_value(v);
		return 0;
	}
	n = grow(t->nodes, &t->alloc_nodes, t->n_nodes, sizeof(Node));
	if (!n)
		return -ENOMEM;
	t->nodes = n;
	i = t->n_nodes;
	if (json_object_set_new_nocheck(t->groups[g].nodes, key, json_integer(i)) < 0)
		return -ENOMEM;
	t->nodes[i] = (Node){
		.ticks = ticks,
		.lifetime_usec = -1,
		.uid = -1,
		.loginuid = -1,
		.session = -1,
		.group = g,
		.parent = NONE,
		.pid = pid,
		.exit_code = -1,
		.exit_signal = -1,
	};
	t->n_nodes++;
	*ret = i;
	return 0;
}

/* The first of "bash[4711] < sshd[4700] < ...": its name (to free) and pid, and
 * the rest (NULL: none). A name may hold any bytes, brackets and " < " too: the
 * first "[digits]" followed by " < " or the end closes it. */
static bool first_ancestor(const char *s, char **ret_name, int *ret_pid, const char **ret_rest)
{
	for (const char *c = strchr(s, ']'); c; c = strchr(c + 1, ']')) {
		const char *d = c;
		long long pid = 0;

		if (c[1] && strncmp(c + 1, " < ", 3) != 0)
			continue;
		while (d > s && isdigit((unsigned char)d[-1]) && c - d < 10)
			d--;
		if (d == c || d == s || d[-1] != '[')
			continue;
		for (const char *p = d; p < c; p++)
			pid = pid * 10 + (*p - '0');
		if (pid <= 0 || pid > INT_MAX)
			continue;
		*ret_name = strndup(s, (size_t)(d - 1 - s));
		*ret_pid = (int)pid;
		*ret_rest = c[1] ? c + 4 : NULL;
		return true;
	}
	return false;
}

/* A parent never recorded named from its child's ancestors, when their first is
 * that parent (the chain is the current one, the parent the one at fork time). */
static int name_placeholder(PTree *t, uint32_t p, const char *ancestors)
{
	_cleanup_free_ char *name = NULL;
	const char *rest;
	Node *n = &t->nodes[p];
	int pid;

	if (n->recorded || n->comm || !ancestors ||
	    !first_ancestor(ancestors, &name, &pid, &rest))
		return 0;
	if (!name)
		return -ENOMEM;
	if (pid != n->pid)
		return 0;
	if (rest && *rest && !(n->ancestors = strdup(rest)))
		return -ENOMEM;
	return intern(t, name, &n->comm);
}

static int set_cmdline(Node *n, const char *s, bool truncated)
{
	size_t len;
	bool cut;
	char *c;

	if (!s) {
		free(n->cmdline);
		n->cmdline = NULL;
		n->cmdline_cut = false;
		return 0;
	}
	len = strnlen(s, CMDLINE_KEEP + 1);
	cut = len > CMDLINE_KEEP;
	if (cut) {
		len = CMDLINE_KEEP;
		/* not in the middle of a UTF-8 sequence */
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if (!n->cmdline || strncmp(n->cmdline, s, len) != 0 || n->cmdline[len]) {
		c = strndup(s, len);
		if (!c)
			return -ENOMEM;
		free(n->cmdline);
		n->cmdline = c;
	}
	n->cmdline_cut = cut || truncated;
	return 0;
}

static int add_process(PTree *t, const JRecord *r)
{
	uint64_t now = r->realtime_usec, ticks, pticks;
	uint32_t g, i, p;
	int pid, ppid, k;
	Node *n;

	if (!parse_process_id(r->process_id, &pid, &ticks)) {
		t->ignored++;
		return 0;
	}
	if ((k = group_get(t, r, &g)) < 0 || (k = node_get(t, g, pid, ticks, &i)) < 0)
		return k;
	/* the parent at fork time, said alike by all its records: linked once */
	if (t->nodes[i].parent == NONE && parse_process_id(r->parent_process_id, &ppid, &pticks) &&
	    (ppid != pid || pticks != ticks)) {
		if ((k = node_get(t, g, ppid, pticks, &p)) < 0)
			return k;
		t->nodes[i].parent = p;
	}
	p = t->nodes[i].parent;
	if (p != NONE && (k = name_placeholder(t, p, r->ancestors)) < 0)
		return k;

	n = &t->nodes[i];
	if (!n->recorded) {
		n->recorded = true;
		t->n_recorded++;
		free(n->ancestors);
		n->ancestors = NULL;
	}
	if (r->ppid > 0)
		n->ppid = r->ppid;
	/* an exec replaces the program: what it did not say is no longer known */
	if ((r->comm && (k = intern(t, r->comm, &n->comm)) < 0) ||
	    ((r->exe || r->event == JEV_EXEC) && (k = intern(t, r->exe, &n->exe)) < 0) ||
	    ((r->cmdline || r->event == JEV_EXEC) &&
	     (k = set_cmdline(n, r->cmdline, r->argv_truncated)) < 0))
		return k;
	/* a name belongs to its id: a new id without a name has none known */
	if (r->uid >= 0 && r->uid != n->uid) {
		n->uid = r->uid;
		n->user = NULL;
	}
	if (r->event == JEV_UID && r->new_euid >= 0 && r->new_euid != n->uid) {
		n->uid = r->new_euid;
		n->user = NULL;
	} else if (r->user && (k = intern(t, r->user, &n->user)) < 0)
		return k;
	if (r->loginuid >= 0 && r->loginuid != n->loginuid) {
		n->loginuid = r->loginuid;
		n->login_user = NULL;
	}
	if ((r->login_user && (k = intern(t, r->login_user, &n->login_user)) < 0) ||
	    (r->unit && (k = intern(t, r->unit, &n->unit)) < 0))
		return k;
	if (r->session >= 0)
		n->session = r->session;

	switch (r->event) {
	case JEV_FORK:
		n->start_usec = now;
		n->start_kind = START_FORK;
		break;
	case JEV_EXEC:
		if (n->execs < UINT32_MAX)
			n->execs++;
		break;
	case JEV_COREDUMP:
		n->core = true;
		break;
	case JEV_EXIT:
		n->exited = true;
		n->end_usec = now;
		n->exit_code = (int16_t)r->exit_code;
		n->exit_signal = (int16_t)r->exit_signal;
		if (r->lifetime_usec >= 0) {
			n->lifetime_usec = r->lifetime_usec;
			if (n->start_kind < START_FORK && now >= (uint64_t)r->lifetime_usec) {
				n->start_usec = now - (uint64_t)r->lifetime_usec;
				n->start_kind = START_DERIVED;
				t->groups[g].first_usec = MIN(t->groups[g].first_usec, n->start_usec);
			}
		}
		break;
	default:
		break;
	}
	if (n->start_kind == START_NONE) {
		n->start_usec = now;
		n->start_kind = START_SEEN;
	}
	return 0;
}

static int add_gap(PTree *t, const JRecord *r, GapKind kind)
{
	uint64_t now = r->realtime_usec, start, end;
	unsigned long long count;
	uint32_t gi;
	Group *g;
	Gap *last;
	int k;

	if ((k = group_get(t, r, &gi)) < 0)
		return k;
	g = &t->groups[gi];
	if (kind == GAP_LOST) {
		count = (unsigned long long)r->lost;
		start = r->loss_start_usec ?: now;
		end = r->loss_end_usec ?: now;
	} else {
		count = (unsigned long long)r->suppressed;
		end = now;
		start = now > SUPPRESSED_SPAN_USEC ? now - SUPPRESSED_SPAN_USEC : 0;
	}
	if (start > end) {
		uint64_t x = start;

		start = end;
		end = x;
	}
	g->first_usec = MIN(g->first_usec, start);
	last = g->last_gap[kind] != SIZE_MAX ? &g->gaps[g->last_gap[kind]] : NULL;
	if (last && start <= last->end_usec + GAP_MERGE_USEC &&
	    end + GAP_MERGE_USEC >= last->start_usec) {
		last->start_usec = MIN(last->start_usec, start);
		last->end_usec = MAX(last->end_usec, end);
		last->count += count;
		/* a lost episode of 0: the queue overflowed, how many is unknown */
		last->unknown |= count == 0;
		return 0;
	}
	if (g->n_gaps == g->alloc_gaps) {
		size_t na = MAX(g->alloc_gaps * 2, (size_t)4);
		Gap *n = reallocarray(g->gaps, na, sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->gaps = n;
		g->alloc_gaps = na;
	}
	g->gaps[g->n_gaps] = (Gap){
		.start_usec = start, .end_usec = end, .count = count, .kind = kind,
		.unknown = count == 0,
	};
	g->last_gap[kind] = g->n_gaps++;
	return 0;
}

int ptree_add(PTree *t, const JRecord *r)
{
	switch (r->event) {
	case JEV_FORK:
	case JEV_EXEC:
	case JEV_UID:
	case JEV_GID:
	case JEV_SID:
	case JEV_PTRACE:
	case JEV_COMM:
	case JEV_COREDUMP:
	case JEV_EXIT:
		return add_process(t, r);
	case JEV_LOST:
		return add_gap(t, r, GAP_LOST);
	case JEV_SUPPRESSED:
		return add_gap(t, r, GAP_SUPPRESSED);
	default:
		return 0;
	}
}

/* --- what is drawn --- */

enum {
	M_SHOW = 1 << 0, /* drawn */
	M_ROOT = 1 << 1, /* drawn as a root */
	M_SEEN = 1 << 2, /* drawn already (the walk) */
	M_DONE = 1 << 3, /* looked at (marking) */
};

typedef struct SortKey {
	uint64_t start;
	uint32_t group, node;
	int pid;
} SortKey;

/* The forest with children lists in start order and what a selection draws. */
typedef struct View {
	PTree *t;
	uint32_t n;
	uint32_t *order;       /* every node, by group and start */
	uint32_t *group_first; /* group g's: order[group_first[g] .. group_first[g + 1]) */
	uint32_t *first, *children; /* i's: children[first[i] .. first[i + 1]) */
	uint8_t *mark;
	uint32_t *stack, *next; /* the walks' */
	bool *last;             /* per depth: the last child drawn of its parent */
	uint32_t *pending;      /* below DEPTH_MAX: drawn as roots when the tree is */
	uint32_t pending_head, pending_tail;
	bool continued;         /* the root drawn continues a tree too deep */
	size_t drawn;
} View;

static void view_done(View *v)
{
	free(v->order);
	free(v->group_first);
	free(v->first);
	free(v->children);
	free(v->mark);
	free(v->stack);
	free(v->next);
	free(v->last);
	free(v->pending);
}

static int compare_key(const void *a, const void *b)
{
	const SortKey *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

static bool select_empty(const PTreeSelect *s)
{
	return !s || (!s->process_id && s->pid <= 0 && s->session < 0 && !s->unit &&
		      s->loginuid < 0);
}

static bool matches(const Node *n, const PTreeSelect *s)
{
	return n->recorded && (s->session < 0 || n->session == s->session) &&
	       (s->loginuid < 0 || n->loginuid == s->loginuid) &&
	       (!s->unit || (n->unit && fnmatch(s->unit, n->unit, 0) == 0));
}

/* root and all below it; never into what is drawn already (a cycle of bad
 * parent ids ends there) */
static void mark_subtree(View *v, uint32_t root)
{
	size_t depth = 0;

	v->mark[root] |= M_SHOW;
	v->stack[0] = root;
	v->next[0] = v->first[root];
	for (;;) {
		uint32_t node = v->stack[depth], c;

		if (v->next[depth] >= v->first[node + 1]) {
			if (depth == 0)
				return;
			depth--;
			continue;
		}
		c = v->children[v->next[depth]++];
		if (v->mark[c] & M_SHOW)
			continue;
		v->mark[c] |= M_SHOW;
		v->stack[++depth] = c;
		v->next[depth] = v->first[c];
	}
}

/* a process, its recorded ancestors and its descendants */
static void mark_target(View *v, uint32_t x)
{
	const Node *nodes = v->t->nodes;
	uint32_t p = x;

	mark_subtree(v, x);
	while (nodes[p].parent != NONE && !(v->mark[nodes[p].parent] & M_SHOW)) {
		p = nodes[p].parent;
		v->mark[p] |= M_SHOW;
	}
	if (nodes[p].parent == NONE)
		v->mark[p] |= M_ROOT;
}

static void match_visit(View *v, const PTreeSelect *s, uint32_t node, size_t depth, size_t *in)
{
	v->mark[node] |= M_DONE;
	if (*in != SIZE_MAX)
		v->mark[node] |= M_SHOW;
	else if (matches(&v->t->nodes[node], s)) {
		v->mark[node] |= M_SHOW | M_ROOT;
		*in = depth;
	}
}

/* Top down, so that the topmost match is the root and what matches below it is
 * part of its subtree. Nodes in a cycle of bad parent ids, out of reach of any
 * root, are entered where the second pass finds them. */
static void mark_matching(View *v, const PTreeSelect *s)
{
	const Node *nodes = v->t->nodes;

	for (int pass = 0; pass < 2; pass++)
		for (uint32_t k = 0; k < v->n; k++) {
			uint32_t i = v->order[k];
			size_t depth = 0, in = SIZE_MAX; /* the depth of the match we are in */

			if ((v->mark[i] & M_DONE) || (pass == 0 && nodes[i].parent != NONE))
				continue;
			v->stack[0] = i;
			v->next[0] = v->first[i];
			match_visit(v, s, i, 0, &in);
			for (;;) {
				uint32_t node = v->stack[depth], c;

				if (v->next[depth] < v->first[node + 1]) {
					c = v->children[v->next[depth]++];
					if (v->mark[c] & M_DONE)
						continue;
					v->stack[++depth] = c;
					v->next[depth] = v->first[c];
					match_visit(v, s, c, depth, &in);
					continue;
				}
				if (in == depth)
					in = SIZE_MAX;
				if (depth == 0)
					break;
				depth--;
			}
		}
}

/* the process with that pid that started last; a placeholder only if none was
 * recorded */
static uint32_t latest_with_pid(const PTree *t, int pid)
{
	uint32_t best = NONE;

	for (uint32_t i = 0; i < t->n_nodes; i++) {
		const Node *n = &t->nodes[i], *b = best != NONE ? &t->nodes[best] : NULL;

		if (n->pid != pid)
			continue;
		if (!b || (n->recorded && !b->recorded) ||
		    (n->recorded == b->recorded && n->start_usec >= b->start_usec))
			best = i;
	}
	return best;
}

static int view_build(View *v, PTree *t, const PTreeSelect *sel)
{
	_cleanup_free_ SortKey *keys = NULL;
	uint32_t n = t->n_nodes;
	const Node *nodes = t->nodes;

	*v = (View){ .t = t, .n = n };
	keys = calloc(n + 1, sizeof(*keys));
	v->order = calloc(n + 1, sizeof(*v->order));
	v->group_first = calloc(t->n_groups + 1, sizeof(*v->group_first));
	v->first = calloc(n + 2, sizeof(*v->first));
	v->children = calloc(n + 1, sizeof(*v->children));
	v->mark = calloc(n + 1, sizeof(*v->mark));
	v->stack = calloc(n + 1, sizeof(*v->stack));
	v->next = calloc(n + 1, sizeof(*v->next));
	v->last = calloc(n + 1, sizeof(*v->last));
	v->pending = calloc(n + 1, sizeof(*v->pending));
	if (!keys || !v->order || !v->group_first || !v->first || !v->children || !v->mark ||
	    !v->stack || !v->next || !v->last || !v->pending)
		return -ENOMEM;

	/* a placeholder started before its children: it goes before the first */
	for (uint32_t i = 0; i < n; i++)
		keys[i] = (SortKey){ .start = nodes[i].recorded ? nodes[i].start_usec : UINT64_MAX,
				     .group = nodes[i].group, .node = i, .pid = nodes[i].pid };
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = nodes[i].parent;

		if (p != NONE && !nodes[p].recorded)
			keys[p].start = MIN(keys[p].start, nodes[i].start_usec);
	}
	qsort(keys, n, sizeof(*keys), compare_key);
	for (uint32_t k = 0; k < n; k++) {
		v->order[k] = keys[k].node;
		v->group_first[keys[k].group + 1]++;
	}
	for (uint32_t g = 1; g <= t->n_groups; g++)
		v->group_first[g] += v->group_first[g - 1];

	/* counting sort by parent: each one's children stay in start order */
	for (uint32_t i = 0; i < n; i++)
		if (nodes[i].parent != NONE)
			v->first[nodes[i].parent + 2]++;
	for (uint32_t i = 2; i < n + 2; i++)
		v->first[i] += v->first[i - 1];
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = v->order[k];

		if (nodes[i].parent != NONE)
			v->children[v->first[nodes[i].parent + 1]++] = i;
	}

	if (select_empty(sel)) {
		for (uint32_t i = 0; i < n; i++)
			v->mark[i] = M_SHOW | (nodes[i].parent == NONE ? M_ROOT : 0);
	} else if (sel->process_id) {
		char key[48];
		uint64_t ticks;
		int pid;

		if (!parse_process_id(sel->process_id, &pid, &ticks))
			return -EINVAL;
		snprintf(key, sizeof(key), "%d@%llu", pid, (unsigned long long)ticks);
		/* the same id in another boot is another process, drawn as well */
		for (uint32_t g = 0; g < t->n_groups; g++) {
			json_t *x = json_object_get(t->groups[g].nodes, key);

			if (x)
				mark_target(v, (uint32_t)json_integer_value(x));
		}
	} else if (sel->pid > 0) {
		uint32_t x = latest_with_pid(t, sel->pid);

		if (x != NONE)
			mark_target(v, x);
	} else
		mark_matching(v, sel);
	return 0;
}

/* --- walking what is drawn --- */

typedef int (*VisitFunc)(View *v, void *ctx, uint32_t node, size_t depth);

static bool drawable(const View *v, uint32_t i)
{
	return (v->mark[i] & (M_SHOW | M_SEEN)) == M_SHOW;
}

/* the first child of node at or after children[from] to draw */
static uint32_t skip(const View *v, uint32_t node, uint32_t from)
{
	while (from < v->first[node + 1] && !drawable(v, v->children[from]))
		from++;
	return from;
}

/* Depth first from root, without recursion: fork chains can be deep. */
static int walk(View *v, uint32_t root, VisitFunc visit, void *ctx)
{
	size_t depth = 0;
	int r;

	v->mark[root] |= M_SEEN;
	v->stack[0] = root;
	v->next[0] = skip(v, root, v->first[root]);
	v->last[0] = true;
	r = visit(v, ctx, root, 0);
	while (r >= 0) {
		uint32_t node = v->stack[depth], c;

		if (v->next[depth] >= v->first[node + 1]) {
			if (depth == 0)
				break;
			depth--;
			continue;
		}
		c = v->children[v->next[depth]];
		v->next[depth] = skip(v, node, v->next[depth] + 1);
		if (!drawable(v, c))
			continue;
		v->mark[c] |= M_SEEN;
		if (depth == DEPTH_MAX) {
			v->pending[v->pending_tail++] = c;
			continue;
		}
		depth++;
		v->last[depth] = v->next[depth - 1] >= v->first[node + 1];
		v->stack[depth] = c;
		v->next[depth] = skip(v, c, v->first[c]);
		r = visit(v, ctx, c, depth);
	}
	return r;
}

static bool group_drawn(const View *v, uint32_t g)
{
	for (uint32_t k = v->group_first[g]; k < v->group_first[g + 1]; k++)
		if (v->mark[v->order[k]] & M_SHOW)
			return true;
	return false;
}

/* A group's trees in start order, each followed by what was too deep in it;
 * then what a cycle of bad parent ids kept out of reach, from its first. */
static int walk_group(View *v, uint32_t g, VisitFunc visit, void *ctx)
{
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t k = v->group_first[g]; k < v->group_first[g + 1]; k++) {
			uint32_t i = v->order[k];
			int r;

			if (!drawable(v, i) || (pass == 0 && !(v->mark[i] & M_ROOT)))
				continue;
			r = walk(v, i, visit, ctx);
			while (r >= 0 && v->pending_head < v->pending_tail) {
				v->continued = true;
				r = walk(v, v->pending[v->pending_head++], visit, ctx);
				v->continued = false;
			}
			if (r < 0)
				return r;
		}
	return 0;
}

/* Which of a group's gaps overlap a tree drawn: the time from its first start to
 * its last end (or the last record seen, while running). */
typedef struct Spans {
	const Group *g;
	bool *gap_shown;
	bool open;
	uint64_t start, end;
} Spans;

static void spans_close(Spans *s)
{
	if (!s->open)
		return;
	for (size_t j = 0; j < s->g->n_gaps; j++)
		if (s->g->gaps[j].start_usec <= s->end && s->g->gaps[j].end_usec >= s->start)
			s->gap_shown[j] = true;
	s->open = false;
}

static void spans_add(Spans *s, const Node *n, size_t depth)
{
	uint64_t end;

	if (depth == 0)
		spans_close(s);
	if (!n->recorded)
		return;
	end = MAX(n->exited ? n->end_usec : s->g->last_usec, n->start_usec);
	if (!s->open) {
		s->open = true;
		s->start = n->start_usec;
		s->end = end;
	}
	s->start = MIN(s->start, n->start_usec);
	s->end = MAX(s->end, end);
}

static int64_t node_lifetime(const Node *n)
{
	if (n->lifetime_usec >= 0)
		return n->lifetime_usec;
	if (n->exited && n->start_kind == START_FORK && n->end_usec >= n->start_usec)
		return (int64_t)(n->end_usec - n->start_usec);
	return -1;
}

/* --- text --- */

static const char *const headers[] = { "PID", "USER", "START", "LIFETIME", "EXIT", "COMMAND" };

typedef struct TextCtx {
	Table table;
	Spans spans;
	bool utf8, dates;
} TextCtx;

static void text_ctx_done(TextCtx *c)
{
	table_done(&c->table);
	free(c->spans.gap_shown);
}

/* local time, with the date when the window spans days */
static char *format_time(char *buf, size_t size, uint64_t usec, bool dates, bool ms)
{
	time_t sec = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;
	char tmp[32];

	if (dates && ms)
		return format_timestamp(buf, size, usec);
	if (!localtime_r(&sec, &tm) ||
	    strftime(tmp, sizeof(tmp), dates ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm) == 0)
		snprintf(buf, size, "@%llu", (unsigned long long)usec);
	else if (ms)
		snprintf(buf, size, "%s.%03llu", tmp,
			 (unsigned long long)(usec % USEC_PER_SEC / USEC_PER_MSEC));
	else
		snprintf(buf, size, "%s", tmp);
	return buf;
}

static bool spans_days(const Group *g)
{
	time_t a = (time_t)(g->first_usec / USEC_PER_SEC), b = (time_t)(g->last_usec / USEC_PER_SEC);
	struct tm x, y;

	if (!localtime_r(&a, &x) || !localtime_r(&b, &y))
		return true;
	return x.tm_year != y.tm_year || x.tm_yday != y.tm_yday;
}

/* 0, 1; SIGKILL; "SIGSEGV (core)"; "-" while running or unknown */
static char *format_exit(const Node *n)
{
	const char *name;
	char *s;

	if (!n->recorded || !n->exited)
		return strdup("-");
	if (n->exit_signal > 0) {
		const char *core = n->core ? " (core)" : "";
		int r;

		name = sigabbrev_np(n->exit_signal);
		r = name ? asprintf(&s, "SIG%s%s", name, core) :
			   asprintf(&s, "signal %d%s", n->exit_signal, core);
		return r < 0 ? NULL : s;
	}
	if (n->exit_code >= 0)
		return asprintf(&s, "%d", n->exit_code) < 0 ? NULL : s;
	return strdup("?");
}

/* the tree drawing, then the command line; [comm] without one; a placeholder
 * "? bash[4711] (not recorded; ancestors: sshd[4700] < systemd[1])"; a subtree
 * too deep "... CMD (continued under 4711)" */
static char *format_command(const View *v, const Node *n, size_t depth, bool utf8)
{
	bool continued = v->continued && depth == 0 && n->parent != NONE;
	const char *branch = utf8 ? "├─ " : "|- ", *corner = utf8 ? "└─ " : "`- ";
	const char *pipe = utf8 ? "│  " : "|  ";
	char *buf = NULL;
	size_t size;
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	for (size_t d = 1; d <= depth; d++)
		if (d < depth)
			fputs(v->last[d] ? "   " : pipe, f);
		else
			fputs(v->last[d] ? corner : branch, f);
	if (continued)
		fputs(utf8 ? "… " : "... ", f);
	if (!n->recorded) {
		fputs("? ", f);
		if (n->comm) {
			fput_escaped(f, n->comm);
			fprintf(f, "[%d]", n->pid);
		} else
			fprintf(f, "%d", n->pid);
		fputs(" (not recorded", f);
		if (n->ancestors) {
			fputs("; ancestors: ", f);
			fput_escaped(f, n->ancestors);
		}
		fputc(')', f);
	} else if (n->cmdline) {
		fput_text(f, n->cmdline);
		if (n->cmdline_cut)
			fputs(utf8 ? " …" : " ...", f);
	} else if (n->comm) {
		fputc('[', f);
		fput_escaped(f, n->comm);
		fputc(']', f);
	} else
		fputc('?', f);
	if (continued)
		fprintf(f, " (continued under %d)", v->t->nodes[n->parent].pid);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int text_visit(View *v, void *ctx, uint32_t i, size_t depth)
{
	TextCtx *c = ctx;
	const Node *n = &v->t->nodes[i];
	int64_t lifetime = node_lifetime(n);
	char buf[64];
	int r = 0;

	spans_add(&c->spans, n, depth);
	v->drawn++;
	r |= table_addf(&c->table, "%d", n->pid);
	if (n->user)
		r |= table_add_escaped(&c->table, n->user);
	else if (n->uid >= 0)
		r |= table_addf(&c->table, "%lld", (long long)n->uid);
	else
		r |= table_add(&c->table, strdup("?"));
	r |= table_add(&c->table, strdup(n->recorded ? format_time(buf, sizeof(buf), n->start_usec,
								   c->dates, true) : "?"));
	r |= table_add(&c->table, strdup(lifetime >= 0 ? format_duration(buf, sizeof(buf),
									 (nsec_t)lifetime * NSEC_PER_USEC) :
							 "-"));
	r |= table_add(&c->table, format_exit(n));
	r |= table_add(&c->table, format_command(v, n, depth, c->utf8));
	return r < 0 ? -ENOMEM : 0;
}

static void print_gap(FILE *f, const Gap *g, bool dates)
{
	char a[64], b[64];

	fputs("! ", f);
	if (g->kind == GAP_SUPPRESSED)
		fprintf(f, "%llu record%s suppressed by rate limits", g->count,
			g->count == 1 ? "" : "s");
	else if (g->count == 0)
		fputs("events lost (how many is unknown)", f);
	else
		fprintf(f, "%s%llu event%s lost", g->unknown ? "at least " : "", g->count,
			g->count == 1 ? "" : "s");
	fprintf(f, " between %s and %s: the trail has holes there\n",
		format_time(a, sizeof(a), g->start_usec, dates, false),
		format_time(b, sizeof(b), g->end_usec, dates, false));
}

static int print_group(View *v, uint32_t gi, FILE *f, bool show_host, bool show_boot)
{
	const Group *g = &v->t->groups[gi];
	_cleanup_(text_ctx_done) TextCtx c = {
		.table = { .n_cols = ELEMENTSOF(headers), .right = 1 << 0 },
		.spans = { .g = g },
		.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0,
		.dates = spans_days(g),
	};
	int r;

	c.spans.gap_shown = calloc(g->n_gaps + 1, sizeof(bool));
	if (!c.spans.gap_shown || table_add_headers(&c.table, headers) < 0)
		return -ENOMEM;
	r = walk_group(v, gi, text_visit, &c);
	if (r < 0)
		return r;
	spans_close(&c.spans);
	if (show_host) {
		fputs("-- host ", f);
		fput_escaped(f, g->host ?: g->machine[0] ? g->machine : "?");
		fprintf(f, ", boot %s --\n", g->boot_id[0] ? g->boot_id : "?");
	} else if (show_boot)
		fprintf(f, "-- boot %s --\n", g->boot_id[0] ? g->boot_id : "?");
	for (size_t j = 0; j < g->n_gaps; j++)
		if (c.spans.gap_shown[j])
			print_gap(f, &g->gaps[j], c.dates);
	table_print(&c.table, f, 0);
	return 0;
}

int ptree_print(PTree *t, FILE *f, const PTreeSelect *sel, bool show_host)
{
	_cleanup_(view_done) View v = {};
	size_t groups = 0;
	bool first = true;
	int r;

	r = view_build(&v, t, sel);
	if (r < 0)
		return r;
	for (uint32_t g = 0; g < t->n_groups; g++)
		groups += group_drawn(&v, g);
	for (uint32_t g = 0; g < t->n_groups; g++) {
		if (!group_drawn(&v, g))
			continue;
		if (!first)
			fputc('\n', f);
		first = false;
		r = print_group(&v, g, f, show_host, groups > 1);
		if (r < 0)
			return r;
	}
	return (int)MIN(v.drawn, (size_t)INT_MAX);
}

/* --- JSON --- */

static int set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new_nocheck(o, key, v);
}

/* a string from a record: as the daemon's JSON has it (bytes that are not
 * UTF-8 as an array of numbers); absent: left out */
static int set_bytes(json_t *o, const char *key, const char *s)
{
	return s ? set(o, key, field_bytes_json(s, strlen(s))) : 0;
}

static int set_id(json_t *o, const char *key, const Node *n)
{
	char id[48];

	snprintf(id, sizeof(id), "%d@%llu", n->pid, (unsigned long long)n->ticks);
	return set(o, key, json_string(id));
}

static json_t *node_json(const PTree *t, const Node *n)
{
	json_t *o = json_object();
	int64_t lifetime = node_lifetime(n);
	int r = 0;

	if (!o)
		return NULL;
	r |= set_id(o, "process_id", n);
	r |= set(o, "pid", json_integer(n->pid));
	if (n->ppid > 0)
		r |= set(o, "ppid", json_integer(n->ppid));
	if (n->parent != NONE)
		r |= set_id(o, "parent_process_id", &t->nodes[n->parent]);
	r |= set_bytes(o, "comm", n->comm);
	r |= set_bytes(o, "exe", n->exe);
	r |= set_bytes(o, "cmdline", n->cmdline);
	if (n->cmdline && n->cmdline_cut)
		r |= set(o, "cmdline_truncated", json_true());
	r |= set_bytes(o, "user", n->user);
	if (n->uid >= 0)
		r |= set(o, "uid", json_integer(n->uid));
	r |= set_bytes(o, "login_user", n->login_user);
	if (n->loginuid >= 0)
		r |= set(o, "loginuid", json_integer(n->loginuid));
	if (n->session >= 0)
		r |= set(o, "session", json_integer(n->session));
	r |= set_bytes(o, "unit", n->unit);
	if (n->recorded) {
		r |= set(o, "start_usec", json_integer((json_int_t)n->start_usec));
		/* only the first record's time: it started then or before */
		if (n->start_kind == START_SEEN)
			r |= set(o, "start_exact", json_false());
	}
	if (n->exited)
		r |= set(o, "end_usec", json_integer((json_int_t)n->end_usec));
	if (lifetime >= 0)
		r |= set(o, "lifetime_usec", json_integer(lifetime));
	if (n->exited && n->exit_code >= 0)
		r |= set(o, "exit_code", json_integer(n->exit_code));
	if (n->exited && n->exit_signal > 0)
		r |= set(o, "exit_signal", json_integer(n->exit_signal));
	if (n->core)
		r |= set(o, "core_dumped", json_true());
	if (n->execs > 0)
		r |= set(o, "execs", json_integer(n->execs));
	r |= set(o, "recorded", json_boolean(n->recorded));
	r |= set_bytes(o, "ancestors", n->ancestors);
	if (r < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

typedef struct JsonCtx {
	json_t **arrays; /* per depth: the array a node of that depth goes in */
	Spans spans;
} JsonCtx;

static int json_visit(View *v, void *ctx, uint32_t i, size_t depth)
{
	JsonCtx *c = ctx;
	const Node *n = &v->t->nodes[i];
	json_t *o, *kids;

	spans_add(&c->spans, n, depth);
	v->drawn++;
	o = node_json(v->t, n);
	kids = json_array();
	if (!o || !kids) {
		json_decref(o);
		json_decref(kids);
		return -ENOMEM;
	}
	if (set(o, "children", kids) < 0 ||
	    (v->continued && depth == 0 && set(o, "continued", json_true()) < 0)) {
		json_decref(o);
		return -ENOMEM;
	}
	/* the node is the array's now, its children array the node's */
	if (json_array_append_new(c->arrays[depth], o) < 0)
		return -ENOMEM;
	c->arrays[depth + 1] = kids;
	return 0;
}

static json_t *gap_json(const Gap *g)
{
	json_t *o = json_object();
	int r = 0;

	if (!o)
		return NULL;
	r |= set(o, "kind", json_string(g->kind == GAP_LOST ? "lost" : "suppressed"));
	if (g->count > 0)
		r |= set(o, "count", json_integer((json_int_t)MIN(g->count, (unsigned long long)INT64_MAX)));
	if (g->unknown)
		r |= set(o, "count_unknown", json_true());
	r |= set(o, "start_usec", json_integer((json_int_t)g->start_usec));
	r |= set(o, "end_usec", json_integer((json_int_t)g->end_usec));
	if (r < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *group_json(View *v, uint32_t gi, json_t **arrays)
{
	const Group *g = &v->t->groups[gi];
	_cleanup_free_ bool *shown = calloc(g->n_gaps + 1, sizeof(bool));
	JsonCtx c = { .arrays = arrays, .spans = { .g = g, .gap_shown = shown } };
	json_t *o = json_object(), *procs = json_array(), *gaps = json_array();
	int r = 0;

	if (!shown || !o || !procs || !gaps)
		goto fail;
	arrays[0] = procs;
	if (walk_group(v, gi, json_visit, &c) < 0)
		goto fail;
	spans_close(&c.spans);
	for (size_t j = 0; j < g->n_gaps; j++)
		if (shown[j] && json_array_append_new(gaps, gap_json(&g->gaps[j])) < 0)
			goto fail;
	r |= set_bytes(o, "host", g->host);
	if (g->machine_id)
		r |= set_bytes(o, "machine_id", g->machine);
	if (g->boot_id[0])
		r |= set(o, "boot_id", json_string(g->boot_id));
	r |= set(o, "gaps", TAKE_PTR(gaps));
	r |= set(o, "processes", TAKE_PTR(procs));
	if (r < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	json_decref(procs);
	json_decref(gaps);
	return NULL;
}

json_t *ptree_json(PTree *t, const PTreeSelect *sel)
{
	_cleanup_(view_done) View v = {};
	_cleanup_free_ json_t **arrays = NULL;
	json_t *all;
	int r;

	r = view_build(&v, t, sel);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	arrays = calloc((size_t)t->n_nodes + 2, sizeof(*arrays));
	all = json_array();
	if (!arrays || !all)
		goto oom;
	for (uint32_t g = 0; g < t->n_groups; g++)
		if (group_drawn(&v, g) && json_array_append_new(all, group_json(&v, g, arrays)) < 0)
			goto oom;
	return all;
oom:
	json_decref(all);
	errno = ENOMEM;
	return NULL;
}
