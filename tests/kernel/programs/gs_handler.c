// SPDX-License-Identifier: GPL-2.0
/*
 * Graceful-shutdown handler used by the tests. It records what the kernel
 * gave it (argv, environment, credentials and capability sets, cgroup) and
 * whether its victim was still alive into /tmp/gs-rec/<victim pid>.rec,
 * then behaves according to the name it was run as:
 *   gs_handler_record  exit 0 at once
 *   gs_handler_exit3   exit 3
 *   gs_handler_hang    never exit (ignores the catchable signals)
 *   gs_handler_hangfork  the same, with a child that never exits either
 *   gs_handler_daemon  exit 0 at once, leaving a grandchild in a session of
 *                      its own that never exits (daemon_pid in the record)
 *   gs_handler_term    send SIGTERM to the victim, then exit 0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

extern char **environ;

static void copy_file_line(FILE *out, const char *key, const char *path)
{
	char buf[512] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	fprintf(out, "%s=%s\n", key, f ? buf : "?unreadable");
}

/* Capability sets, as /proc/self/status shows them: "capbnd=<hex>" etc. */
static void copy_status_fields(FILE *out)
{
	static const char *const keys[] = { "CapInh", "CapPrm", "CapEff",
					     "CapBnd", "CapAmb" };
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t n = strlen(keys[i]);
			char *v = line + n + 1;

			if (strncmp(line, keys[i], n) || line[n] != ':')
				continue;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			fprintf(out, "%c%s=%s\n", keys[i][0] + 'a' - 'A',
				keys[i] + 1, v);
		}
	}
	if (f)
		fclose(f);
}

/*
 * Fork a child that starts a session of its own and forks a grandchild that
 * never exits, then exits: the grandchild is an orphan outside our session
 * and process group. Returns the grandchild's pid.
 */
static pid_t start_daemon(void)
{
	int fds[2];
	pid_t child, grandchild = 0;

	if (pipe(fds))
		return -1;
	child = fork();
	if (child == 0) {
		setsid();
		grandchild = fork();
		if (grandchild == 0) {
			signal(SIGTERM, SIG_IGN);
			signal(SIGHUP, SIG_IGN);
			for (;;)
				pause();
		}
		if (write(fds[1], &grandchild, sizeof(grandchild)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (child < 0 || read(fds[0], &grandchild, sizeof(grandchild)) !=
	    sizeof(grandchild))
		grandchild = -1;
	close(fds[0]);
	if (child > 0)
		waitpid(child, NULL, 0);
	return grandchild;
}

int main(int argc, char **argv)
{
	struct timespec ts;
	char tmp[128], final[128], statpath[64], stat[512] = "", state = '?';
	const char *me = basename(argv[0]);
	long victim = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	int alive, alive_errno;
	pid_t child = 0, daemon = 0;
	FILE *out, *f;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* Is the victim still there (and not a zombie) as we start? */
	alive = kill(victim, 0) == 0;
	alive_errno = alive ? 0 : errno;
	snprintf(statpath, sizeof(statpath), "/proc/%ld/stat", victim);
	f = fopen(statpath, "r");
	if (f) {
		char *p;

		if (fgets(stat, sizeof(stat), f)) {
			p = strrchr(stat, ')');
			if (p && p[1] == ' ')
				state = p[2];
		}
		fclose(f);
	}

	if (!strcmp(me, "gs_handler_hangfork")) {
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		child = fork();
		if (child == 0)
			for (;;)
				pause();
	}

	if (!strcmp(me, "gs_handler_daemon"))
		daemon = start_daemon();

	snprintf(tmp, sizeof(tmp), "/tmp/gs-rec/.%ld.%d", victim, getpid());
	snprintf(final, sizeof(final), "/tmp/gs-rec/%ld.rec", victim);
	out = fopen(tmp, "w");
	if (!out)
		return 111;
	fprintf(out, "handler=%s\n", me);
	fprintf(out, "start_ns=%lld\n",
		(long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	fprintf(out, "self_pid=%d\nchild_pid=%d\ndaemon_pid=%d\n", getpid(),
		child, daemon);
	fprintf(out, "uid=%d\neuid=%d\ngid=%d\n", getuid(), geteuid(), getgid());
	fprintf(out, "argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		fprintf(out, "argv%d=%s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		fprintf(out, "env=%s\n", *e);
	fprintf(out, "victim_alive=%d\nvictim_kill_errno=%d\n", alive,
		alive_errno);
	fprintf(out, "victim_state=%c\n", state);
	copy_file_line(out, "cgroup", "/proc/self/cgroup");
	copy_status_fields(out);
	fclose(out);
	rename(tmp, final);

	if (!strcmp(me, "gs_handler_exit3"))
		return 3;
	if (!strcmp(me, "gs_handler_term"))
		return kill(victim, SIGTERM) ? 112 : 0;
	if (!strcmp(me, "gs_handler_hang") || child > 0) {
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		for (;;)
			pause();
	}
	return 0;
}
