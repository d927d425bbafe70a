/* generated from io.cnprocd.Monitor.varlink */
#define MONITOR_IDL \
	"# The live view of cnprocd, the process event audit daemon: what is running and\n" \
	"# who started it, what the rules matched, what was lost, and a feed of events.\n" \
	"interface io.cnprocd.Monitor\n" \
	"\n" \
	"# A process in cnprocd's table; threads are folded into their process.\n" \
	"# exe is null when unknown (gone before it could be read, kernel thread); argv is\n" \
	"# null when not recorded (record-argv=no) or unread; start_usec is the wall clock\n" \
	"# start in microseconds since the epoch; origin says how cnprocd learnt about it:\n" \
	"# \"fork\", \"exec\", \"scanned\" (running before cnprocd looked at /proc) or \"event\";\n" \
	"# unread means its /proc entry could not be read after its exec; argv_truncated\n" \
	"# that its command line was longer than cnprocd keeps (128 KiB); kernel_thread\n" \
	"# marks kernel threads.\n" \
	"type Process (\n" \
	"  pid: int,\n" \
	"  ppid: int,\n" \
	"  comm: string,\n" \
	"  exe: ?string,\n" \
	"  argv: ?[]string,\n" \
	"  uid: ?int,\n" \
	"  euid: ?int,\n" \
	"  gid: ?int,\n" \
	"  egid: ?int,\n" \
	"  user: ?string,\n" \
	"  unit: ?string,\n" \
	"  cgroup: ?string,\n" \
	"  start_usec: ?int,\n" \
	"  origin: string,\n" \
	"  unread: bool,\n" \
	"  argv_truncated: ?bool,\n" \
	"  kernel_thread: ?bool\n" \
	")\n" \
	"\n" \
	"# A rule from cnprocd.conf, in evaluation order, with its counters. match\n" \
	"# summarises the match keys (e.g. \"event=exec uid=0 comm=sshd\"); rate_limit is\n" \
	"# \"COUNT/INTERVAL\" or \"none\".\n" \
	"type Rule (\n" \
	"  name: string,\n" \
	"  file: string,\n" \
	"  line: int,\n" \
	"  match: string,\n" \
	"  action: string,\n" \
	"  priority: string,\n" \
	"  rate_limit: string,\n" \
	"  hits: int,\n" \
	"  logged: int,\n" \
	"  suppressed: int\n" \
	")\n" \
	"\n" \
	"# Counters since the daemon started. events counts received events by type (fork\n" \
	"# exec exit uid gid sid ptrace comm coredump). lost_events is the best figure of\n" \
	"# events lost: the larger of the kernel's drop count for our socket\n" \
	"# (kernel_drops, from SO_MEMINFO) and the gaps in the per-CPU sequence numbers\n" \
	"# (sequence_gaps, which also see events the kernel failed to allocate, but are\n" \
	"# only checked when nothing is filtered: sequence_checked). enobufs counts\n" \
	"# receive queue overflows and resyncs the /proc rescans after loss episodes.\n" \
	"# kernel_filter lists the event types the kernel is asked to send (the proc_input\n" \
	"# filter of Linux >= 6.6, kernel_filter_supported), thread_filter says whether a\n" \
	"# BPF filter drops thread events before they reach us. pid_reused counts table\n" \
	"# entries replaced because their pid turned up for a new process, pid_mismatch\n" \
	"# /proc reads discarded because the pid already belonged to another process, and\n" \
	"# proc_vanished /proc reads that found the process gone (such a process is\n" \
	"# reported \"unread\", without its command line). journal_*\n" \
	"# describe the queue of records waiting for journald: written, dropped because\n" \
	"# journald did not take them and the queue was full, failed (journald refused).\n" \
	"# varlink_* count this socket's clients: accepted, refused over a connection\n" \
	"# limit, disconnected for a protocol error, disconnected for an oversized message\n" \
	"# or output backlog.\n" \
	"method GetStats() -> (\n" \
	"  uptime_usec: int,\n" \
	"  events: [string]int,\n" \
	"  thread_events_folded: int,\n" \
	"  records_logged: int,\n" \
	"  records_suppressed: int,\n" \
	"  records_ignored: int,\n" \
	"  lost_events: int,\n" \
	"  kernel_drops: int,\n" \
	"  enobufs: int,\n" \
	"  sequence_gaps: int,\n" \
	"  resyncs: int,\n" \
	"  malformed_messages: int,\n" \
	"  unknown_messages: int,\n" \
	"  foreign_messages: int,\n" \
	"  processes: int,\n" \
	"  table_full: int,\n" \
	"  rules: int,\n" \
	"  reloads: int,\n" \
	"  reload_failures: int,\n" \
	"  clients: int,\n" \
	"  receive_buffer: int,\n" \
	"  kernel_filter: []string,\n" \
	"  kernel_filter_supported: bool,\n" \
	"  thread_filter: bool,\n" \
	"  sequence_checked: bool,\n" \
	"  pid_reused: int,\n" \
	"  pid_mismatch: int,\n" \
	"  proc_vanished: int,\n" \
	"  journal_queued: int,\n" \
	"  journal_written: int,\n" \
	"  journal_dropped: int,\n" \
	"  journal_failed: int,\n" \
	"  varlink_accepted: int,\n" \
	"  varlink_refused: int,\n" \
	"  varlink_protocol_errors: int,\n" \
	"  varlink_oversized: int\n" \
	")\n" \
	"\n" \
	"# The live process table, optionally filtered: unit and comm are globs, user is a\n" \
	"# name or a numeric uid. All given filters must match.\n" \
	"method ListProcesses(unit: ?string, user: ?string, comm: ?string) -> (processes: []Process)\n" \
	"\n" \
	"# One process and its ancestors, parent first.\n" \
	"method GetProcess(pid: int) -> (process: Process, ancestors: []Process)\n" \
	"\n" \
	"# The rules in evaluation order, and what happens to events no rule matches.\n" \
	"method ListRules() -> (rules: []Rule, default_action: string, default_priority: string)\n" \
	"\n" \
	"# A feed of events; call it with \"more\". The first reply is {\"ready\": true}, then\n" \
	"# one reply per event as it happens, with the fields of the journal record. Filters:\n" \
	"# event types, unit (glob), uid, comm (glob). A client that does not keep up loses\n" \
	"# events instead of slowing the daemon: its next reply says how many in \"missed\".\n" \
	"method Subscribe(events: ?[]string, unit: ?string, uid: ?int, comm: ?string) -> (\n" \
	"  ready: ?bool,\n" \
	"  event: ?object,\n" \
	"  missed: ?int\n" \
	")\n" \
	"\n" \
	"# Re-read the configuration, like SIGHUP. Root only. A broken configuration is\n" \
	"# refused with ConfigError and the running rules stay.\n" \
	"method Reload() -> (rules: int)\n" \
	"\n" \
	"error NoSuchProcess (pid: int)\n" \
	"error ConfigError (file: string, line: int, message: string)\n" \
	""
