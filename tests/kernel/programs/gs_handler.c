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
 *   gs_handler_pidterm send SIGTERM through the pidfd on fd 3, wait (poll
 *                      on it) until the victim has exited, then exit 0
 *   gs_handler_frozen  leave a grandchild in a session of its own, then
 *                      freeze itself in the cgroup v1 freezer group the
 *                      test made at /tmp/gs-freezer/gs: unkillable until
 *                      thawed
 * The record also has the handler's task flags (flags=, from
 * /proc/self/stat) and a child's (child_flags=), and what fd 3 is.
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
#include <poll.h>
#include <sys/syscall.h>
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

/* Field 9 of /proc/<pid>/stat, the task's flags; -1 if unreadable. */
static long task_flags(pid_t pid)
{
	char path[64], buf[1024], *p;
	long flags = -1;
	FILE *f;
	int field = 3;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		for (p = p ? p + 2 : NULL; p && field < 9; field++) {
			p = strchr(p, ' ');
			p = p ? p + 1 : NULL;
		}
		if (p)
			flags = strtol(p, NULL, 10);
	}
	fclose(f);
	return flags;
}

/* fd 3 as the kernel handed it over: its link and the pid it refers to. */
static void record_fd3(FILE *out)
{
	char link[128] = "", line[128];
	ssize_t n = readlink("/proc/self/fd/3", link, sizeof(link) - 1);
	FILE *f;

	fprintf(out, "fd3=%s\n", n > 0 ? (link[n] = 0, link) : "none");
	f = fopen("/proc/self/fdinfo/3", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Pid:", 4))
			fprintf(out, "fd3_pid=%ld\n", strtol(line + 4, NULL, 10));
	if (f)
		fclose(f);
}

/* Ask the victim to stop through the pidfd, and wait until it has gone. */
static int pidfd_term(void)
{
	struct pollfd pfd = { .fd = 3, .events = POLLIN };
	const char *left = getenv("GS_DEADLINE_MS");

	if (syscall(SYS_pidfd_send_signal, 3, SIGTERM, NULL, 0))
		return 113;
	return poll(&pfd, 1, left ? atoi(left) : 5000) == 1 ? 0 : 114;
}

/* Freeze ourselves in the test's freezer group: SIGKILL waits for a thaw. */
static void freeze_self(void)
{
	char pid[32];
	int fd;

	snprintf(pid, sizeof(pid), "%d\n", getpid());
	fd = open("/tmp/gs-freezer/gs/tasks", O_WRONLY);
	if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
		_exit(115);
	close(fd);
	fd = open("/tmp/gs-freezer/gs/freezer.state", O_WRONLY);
	if (fd < 0 || write(fd, "FROZEN", 6) < 0)
		_exit(116);
	close(fd);
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

	if (!strcmp(me, "gs_handler_daemon") || !strcmp(me, "gs_handler_frozen"))
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
	fprintf(out, "flags=%ld\n", task_flags(getpid()));
	fprintf(out, "child_flags=%ld\n", child > 0 ? task_flags(child) : -1L);
	record_fd3(out);
	copy_file_line(out, "cgroup", "/proc/self/cgroup");
	copy_status_fields(out);
	fclose(out);
	rename(tmp, final);

	if (!strcmp(me, "gs_handler_exit3"))
		return 3;
	if (!strcmp(me, "gs_handler_term"))
		return kill(victim, SIGTERM) ? 112 : 0;
	if (!strcmp(me, "gs_handler_pidterm"))
		return pidfd_term();
	if (!strcmp(me, "gs_handler_frozen")) {
		freeze_self();
		for (;;)
			pause();
	}
	if (!strcmp(me, "gs_handler_hang") || child > 0) {
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		for (;;)
			pause();
	}
	return 0;
}
