/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cnprocd: command-line options, --check-config, then the Manager from start to stop. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "log.h"
#include "manager.h"
#include "util.h"

#ifndef CNPROCD_CONFIG_PATH
#define CNPROCD_CONFIG_PATH SYSCONFDIR "/cnprocd.conf"
#endif

typedef struct Args {
	ManagerOptions o;
	bool check_config;
	bool check_namespaces;
	bool debug;
} Args;

static void help(void)
{
	printf("Usage: cnprocd [OPTIONS]\n"
	       "       cnprocd --check-config [FILE]\n"
	       "\n"
	       "Watch every process on the machine through the kernel's proc connector\n"
	       "and report fork, exec, exit, uid/gid/sid, ptrace, comm and coredump events.\n"
	       "\n"
	       "  -c, --config=FILE        Configuration file (default: %s),\n"
	       "                           then its drop-ins FILE.d/*.conf\n"
	       "      --check-config       Validate the configuration, print the parsed\n"
	       "                           rules and exit (1 if invalid)\n"
	       "      --check-namespaces   Exit 0 if the proc connector serves this\n"
	       "                           process (the initial user and PID namespaces),\n"
	       "                           else say why and exit 1 (for ExecCondition=)\n"
	       "      --log-target=TARGET  Where records go: auto, console or journal\n"
	       "                           (auto: journal when started by systemd)\n"
	       "      --json               Print one JSON object per record on stdout\n"
	       "      --rcvbuf=SIZE        Kernel receive buffer, e.g. 8M (default 8M)\n"
	       "      --threads            Report thread events instead of folding them\n"
	       "                           into their process\n"
	       "      --no-argv            Do not record command lines\n"
	       "      --varlink-socket=PATH|none\n"
	       "                           Where io.cnprocd.Monitor listens (default:\n"
	       "                           $RUNTIME_DIRECTORY or /run/cnprocd)\n"
	       "      --dump               Print the process table after the initial\n"
	       "                           /proc scan and exit\n"
	       "  -d, --debug              Log debug messages\n"
	       "  -h, --help               Show this help\n"
	       "  -V, --version            Show the version\n"
	       "\n"
	       "Signals: SIGTERM/SIGINT stop, SIGHUP reloads the configuration,\n"
	       "SIGUSR1 prints the process table.\n",
	       CNPROCD_CONFIG_PATH);
}

enum {
	ARG_LOG_TARGET = 0x100,
	ARG_JSON,
	ARG_RCVBUF,
	ARG_DUMP,
	ARG_THREADS,
	ARG_NO_ARGV,
	ARG_CHECK_CONFIG,
	ARG_CHECK_NAMESPACES,
	ARG_DEBUG_STALL,
	ARG_VARLINK_SOCKET,
};

