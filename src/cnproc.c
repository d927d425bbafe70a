/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoder for proc connector datagrams.
 *
 * Everything is read with memcpy() at offsets derived from the uapi structs: the input
 * may be a recorded or fuzzed buffer at any alignment, and may be shorter than it says.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>

#include "cnproc.h"
#include "macro.h"

#define MEMBER_SIZE(type, member) sizeof(((type *)0)->member)

/* Fixed head of struct proc_event: what, cpu, timestamp_ns. */
#define EV_HDR_SIZE offsetof(struct proc_event, event_data)
#define EV_DATA_OFF (NLMSG_HDRLEN + sizeof(struct cn_msg))

/* The wire layout this file relies on; a uapi change must fail the build, not decode. */
_Static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr size");
_Static_assert(NLMSG_HDRLEN == sizeof(struct nlmsghdr), "nlmsghdr is its own alignment");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_len) == 0, "nlmsg_len offset");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_type) == 4, "nlmsg_type offset");
_Static_assert(sizeof(struct cn_msg) == 20, "cn_msg size");
_Static_assert(offsetof(struct cn_msg, id.idx) == 0, "cn_msg idx offset");
_Static_assert(offsetof(struct cn_msg, id.val) == 4, "cn_msg val offset");
_Static_assert(offsetof(struct cn_msg, seq) == 8, "cn_msg seq offset");
_Static_assert(offsetof(struct cn_msg, ack) == 12, "cn_msg ack offset");
_Static_assert(offsetof(struct cn_msg, len) == 16, "cn_msg len offset");
_Static_assert(MEMBER_SIZE(struct cn_msg, len) == 2, "cn_msg len size");
_Static_assert(offsetof(struct cn_msg, data) == 20, "cn_msg data offset");
_Static_assert(offsetof(struct proc_event, what) == 0, "what offset");
_Static_assert(MEMBER_SIZE(struct proc_event, what) == 4, "what size");
_Static_assert(offsetof(struct proc_event, cpu) == 4, "cpu offset");
_Static_assert(offsetof(struct proc_event, timestamp_ns) == 8, "timestamp offset");
_Static_assert(EV_HDR_SIZE == 16, "event_data offset");
_Static_assert(MEMBER_SIZE(struct proc_event, event_data.ack) == 4, "ack size");
_Static_assert(sizeof(struct fork_proc_event) == 16, "fork size");
_Static_assert(sizeof(struct exec_proc_event) == 8, "exec size");
_Static_assert(sizeof(struct id_proc_event) == 16, "id size");
_Static_assert(sizeof(struct sid_proc_event) == 8, "sid size");
_Static_assert(sizeof(struct ptrace_proc_event) == 16, "ptrace size");
_Static_assert(sizeof(struct comm_proc_event) == 24, "comm size");
_Static_assert(sizeof(struct coredump_proc_event) == 16, "coredump size");
_Static_assert(sizeof(struct exit_proc_event) == 24, "exit size");
_Static_assert(sizeof(__kernel_pid_t) == sizeof(pid_t), "pid size");
/* Every member starts with the subject pid/tgid at the same place; exploited below. */
_Static_assert(offsetof(struct exec_proc_event, process_pid) == 0, "subject pid");
_Static_assert(offsetof(struct exec_proc_event, process_tgid) == 4, "subject tgid");
_Static_assert(offsetof(struct id_proc_event, process_tgid) == 4, "id tgid");
_Static_assert(offsetof(struct sid_proc_event, process_tgid) == 4, "sid tgid");
_Static_assert(offsetof(struct ptrace_proc_event, process_tgid) == 4, "ptrace tgid");
_Static_assert(offsetof(struct comm_proc_event, process_tgid) == 4, "comm tgid");
_Static_assert(offsetof(struct coredump_proc_event, process_tgid) == 4, "core tgid");
_Static_assert(offsetof(struct exit_proc_event, process_tgid) == 4, "exit tgid");
_Static_assert(MEMBER_SIZE(ProcEvent, comm.comm) ==
		       MEMBER_SIZE(struct comm_proc_event, comm),
	       "comm length");

