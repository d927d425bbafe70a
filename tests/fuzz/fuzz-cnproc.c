/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The proc connector decoder on arbitrary datagrams: it must never read outside
 * the buffer, must answer with 1 or one of its documented errors, and what it
 * returns must be a well-formed event whatever the bytes said.
 *
 * The socket filter that drops thread events in the kernel sees the same bytes
 * first: run here on a classic BPF interpreter, it must drop exactly the thread
 * events the decoder says are folded, and never an event that would be logged.
 */

#include <errno.h>
#include <linux/filter.h>
#include <string.h>

#include "cnproc.h"
#include "fuzz.h"
#include "macro.h"

static struct sock_filter filter[64];
static size_t filter_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int r = cnproc_thread_filter(filter, ELEMENTSOF(filter));

	FUZZ_CHECK(r > 0);
	filter_len = (size_t)r;
	return 0;
}

/* Load size bytes at k as the kernel does (network order); false if out of range. */
static bool bpf_load(const uint8_t *p, size_t len, uint32_t k, unsigned size, uint32_t *ret)
{
	uint32_t v = 0;

	if (k > len || size > len - k)
		return false;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[k + i];
	*ret = v;
	return true;
}

/* Classic BPF as sk_run_filter() runs it on a socket: the accepted length (0: drop). */
static uint32_t bpf_run(const struct sock_filter *prog, size_t n, const uint8_t *p, size_t len)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k, v;
		unsigned size = BPF_SIZE(f->code) == BPF_W ? 4 : BPF_SIZE(f->code) == BPF_H ? 2 : 1;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			switch (BPF_MODE(f->code)) {
			case BPF_IMM: a = f->k; break;
			case BPF_LEN: a = (uint32_t)len; break;
			case BPF_MEM: FUZZ_CHECK(f->k < BPF_MEMWORDS); a = mem[f->k]; break;
			case BPF_ABS:
				if (!bpf_load(p, len, f->k, size, &v))
					return 0;
				a = v;
				break;
			case BPF_IND:
				if (!bpf_load(p, len, x + f->k, size, &v))
					return 0;
				a = v;
				break;
			default: FUZZ_CHECK(!"bad BPF_LD mode");
			}
			break;
		case BPF_LDX:
			switch (BPF_MODE(f->code)) {
			case BPF_IMM: x = f->k; break;
			case BPF_LEN: x = (uint32_t)len; break;
			case BPF_MEM: FUZZ_CHECK(f->k < BPF_MEMWORDS); x = mem[f->k]; break;
			case BPF_MSH:
				if (!bpf_load(p, len, f->k, 1, &v))
					return 0;
				x = (v & 0xf) << 2;
				break;
			default: FUZZ_CHECK(!"bad BPF_LDX mode");
			}
			break;
		case BPF_ST: FUZZ_CHECK(f->k < BPF_MEMWORDS); mem[f->k] = a; break;
		case BPF_STX: FUZZ_CHECK(f->k < BPF_MEMWORDS); mem[f->k] = x; break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV: if (!src) return 0; a /= src; break;
			case BPF_MOD: if (!src) return 0; a %= src; break;
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: FUZZ_CHECK(!"bad BPF_ALU op");
			}
			break;
		case BPF_JMP: {
			bool t;

			if (BPF_OP(f->code) == BPF_JA) {
				pc += f->k;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ: t = a == src; break;
			case BPF_JGT: t = a > src; break;
			case BPF_JGE: t = a >= src; break;
			case BPF_JSET: t = a & src; break;
			default: FUZZ_CHECK(!"bad BPF_JMP op"); t = false;
			}
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : BPF_RVAL(f->code) == BPF_X ? x : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	FUZZ_CHECK(!"BPF program ran off its end");
	return 0;
}

/* What the filter is meant to drop: events of threads the table folds anyway. */
static bool is_folded_thread_event(const ProcEvent *ev)
{
	switch (ev->type) {
	case PROC_EV_FORK:
	case PROC_EV_EXIT:
	case PROC_EV_UID:
	case PROC_EV_GID:
	case PROC_EV_SID:
	case PROC_EV_PTRACE:
	case PROC_EV_COMM:
		return ev->pid != ev->tgid;
	default:
		return false;
	}
}

static void check_event(const ProcEvent *ev)
{
	const char *name = proc_event_type_to_string(ev->type);

	FUZZ_CHECK(ev->type >= PROC_EV_NONE && ev->type < _PROC_EV_MAX);
	FUZZ_CHECK(name);
	FUZZ_CHECK(proc_event_type_from_string(name) == ev->type);

	switch (ev->type) {
	case PROC_EV_COMM:
		FUZZ_CHECK(memchr(ev->comm.comm, 0, sizeof(ev->comm.comm)));
		break;
	case PROC_EV_EXIT:
		/* exited (status 0..255, no signal) or killed (no status, a signal) */
		if (ev->exit.signal == 0)
			FUZZ_CHECK(ev->exit.status >= -1 && ev->exit.status <= 255 &&
				   !ev->exit.core);
		else
			FUZZ_CHECK(ev->exit.status == -1 && ev->exit.signal > 0 &&
				   ev->exit.signal < 128);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ProcEvent ev, ev2;
	uint8_t *shifted;
	int r, r2;

	memset(&ev, 0xa5, sizeof(ev));
	r = cnproc_decode(data, size, &ev);
	FUZZ_CHECK(r == 1 || r == -EBADMSG || r == -EPROTO || r == -EOPNOTSUPP);
	if (r == 1) {
		bool dropped = bpf_run(filter, filter_len, data, size) == 0;

		check_event(&ev);
		if (dropped != is_folded_thread_event(&ev))
			fprintf(stderr, "filter %s %s event pid %d tgid %d\n",
				dropped ? "drops" : "passes", proc_event_type_to_string(ev.type),
				(int)ev.pid, (int)ev.tgid);
		FUZZ_CHECK(dropped == is_folded_thread_event(&ev));
	}

	/* recorded messages are aligned, received ones need not be: the same bytes at
	 * an odd address decode the same (UBSan's alignment check watches the reads) */
	shifted = malloc(size + 1);
	if (!shifted)
		return 0;
	memcpy(shifted + 1, data, size);
	memset(&ev2, 0x5a, sizeof(ev2));
	r2 = cnproc_decode(shifted + 1, size, &ev2);
	FUZZ_CHECK(r2 == r);
	if (r == 1)
		FUZZ_CHECK(memcmp(&ev, &ev2, sizeof(ev)) == 0);
	free(shifted);
	return 0;
}