/* 0 = run, 1 = exit successfully (help/version), < 0 = usage error */
static int parse_argv(int argc, char *argv[], Args *a)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
		{ "check-namespaces", no_argument, NULL, ARG_CHECK_NAMESPACES },
		{ "log-target", required_argument, NULL, ARG_LOG_TARGET },
		{ "json", no_argument, NULL, ARG_JSON },
		{ "rcvbuf", required_argument, NULL, ARG_RCVBUF },
		{ "dump", no_argument, NULL, ARG_DUMP },
		{ "threads", no_argument, NULL, ARG_THREADS },
		{ "no-argv", no_argument, NULL, ARG_NO_ARGV },
		{ "varlink-socket", required_argument, NULL, ARG_VARLINK_SOCKET },
		{ "debug", no_argument, NULL, 'd' },
		/* not in --help: lets tests stall the loop to prove the watchdog works */
		{ "debug-stall-on-sigusr2", no_argument, NULL, ARG_DEBUG_STALL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	ConfigOverrides *ov = &a->o.overrides;
	int c;

	a->o.config_path = CNPROCD_CONFIG_PATH;
	while ((c = getopt_long(argc, argv, "c:dhV", options, NULL)) >= 0) {
		switch (c) {
		case 'c':
			a->o.config_path = optarg;
			a->o.config_required = true;
			break;
		case ARG_CHECK_NAMESPACES:
			a->check_namespaces = true;
			break;
		case ARG_CHECK_CONFIG:
			a->check_config = true;
			break;
		case ARG_LOG_TARGET:
			ov->log_target = log_target_from_string(optarg);
			if (ov->log_target < 0) {
				fprintf(stderr, "cnprocd: --log-target: expected auto, console or "
					"journal, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			ov->log_target_set = true;
			break;
		case ARG_JSON:
			a->o.json = true;
			break;
		case ARG_RCVBUF:
			if (parse_size(optarg, &ov->rcvbuf) < 0 || ov->rcvbuf > (1ULL << 30)) {
				fprintf(stderr, "cnprocd: --rcvbuf: expected a size up to 1G "
					"(e.g. 8M), got \"%s\"\n", optarg);
				return -EINVAL;
			}
			ov->rcvbuf_set = true;
			break;
		case ARG_DUMP:
			a->o.dump = true;
			break;
		case ARG_THREADS:
			ov->threads = true;
			break;
		case ARG_NO_ARGV:
			ov->no_argv = true;
			break;
		case ARG_VARLINK_SOCKET:
			if (strcmp(optarg, "none") != 0 && optarg[0] != '/') {
				fprintf(stderr, "cnprocd: --varlink-socket: expected an absolute "
					"path or none, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			ov->varlink_socket = optarg;
			break;
		case 'd':
			a->debug = true;
			break;
		case ARG_DEBUG_STALL:
			a->o.debug_stall = true;
			break;
		case 'h':
			help();
			return 1;
		case 'V':
			printf("cnprocd %s\n", PACKAGE_VERSION);
			return 1;
		default:
			return -EINVAL;
		}
	}
	/* cnprocd --check-config [FILE] */
	if (a->check_config && optind < argc) {
		a->o.config_path = argv[optind++];
		a->o.config_required = true;
	}
	if (optind < argc) {
		fprintf(stderr, "cnprocd: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Parse and print, touching neither the kernel nor the journal. */
static int check_config(const ManagerOptions *o)
{
	_cleanup_free_ char *buf = NULL;
	ConfigError err = {};
	size_t size = 0;
	FILE *text;
	Config c;
	int r;

	/* like the daemon: only an explicitly named file must exist */
	r = config_load(o->config_path, o->config_required, &c, &err);
	if (r < 0) {
		config_error_print(&err);
		return EXIT_FAILURE;
	}
	config_apply_overrides(&c, &o->overrides);
	text = open_memstream(&buf, &size);
	if (!text) {
		config_done(&c);
		return log_oom(), EXIT_FAILURE;
	}
	if (c.n_files == 0)
		fprintf(text, "# %s does not exist: built-in defaults\n", o->config_path);
	config_print(&c, text);
	fprintf(text, "\n# %s: OK, %zu rules\n", o->config_path, c.rules.n);
	config_done(&c);
	if (fclose(text) != 0)
		return log_oom(), EXIT_FAILURE;
	/* values come from the file: their control bytes are shown, not sent to the
	 * terminal (line by line, so the lines stay lines) */
	for (const char *p = buf, *nl; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		fputs_escaped(stdout, p, (size_t)(nl - p));
		fputc('\n', stdout);
	}
	return EXIT_SUCCESS;
}

int main(int argc, char *argv[])
{
	_cleanup_(manager_freep) Manager *m = NULL;
	Args a = {};
	int r, status = EXIT_FAILURE;

	/* diagnostics go to the console until the config says otherwise */
	log_setup(LOG_TARGET_CONSOLE, LOG_INFO);
	r = parse_argv(argc, argv, &a);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	a.o.log_level = a.debug ? LOG_DEBUG : LOG_INFO;
	log_setup(LOG_TARGET_CONSOLE, a.o.log_level);

	if (a.check_config)
		return check_config(&a.o);
	if (a.check_namespaces) {
		const char *why;

		if (netlink_namespaces_served(&why))
			return EXIT_SUCCESS;
		log_info("%s", why);
		return EXIT_FAILURE;
	}

	/* lines must reach a reader (pipe, test) as they happen */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a reader that goes away is a write error to handle, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	/* a large buffer (a process table reply) is mapped and given back when freed:
	 * glibc would otherwise raise this threshold after the first one and keep
	 * the next ones in the heap, and a daemon's memory would only grow */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	a.o.proc_root = "/proc";
	r = manager_new(&a.o, &m);
	if (r < 0)
		return EXIT_FAILURE;
	r = manager_start(m, &status);
	if (r < 0)
		return status;
	r = manager_run(m);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