static const char *const type_names[_PROC_EV_MAX] = {
	[PROC_EV_NONE] = "none",     [PROC_EV_FORK] = "fork",
	[PROC_EV_EXEC] = "exec",     [PROC_EV_UID] = "uid",
	[PROC_EV_GID] = "gid",       [PROC_EV_SID] = "sid",
	[PROC_EV_PTRACE] = "ptrace", [PROC_EV_COMM] = "comm",
	[PROC_EV_COREDUMP] = "coredump", [PROC_EV_EXIT] = "exit",
};

const char *proc_event_type_to_string(ProcEventType t)
{
	if ((int)t < 0 || t >= _PROC_EV_MAX)
		return NULL;
	return type_names[t];
}

ProcEventType proc_event_type_from_string(const char *s)
{
	if (!s)
		return _PROC_EV_INVALID;
	for (size_t i = 0; i < ELEMENTSOF(type_names); i++)
		if (strcmp(type_names[i], s) == 0)
			return (ProcEventType)i;
	return _PROC_EV_INVALID;
}

static uint32_t rd_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static pid_t rd_pid(const uint8_t *p)
{
	pid_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Maps the kernel's `what` to our type and the size of its union member. */
static int what_to_type(uint32_t what, ProcEventType *type, size_t *size)
{
	switch (what) {
	case PROC_EVENT_NONE:
		*type = PROC_EV_NONE;
		*size = MEMBER_SIZE(struct proc_event, event_data.ack);
		return 0;
	case PROC_EVENT_FORK:
		*type = PROC_EV_FORK;
		*size = sizeof(struct fork_proc_event);
		return 0;
	case PROC_EVENT_EXEC:
		*type = PROC_EV_EXEC;
		*size = sizeof(struct exec_proc_event);
		return 0;
	case PROC_EVENT_UID:
		*type = PROC_EV_UID;
		*size = sizeof(struct id_proc_event);
		return 0;
	case PROC_EVENT_GID:
		*type = PROC_EV_GID;
		*size = sizeof(struct id_proc_event);
		return 0;
	case PROC_EVENT_SID:
		*type = PROC_EV_SID;
		*size = sizeof(struct sid_proc_event);
		return 0;
	case PROC_EVENT_PTRACE:
		*type = PROC_EV_PTRACE;
		*size = sizeof(struct ptrace_proc_event);
		return 0;
	case PROC_EVENT_COMM:
		*type = PROC_EV_COMM;
		*size = sizeof(struct comm_proc_event);
		return 0;
	case PROC_EVENT_COREDUMP:
		*type = PROC_EV_COREDUMP;
		*size = sizeof(struct coredump_proc_event);
		return 0;
	case PROC_EVENT_EXIT:
		*type = PROC_EV_EXIT;
		*size = sizeof(struct exit_proc_event);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void decode_exit(const uint8_t *d, ProcEvent *ev)
{
	uint32_t code = rd_u32(d + offsetof(struct exit_proc_event, exit_code));
	int st = (int)code;

	ev->exit.exit_code = code;
	ev->exit.exit_signal = rd_u32(d + offsetof(struct exit_proc_event, exit_signal));
	ev->exit.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	ev->exit.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	ev->exit.core = WIFSIGNALED(st) && WCOREDUMP(st);
	ev->exit.parent_pid = rd_pid(d + offsetof(struct exit_proc_event, parent_pid));
	ev->exit.parent_tgid = rd_pid(d + offsetof(struct exit_proc_event, parent_tgid));
}

int cnproc_decode(const void *buf, size_t len, ProcEvent *ret)
{
	const uint8_t *p = buf, *cn, *ev, *d;
	struct nlmsghdr nlh;
	struct cn_msg msg;
	ProcEventType type;
	size_t payload, need;
	int r;

	if (!p || !ret)
		return -EINVAL;
	if (len < sizeof(nlh))
		return -EBADMSG;

	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len)
		return -EBADMSG;
	if (nlh.nlmsg_len < NLMSG_HDRLEN + sizeof(struct cn_msg))
		return -EBADMSG;
	/* The connector marks every message it sends NLMSG_DONE. */
	if (nlh.nlmsg_type != NLMSG_DONE)
		return -EPROTO;

	cn = p + NLMSG_HDRLEN;
	memcpy(&msg, cn, sizeof(msg));
	if (msg.id.idx != CN_IDX_PROC || msg.id.val != CN_VAL_PROC)
		return -EPROTO;

	/* Trust nlmsg_len (already checked against len), then cn_msg.len against it. */
	payload = nlh.nlmsg_len - EV_DATA_OFF;
	if (msg.len > payload || msg.len < EV_HDR_SIZE)
		return -EBADMSG;

	ev = p + EV_DATA_OFF;
	r = what_to_type(rd_u32(ev + offsetof(struct proc_event, what)), &type, &need);
	if (r < 0)
		return r;
	if (msg.len < EV_HDR_SIZE + need)
		return -EBADMSG;

	memset(ret, 0, sizeof(*ret));
	ret->type = type;
	ret->what = rd_u32(ev + offsetof(struct proc_event, what));
	ret->cpu = rd_u32(ev + offsetof(struct proc_event, cpu));
	memcpy(&ret->timestamp_ns, ev + offsetof(struct proc_event, timestamp_ns),
	       sizeof(ret->timestamp_ns));
	ret->seq = msg.seq;
	ret->ack = msg.ack;

	d = ev + EV_HDR_SIZE;
	switch (type) {
	case PROC_EV_NONE:
		ret->none.err = rd_u32(d);
		return 1;
	case PROC_EV_FORK:
		ret->pid = rd_pid(d + offsetof(struct fork_proc_event, child_pid));
		ret->tgid = rd_pid(d + offsetof(struct fork_proc_event, child_tgid));
		ret->fork.parent_pid =
			rd_pid(d + offsetof(struct fork_proc_event, parent_pid));
		ret->fork.parent_tgid =
			rd_pid(d + offsetof(struct fork_proc_event, parent_tgid));
		return 1;
	default:
		break;
	}

	/* All remaining members lead with process_pid/process_tgid (asserted above). */
	ret->pid = rd_pid(d + offsetof(struct exec_proc_event, process_pid));
	ret->tgid = rd_pid(d + offsetof(struct exec_proc_event, process_tgid));

	switch (type) {
	case PROC_EV_UID:
	case PROC_EV_GID:
		ret->id.real = rd_u32(d + offsetof(struct id_proc_event, r));
		ret->id.effective = rd_u32(d + offsetof(struct id_proc_event, e));
		break;
	case PROC_EV_PTRACE:
		ret->ptrace.tracer_pid =
			rd_pid(d + offsetof(struct ptrace_proc_event, tracer_pid));
		ret->ptrace.tracer_tgid =
			rd_pid(d + offsetof(struct ptrace_proc_event, tracer_tgid));
		break;
	case PROC_EV_COMM:
		memcpy(ret->comm.comm, d + offsetof(struct comm_proc_event, comm),
		       sizeof(ret->comm.comm));
		ret->comm.comm[sizeof(ret->comm.comm) - 1] = 0;
		break;
	case PROC_EV_COREDUMP:
		ret->coredump.parent_pid =
			rd_pid(d + offsetof(struct coredump_proc_event, parent_pid));
		ret->coredump.parent_tgid =
			rd_pid(d + offsetof(struct coredump_proc_event, parent_tgid));
		break;
	case PROC_EV_EXIT:
		decode_exit(d, ret);
		break;
	default:
		/* EXEC and SID carry only the subject. */
		break;
	}

	return 1;
}

uint32_t cnproc_kernel_mask(uint32_t types)
{
	static const uint32_t bit[_PROC_EV_MAX] = {
		[PROC_EV_FORK] = PROC_EVENT_FORK,
		[PROC_EV_EXEC] = PROC_EVENT_EXEC,
		[PROC_EV_UID] = PROC_EVENT_UID,
		[PROC_EV_GID] = PROC_EVENT_GID,
		[PROC_EV_SID] = PROC_EVENT_SID,
		[PROC_EV_PTRACE] = PROC_EVENT_PTRACE,
		[PROC_EV_COMM] = PROC_EVENT_COMM,
		[PROC_EV_COREDUMP] = PROC_EVENT_COREDUMP,
		[PROC_EV_EXIT] = PROC_EVENT_EXIT,
	};
	uint32_t mask = 0;

	for (int t = 0; t < _PROC_EV_MAX; t++)
		if (types & (1U << t))
			mask |= bit[t];
	return mask;
}

/* Offsets in the datagram: nlmsghdr, cn_msg, then struct proc_event. */
#define OFF_CN_IDX ((uint32_t)(NLMSG_HDRLEN + offsetof(struct cn_msg, id.idx)))
#define OFF_CN_VAL ((uint32_t)(NLMSG_HDRLEN + offsetof(struct cn_msg, id.val)))
#define OFF_EVENT ((uint32_t)(NLMSG_HDRLEN + sizeof(struct cn_msg)))
#define OFF_WHAT (OFF_EVENT + (uint32_t)offsetof(struct proc_event, what))
#define OFF_DATA (OFF_EVENT + (uint32_t)offsetof(struct proc_event, event_data))
#define OFF_CHILD_PID (OFF_DATA + (uint32_t)offsetof(struct fork_proc_event, child_pid))
#define OFF_CHILD_TGID (OFF_DATA + (uint32_t)offsetof(struct fork_proc_event, child_tgid))
/* process_pid/process_tgid lead every other event's struct */
#define OFF_PID (OFF_DATA + (uint32_t)offsetof(struct exit_proc_event, process_pid))
#define OFF_TGID (OFF_DATA + (uint32_t)offsetof(struct exit_proc_event, process_tgid))

/* Jump offset from instruction i to label l. */
#define J(i, l) ((uint8_t)((l) - (i) - 1))
/*
 * Instructions 0-5 of each filter: only a proc connector message at least min_len
 * long is judged; anything else is passed (to l_accept), for the decoder to
 * reject and count.
 */
#define PROC_MESSAGE_CHECK(min_len, l_accept)                                            \
	[0] = BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),                                     \
	[1] = BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (min_len), 0, J(1, l_accept)),         \
	[2] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_CN_IDX),                            \
	[3] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(CN_IDX_PROC), 0, J(3, l_accept)), \
	[4] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_CN_VAL),                            \
	[5] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(CN_VAL_PROC), 0, J(5, l_accept))

int cnproc_thread_filter(struct sock_filter *prog, size_t n)
{
	/* absolute loads are big-endian, the connector's fields host-endian: compare
	 * `what` against byte-swapped constants; pid == tgid is order-independent */
	enum { L_WHAT = 6, L_FORK = 14, L_PID = 20, L_ACCEPT = 24, L_DROP = 25, N = 26 };
	const struct sock_filter f[N] = {
		PROC_MESSAGE_CHECK(OFF_TGID + 4, L_ACCEPT),
		[L_WHAT] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_WHAT),
		[7] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_FORK), J(7, L_FORK), 0),
		[8] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_EXIT), J(8, L_PID), 0),
		[9] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_UID), J(9, L_PID), 0),
		[10] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_GID), J(10, L_PID), 0),
		[11] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_SID), J(11, L_PID), 0),
		[12] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_PTRACE), J(12, L_PID), 0),
		[13] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_COMM), J(13, L_PID),
				J(13, L_ACCEPT)),
		[L_FORK] = BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		[15] = BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, OFF_CHILD_TGID + 4, 0, J(15, L_ACCEPT)),
		[16] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_CHILD_TGID),
		[17] = BPF_STMT(BPF_MISC | BPF_TAX, 0),
		[18] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_CHILD_PID),
		[19] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, J(19, L_ACCEPT), J(19, L_DROP)),
		[L_PID] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_TGID),
		[21] = BPF_STMT(BPF_MISC | BPF_TAX, 0),
		[22] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_PID),
		[23] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, J(23, L_ACCEPT), J(23, L_DROP)),
		[L_ACCEPT] = BPF_STMT(BPF_RET | BPF_K, UINT32_MAX),
		[L_DROP] = BPF_STMT(BPF_RET | BPF_K, 0),
	};
	if (n < N)
		return -ENOBUFS;
	memcpy(prog, f, sizeof(f));
	return N;
}

int cnproc_exec_filter(struct sock_filter *prog, size_t n)
{
	enum { L_ACCEPT = 8, L_DROP = 9, N = 10 };
	const struct sock_filter f[N] = {
		PROC_MESSAGE_CHECK(OFF_WHAT + 4, L_ACCEPT),
		[6] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, OFF_WHAT),
		[7] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(PROC_EVENT_EXEC), J(7, L_ACCEPT),
			       J(7, L_DROP)),
		[L_ACCEPT] = BPF_STMT(BPF_RET | BPF_K, UINT32_MAX),
		[L_DROP] = BPF_STMT(BPF_RET | BPF_K, 0),
	};
	if (n < N)
		return -ENOBUFS;
	memcpy(prog, f, sizeof(f));
	return N;
}
