// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest test driver for /proc/graceful_shutdown and the OOM handler.
 *
 *   gscases list        print "<case> <timeout seconds>" per case
 *   gscases run <case>  run one case; exit 0 only when every check passed
 *
 * Output lines (read by tests/kernel on the host):
 *   GS-INFO <case> <text>     details and measurements
 *   GS-FAIL <case> <text>     a failed check
 * Each case also marks its start and end in the kernel log so the host can
 * cut the console into per-case excerpts.
 */
#include "gstest.h"
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#define H_RECORD GS_BIN "/gs_handler_record"
#define H_HANG GS_BIN "/gs_handler_hang"
#define H_EXIT3 GS_BIN "/gs_handler_exit3"
#define PF_MEMALLOC_FLAG 0x00000800
#define PF_KTHREAD_FLAG 0x00200000
#define OOM_CG_BYTES (24L << 20)
#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_MAX_ENTRIES 8192
#define DEFAULT_BUDGET_KB 4096
#define DEFAULT_GLOBAL_WAIT_MS 0
#define MAX_TIMEOUT_MS 60000

/*
 * gs.timescale=N from the kernel command line, read once by main(): the
 * debug kernel (KASAN, lockdep) is several times slower, so its time limits
 * and margins are this many times longer. 1 on the lab kernel, where the
 * margins are exactly the issues'.
 */
static int tscale = 1;

static int timescale(void)
{
	char *cmdline = read_file("/proc/cmdline"), *p;
	int scale = 1;

	p = cmdline ? strstr(cmdline, "gs.timescale=") : NULL;
	if (p)
		scale = atoi(p + strlen("gs.timescale="));
	free(cmdline);
	return scale > 0 ? scale : 1;
}

static const char *errname(int err)
{
	const char *n = err ? strerrorname_np(err) : "success";

	return n ? n : "?";
}

static char *excerpt(const char *s)
{
	static char buf[4][300];
	static int i;
	char *b = buf[i++ % 4];
	size_t o = 0;

	if (!s)
		return "(null)";
	for (; *s && o < sizeof(buf[0]) - 5; s++) {
		if (*s == '\n') {
			b[o++] = '\\';
			b[o++] = 'n';
		} else if (isprint((unsigned char)*s)) {
			b[o++] = *s;
		} else {
			o += sprintf(b + o, "\\x%02x", (unsigned char)*s);
		}
	}
	strcpy(b + o, *s ? "..." : "");
	return b;
}

/*
 * The kernel registers only a handler that root alone can change: the
 * paths the contract cases register are hard links of H_RECORD (root's,
 * mode 0755) in directories made here (root's, mode 0755).
 */
static int mkdirs(const char *path)
{
	char buf[1100];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strchr(buf + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return errno;
		*p = '/';
	}
	return 0;
}

static int handler_at(const char *path)
{
	int err = mkdirs(path);

	if (err)
		return err;
	return link(H_RECORD, path) && errno != EEXIST ? errno : 0;
}

/* A copy of H_RECORD at @path with @mode, owned by @uid (0 or an errno). */
static int handler_copy(const char *path, mode_t mode, uid_t uid)
{
	char buf[65536];
	int in, out, err = mkdirs(path);
	ssize_t n;

	if (err)
		return err;
	in = open(H_RECORD, O_RDONLY);
	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0700);
	if (in < 0 || out < 0)
		err = errno;
	while (!err && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			err = errno ? errno : EIO;
	if (!err && (fchown(out, uid, uid) || fchmod(out, mode)))
		err = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* --- the proc file's contract ---------------------------------------- */

static void case_sysctl_defaults(void)
{
	long t = read_long(GS_TIMEOUT_MS), m = read_long(GS_MAX_ENTRIES);
	long b = read_long(GS_BUDGET_KB), g = read_long(GS_GLOBAL_WAIT_MS);

	CHECK(t == DEFAULT_TIMEOUT_MS, "%s = %ld, want %d", GS_TIMEOUT_MS, t,
	      DEFAULT_TIMEOUT_MS);
	CHECK(m == DEFAULT_MAX_ENTRIES, "%s = %ld, want %d", GS_MAX_ENTRIES, m,
	      DEFAULT_MAX_ENTRIES);
	CHECK(b == DEFAULT_BUDGET_KB, "%s = %ld, want %d", GS_BUDGET_KB, b,
	      DEFAULT_BUDGET_KB);
	CHECK(g == DEFAULT_GLOBAL_WAIT_MS, "%s = %ld, want %d",
	      GS_GLOBAL_WAIT_MS, g, DEFAULT_GLOBAL_WAIT_MS);
}

static void case_sysctl_bounds(void)
{
	static const struct { const char *path, *value; int ok; } w[] = {
		{ GS_MAX_ENTRIES, "0", 0 }, { GS_MAX_ENTRIES, "65537", 0 },
		{ GS_MAX_ENTRIES, "-1", 0 }, { GS_MAX_ENTRIES, "abc", 0 },
		{ GS_MAX_ENTRIES, "1", 1 }, { GS_MAX_ENTRIES, "65536", 1 },
		{ GS_TIMEOUT_MS, "-1", 0 }, { GS_TIMEOUT_MS, "60001", 0 },
		{ GS_TIMEOUT_MS, "600000", 0 },
		{ GS_TIMEOUT_MS, "60000", 1 }, { GS_TIMEOUT_MS, "0", 1 },
		{ GS_BUDGET_KB, "-1", 0 }, { GS_BUDGET_KB, "262145", 0 },
		{ GS_BUDGET_KB, "262144", 1 }, { GS_BUDGET_KB, "0", 1 },
		{ GS_GLOBAL_WAIT_MS, "-1", 0 }, { GS_GLOBAL_WAIT_MS, "10001", 0 },
		{ GS_GLOBAL_WAIT_MS, "10000", 1 }, { GS_GLOBAL_WAIT_MS, "0", 1 },
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		char *before = read_file(w[i].path), *after;
		int err = write_file(w[i].path, w[i].value);

		after = read_file(w[i].path);
		if (w[i].ok) {
			CHECK(err == 0 && strtol(after, NULL, 10) ==
			      strtol(w[i].value, NULL, 10),
			      "%s <- %s: %s, now %s", w[i].path, w[i].value,
			      errname(err), excerpt(after));
		} else {
			CHECK(err == EINVAL, "%s <- %s: %s, want EINVAL",
			      w[i].path, w[i].value, errname(err));
			CHECK(before && after && !strcmp(before, after),
			      "%s changed from %s to %s by a refused write",
			      w[i].path, excerpt(before), excerpt(after));
		}
		free(before);
		free(after);
	}
	write_long(GS_MAX_ENTRIES, DEFAULT_MAX_ENTRIES);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	write_long(GS_BUDGET_KB, DEFAULT_BUDGET_KB);
	write_long(GS_GLOBAL_WAIT_MS, DEFAULT_GLOBAL_WAIT_MS);
}

static void check_mode(const char *path, mode_t want)
{
	struct stat st;

	CHECK(stat(path, &st) == 0, "stat %s: %s", path, errname(errno));
	CHECK(S_ISREG(st.st_mode), "%s not a regular file: mode %o", path,
	      st.st_mode);
	CHECK((st.st_mode & 07777) == want, "%s mode %o, want %o", path,
	      st.st_mode & 07777, want);
	CHECK(st.st_uid == 0 && st.st_gid == 0, "%s owner %d:%d, want 0:0",
	      path, st.st_uid, st.st_gid);
}

static void case_proc_file_mode(void)
{
	check_mode(GS_PROC, 0600);
	check_mode(GS_RUNS, 0400);
}

static void case_register(void)
{
	pid_t s = spawn_sleeper();
	char *path;
	int err = gs_register(s, H_RECORD);

	CHECK(err == 0, "register %d: %s", s, errname(err));
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, H_RECORD), "listing has %s for %d, want %s",
	      path ? path : "nothing", s, H_RECORD);
	free(path);
	reap(s);
}

static void case_register_newline(void)
{
	pid_t s = spawn_sleeper();
	char buf[128], *path;
	int err;

	snprintf(buf, sizeof(buf), "%d %s\n", s, H_RECORD);
	err = gs_write(buf);
	CHECK(err == 0, "'%s': %s", excerpt(buf), errname(err));
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, H_RECORD), "listing has %s, want %s",
	      path ? path : "nothing", H_RECORD);
	free(path);
	reap(s);
}

static void case_list(void)
{
	pid_t s[3];
	char want[3][64], *text, why[200];
	struct gs_entry *e;
	int n, found = 0;

	for (int i = 0; i < 3; i++)
		s[i] = spawn_sleeper();
	/* Register out of order: the listing must still be ascending. */
	for (int i = 2; i >= 0; i--) {
		snprintf(want[i], sizeof(want[i]), "/gs/list/handler-%d", i);
		CHECK(handler_at(want[i]) == 0, "handler %s", want[i]);
		CHECK(gs_register(s[i], want[i]) == 0, "register %d", s[i]);
	}
	text = gs_list();
	CHECK(text, "read %s: %s", GS_PROC, errname(errno));
	n = text ? gs_parse(text, &e, why, sizeof(why)) : -1;
	CHECK(n >= 0, "listing format: %s in '%s'", why, excerpt(text));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 3; j++)
			if (e[i].pid == s[j]) {
				CHECK(!strcmp(e[i].path, want[j]),
				      "%d listed with %s, want %s", s[j],
				      e[i].path, want[j]);
				found++;
			}
	CHECK(found == 3, "%d of 3 registrations listed: '%s'", found,
	      excerpt(text));
	if (n >= 0)
		gs_free(e, n);
	free(text);
	for (int i = 0; i < 3; i++)
		reap(s[i]);
}

static void case_replace(void)
{
	pid_t s = spawn_sleeper();
	char *text, *path, needle[64];
	int err;

	CHECK(handler_at("/gs/replace/old") == 0 &&
	      handler_at("/gs/replace/new") == 0, "handlers");
	CHECK(gs_register(s, "/gs/replace/old") == 0, "first register");
	err = gs_register(s, "/gs/replace/new");
	CHECK(err == 0, "replace: %s", errname(err));
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, "/gs/replace/new"), "listed %s, want new",
	      path ? path : "nothing");
	text = gs_list();
	snprintf(needle, sizeof(needle), "%d /gs/replace/", s);
	{ /* exactly one line for the pid */
		int lines = 0;

		for (char *p = text; p && (p = strstr(p, needle)); p++)
			lines += p == text || p[-1] == '\n';
		CHECK(lines == 1, "%d lines for pid %d: '%s'", lines, s,
		      excerpt(text));
	}
	free(text);
	free(path);
	reap(s);
}

static void case_unregister(void)
{
	pid_t s = spawn_sleeper();
	char *path, *before, *after;
	int err;

	CHECK(gs_register(s, H_RECORD) == 0, "register");
	err = gs_unregister(s);
	CHECK(err == 0, "unregister: %s", errname(err));
	path = gs_lookup(s);
	CHECK(!path, "still listed with %s after unregister", path);
	free(path);
	before = gs_list();
	err = gs_unregister(s);
	CHECK(err == ENOENT, "second unregister: %s, want ENOENT",
	      errname(err));
	after = gs_list();
	CHECK(before && after && !strcmp(before, after),
	      "listing changed by a failed unregister");
	free(before);
	free(after);
	reap(s);
}

/* Each bad input: EINVAL and the listing byte-for-byte unchanged. */
struct bad_input {
	const char *name;
	const char *fmt;	/* %1$d is a registered process's pid */
	size_t len;		/* 0: strlen; else exact length (embedded NUL) */
	int fill;		/* pad the path with 'a' to this total length */
};

static const struct bad_input bad_inputs[] = {
	{ "newline_only", "\n" },
	{ "pid_only", "%1$d" },
	{ "pid_space_only", "%1$d " },
	{ "path_only", "/gs/bad/handler" },
	{ "nonnumeric_pid", "abc /gs/bad/handler" },
	{ "trailing_junk_pid", "%1$dx /gs/bad/handler" },
	{ "hex_pid", "0x%1$x /gs/bad/handler" },
	{ "zero_pid", "0 /gs/bad/handler" },
	{ "negative_pid_with_path", "-%1$d /gs/bad/handler" },
	{ "unregister_zero", "-0" },
	{ "unregister_nonnumeric", "-abc" },
	{ "unregister_double_minus", "--%1$d" },
	{ "pid_overflow", "99999999999999999999 /gs/bad/handler" },
	{ "relative_path", "%1$d gs/bad/handler" },
	{ "dot_relative_path", "%1$d ./handler" },
	{ "path_with_space", "%1$d /gs/bad/a b" },
	{ "path_with_tab", "%1$d /gs/bad/a\tb" },
	{ "path_with_control_char", "%1$d /gs/bad/a\x01z" },
	{ "path_with_del_char", "%1$d /gs/bad/a\x7fz" },
	{ "two_operations", "%1$d /gs/bad/x\n%1$d /gs/bad/y" },
	{ "embedded_nul", "%1$d /gs/bad/x\0/y", 1 },
	{ "signal_kill", "%1$d /gs/bad/handler signal=9" },
	{ "signal_stop", "%1$d /gs/bad/handler signal=19" },
	{ "signal_zero", "%1$d /gs/bad/handler signal=0" },
	{ "signal_65", "%1$d /gs/bad/handler signal=65" },
	{ "signal_name", "%1$d /gs/bad/handler signal=TERM" },
	{ "signal_empty", "%1$d /gs/bad/handler signal=" },
	{ "signal_leading_zero", "%1$d /gs/bad/handler signal=015" },
	{ "signal_then_junk", "%1$d /gs/bad/handler signal=15 x" },
	{ "signal_twice", "%1$d /gs/bad/handler signal=15 signal=15" },
	{ "unknown_option", "%1$d /gs/bad/handler sig=15" },
	{ "option_double_space", "%1$d /gs/bad/handler  signal=15" },
	{ "path_1024_bytes", "%1$d /", 0, 1024 },
	{ "write_page_size", "%1$d /", 0, -4096 },
	{ "write_two_pages", "%1$d /", 0, -8192 },
};

static void run_bad_input(const struct bad_input *b)
{
	pid_t s = spawn_sleeper();
	char *buf = calloc(1, 16384), *before, *after, *path;
	size_t len;
	int err;

	CHECK(gs_register(s, H_RECORD) == 0, "setup register");
	len = snprintf(buf, 16384, b->fmt, s);
	if (b->len) /* the text after the NUL that snprintf stopped at */
		len += 1 + sprintf(buf + len + 1, "%s",
				   b->fmt + strlen(b->fmt) + 1);
	if (b->fill > 0) { /* path of exactly fill bytes */
		size_t start = len;

		while (len - start + 1 < (size_t)b->fill)
			buf[len++] = 'a';
	} else if (b->fill < 0) { /* whole write of exactly -fill bytes */
		while (len < (size_t)-b->fill)
			buf[len++] = 'a';
	}
	before = gs_list();
	err = gs_write_n(buf, len);
	after = gs_list();
	CHECK(err == EINVAL, "write of %zu bytes '%s': %s, want EINVAL", len,
	      excerpt(buf), errname(err));
	CHECK(before && after && !strcmp(before, after),
	      "listing changed: before '%s' after '%s'", excerpt(before),
	      excerpt(after));
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, H_RECORD), "pid %d now listed with %s",
	      s, path ? path : "nothing");
	free(path);
	free(before);
	free(after);
	free(buf);
	reap(s);
}

static void case_path_1023_bytes_accepted(void)
{
	pid_t s = spawn_sleeper();
	char path[1024], *got;
	int err;

	/* "/gs/long/aaa.../aaa...": names of at most 200 bytes */
	memset(path, 'a', sizeof(path));
	memcpy(path, "/gs/long/", 9);
	for (int i = 9 + 200; i < 1023; i += 201)
		path[i] = '/';
	path[1023] = 0;
	CHECK(handler_at(path) == 0, "handler at a 1023-byte path: %s",
	      errname(handler_at(path)));
	err = gs_register(s, path);
	CHECK(err == 0, "1023-byte path: %s", errname(err));
	got = gs_lookup(s);
	CHECK(got && !strcmp(got, path), "listed %zu bytes, want 1023",
	      got ? strlen(got) : 0);
	free(got);
	reap(s);
}

static void case_nonexistent_pid_esrch(void)
{
	pid_t gone = spawn_sleeper();
	char *before, *after;
	int err;

	reap(gone);
	before = gs_list();
	err = gs_register(gone, H_RECORD);
	after = gs_list();
	CHECK(err == ESRCH, "register exited pid %d: %s, want ESRCH", gone,
	      errname(err));
	CHECK(before && after && !strcmp(before, after), "listing changed");
	free(before);
	free(after);
}

/* --- permissions ------------------------------------------------------ */

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return errno;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].inheritable &= ~(1U << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &h, d))
		return errno;
	return 0;
}

static void case_eperm_without_cap_sys_admin(void)
{
	pid_t s = spawn_sleeper(), c;
	char *before = NULL, *after, *path;
	int status, p[2];

	CHECK(gs_register(s, H_RECORD) == 0, "setup register");
	before = gs_list();
	if (pipe(p))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		int e[5];

		e[0] = drop_cap_sys_admin();
		e[1] = gs_register(s, H_EXIT3); /* replace */
		e[2] = gs_unregister(s);
		e[3] = write_file(GS_TIMEOUT_MS, "1234");
		e[4] = write_file(GS_MAX_ENTRIES, "1234");
		if (write(p[1], e, sizeof(e)) != sizeof(e))
			_exit(2);
		_exit(0);
	}
	{
		int e[5] = { -1, -1, -1, -1, -1 };

		waitpid(c, &status, 0);
		CHECK(read(p[0], e, sizeof(e)) == sizeof(e), "child result");
		CHECK(e[0] == 0, "dropping CAP_SYS_ADMIN: %s", errname(e[0]));
		CHECK(e[1] == EPERM, "register without CAP_SYS_ADMIN: %s, want EPERM",
		      errname(e[1]));
		CHECK(e[2] == EPERM, "unregister without CAP_SYS_ADMIN: %s, want EPERM",
		      errname(e[2]));
		CHECK(e[3] == EPERM && e[4] == EPERM,
		      "sysctl writes without CAP_SYS_ADMIN: %s, %s, want EPERM",
		      errname(e[3]), errname(e[4]));
		CHECK(read_long(GS_TIMEOUT_MS) == DEFAULT_TIMEOUT_MS &&
		      read_long(GS_MAX_ENTRIES) == DEFAULT_MAX_ENTRIES,
		      "a refused sysctl write changed a value");
	}
	after = gs_list();
	CHECK(before && after && !strcmp(before, after), "listing changed");
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, H_RECORD), "registration now %s",
	      path ? path : "gone");
	free(path);
	free(before);
	free(after);
	reap(s);
}

static void case_eacces_non_root(void)
{
	pid_t c;
	int status, p[2];

	if (pipe(p))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		int e[3] = { 0, 0, 0 }, fd;

		if (setgid(65534) || setuid(65534))
			e[0] = errno ? errno : -1;
		fd = open(GS_PROC, O_RDONLY);
		e[1] = fd < 0 ? errno : 0;
		fd = open(GS_PROC, O_WRONLY);
		e[2] = fd < 0 ? errno : 0;
		if (write(p[1], e, sizeof(e)) != sizeof(e))
			_exit(2);
		_exit(0);
	}
	{
		int e[3] = { -1, -1, -1 };

		waitpid(c, &status, 0);
		CHECK(read(p[0], e, sizeof(e)) == sizeof(e), "child result");
		CHECK(e[0] == 0, "setuid(65534): %s", errname(e[0]));
		CHECK(e[1] == EACCES, "uid 65534 open O_RDONLY: %s, want EACCES",
		      errname(e[1]));
		CHECK(e[2] == EACCES, "uid 65534 open O_WRONLY: %s, want EACCES",
		      errname(e[2]));
	}
}

/*
 * Write access is the opener's: an fd opened with CAP_SYS_ADMIN writes
 * after the cap is gone, and one opened without it does not write in a
 * process that has it (a setuid program handed an fd, say).
 */
static int send_fd(int sock, int fd)
{
	char data = 'f', ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : errno;
}

static int recv_fd(int sock)
{
	char data, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int fd_register(int fd, pid_t pid, const char *path)
{
	char buf[256];
	int len = snprintf(buf, sizeof(buf), "%d %s", pid, path);

	return write(fd, buf, len) == len ? 0 : errno;
}

static void case_write_checked_with_openers_credentials(void)
{
	pid_t s = spawn_sleeper(), c;
	int sv[2], fd, status, err = -1;
	char *path;

	/* opened with the cap, written without it */
	fd = open(GS_PROC, O_WRONLY);
	CHECK(fd >= 0, "open: %s", errname(errno));
	if (pipe(sv))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		int e[2];

		e[0] = drop_cap_sys_admin();
		e[1] = fd_register(fd, s, H_EXIT3);
		_exit(write(sv[1], e, sizeof(e)) == sizeof(e) ? 0 : 2);
	}
	{
		int e[2] = { -1, -1 };

		waitpid(c, &status, 0);
		CHECK(read(sv[0], e, sizeof(e)) == sizeof(e), "child result");
		CHECK(e[0] == 0, "dropping CAP_SYS_ADMIN: %s", errname(e[0]));
		CHECK(e[1] == 0, "write without the cap on an fd opened with it: %s, want success",
		      errname(e[1]));
	}
	close(sv[0]);
	close(sv[1]);
	close(fd);
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, H_EXIT3), "registration %s, want %s",
	      path ? path : "none", H_EXIT3);
	free(path);

	/* opened without the cap, written with it */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return;
	c = fork();
	if (c == 0) {
		int f;

		if (drop_cap_sys_admin())
			_exit(3);
		f = open(GS_PROC, O_WRONLY);
		_exit(f < 0 ? 4 : send_fd(sv[1], f) ? 5 : 0);
	}
	fd = recv_fd(sv[0]);
	waitpid(c, &status, 0);
	CHECK(fd >= 0 && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child could not open and pass the file: %s",
	      status_str(status));
	if (fd >= 0) {
		err = fd_register(fd, s, H_RECORD);
		close(fd);
	}
	CHECK(err == EPERM, "write with the cap on an fd opened without it: %s, want EPERM",
	      errname(err));
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, H_EXIT3), "registration now %s",
	      path ? path : "none");
	free(path);
	close(sv[0]);
	close(sv[1]);
	reap(s);
}

/* --- the handler file: only one root alone can change runs ------------ */

/* Registering @path for @s fails with @want and changes nothing. */
static void check_refused(pid_t s, const char *path, int want,
			  const char *what)
{
	char *before = gs_list(), *after;
	int err = gs_register(s, path);

	after = gs_list();
	CHECK(err == want, "%s (%s): %s, want %s", what, path, errname(err),
	      errname(want));
	CHECK(before && after && !strcmp(before, after),
	      "%s: the listing changed", what);
	free(before);
	free(after);
}

static void check_accepted(pid_t s, const char *path, const char *what)
{
	int err = gs_register(s, path);
	char *got = gs_lookup(s);

	CHECK(err == 0, "%s (%s): %s, want success", what, path,
	      errname(err));
	CHECK(!err || (got && !strcmp(got, path)), "%s: listed %s", what,
	      got ? got : "nothing");
	free(got);
}

static void case_unsafe_handler_refused(void)
{
	pid_t s = spawn_sleeper();

	CHECK(gs_register(s, H_RECORD) == 0, "setup register");
	CHECK(handler_copy("/gs/unsafe/nobody", 0755, 65534) == 0 &&
	      handler_copy("/gs/unsafe/mode0777", 0777, 0) == 0 &&
	      handler_copy("/gs/unsafe/mode0775", 0775, 0) == 0 &&
	      handler_copy("/gs/unsafe/noexec", 0644, 0) == 0, "copies");
	check_refused(s, "/gs/unsafe/nobody", EACCES, "owned by uid 65534");
	check_refused(s, "/gs/unsafe/mode0777", EACCES, "mode 0777");
	check_refused(s, "/gs/unsafe/mode0775", EACCES, "mode 0775");
	check_refused(s, "/gs/unsafe/noexec", EACCES, "mode 0644");
	check_refused(s, "/gs/unsafe", EACCES, "a directory");
	check_refused(s, "/dev/null", EACCES, "a device");
	check_refused(s, "/gs/unsafe/missing", ENOENT, "a missing file");
	check_refused(s, "/gs/unsafe/noexec/x", ENOTDIR, "through a file");

	/* directories on the way */
	CHECK(handler_at("/gs/dir775/h") == 0 && chmod("/gs/dir775", 0775) == 0,
	      "group-writable directory");
	check_refused(s, "/gs/dir775/h", EACCES, "in a group-writable directory");
	CHECK(handler_at("/gs/dirnobody/h") == 0 &&
	      chown("/gs/dirnobody", 65534, 65534) == 0, "foreign directory");
	check_refused(s, "/gs/dirnobody/h", EACCES,
		      "in a directory owned by uid 65534");
	CHECK(handler_at("/gs/dir777/deep/h") == 0 &&
	      chmod("/gs/dir777", 0777) == 0, "world-writable grandparent");
	check_refused(s, "/gs/dir777/deep/h", EACCES,
		      "below a world-writable directory");

	/* symlinks: root's link to a safe file is fine, not one to an unsafe
	 * place, nor a link someone else owns (in sticky /tmp)
	 */
	unlink("/gs/link-ok");
	unlink("/gs/link-bad");
	unlink("/tmp/gs-link-nobody");
	CHECK(symlink(H_RECORD, "/gs/link-ok") == 0 &&
	      symlink("/gs/dir775/h", "/gs/link-bad") == 0 &&
	      symlink(H_RECORD, "/tmp/gs-link-nobody") == 0 &&
	      lchown("/tmp/gs-link-nobody", 65534, 65534) == 0, "symlinks");
	check_refused(s, "/gs/link-bad", EACCES, "a link into an unsafe directory");
	check_refused(s, "/tmp/gs-link-nobody", EACCES,
		      "a link owned by uid 65534");
	check_accepted(s, "/gs/link-ok", "root's link to a safe handler");
	/* a sticky directory (/tmp, 1777) may hold root's handler */
	CHECK(handler_copy("/tmp/gs-sticky-ok", 0755, 0) == 0, "copy in /tmp");
	check_accepted(s, "/tmp/gs-sticky-ok", "root's file in sticky /tmp");
	reap(s);
}

/*
 * Handlers run in the initial mount namespace, from init's root: a path
 * named from elsewhere is refused (EXDEV), whatever it names there.
 */
static void case_register_from_another_namespace_refused(void)
{
	pid_t s = spawn_sleeper(), c;
	int status, p[2];
	char *before, *after, *path;

	CHECK(gs_register(s, H_RECORD) == 0, "setup register");
	before = gs_list();
	if (pipe(p))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		int e[5] = { 0, 0, 0, 0, 0 };

		/* a private mount namespace with a file of its own */
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mkdirs("/tmp/gs-ns/h") ||
		    mount("tmpfs", "/tmp/gs-ns", "tmpfs", 0, "mode=0755"))
			e[0] = errno ? errno : -1;
		e[1] = handler_copy("/tmp/gs-ns/h", 0755, 0);
		e[2] = gs_register(s, "/tmp/gs-ns/h");
		e[3] = gs_register(s, H_EXIT3);
		_exit(write(p[1], e, sizeof(e)) == sizeof(e) ? 0 : 2);
	}
	{
		int e[5] = { -1, -1, -1, -1, -1 };

		waitpid(c, &status, 0);
		CHECK(read(p[0], e, sizeof(e)) == sizeof(e), "child result");
		CHECK(e[0] == 0 && e[1] == 0, "private namespace setup: %s, %s",
		      errname(e[0]), errname(e[1]));
		CHECK(e[2] == EXDEV, "register a file of a private namespace: %s, want EXDEV",
		      errname(e[2]));
		CHECK(e[3] == EXDEV, "register the host's file from a private namespace: %s, want EXDEV",
		      errname(e[3]));
	}
	/* and from a chroot, writing on an fd opened before it */
	c = fork();
	if (c == 0) {
		int e = -1, fd = open(GS_PROC, O_WRONLY);

		if (fd >= 0 && !chroot("/gs") && !chdir("/"))
			e = fd_register(fd, s, "/bin/gs_handler_exit3");
		_exit(e == EXDEV ? 0 : e > 0 && e < 100 ? e : 100);
	}
	waitpid(c, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "register from a chroot: %s, want EXDEV",
	      WIFEXITED(status) ? errname(WEXITSTATUS(status)) : "crashed");
	after = gs_list();
	CHECK(before && after && !strcmp(before, after), "the listing changed");
	path = gs_lookup(s);
	CHECK(path && !strcmp(path, H_RECORD), "registration now %s",
	      path ? path : "none");
	free(path);
	free(before);
	free(after);
	reap(s);
}

/* --- registrations follow the process ------------------------------- */

static void case_exit_removes_registration(void)
{
	pid_t s = spawn_sleeper();
	char *path;

	CHECK(gs_register(s, H_RECORD) == 0, "register");
	reap(s);
	path = gs_lookup(s);
	CHECK(!path, "pid %d still listed (%s) after it exited and was reaped",
	      s, path);
	free(path);
}

static void case_exec_keeps_registration(void)
{
	int go[2];
	pid_t c;
	char *path, comm[64] = "", cpath[64];
	int64_t start;

	if (pipe(go))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		char x;

		close(go[1]);
		if (read(go[0], &x, 1) != 1)
			_exit(1);
		execl("/bin/busybox", "sleep", "1000", (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	CHECK(gs_register(c, H_RECORD) == 0, "register");
	CHECK(write(go[1], "g", 1) == 1, "go");
	snprintf(cpath, sizeof(cpath), "/proc/%d/comm", c);
	start = now_ns();
	while (ms_since(start) < 5000) {
		char *s = read_file(cpath);

		snprintf(comm, sizeof(comm), "%s", s ? s : "");
		free(s);
		if (!strncmp(comm, "busybox", 7))
			break;
		sleep_ms(10);
	}
	CHECK(!strncmp(comm, "busybox", 7), "child did not exec: comm %s", comm);
	path = gs_lookup(c);
	CHECK(path && !strcmp(path, H_RECORD),
	      "after exec the registration is %s", path ? path : "gone");
	free(path);
	reap(c);
}

static void *thread_pause(void *arg)
{
	int fd = *(int *)arg;
	char x;

	if (fd >= 0) { /* exit when told */
		if (read(fd, &x, 1) != 1)
			return NULL;
		return NULL;
	}
	for (;;)
		pause();
	return NULL;
}

static void case_thread_exit_keeps_registration(void)
{
	int go[2], done[2];
	pid_t c;
	char *path, x;

	if (pipe(go) || pipe(done))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pthread_create(&t, NULL, thread_pause, &go[0]);
		pthread_join(t, NULL);
		if (write(done[1], "d", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	CHECK(gs_register(c, H_RECORD) == 0, "register");
	CHECK(write(go[1], "g", 1) == 1, "go");
	CHECK(read(done[0], &x, 1) == 1, "thread exited");
	path = gs_lookup(c);
	CHECK(path && !strcmp(path, H_RECORD),
	      "after a non-leader thread exited the registration is %s",
	      path ? path : "gone");
	free(path);
	reap(c);
}

static void case_leader_exit_keeps_registration(void)
{
	int ready[2];
	pid_t c;
	char *path, x, spath[64], *st;

	if (pipe(ready))
		return;
	fflush(NULL);
	c = fork();
	if (c == 0) {
		pthread_t t;
		int none = -1;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pthread_create(&t, NULL, thread_pause, &none);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		syscall(SYS_exit, 0); /* only the leader thread exits */
	}
	CHECK(gs_register(c, H_RECORD) == 0, "register");
	CHECK(read(ready[0], &x, 1) == 1, "ready");
	/* Wait for the leader to become a zombie while its thread lives. */
	snprintf(spath, sizeof(spath), "/proc/%d/status", c);
	for (int i = 0; i < 500; i++) {
		st = read_file(spath);
		if (st && strstr(st, "State:\tZ")) {
			free(st);
			break;
		}
		free(st);
		sleep_ms(10);
	}
	path = gs_lookup(c);
	CHECK(path && !strcmp(path, H_RECORD),
	      "process %d alive (leader thread exited, another runs) but its registration is %s",
	      c, path ? path : "gone");
	free(path);
	reap(c);
	path = gs_lookup(c);
	CHECK(!path, "still listed after the whole process exited");
	free(path);
}

static void case_pid_reuse_not_inherited(void)
{
	pid_t a = spawn_sleeper(), b = -1;
	char *path;

	CHECK(gs_register(a, H_RECORD) == 0, "register");
	reap(a);
	for (int i = 0; i < 5 && b != a; i++) {
		if (b > 0)
			reap(b);
		if (write_long("/proc/sys/kernel/ns_last_pid", a - 1)) {
			info("ns_last_pid: %s", errname(errno));
			break;
		}
		b = spawn_sleeper();
	}
	CHECK(b == a, "could not reuse pid %d (got %d)", a, b);
	path = gs_lookup(b);
	CHECK(!path, "new process with reused pid %d inherited %s", b, path);
	free(path);
	if (b > 0)
		reap(b);
}

static void case_enospc_at_max_entries(void)
{
	int base = gs_count(), err;
	pid_t s[4], extra = spawn_sleeper();
	char *before, *after, *path;

	CHECK(base >= 0, "listing unreadable");
	CHECK(write_long(GS_MAX_ENTRIES, base + 4) == 0, "set max_entries");
	for (int i = 0; i < 4; i++) {
		s[i] = spawn_sleeper();
		err = gs_register(s[i], H_RECORD);
		CHECK(err == 0, "register %d of 4: %s", i + 1, errname(err));
	}
	before = gs_list();
	err = gs_register(extra, H_RECORD);
	after = gs_list();
	CHECK(err == ENOSPC, "register beyond max_entries: %s, want ENOSPC",
	      errname(err));
	CHECK(before && after && !strcmp(before, after), "listing changed");
	err = gs_register(s[0], H_EXIT3);
	CHECK(err == 0, "replacing when full: %s, want success", errname(err));
	path = gs_lookup(s[0]);
	CHECK(path && !strcmp(path, H_EXIT3), "replace -> %s",
	      path ? path : "gone");
	free(path);
	CHECK(gs_unregister(s[1]) == 0, "unregister to make room");
	err = gs_register(extra, H_RECORD);
	CHECK(err == 0, "register after making room: %s", errname(err));
	write_long(GS_MAX_ENTRIES, DEFAULT_MAX_ENTRIES);
	free(before);
	free(after);
	for (int i = 0; i < 4; i++)
		reap(s[i]);
	reap(extra);
}

#define MANY 4096

static void case_many_4096(void)
{
	pid_t *pids = calloc(MANY, sizeof(pid_t));
	char path[64], *big, *small, why[200];
	struct gs_entry *e;
	int n, mine = 0, bad = 0, err;
	int64_t t;

	/* threads-max scales with THREAD_SIZE: KASAN's bigger stacks put
	 * the default near 4,096 tasks on a 1 GiB guest.
	 */
	if (read_long("/proc/sys/kernel/threads-max") < 3 * MANY)
		write_long("/proc/sys/kernel/threads-max", 3 * MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(path, sizeof(path), "/gs/many/h%0*d", 1 + i % 9, i);
		if (handler_at(path) && bad++ < 5)
			CHECK(0, "handler %s: %s", path, errname(errno));
	}
	for (int i = 0; i < MANY; i++) {
		pids[i] = spawn_sleeper();
		CHECK(pids[i] > 0, "fork %d: %s", i, errname(errno));
		if (pids[i] <= 0)
			goto out;
	}
	t = now_ns();
	for (int i = 0; i < MANY; i++) {
		snprintf(path, sizeof(path), "/gs/many/h%0*d", 1 + i % 9, i);
		err = gs_register(pids[i], path);
		if (err && bad++ < 5)
			CHECK(0, "register #%d (pid %d): %s", i, pids[i],
			      errname(err));
	}
	info("4096 registrations took %.1f ms", ms_since(t));
	t = now_ns();
	big = gs_list();
	info("reading the 4096-entry listing took %.2f ms (%zu bytes)",
	     ms_since(t), big ? strlen(big) : 0);
	small = read_file_chunked(GS_PROC, 61); /* seq_file across reads */
	CHECK(big && small && !strcmp(big, small),
	      "listing read in 61-byte reads differs from one big read");
	n = big ? gs_parse(big, &e, why, sizeof(why)) : -1;
	CHECK(n >= 0, "listing format: %s", why);
	for (int i = 0, j = 0; i < n; i++) {
		while (j < MANY && pids[j] < e[i].pid)
			j++;
		if (j < MANY && pids[j] == e[i].pid) {
			snprintf(path, sizeof(path), "/gs/many/h%0*d",
				 1 + j % 9, j);
			if (strcmp(e[i].path, path) && bad++ < 5)
				CHECK(0, "pid %d listed with %s, want %s",
				      e[i].pid, e[i].path, path);
			mine++;
		}
	}
	CHECK(mine == MANY, "%d of %d registrations listed", mine, MANY);
	if (n >= 0)
		gs_free(e, n);
	free(big);
	free(small);
	for (int i = 0; i < MANY; i += 2)
		CHECK(gs_unregister(pids[i]) == 0 || bad++ > 5,
		      "unregister %d", pids[i]);
	n = gs_count();
	mine = 0;
	for (int i = 1; i < MANY; i += 2) {
		char *p = NULL;

		if (i < 64) { /* spot check */
			p = gs_lookup(pids[i]);
			mine += p != NULL;
			free(p);
		}
	}
	CHECK(mine == 32, "after unregistering half, %d of 32 spot-checked remain",
	      mine);
out:
	for (int i = 0; i < MANY && pids[i] > 0; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < MANY && pids[i] > 0; i++)
		waitpid(pids[i], NULL, 0);
	n = gs_count();
	info("%d registrations left after all 4096 exited", n);
	CHECK(n >= 0 && n < 10, "%d registrations remain after exits", n);
	free(pids);
}

/* --- OOM ----------------------------------------------------------- */

static int kfd = -1;
static char *klog;
static size_t klen;

static void oom_prepare(void)
{
	mkdir(GS_REC_DIR, 0755);
	kfd = kmsg_open();
	kmsg_drain(kfd, &klog, &klen);
}

/* The kernel's one line for this victim, checked against the contract. */
static void check_log_line(pid_t pid, const char *comm, const char *handler,
			   const char *outcome)
{
	char prefix[1200], *line, *ms;

	snprintf(prefix, sizeof(prefix), "graceful_shutdown: pid %d (%s) handler %s: ",
		 pid, comm, handler);
	line = kmsg_find(kfd, &klog, &klen, prefix, 3000);
	CHECK(line, "no kernel log line starting '%s'", prefix);
	if (!line)
		return;
	info("kernel: %s", line);
	CHECK(!strncmp(line + strlen(prefix), outcome, strlen(outcome)),
	      "outcome '%s', want '%s...'", line + strlen(prefix), outcome);
	ms = strrchr(line, ',');
	CHECK(ms && strlen(ms) > 5 && !strcmp(ms + strlen(ms) - 3, " ms") &&
	      isdigit((unsigned char)ms[2]), "line does not end in ', <n> ms'");
	free(line);
}

static void check_no_log_line(pid_t pid)
{
	char prefix[64], *line;

	snprintf(prefix, sizeof(prefix), "graceful_shutdown: pid %d ", pid);
	line = kmsg_find(kfd, &klog, &klen, prefix, 300);
	CHECK(!line, "unexpected kernel log line: %s", line);
	free(line);
}

static void check_killed(struct victim *v, const char *what)
{
	CHECK(WIFSIGNALED(v->status) && WTERMSIG(v->status) == SIGKILL,
	      "%s %d: %s, want killed by SIGKILL", what, v->pid,
	      status_str(v->status));
}

/* The counters in /proc/vmstat, in this order. */
enum { RUN, EXITED, TIMED_OUT, FAILED, REFUSED, VICTIM_EXITED, NCOUNTERS };
static const char *const counter_names[NCOUNTERS] = {
	"graceful_shutdown_run", "graceful_shutdown_exited",
	"graceful_shutdown_timed_out", "graceful_shutdown_failed",
	"graceful_shutdown_refused", "graceful_shutdown_victim_exited",
};

static void counters_read(long c[NCOUNTERS])
{
	char *text = read_file("/proc/vmstat"), *p;

	for (int i = 0; i < NCOUNTERS; i++) {
		size_t n = strlen(counter_names[i]);

		c[i] = -1;
		for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (!strncmp(p, counter_names[i], n) && p[n] == ' ')
				c[i] = strtol(p + n + 1, NULL, 10);
	}
	free(text);
}

/*
 * Each counter moved by exactly one for @outcome, and run by one; the
 * victim_exited counter by @exited.
 */
static void check_counted_exit(const long before[NCOUNTERS], int outcome,
			       int exited)
{
	long after[NCOUNTERS];

	counters_read(after);
	for (int i = 0; i < NCOUNTERS; i++) {
		long want = i == RUN || i == outcome ||
			    (i == VICTIM_EXITED && exited);

		CHECK(before[i] >= 0 && after[i] - before[i] == want,
		      "%s moved from %ld to %ld, want +%ld", counter_names[i],
		      before[i], after[i], want);
	}
}

static void check_counted(const long before[NCOUNTERS], int outcome)
{
	check_counted_exit(before, outcome, 0);
}

/*
 * What the handler is told about its OOM: the victim's cgroup, its RSS at
 * the decision (at most what its cgroup may hold, @max_bytes, or 0: any),
 * the constraint, and the time left before the deadline.
 */
static void check_oom_env(const char *rec, const char *cgroup,
			  const char *constraint, long max_bytes, long timeout_ms)
{
	char want[128];
	const char *v;
	long n;

	snprintf(want, sizeof(want), "env=GS_VICTIM_CGROUP=%s", cgroup);
	CHECK(rec_has_line(rec, want), "environment lacks %s", want + 4);
	snprintf(want, sizeof(want), "env=GS_OOM_CONSTRAINT=%s", constraint);
	CHECK(rec_has_line(rec, want), "environment lacks %s", want + 4);
	/* RSS counts the mapped program too, which is not the cgroup's */
	v = rec_get(rec, "env=GS_VICTIM_RSS_KB");
	n = v ? strtol(v, NULL, 10) : -1;
	CHECK(n > 0 && (!max_bytes || n <= max_bytes / 1024 + 4096),
	      "GS_VICTIM_RSS_KB=%s, want 1..%ld", v ? v : "(none)",
	      max_bytes / 1024 + 4096);
	v = rec_get(rec, "env=GS_DEADLINE_MS");
	n = v ? strtol(v, NULL, 10) : -1;
	CHECK(n > 0 && n <= timeout_ms, "GS_DEADLINE_MS=%s, want 1..%ld",
	      v ? v : "(none)", timeout_ms);
}

/* Memcg OOM of a registered victim: the handler runs first, with the
 * contract's argv and environment, as root in the root cgroup, while the
 * victim lives; then the victim is killed.
 */
static void case_memcg_oom_handler(void)
{
	struct victim v;
	char *rec, *s, line[128];
	long ooms;

	long counters[NCOUNTERS];

	oom_prepare();
	CHECK(cg_create("gs_memcg", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&v, "gs_memcg", "gs_victim", 0) == 0, "victim");
	CHECK(gs_register(v.pid, H_RECORD) == 0, "register");
	counters_read(counters);
	victim_go(&v);
	victim_wait(&v, 60000);
	check_killed(&v, "victim");
	info("victim killed %.1f ms after its last page", victim_kill_ms(&v));
	rec = rec_wait(v.pid, 3000);
	CHECK(rec, "handler left no record: it did not run");
	if (rec) {
		int64_t start = strtoll(rec_get(rec, "start_ns") ?: "0", NULL, 10);

		info("handler record: %s", excerpt(rec));
		s = rec_get(rec, "argc");
		CHECK(s && !strcmp(s, "2"), "argc %s, want 2", s);
		s = rec_get(rec, "argv0");
		CHECK(s && !strcmp(s, H_RECORD), "argv[0] %s, want %s", s, H_RECORD);
		snprintf(line, sizeof(line), "%d", v.pid);
		s = rec_get(rec, "argv1");
		CHECK(s && !strcmp(s, line), "argv[1] %s, want %s", s, line);
		static const char *env[] = {
			"env=PATH=/usr/sbin:/usr/bin:/sbin:/bin", "env=HOME=/",
			"env=GS_VICTIM_COMM=gs_victim", "env=GS_OOM_SCOPE=memcg",
		};
		for (size_t i = 0; i < 4; i++)
			CHECK(rec_has_line(rec, env[i]), "environment lacks %s",
			      env[i] + 4);
		snprintf(line, sizeof(line), "env=GS_VICTIM_PID=%d", v.pid);
		CHECK(rec_has_line(rec, line), "environment lacks %s", line + 4);
		check_oom_env(rec, "/gs_memcg", "memcg", OOM_CG_BYTES,
			      DEFAULT_TIMEOUT_MS);
		CHECK(rec_has_line(rec, "uid=0") && rec_has_line(rec, "euid=0"),
		      "handler not run as root");
		CHECK(rec_has_line(rec, "cgroup=0::/"),
		      "handler not in the root cgroup: %s", rec_get(rec, "cgroup"));
		CHECK(rec_has_line(rec, "victim_alive=1"),
		      "victim not alive when the handler started (kill errno %s)",
		      rec_get(rec, "victim_kill_errno"));
		s = rec_get(rec, "victim_state");
		CHECK(s && !strchr("ZXx?", s[0]),
		      "victim state '%s' when the handler started", s);
		CHECK(start > 0 && start <= v.end_ns,
		      "victim reaped before the handler started");
		info("handler started %.1f ms after the victim's last page",
		     (start - v.stamp->last_ns) / 1e6);
	}
	check_log_line(v.pid, "gs_victim", H_RECORD, "exit status 0");
	check_counted(counters, EXITED);
	ooms = cg_event("gs_memcg", "oom_kill");
	CHECK(ooms >= 1, "memory.events oom_kill = %ld", ooms);
	free(rec);
}

static void case_unregistered_victim_no_handler(void)
{
	struct victim v;
	pid_t bystander = spawn_sleeper();
	char *rec;

	oom_prepare();
	CHECK(gs_register(bystander, H_RECORD) == 0, "register bystander");
	CHECK(cg_create("gs_unreg", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&v, "gs_unreg", "gs_victim", 0) == 0, "victim");
	victim_go(&v);
	victim_wait(&v, 60000);
	check_killed(&v, "victim");
	info("victim killed %.1f ms after its last page", victim_kill_ms(&v));
	sleep_ms(500);
	rec = rec_read(v.pid);
	CHECK(!rec, "a handler ran for the unregistered victim: %s", excerpt(rec));
	free(rec);
	rec = rec_read(bystander);
	CHECK(!rec, "the bystander's handler ran: %s", excerpt(rec));
	free(rec);
	check_no_log_line(v.pid);
	reap(bystander);
}

/* A registered victim in its own cgroup; returns after it died. */
static void oom_registered(struct victim *v, const char *cg,
			   const char *handler)
{
	CHECK(cg_create(cg, OOM_CG_BYTES) == 0, "cgroup %s", cg);
	CHECK(victim_start(v, cg, "gs_victim", 0) == 0, "victim");
	CHECK(gs_register(v->pid, handler) == 0, "register %s", handler);
	victim_go(v);
	victim_wait(v, 60000);
	check_killed(v, "victim");
	info("victim killed %.1f ms after its last page", victim_kill_ms(v));
}

static void case_handler_exit_status(void)
{
	long counters[NCOUNTERS];
	struct victim v;
	char *rec;

	oom_prepare();
	counters_read(counters);
	oom_registered(&v, "gs_exit3", H_EXIT3);
	rec = rec_wait(v.pid, 2000);
	CHECK(rec, "handler did not run");
	free(rec);
	check_log_line(v.pid, "gs_victim", H_EXIT3, "exit status 3");
	check_counted(counters, EXITED);
}

/*
 * A registered victim whose handler file @change()s after registration and
 * before the OOM: the victim is killed as if unregistered, the handler does
 * not run, and one log line and one counter say why.
 */
static void oom_changed_handler(const char *cg, const char *path,
				void (*change)(const char *path),
				const char *outcome, int counter)
{
	long counters[NCOUNTERS];
	struct victim v;
	char *rec;

	oom_prepare();
	CHECK(handler_copy(path, 0755, 0) == 0, "handler %s", path);
	CHECK(cg_create(cg, OOM_CG_BYTES) == 0, "cgroup %s", cg);
	CHECK(victim_start(&v, cg, "gs_victim", 0) == 0, "victim");
	CHECK(gs_register(v.pid, path) == 0, "register %s", path);
	change(path);
	counters_read(counters);
	victim_go(&v);
	victim_wait(&v, 60000);
	check_killed(&v, "victim");
	check_log_line(v.pid, "gs_victim", path, outcome);
	rec = rec_read(v.pid);
	CHECK(!rec, "the handler ran: %s", excerpt(rec));
	free(rec);
	check_counted(counters, counter);
}

static void remove_file(const char *path)
{
	unlink(path);
}

static void make_not_executable(const char *path)
{
	chmod(path, 0644);
}

/* A file only root could change, replaced (rename) by one uid 65534 owns. */
static void replace_by_foreign_file(const char *path)
{
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	CHECK(handler_copy(tmp, 0755, 65534) == 0, "foreign copy");
	CHECK(rename(tmp, path) == 0, "rename over %s: %s", path,
	      errname(errno));
}

static void make_world_writable(const char *path)
{
	chmod(path, 0777);
}

static void case_handler_missing(void)
{
	oom_changed_handler("gs_missing", "/gs/late/missing", remove_file,
			    "failed to run: -2,", FAILED);
}

static void case_handler_not_executable(void)
{
	oom_changed_handler("gs_noexec", "/gs/late/noexec",
			    make_not_executable, "refused: not executable,",
			    REFUSED);
}

static void case_handler_replaced_by_unsafe_file(void)
{
	oom_changed_handler("gs_replaced", "/gs/late/replaced",
			    replace_by_foreign_file,
			    "refused: the file: owned by uid 65534,", REFUSED);
}

static void case_handler_made_world_writable(void)
{
	oom_changed_handler("gs_writable", "/gs/late/writable",
			    make_world_writable,
			    "refused: the file: writable by group or others,",
			    REFUSED);
}

static void case_timeout_zero_disables(void)
{
	struct victim v;
	char *rec;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, 0) == 0, "set timeout 0");
	oom_registered(&v, "gs_zero", H_RECORD);
	sleep_ms(1000);
	rec = rec_read(v.pid);
	CHECK(!rec, "handler ran with timeout_ms=0: %s", excerpt(rec));
	free(rec);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
}

/*
 * A handler that never exits must not hold its victim beyond the timeout,
 * nor an OOM in another cgroup meanwhile.
 */
static void case_hang_handler_bounded(void)
{
	const long timeout = 2000, bound = timeout + 1000L * tscale;
	struct victim a, b;
	char *rec, *s;
	int64_t hstart = 0;
	pid_t hpid = 0;
	double a_ms, b_ms;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	CHECK(cg_create("gs_hang_a", OOM_CG_BYTES) == 0, "cgroup a");
	CHECK(cg_create("gs_hang_b", OOM_CG_BYTES) == 0, "cgroup b");
	CHECK(victim_start(&a, "gs_hang_a", "gs_victim", 0) == 0, "victim a");
	CHECK(victim_start(&b, "gs_hang_b", "gs_victim", 0) == 0, "victim b");
	CHECK(gs_register(a.pid, H_HANG) == 0, "register a");
	CHECK(gs_register(b.pid, H_RECORD) == 0, "register b");
	victim_go(&a);
	rec = rec_wait(a.pid, 30000);
	CHECK(rec, "the hanging handler never started");
	if (rec) {
		hstart = strtoll(rec_get(rec, "start_ns") ?: "0", NULL, 10);
		hpid = atoi(rec_get(rec, "self_pid") ?: "0");
	}
	/* OOM in another cgroup while a's handler hangs. */
	sleep_ms(200);
	victim_go(&b);
	victims_wait((struct victim *[]){ &a, &b }, 2, 30000);
	check_killed(&a, "victim a");
	check_killed(&b, "victim b");
	a_ms = victim_kill_ms(&a);
	b_ms = victim_kill_ms(&b);
	info("a (hanging handler) killed %.1f ms after its last page, %.1f ms after its handler started",
	     a_ms, hstart ? (a.end_ns - hstart) / 1e6 : -1.0);
	info("b (other cgroup, meanwhile) killed %.1f ms after its last page", b_ms);
	CHECK(a_ms <= bound, "victim a died %.0f ms after its OOM, bound %ld ms",
	      a_ms, bound);
	CHECK(b_ms <= bound, "victim b died %.0f ms after its OOM, bound %ld ms",
	      b_ms, bound);
	s = rec_wait(b.pid, 1000);
	info("b's handler %s", s ? "ran" : "did not run");
	free(s);
	if (hpid > 0) { /* the hung handler is killed at the deadline */
		int64_t t = now_ns();

		while (kill(hpid, 0) == 0 && ms_since(t) < 3000)
			sleep_ms(20);
		CHECK(kill(hpid, 0) != 0,
		      "hung handler %d still alive %.0f ms after its start",
		      hpid, (now_ns() - hstart) / 1e6);
	}
	check_log_line(a.pid, "gs_victim", H_HANG, "timed out");
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	free(rec);
}

/* "Gone" for a process: no /proc entry, or a zombie waiting to be reaped. */
static int proc_gone(pid_t pid)
{
	char path[64], *st, *p;
	int gone;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	st = read_file(path);
	p = st ? strrchr(st, ')') : NULL;
	gone = !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
	free(st);
	return gone;
}

/* At the deadline the handler's children die with it. */
static void case_hang_handler_children_killed(void)
{
	const long timeout = 2000;
	long counters[NCOUNTERS];
	struct victim v;
	char *rec;
	pid_t hpid = 0, child = 0;
	int64_t t;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	counters_read(counters);
	oom_registered(&v, "gs_hangfork", GS_BIN "/gs_handler_hangfork");
	rec = rec_wait(v.pid, 3000);
	CHECK(rec, "the handler never started");
	if (rec) {
		hpid = atoi(rec_get(rec, "self_pid") ?: "0");
		child = atoi(rec_get(rec, "child_pid") ?: "0");
	}
	CHECK(child > 0, "the handler did not fork a child");
	t = now_ns();
	while (ms_since(t) < 1000 &&
	       !((hpid <= 0 || proc_gone(hpid)) && (child <= 0 || proc_gone(child))))
		sleep_ms(20);
	CHECK(hpid <= 0 || proc_gone(hpid), "handler %d alive after the kill",
	      hpid);
	CHECK(child <= 0 || proc_gone(child),
	      "the handler's child %d outlived the deadline by over 1 s", child);
	if (child > 0 && !proc_gone(child))
		kill(child, SIGKILL);
	check_log_line(v.pid, "gs_victim", GS_BIN "/gs_handler_hangfork",
		       "timed out");
	check_counted(counters, TIMED_OUT);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	free(rec);
}

/*
 * A registered victim outside the test cgroups with oom_score_adj 1000 (we
 * take -1000): it fills the guest, the global OOM picks it. Returns after it
 * died.
 */
static void oom_registered_global(struct victim *v, const char *handler)
{
	write_file("/proc/self/oom_score_adj", "-1000");
	CHECK(victim_start(v, NULL, "gs_victim", 1000) == 0, "victim");
	CHECK(gs_register(v->pid, handler) == 0, "register %s", handler);
	victim_go(v);
	victim_wait(v, 240000);
	check_killed(v, "victim");
	info("victim killed %.1f ms after its last page (%ld pages)",
	     victim_kill_ms(v), v->stamp->pages);
}

/*
 * Global OOM (the victim is the biggest process with oom_score_adj 1000),
 * with the default global wait of 0: the victim is killed as without the
 * feature, at once, and its handler runs as well, without PF_MEMALLOC,
 * once the kill has freed memory.
 */
static void case_global_oom_handler(void)
{
	struct victim v;
	char *rec;
	long f;

	oom_prepare();
	oom_registered_global(&v, H_RECORD);
	/*
	 * At once: well before the 5 s a handler's run could have held it. On
	 * the debug kernel the kill of a guest-sized victim alone takes that
	 * long, so there it is only reported.
	 */
	CHECK(tscale > 1 || victim_kill_ms(&v) <= 2500,
	      "global victim killed %.0f ms after its last page, want at once",
	      victim_kill_ms(&v));
	rec = rec_wait(v.pid, 3000);
	CHECK(rec, "handler did not run on a global OOM");
	if (rec) {
		CHECK(rec_has_line(rec, "env=GS_OOM_SCOPE=global"),
		      "GS_OOM_SCOPE is not global: %s", excerpt(rec));
		check_oom_env(rec, "/", "global", 0, DEFAULT_TIMEOUT_MS);
		f = strtol(rec_get(rec, "flags") ?: "-1", NULL, 10);
		CHECK(f >= 0 && !(f & PF_MEMALLOC_FLAG),
		      "the handler has PF_MEMALLOC (flags %lx)", f);
		info("victim %s when the handler started",
		     rec_has_line(rec, "victim_alive=1") ? "alive" : "gone");
	}
	check_log_line(v.pid, "gs_victim", H_RECORD, "exit status 0");
	free(rec);
}

/*
 * Victim data is the victim's to choose: a comm with a newline and a
 * backslash reaches the handler and the log line escaped as \xHH. The log
 * line is read from /dev/kmsg, which escapes each backslash again.
 */
static void case_victim_comm_escaped(void)
{
	static const char esc[] = "ev\\x0ail\\x5cx";
	static const char kmsg_esc[] = "ev\\x5cx0ail\\x5cx5cx";
	struct victim v;
	char want[64], *rec;

	oom_prepare();
	CHECK(cg_create("gs_comm", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&v, "gs_comm", "ev\nil\\x", 0) == 0, "victim");
	CHECK(gs_register(v.pid, H_RECORD) == 0, "register");
	victim_go(&v);
	victim_wait(&v, 60000);
	check_killed(&v, "victim");
	rec = rec_wait(v.pid, 3000);
	CHECK(rec, "handler did not run");
	snprintf(want, sizeof(want), "env=GS_VICTIM_COMM=%s", esc);
	CHECK(rec && rec_has_line(rec, want), "environment lacks %s: %s",
	      want + 4, excerpt(rec));
	check_log_line(v.pid, kmsg_esc, H_RECORD, "exit status 0");
	free(rec);
}

/*
 * kernel.usermodehelper.bset bounds a handler's capabilities as those of
 * every usermode helper. The sysctl only ever takes capabilities away: the
 * case drops CAP_SYS_BOOT, which no later case's handler needs.
 */
static void case_usermodehelper_bset_applies(void)
{
	const char *bset = "/proc/sys/kernel/usermodehelper/bset";
	unsigned long lo = 0, hi = 0, bnd = 0, eff = 0;
	char *text = read_file(bset), buf[64], *rec;
	struct victim v;

	CHECK(text && sscanf(text, "%lu %lu", &lo, &hi) == 2, "read %s: '%s'",
	      bset, excerpt(text));
	free(text);
	lo &= ~(1UL << CAP_SYS_BOOT);
	snprintf(buf, sizeof(buf), "%lu\t%lu", lo, hi);
	CHECK(write_file(bset, buf) == 0, "write %s", bset);
	oom_prepare();
	oom_registered(&v, "gs_bset", H_RECORD);
	rec = rec_wait(v.pid, 3000);
	CHECK(rec, "handler did not run");
	if (!rec)
		return;
	bnd = strtoul(rec_get(rec, "capBnd") ?: "0", NULL, 16);
	eff = strtoul(rec_get(rec, "capEff") ?: "0", NULL, 16);
	info("handler CapBnd %lx CapEff %lx", bnd, eff);
	CHECK(bnd && !(bnd & (1UL << CAP_SYS_BOOT)),
	      "CAP_SYS_BOOT in the handler's bounding set %lx", bnd);
	CHECK(!(eff & (1UL << CAP_SYS_BOOT)),
	      "CAP_SYS_BOOT in the handler's effective set %lx", eff);
	CHECK(eff & (1UL << CAP_SYS_ADMIN), "handler lacks CAP_SYS_ADMIN: %lx",
	      eff);
	free(rec);
}

/* --- runs that stall nothing and leave nothing ------------------------- */

#define H_DAEMON GS_BIN "/gs_handler_daemon"
#define H_TERM GS_BIN "/gs_handler_term"

/* A process outside the test cgroups with memory and oom_score_adj 1000:
 * the task sysrq-f picks.
 */
static pid_t spawn_sysrq_target(void)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		char *p = malloc(16 << 20);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "gs_sysrq_target");
		write_file("/proc/self/oom_score_adj", "1000");
		if (p)
			memset(p, 1, 16 << 20);
		if (write(ready[1], "r", 1) != 1)
			_exit(96);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	return pid;
}

/* Records each victim's death as it happens, while the caller does more. */
struct reaper {
	pthread_t thread;
	struct victim **vs;
	int n;
	long ms;
};

static void *reaper_run(void *arg)
{
	struct reaper *r = arg;
	int64_t start = now_ns();
	sigset_t alarm;
	int left = r->n;

	/* SIGALRM times the main thread's waits */
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alarm, NULL);
	while (left > 0 && ms_since(start) < r->ms) {
		for (int i = 0; i < r->n; i++) {
			struct victim *v = r->vs[i];

			if (!v->end_ns && waitpid(v->pid, &v->status, WNOHANG) == v->pid) {
				v->end_ns = now_ns();
				left--;
			}
		}
		sleep_ms(2);
	}
	return NULL;
}

/*
 * Three registered victims in three cgroups OOM at once and their handlers
 * hang. Meanwhile an unregistered OOM in a fourth cgroup, a sysrq-f and a
 * global OOM are handled at once, and each hanging victim dies within
 * timeout + 1 s of its own OOM.
 */
static void case_hanging_handlers_stall_no_other_oom(void)
{
	const int scale = tscale;
	/* long enough for a global OOM to fill the guest meanwhile (the three
	 * victims wait at the end of their faults); the debug build (KASAN)
	 * fills more slowly than its timescale says: the longest timeout there
	 */
	const long timeout = scale > 1 ? MAX_TIMEOUT_MS : 30000L;
	const long bound = timeout + 1000L * scale;
	const long other = 1500L * scale;
	struct victim h[3], u, g;
	struct victim *hs[3] = { &h[0], &h[1], &h[2] };
	struct reaper reaper = { .vs = hs, .n = 3, .ms = 2 * timeout };
	char cg[32], *rec;
	pid_t target;
	int64_t t;
	int status;
	double ms;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	for (int i = 0; i < 3; i++) {
		snprintf(cg, sizeof(cg), "gs_hh_%d", i);
		CHECK(cg_create(cg, OOM_CG_BYTES) == 0, "cgroup %s", cg);
		CHECK(victim_start(&h[i], cg, "gs_victim", 0) == 0, "victim %d", i);
		CHECK(gs_register(h[i].pid, H_HANG) == 0, "register %d", i);
	}
	CHECK(cg_create("gs_hh_free", OOM_CG_BYTES) == 0, "cgroup gs_hh_free");
	CHECK(victim_start(&u, "gs_hh_free", "gs_victim", 0) == 0, "victim u");
	target = spawn_sysrq_target();
	CHECK(target > 0, "sysrq-f target");
	for (int i = 0; i < 3; i++)
		victim_go(&h[i]);
	for (int i = 0; i < 3; i++) {
		rec = rec_wait(h[i].pid, 10000);
		CHECK(rec, "handler %d never started", i);
		free(rec);
	}
	CHECK(pthread_create(&reaper.thread, NULL, reaper_run, &reaper) == 0,
	      "reaper thread");

	/* An OOM in another cgroup while three handlers hang. */
	sleep_ms(500);
	victim_go(&u);
	victim_wait(&u, 20000);
	check_killed(&u, "unregistered victim");
	ms = victim_kill_ms(&u);
	info("unregistered victim killed %.1f ms after its last page", ms);
	CHECK(ms <= other, "unregistered victim died %.0f ms after its OOM, want <= %ld ms",
	      ms, other);
	check_no_log_line(u.pid);

	/* sysrq-f while they still hang. */
	t = now_ns();
	CHECK(write_file("/proc/sysrq-trigger", "f") == 0, "sysrq-f");
	CHECK(wait_timeout(target, &status, 20000, NULL) == 0,
	      "sysrq-f target alive 20 s after sysrq-f");
	ms = ms_since(t);
	info("sysrq-f target killed %.1f ms after sysrq-f", ms);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "sysrq-f target: %s", status_str(status));
	CHECK(ms <= other, "sysrq-f took %.0f ms, want <= %ld ms", ms, other);

	/* A global OOM while they still hang: an unregistered victim. */
	CHECK(victim_start(&g, NULL, "gs_victim", 1000) == 0, "global victim");
	victim_go(&g);
	victim_wait(&g, 120000L * scale);
	check_killed(&g, "global OOM victim");
	ms = victim_kill_ms(&g);
	info("global OOM victim killed %.1f ms after its last page (%ld pages)",
	     ms, g.stamp->pages);
	CHECK(ms <= other, "global OOM victim died %.0f ms after its OOM, want <= %ld ms",
	      ms, other);
	for (int i = 0; i < 3; i++)
		CHECK(!h[i].end_ns,
		      "hanging victim %d died before the global OOM was over: the case did not test a global OOM while handlers hang",
		      i);

	pthread_join(reaper.thread, NULL);
	for (int i = 0; i < 3; i++) {
		if (!h[i].end_ns) {
			info("hanging victim %d still alive", i);
			h[i].status = reap(h[i].pid);
			h[i].end_ns = now_ns();
		}
		check_killed(&h[i], "hanging victim");
		ms = victim_kill_ms(&h[i]);
		info("hanging victim %d killed %.1f ms after its last page", i, ms);
		CHECK(ms <= bound, "hanging victim %d died %.0f ms after its OOM, bound %ld ms",
		      i, ms, bound);
		check_log_line(h[i].pid, "gs_victim", H_HANG, "timed out");
	}
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
}

/* User tasks (not kernel threads) with PF_MEMALLOC; prints up to 5. */
static int count_pf_memalloc(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300], *st, *p;
		unsigned long flags = 0;
		int field = 3;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		st = read_file(path);
		p = st ? strrchr(st, ')') : NULL;
		/* after "pid (comm)": state is field 3, flags field 9 */
		for (p = p ? p + 2 : NULL; p && field < 9; field++) {
			p = strchr(p, ' ');
			p = p ? p + 1 : NULL;
		}
		if (p)
			flags = strtoul(p, NULL, 10);
		if ((flags & PF_MEMALLOC_FLAG) && !(flags & PF_KTHREAD_FLAG) &&
		    n++ < 5)
			info("pid %s has PF_MEMALLOC: %s", de->d_name, excerpt(st));
		free(st);
	}
	if (d)
		closedir(d);
	return n;
}

/* Processes whose comm starts with prefix; prints up to 5. */
static int count_comm_prefix(const char *prefix)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300], *comm;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		comm = read_file(path);
		if (comm && !strncmp(comm, prefix, strlen(prefix)) &&
		    !proc_gone(atoi(de->d_name)) && n++ < 5)
			info("pid %s: %s", de->d_name, excerpt(comm));
		free(comm);
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * A handler that exits at once, leaving a grandchild in a session of its
 * own: the grandchild is gone when the run ends, and afterwards no user
 * task has PF_MEMALLOC.
 */
static void check_daemon_gone(struct victim *v, const char *scope)
{
	char *rec, want[64];
	pid_t daemon = 0;
	int64_t t;
	int n;

	rec = rec_wait(v->pid, 3000);
	CHECK(rec, "handler did not run");
	if (rec) {
		daemon = atoi(rec_get(rec, "daemon_pid") ?: "0");
		snprintf(want, sizeof(want), "env=GS_OOM_SCOPE=%s", scope);
		CHECK(rec_has_line(rec, want), "%s missing: %s", want + 4,
		      excerpt(rec));
	}
	CHECK(daemon > 0, "the handler left no grandchild (daemon_pid %d)", daemon);
	t = now_ns();
	while (daemon > 0 && !proc_gone(daemon) && ms_since(t) < 1000)
		sleep_ms(10);
	if (daemon > 0)
		CHECK(proc_gone(daemon),
		      "grandchild %d in its own session outlived the run by 1 s",
		      daemon);
	/* before the clean-up below: a leftover grandchild may have the flag */
	n = count_pf_memalloc();
	CHECK(n == 0, "%d user task(s) have PF_MEMALLOC after the run", n);
	if (daemon > 0 && !proc_gone(daemon))
		kill(daemon, SIGKILL);
	check_log_line(v->pid, "gs_victim", H_DAEMON, "exit status 0");
	free(rec);
}

static void case_daemonizing_handler_memcg(void)
{
	struct victim v;

	oom_prepare();
	oom_registered(&v, "gs_daemon", H_DAEMON);
	check_daemon_gone(&v, "memcg");
}

static void case_daemonizing_handler_global(void)
{
	struct victim v;

	oom_prepare();
	oom_registered_global(&v, H_DAEMON);
	check_daemon_gone(&v, "global");
}

/*
 * The handler asks its victim to stop (SIGTERM) and exits: the victim exits
 * by itself, is not killed again, and with memory.oom.group=1 the
 * bystander in its cgroup lives on.
 */
static void case_victim_exits_during_handler(void)
{
	struct victim v;
	pid_t bystander;
	char path[128];
	long kills, groups;

	oom_prepare();
	CHECK(cg_create("gs_term", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(write_file(CG_ROOT "/gs_term/memory.oom.group", "1") == 0,
	      "memory.oom.group=1");
	bystander = spawn_sleeper();
	snprintf(path, sizeof(path), "%d", bystander);
	CHECK(write_file(CG_ROOT "/gs_term/cgroup.procs", path) == 0,
	      "bystander into the cgroup");
	CHECK(victim_start(&v, "gs_term", "gs_victim", 0) == 0, "victim");
	CHECK(gs_register(v.pid, H_TERM) == 0, "register");
	victim_go(&v);
	victim_wait(&v, 60000);
	CHECK(WIFSIGNALED(v.status) && WTERMSIG(v.status) == SIGTERM,
	      "victim: %s, want its own exit on SIGTERM", status_str(v.status));
	check_log_line(v.pid, "gs_victim", H_TERM, "exit status 0");
	sleep_ms(1000);
	CHECK(!proc_gone(bystander),
	      "the bystander in the victim's cgroup was killed");
	kills = cg_event("gs_term", "oom_kill");
	groups = cg_event("gs_term", "oom_group_kill");
	info("memory.events: oom_kill %ld, oom_group_kill %ld", kills, groups);
	CHECK(kills == 0, "memory.events oom_kill = %ld, want 0", kills);
	CHECK(groups <= 0, "memory.events oom_group_kill = %ld, want 0", groups);
	kill(bystander, SIGKILL);
	reap(bystander);
}

/*
 * OOMs while the victims' registrations are created, replaced and removed
 * and while victims exit during their handler's run: every victim dies in
 * time, no handler is left behind, and an OOM afterwards is handled at
 * once.
 */
static void case_oom_churn(void)
{
	const long timeout = 1000, bound = timeout + 1000L * tscale;
	static const char *paths[] = { H_RECORD, H_HANG, H_EXIT3, H_DAEMON };
	struct victim v, u;
	char cg[32], buf[256];
	int rounds = 12, n;
	double u_ms;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	srand(42);
	for (int r = 0; r < rounds; r++) {
		pid_t writer;
		double ms;

		snprintf(cg, sizeof(cg), "gs_churn_%d", r % 4);
		CHECK(cg_create(cg, OOM_CG_BYTES) == 0, "cgroup %s", cg);
		CHECK(victim_start(&v, cg, "gs_victim", 0) == 0, "victim %d", r);
		gs_register(v.pid, paths[r % 4]);
		fflush(NULL);
		writer = fork();
		if (writer == 0) {
			int64_t end = now_ns() + 2LL * 1000000000LL;

			while (now_ns() < end) {
				int op = rand() % 3;

				if (op == 2) {
					snprintf(buf, sizeof(buf), "-%d", v.pid);
					gs_write(buf);
				} else {
					gs_register(v.pid, paths[rand() % 4]);
				}
				sleep_ms(rand() % 20);
			}
			_exit(0);
		}
		victim_go(&v);
		if (r % 3 == 2) { /* the victim exits during its run */
			sleep_ms(100 + rand() % 300);
			kill(v.pid, SIGKILL);
		}
		victim_wait(&v, 20000);
		ms = victim_kill_ms(&v);
		CHECK(WIFSIGNALED(v.status), "victim %d: %s", r,
		      status_str(v.status));
		CHECK(ms <= bound + 2000L * tscale,
		      "victim %d died %.0f ms after its OOM",
		      r, ms);
		reap(writer);
	}
	/* runs over: no handler left, an unregistered OOM is quick */
	sleep_ms(timeout + 500);
	n = count_comm_prefix("gs_handler");
	CHECK(n == 0, "%d handler process(es) left after every run ended", n);
	CHECK(count_pf_memalloc() == 0, "user tasks have PF_MEMALLOC");
	CHECK(cg_create("gs_churn_free", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&u, "gs_churn_free", "gs_victim", 0) == 0, "victim");
	victim_go(&u);
	victim_wait(&u, 20000);
	check_killed(&u, "unregistered victim");
	u_ms = victim_kill_ms(&u);
	info("unregistered victim after the churn killed %.1f ms after its last page", u_ms);
	CHECK(u_ms <= timeout, "unregistered victim took %.0f ms", u_ms);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
}

/*
 * Leaves a handler hanging with the longest timeout: init powers off right
 * after this case, and the host checks that the poweroff did not wait for
 * it. Must be the last case.
 */
static void case_poweroff_while_handler_hangs(void)
{
	struct victim v;
	char *rec;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, MAX_TIMEOUT_MS) == 0,
	      "set the longest timeout");
	CHECK(cg_create("gs_poweroff", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&v, "gs_poweroff", "gs_victim", 0) == 0, "victim");
	CHECK(gs_register(v.pid, H_HANG) == 0, "register");
	victim_go(&v);
	rec = rec_wait(v.pid, 10000L * tscale);
	CHECK(rec, "the hanging handler never started");
	if (rec)
		info("handler %s hangs with 60 s left; init powers off next",
		     rec_get(rec, "self_pid"));
	free(rec);
	/* the victim stays pending: do not let our exit kill it */
	printf("GS-POWEROFF-HANDLER pid=%d\n", v.pid);
}

/* --- graceful shutdown: the victim's grace ---------------------------- */

#define H_PIDTERM GS_BIN "/gs_handler_pidterm"
#define H_FROZEN GS_BIN "/gs_handler_frozen"
#define H_HANGFORK GS_BIN "/gs_handler_hangfork"
#define SAVE_BYTES (1L << 20)

/* The registration's listing line for pid @s: its signal, or -1. */
static int listed_signal(pid_t s)
{
	char *text = gs_list(), why[200];
	struct gs_entry *e;
	int n, sig = -1;

	n = text ? gs_parse(text, &e, why, sizeof(why)) : -1;
	CHECK(n >= 0, "listing: %s in '%s'", why, excerpt(text));
	for (int i = 0; i < n; i++)
		if (e[i].pid == s)
			sig = e[i].signal;
	if (n >= 0)
		gs_free(e, n);
	free(text);
	return sig;
}

/* signal=<n> is listed, replaced, and dropped by a registration without. */
static void case_register_signal(void)
{
	pid_t s = spawn_sleeper();
	int sig;

	CHECK(gs_register_signal(s, H_RECORD, SIGTERM) == 0, "register");
	sig = listed_signal(s);
	CHECK(sig == SIGTERM, "listed signal %d, want %d", sig, SIGTERM);
	CHECK(gs_register_signal(s, H_RECORD, SIGUSR1) == 0, "replace");
	sig = listed_signal(s);
	CHECK(sig == SIGUSR1, "listed signal %d, want %d", sig, SIGUSR1);
	CHECK(gs_register(s, H_RECORD) == 0, "replace without a signal");
	sig = listed_signal(s);
	CHECK(sig == 0, "listed signal %d, want none", sig);
	reap(s);
}

/* A cgroup with memory.oom.group and a bystander in it, sleeping. */
static pid_t oom_group_with_bystander(const char *cg)
{
	char path[128], pid[16];
	pid_t bystander;

	CHECK(cg_create(cg, OOM_CG_BYTES) == 0, "cgroup %s", cg);
	snprintf(path, sizeof(path), CG_ROOT "/%s/memory.oom.group", cg);
	CHECK(write_file(path, "1") == 0, "memory.oom.group=1");
	bystander = spawn_sleeper();
	snprintf(path, sizeof(path), CG_ROOT "/%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", bystander);
	CHECK(write_file(path, pid) == 0, "bystander into %s", cg);
	return bystander;
}

/* The kernel's line for a victim that left during its grace. */
static void check_victim_line(pid_t pid, const char *outcome)
{
	char prefix[128], *line;

	snprintf(prefix, sizeof(prefix), "graceful_shutdown: pid %d (gs_victim): ",
		 pid);
	line = kmsg_find(kfd, &klog, &klen, prefix, 3000);
	CHECK(line, "no kernel log line starting '%s'", prefix);
	if (!line)
		return;
	info("kernel: %s", line);
	CHECK(!strncmp(line + strlen(prefix), outcome, strlen(outcome)),
	      "'%s', want '%s...'", line + strlen(prefix), outcome);
	free(line);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/*
 * The headline: a registered process that catches SIGTERM is sent it at
 * its OOM, writes and fsyncs 1 MiB of state charged to its full cgroup,
 * and exits 0 by itself; it is not killed, and neither is the bystander
 * that memory.oom.group would have taken with it.
 */
static void case_graceful_victim_completes(void)
{
	const struct victim_opts o = { VICTIM_TERM_SAVE, "/tmp/gs-state-ok",
				       SAVE_BYTES };
	long counters[NCOUNTERS], kills, groups;
	pid_t bystander;
	struct victim v;
	char *rec;

	oom_prepare();
	unlink(o.save_path);
	bystander = oom_group_with_bystander("gs_graceful");
	CHECK(victim_start_opts(&v, "gs_graceful", "gs_victim", 0, &o) == 0,
	      "victim");
	CHECK(gs_register_signal(v.pid, H_RECORD, SIGTERM) == 0, "register");
	counters_read(counters);
	victim_go(&v);
	victim_wait(&v, 30000);
	CHECK(WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0,
	      "victim: %s, want exit 0 (saved %ld bytes, errno %s)",
	      status_str(v.status), v.stamp->saved,
	      errname(v.stamp->save_errno));
	CHECK(v.stamp->saved == SAVE_BYTES && file_size(o.save_path) == SAVE_BYTES,
	      "state file %ld bytes (written %ld), want %ld",
	      file_size(o.save_path), v.stamp->saved, SAVE_BYTES);
	if (v.stamp->term_ns)
		info("SIGTERM %.1f ms after the victim's last page, exit %.1f ms after it",
		     (v.stamp->term_ns - v.stamp->last_ns) / 1e6,
		     (v.end_ns - v.stamp->term_ns) / 1e6);
	check_victim_line(v.pid, "exited during its grace, exit status 0");
	rec = rec_wait(v.pid, 3000);
	CHECK(rec, "the handler did not run");
	if (rec) {
		char want[64];

		CHECK(rec_has_line(rec, "env=GS_SIGNAL=15"), "GS_SIGNAL: %s",
		      excerpt(rec));
		CHECK(rec_has_line(rec, "env=GS_VICTIM_PIDFD=3") &&
		      rec_has_line(rec, "fd3=anon_inode:[pidfd]"),
		      "no pidfd on fd 3: fd3=%s, GS_VICTIM_PIDFD %s",
		      rec_get(rec, "fd3"),
		      rec_get(rec, "env=GS_VICTIM_PIDFD") ? "set" : "unset");
		/* -1 once the victim, quick to exit, has exited */
		snprintf(want, sizeof(want), "fd3_pid=%d", v.pid);
		CHECK(rec_has_line(rec, want) || rec_has_line(rec, "fd3_pid=-1"),
		      "fd 3 is not the victim's pidfd: fd3_pid=%s",
		      rec_get(rec, "fd3_pid"));
	}
	check_log_line(v.pid, "gs_victim", H_RECORD, "exit status 0");
	check_counted_exit(counters, EXITED, 1);
	sleep_ms(300);
	CHECK(!proc_gone(bystander), "the oom.group bystander was killed");
	kills = cg_event("gs_graceful", "oom_kill");
	groups = cg_event("gs_graceful", "oom_group_kill");
	CHECK(kills == 0 && groups <= 0,
	      "memory.events oom_kill %ld, oom_group_kill %ld, want 0", kills,
	      groups);
	reap(bystander);
	free(rec);
	unlink(o.save_path);
}

/* A victim that ignores the signal is killed once its grace is over. */
static void case_graceful_victim_ignores_signal(void)
{
	const struct victim_opts o = { VICTIM_TERM_IGNORE };
	const long timeout = 2000, bound = timeout + 1000L * tscale;
	int64_t start = 0;
	struct victim v;
	char *rec;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	CHECK(cg_create("gs_ignore", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start_opts(&v, "gs_ignore", "gs_victim", 0, &o) == 0,
	      "victim");
	CHECK(gs_register_signal(v.pid, H_HANG, SIGTERM) == 0, "register");
	victim_go(&v);
	rec = rec_wait(v.pid, 10000L * tscale);
	CHECK(rec, "the handler never started");
	if (rec)
		start = strtoll(rec_get(rec, "start_ns") ?: "0", NULL, 10);
	victim_wait(&v, 30000);
	check_killed(&v, "victim ignoring SIGTERM");
	if (start) {
		double ms = (v.end_ns - start) / 1e6;

		info("killed %.0f ms after its handler started", ms);
		CHECK(ms <= bound, "killed %.0f ms after its run began, bound %ld",
		      ms, bound);
	}
	check_victim_line(v.pid, "grace over at the deadline");
	check_log_line(v.pid, "gs_victim", H_HANG, "timed out");
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	free(rec);
}

static long cg_read_long(const char *cg, const char *file)
{
	char path[160];

	snprintf(path, sizeof(path), CG_ROOT "/%s/%s", cg, file);
	return read_long(path);
}

/*
 * A victim whose shutdown needs more than the budget gets no more: its
 * cgroup never holds more than the limit and the budget, its writes fail
 * (it retries them), and it is killed once its grace is over; an OOM in
 * another cgroup meanwhile is handled at once.
 */
static void case_graceful_victim_over_budget(void)
{
	const struct victim_opts o = { VICTIM_TERM_INSIST, "/tmp/gs-state-big",
				       16L << 20 };
	const long timeout = 2000, slack = 512 << 10;
	struct victim v, u;
	long peak, cur;

	oom_prepare();
	unlink(o.save_path);
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	CHECK(cg_create("gs_budget", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(cg_create("gs_budget_other", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start_opts(&v, "gs_budget", "gs_victim", 0, &o) == 0,
	      "victim");
	CHECK(victim_start(&u, "gs_budget_other", "gs_victim", 0) == 0,
	      "other victim");
	CHECK(gs_register_signal(v.pid, H_RECORD, SIGTERM) == 0, "register");
	victim_go(&v);
	while (!v.stamp->term_ns && waitpid(v.pid, &v.status, WNOHANG) == 0)
		sleep_ms(10);
	sleep_ms(200);
	victim_go(&u);
	victim_wait(&u, 10000);
	check_killed(&u, "victim in the other cgroup");
	info("other cgroup's victim killed %.1f ms after its last page",
	     victim_kill_ms(&u));
	CHECK(victim_kill_ms(&u) <= 1500.0 * tscale,
	      "the other cgroup's OOM took %.0f ms",
	      victim_kill_ms(&u));
	/* memory.peak is 5.19 and later: sample memory.current meanwhile */
	peak = 0;
	while (waitpid(v.pid, &v.status, WNOHANG) == 0) {
		cur = cg_read_long("gs_budget", "memory.current");
		peak = cur > peak ? cur : peak;
		sleep_ms(5);
	}
	v.end_ns = now_ns();
	cur = cg_read_long("gs_budget", "memory.peak");
	peak = cur > peak ? cur : peak;
	info("victim: %s after saving %ld of %ld bytes (%s)",
	     status_str(v.status), v.stamp->saved, o.save_bytes,
	     errname(v.stamp->save_errno));
	CHECK(v.stamp->saved < o.save_bytes, "saved all %ld bytes: no bound",
	      v.stamp->saved);
	check_killed(&v, "victim over its budget");
	check_victim_line(v.pid, "grace over at the deadline");
	info("memory peak %ld, limit %ld + budget %d KiB", peak, OOM_CG_BYTES,
	     DEFAULT_BUDGET_KB);
	CHECK(peak > 0 && peak <= OOM_CG_BYTES + DEFAULT_BUDGET_KB * 1024L + slack,
	      "memory peak %ld beyond the limit and the budget", peak);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	unlink(o.save_path);
}

/*
 * The original interface, and a handler that asks its victim to stop
 * through the pidfd on fd 3 and waits for it: the victim saves its state
 * and exits 0, during the handler's run, and is not killed. The signal
 * comes once the handler has started: this victim grows by a page every
 * 200 us, as a service does, not as fast as it can, which would spend its
 * budget before the handler is there.
 */
static void case_pidfd_handler_graceful(void)
{
	const struct victim_opts o = { VICTIM_TERM_SAVE, "/tmp/gs-state-pidfd",
				       SAVE_BYTES, 200 };
	long counters[NCOUNTERS];
	struct victim v;

	oom_prepare();
	unlink(o.save_path);
	CHECK(cg_create("gs_pidfd", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start_opts(&v, "gs_pidfd", "gs_victim", 0, &o) == 0,
	      "victim");
	CHECK(gs_register(v.pid, H_PIDTERM) == 0, "register");
	counters_read(counters);
	victim_go(&v);
	victim_wait(&v, 30000);
	CHECK(WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0,
	      "victim: %s, want exit 0 (saved %ld bytes, errno %s)",
	      status_str(v.status), v.stamp->saved,
	      errname(v.stamp->save_errno));
	CHECK(file_size(o.save_path) == SAVE_BYTES, "state file %ld bytes",
	      file_size(o.save_path));
	check_victim_line(v.pid, "exited during its grace, exit status 0");
	check_log_line(v.pid, "gs_victim", H_PIDTERM, "exit status 0");
	check_counted_exit(counters, EXITED, 1);
	unlink(o.save_path);
}

/* Kill whatever a case's hanging handler left, and wait until it is gone. */
static void kill_handler(const char *rec)
{
	pid_t pid = rec ? atoi(rec_get(rec, "self_pid") ?: "0") : 0;
	pid_t child = rec ? atoi(rec_get(rec, "child_pid") ?: "0") : 0;
	int64_t t = now_ns();

	if (child > 0)
		kill(child, SIGKILL);
	if (pid > 0)
		kill(pid, SIGKILL);
	while (pid > 0 && !proc_gone(pid) && ms_since(t) < 3000)
		sleep_ms(10);
}

/*
 * A global OOM never loses its killer and never hands out the reserves:
 * with the global wait at 2 s and a registered victim whose handler hangs
 * (timeout 30 s), neither the handler nor its child has PF_MEMALLOC, the
 * victim is killed within the wait and 1 s, and a hog started 1 s after
 * the OOM gets its memory within the wait and 1 s.
 */
static void case_global_oom_bounded(void)
{
	const long wait_ms = 2000, timeout = 30000, hog_bytes = 32L << 20;
	/* it takes the signal and goes on: the OOM killer has to end it */
	const struct victim_opts o = { VICTIM_TERM_IGNORE };
	struct victim v, *vs[1] = { &v };
	struct reaper reaper = { .vs = vs, .n = 1, .ms = 60000 };
	int64_t oom_ns, hog_start;
	double hog_ms, v_ms;
	char *rec;
	pid_t hog;
	int status;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	CHECK(write_long(GS_GLOBAL_WAIT_MS, wait_ms) == 0, "set global wait");
	write_file("/proc/self/oom_score_adj", "-1000");
	CHECK(victim_start_opts(&v, NULL, "gs_victim", 1000, &o) == 0, "victim");
	CHECK(gs_register_signal(v.pid, H_HANGFORK, SIGTERM) == 0, "register");
	victim_go(&v);
	CHECK(pthread_create(&reaper.thread, NULL, reaper_run, &reaper) == 0,
	      "reaper thread");
	/* the OOM: the victim stops getting pages */
	for (long last = -1; last != v.stamp->pages; sleep_ms(250))
		last = v.stamp->pages;
	oom_ns = v.stamp->last_ns;
	sleep_ms(1000 - (long)ms_since(oom_ns) > 0 ?
		 1000 - (long)ms_since(oom_ns) : 0);
	hog_start = now_ns();
	fflush(NULL);
	hog = fork();
	if (hog == 0) {
		char *p = malloc(hog_bytes);

		write_file("/proc/self/oom_score_adj", "-1000");
		if (!p)
			_exit(2);
		memset(p, 1, hog_bytes);
		_exit(0);
	}
	CHECK(wait_timeout(hog, &status, 60000, NULL) == 0, "hog hung");
	hog_ms = ms_since(hog_start);
	pthread_join(reaper.thread, NULL);
	if (!v.end_ns) {
		v.status = reap(v.pid);
		v.end_ns = now_ns();
	}
	check_killed(&v, "global victim");
	v_ms = victim_kill_ms(&v);
	info("victim killed %.0f ms after its last page; hog (started %.0f ms after it) done in %.0f ms",
	     v_ms, (hog_start - oom_ns) / 1e6, hog_ms);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "hog: %s",
	      status_str(status));
	/* out of OOM: the hog got its memory; the victim's exit may lag */
	CHECK(hog_ms <= wait_ms + 1000L * tscale,
	      "the hog waited %.0f ms, want <= %ld", hog_ms,
	      wait_ms + 1000L * tscale);
	check_victim_line(v.pid, "grace over at the deadline");
	rec = rec_wait(v.pid, 10000L * tscale);
	CHECK(rec, "the handler never started");
	if (rec) {
		long f = strtol(rec_get(rec, "flags") ?: "-1", NULL, 10);
		long cf = strtol(rec_get(rec, "child_flags") ?: "-1", NULL, 10);

		info("handler flags %lx, its child's %lx", f, cf);
		CHECK(f >= 0 && !(f & PF_MEMALLOC_FLAG),
		      "the handler has PF_MEMALLOC (flags %lx)", f);
		CHECK(cf >= 0 && !(cf & PF_MEMALLOC_FLAG),
		      "the handler's child has PF_MEMALLOC (flags %lx)", cf);
		CHECK(rec_has_line(rec, "env=GS_OOM_SCOPE=global"),
		      "scope: %s", excerpt(rec));
	}
	CHECK(count_pf_memalloc() == 0, "user tasks have PF_MEMALLOC");
	kill_handler(rec);
	write_long(GS_GLOBAL_WAIT_MS, DEFAULT_GLOBAL_WAIT_MS);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	free(rec);
}

/* memory.pressure's "some ... total=<us>" of a cgroup. */
static long cg_some_stall_us(const char *cg)
{
	char path[160], *text, *p;
	long us = -1;

	snprintf(path, sizeof(path), CG_ROOT "/%s/memory.pressure", cg);
	text = read_file(path);
	p = text ? strstr(text, "total=") : NULL;
	if (p)
		us = strtol(p + 6, NULL, 10);
	free(text);
	return us;
}

/* Appends to a file over and over; the time of its slowest write. */
struct writer {
	pthread_t thread;
	const char *path;
	volatile int stop;
	volatile int paused;	/* while the freezer freezes it too */
	long writes, failed;
	double max_ms;
};

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	static char buf[4096];

	memset(buf, 'w', sizeof(buf));
	while (!w->stop) {
		int64_t t = now_ns();
		int fd;
		double ms;

		if (w->paused) {
			sleep_ms(5);
			continue;
		}
		fd = open(w->path, O_WRONLY | O_APPEND | O_CREAT, 0644);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
			w->failed++;
		if (fd >= 0)
			close(fd);
		ms = ms_since(t);
		if (ms > w->max_ms)
			w->max_ms = ms;
		w->writes++;
		sleep_ms(5);
	}
	return NULL;
}

/* A bystander in the cgroup: appends to @path until killed. */
static pid_t spawn_appender(const char *cg, const char *path)
{
	char procs[128];
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		static char buf[64 << 10];
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(procs, sizeof(procs), CG_ROOT "/%s/cgroup.procs", cg);
		if (write_file(procs, "0"))
			_exit(97);
		memset(buf, 'b', sizeof(buf));
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
		for (;;)
			if (write(fd, buf, sizeof(buf)) < 0)
				sleep_ms(1);
	}
	return pid;
}

/*
 * A run whose handler hangs (30 s) holds up nothing outside its cgroup and
 * nothing in places that hold locks: a task outside writes to the file a
 * bystander inside keeps writing (the inode lock is held while charging)
 * and reads the victim's maps, each within 1 s; the waits count in the
 * cgroup's memory.pressure; with hung_task_timeout_secs at 10 no task is
 * reported hung; and the freezer (pm_test) freezes every task meanwhile.
 */
static void case_hanging_run_holds_up_nothing(void)
{
	/* the longest on the debug kernel, where the case itself is slower */
	const long timeout = tscale > 1 ? MAX_TIMEOUT_MS : 30000;
	const char *file = "/tmp/gs-shared-file";
	struct writer w = { .path = file };
	double maps_max = 0;
	long stall0, stall1, maps_reads = 0;
	int64_t t0;
	struct victim v;
	char maps[64], *rec, *text;
	pid_t appender;
	int err;

	oom_prepare();
	unlink(file);
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	CHECK(write_long("/proc/sys/kernel/hung_task_timeout_secs", 10) == 0,
	      "hung_task_timeout_secs=10");
	write_long("/proc/sys/kernel/hung_task_check_interval_secs", 2);
	CHECK(cg_create("gs_holdup", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&v, "gs_holdup", "gs_victim", 0) == 0, "victim");
	CHECK(gs_register(v.pid, H_HANG) == 0, "register");
	appender = spawn_appender("gs_holdup", file);
	stall0 = cg_some_stall_us("gs_holdup");
	victim_go(&v);
	rec = rec_wait(v.pid, 10000L * tscale);
	CHECK(rec, "the handler never started");
	CHECK(pthread_create(&w.thread, NULL, writer_run, &w) == 0, "writer");
	snprintf(maps, sizeof(maps), "/proc/%d/maps", v.pid);
	t0 = now_ns();
	while (ms_since(t0) < 8000) {
		int64_t t = now_ns();

		text = read_file(maps);
		if (ms_since(t) > maps_max)
			maps_max = ms_since(t);
		maps_reads += text != NULL;
		free(text);
		sleep_ms(20);
	}
	/*
	 * The freezer, in the middle of the run. It freezes the writer thread
	 * too, whatever it does: that is not a write held up by the run.
	 */
	w.paused = 1;
	sleep_ms(50);
	write_file("/sys/power/pm_test", "freezer");
	t0 = now_ns();
	err = write_file("/sys/power/state", "freeze");
	info("freeze (pm_test freezer): %s in %.0f ms", errname(err),
	     ms_since(t0));
	CHECK(err == 0, "freezing every task during the run: %s", errname(err));
	write_file("/sys/power/pm_test", "none");
	w.paused = 0;
	/* past the hung-task timeout */
	sleep_ms(8000);
	stall1 = cg_some_stall_us("gs_holdup");
	w.stop = 1;
	pthread_join(w.thread, NULL);
	info("outside writer: %ld writes, %ld failed, slowest %.1f ms; %ld maps reads, slowest %.1f ms",
	     w.writes, w.failed, w.max_ms, maps_reads, maps_max);
	info("memory.pressure some total: %ld -> %ld us", stall0, stall1);
	CHECK(w.writes > 0 && w.max_ms < 1000,
	      "an outside write took %.0f ms, want < 1000", w.max_ms);
	CHECK(w.failed == 0, "%ld outside writes failed", w.failed);
	CHECK(maps_reads > 0 && maps_max < 1000,
	      "reading the victim's maps took %.0f ms, want < 1000", maps_max);
	CHECK(stall0 >= 0 && stall1 - stall0 >= 1000000,
	      "memory.pressure shows %ld us of stall during the run, want >= 1 s",
	      stall1 - stall0);
	CHECK(!proc_gone(v.pid), "the victim died during its grace");
	text = kmsg_find(kfd, &klog, &klen, "blocked for more than", 10);
	CHECK(!text, "hung task reported: %s", text);
	free(text);
	victim_wait(&v, timeout);
	check_killed(&v, "victim");
	check_log_line(v.pid, "gs_victim", H_HANG, "timed out");
	kill(appender, SIGKILL);
	reap(appender);
	write_long("/proc/sys/kernel/hung_task_timeout_secs", 120);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	unlink(file);
	free(rec);
}

/*
 * The registration of a victim whose run is in progress cannot change:
 * registering, replacing and unregistering get EBUSY, the listing does not
 * show it and /proc/graceful_shutdown_runs does.
 */
static void case_busy_during_run(void)
{
	const long timeout = 3000;
	char *rec, *runs, want[128];
	struct victim v;
	int err;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	CHECK(cg_create("gs_busy", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&v, "gs_busy", "gs_victim", 0) == 0, "victim");
	/* SIGURG, which the victim ignores: it stays in its grace */
	CHECK(gs_register_signal(v.pid, H_HANG, SIGURG) == 0, "register");
	victim_go(&v);
	rec = rec_wait(v.pid, 10000L * tscale);
	CHECK(rec, "the handler never started");
	snprintf(want, sizeof(want), "fd3_pid=%d", v.pid);
	CHECK(rec && rec_has_line(rec, want),
	      "fd 3 is not a pidfd of the victim, alive: fd3=%s fd3_pid=%s",
	      rec ? rec_get(rec, "fd3") : "?", rec ? rec_get(rec, "fd3_pid") : "?");
	err = gs_register(v.pid, H_RECORD);
	CHECK(err == EBUSY, "register during the run: %s, want EBUSY",
	      errname(err));
	err = gs_unregister(v.pid);
	CHECK(err == EBUSY, "unregister during the run: %s, want EBUSY",
	      errname(err));
	CHECK(listed_signal(v.pid) == -1, "listed during its run");
	runs = read_file(GS_RUNS);
	info("runs: %s", excerpt(runs));
	snprintf(want, sizeof(want), "%d %s scope=memcg signal=%d grace=on handler=running ",
		 v.pid, H_HANG, SIGURG);
	CHECK(runs && strstr(runs, want), "%s lacks '%s': '%s'", GS_RUNS, want,
	      excerpt(runs));
	free(runs);
	victim_wait(&v, 30000);
	check_killed(&v, "victim");
	sleep_ms(300);
	runs = read_file(GS_RUNS);
	snprintf(want, sizeof(want), "%d ", v.pid);
	CHECK(runs && strncmp(runs, want, strlen(want)) && !strstr(runs, want),
	      "run still listed after it ended: '%s'", excerpt(runs));
	free(runs);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	free(rec);
}

/*
 * A victim that exits during its grace and stays a zombie (its parent does
 * not reap it) holds up nothing: the next OOM in its cgroup is handled at
 * once.
 */
static void case_zombie_victim_holds_nothing(void)
{
	const struct victim_opts o = { VICTIM_TERM_SAVE, "/tmp/gs-state-zombie",
				       4096 };
	struct victim v, u;
	siginfo_t si;
	char *rec;

	oom_prepare();
	CHECK(write_long(GS_TIMEOUT_MS, 30000) == 0, "set timeout");
	CHECK(cg_create("gs_zombie", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start_opts(&v, "gs_zombie", "gs_victim", 0, &o) == 0,
	      "victim");
	CHECK(gs_register_signal(v.pid, H_HANG, SIGTERM) == 0, "register");
	victim_go(&v);
	/* exited, not reaped */
	CHECK(waitid(P_PID, v.pid, &si, WEXITED | WNOWAIT) == 0, "waitid");
	CHECK(proc_gone(v.pid), "victim %d not a zombie", v.pid);
	check_victim_line(v.pid, "exited during its grace, exit status 0");
	CHECK(victim_start(&u, "gs_zombie", "gs_victim", 0) == 0, "victim 2");
	victim_go(&u);
	victim_wait(&u, 20000);
	check_killed(&u, "second victim");
	info("second victim killed %.1f ms after its last page",
	     victim_kill_ms(&u));
	CHECK(victim_kill_ms(&u) <= 1500.0 * tscale, "second OOM took %.0f ms",
	      victim_kill_ms(&u));
	rec = rec_read(v.pid);
	kill_handler(rec);
	waitpid(v.pid, NULL, 0);
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	unlink(o.save_path);
	free(rec);
}

/*
 * Paths that leave the host's tree through another process's root or cwd,
 * and #! scripts whose interpreter root alone cannot change, are refused.
 */
static void case_foreign_paths_refused(void)
{
	pid_t s = spawn_sleeper();
	char path[256];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/root%s", s, H_RECORD);
	err = gs_register(s, path);
	CHECK(err == ELOOP || err == EACCES, "%s: %s, want ELOOP or EACCES",
	      path, errname(err));
	snprintf(path, sizeof(path), "/proc/%d/cwd/gs/bin/gs_handler_record", s);
	err = gs_register(s, path);
	CHECK(err == ELOOP || err == EACCES, "%s: %s, want ELOOP or EACCES",
	      path, errname(err));
	/* a script whose interpreter uid 65534 owns */
	CHECK(mkdirs("/gs/script") == 0, "mkdir");
	CHECK(handler_copy("/gs/script/interp", 0755, 65534) == 0, "interp");
	{
		int fd = open("/gs/script/bad", O_WRONLY | O_CREAT | O_TRUNC, 0755);

		CHECK(fd >= 0 && write(fd, "#!/gs/script/interp\n", 20) == 20,
		      "write script");
		close(fd);
		fd = open("/gs/script/good", O_WRONLY | O_CREAT | O_TRUNC, 0755);
		CHECK(fd >= 0 && write(fd, "#!/bin/busybox sh\nexit 0\n", 25) == 25,
		      "write script");
		close(fd);
		fd = open("/gs/script/relative", O_WRONLY | O_CREAT | O_TRUNC, 0755);
		CHECK(fd >= 0 && write(fd, "#! busybox sh\n", 14) == 14,
		      "write script");
		close(fd);
		chmod("/gs/script/bad", 0755);
		chmod("/gs/script/good", 0755);
		chmod("/gs/script/relative", 0755);
	}
	err = gs_register(s, "/gs/script/bad");
	CHECK(err == EACCES, "script with uid 65534's interpreter: %s, want EACCES",
	      errname(err));
	err = gs_register(s, "/gs/script/relative");
	CHECK(err == EACCES, "script with a relative interpreter: %s, want EACCES",
	      errname(err));
	err = gs_register(s, "/gs/script/good");
	CHECK(err == 0, "script with root's interpreter: %s", errname(err));
	CHECK(listed_signal(s) == 0, "the good script is not registered");
	reap(s);
}

/*
 * A handler that cannot be killed (frozen in a cgroup v1 freezer group)
 * does not keep what it started past the deadline: its grandchild in a
 * session of its own is killed then.
 */
static void case_unkillable_handler_tree_killed(void)
{
	const long timeout = 2000;
	pid_t daemon = 0, handler = 0;
	struct victim v;
	int64_t t;
	char *rec;

	oom_prepare();
	mkdir("/tmp/gs-freezer", 0755);
	CHECK(mount("freezer", "/tmp/gs-freezer", "cgroup", 0, "freezer") == 0 ||
	      errno == EBUSY, "mount the v1 freezer: %s", errname(errno));
	mkdir("/tmp/gs-freezer/gs", 0755);
	CHECK(write_long(GS_TIMEOUT_MS, timeout) == 0, "set timeout");
	CHECK(cg_create("gs_frozen", OOM_CG_BYTES) == 0, "cgroup");
	CHECK(victim_start(&v, "gs_frozen", "gs_victim", 0) == 0, "victim");
	CHECK(gs_register(v.pid, H_FROZEN) == 0, "register");
	victim_go(&v);
	rec = rec_wait(v.pid, 10000L * tscale);
	CHECK(rec, "the handler never started");
	if (rec) {
		daemon = atoi(rec_get(rec, "daemon_pid") ?: "0");
		handler = atoi(rec_get(rec, "self_pid") ?: "0");
	}
	CHECK(daemon > 0, "no grandchild");
	victim_wait(&v, 30000);
	check_killed(&v, "victim");
	check_log_line(v.pid, "gs_victim", H_FROZEN, "timed out");
	t = now_ns();
	while (daemon > 0 && !proc_gone(daemon) && ms_since(t) < 1000)
		sleep_ms(10);
	CHECK(daemon > 0 && proc_gone(daemon),
	      "grandchild %d of the frozen handler outlived the deadline by 1 s",
	      daemon);
	CHECK(handler > 0 && !proc_gone(handler),
	      "the handler was not frozen: the case tested nothing");
	write_file("/tmp/gs-freezer/gs/freezer.state", "THAWED");
	t = now_ns();
	while (handler > 0 && !proc_gone(handler) && ms_since(t) < 3000)
		sleep_ms(10);
	CHECK(handler > 0 && proc_gone(handler), "thawed handler still alive");
	write_long(GS_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
	free(rec);
}

/* --- stress ---------------------------------------------------------- */

static const char *splats[] = {
	"WARNING:", "BUG:", "Call Trace", "lockdep is turned off",
	"DEBUG_LOCKS_WARN_ON", "KASAN", "Oops",
	"general protection", "circular locking", "inconsistent lock",
	"suspicious RCU", "list_add corruption", "list_del corruption",
	"Kernel panic", "blocked for more than",
};

static void stress_writer(unsigned seed, pid_t base, int64_t end)
{
	long ops = 0, unexpected = 0;
	char buf[512];

	srand(seed);
	while (now_ns() < end) {
		pid_t last = read_long("/proc/sys/kernel/ns_last_pid");
		pid_t pid = base + rand() % (last > base ? last - base + 1 : 1);
		int r = rand() % 10, err;

		if (r < 4) {
			snprintf(buf, sizeof(buf), "%d /gs/stress/h%d", pid,
				 rand() % 17); /* h16 does not exist */
			err = gs_write(buf);
		} else if (r < 7) {
			snprintf(buf, sizeof(buf), "-%d", pid);
			err = gs_write(buf);
		} else if (r < 8) {
			int len = rand() % sizeof(buf);

			for (int i = 0; i < len; i++)
				buf[i] = rand();
			err = gs_write_n(buf, len);
			if (err == 0)
				err = 0; /* random bytes may be valid */
		} else {
			char *t = gs_list(), why[200];
			struct gs_entry *e;
			int n = t ? gs_parse(t, &e, why, sizeof(why)) : -1;

			if (n < 0) {
				if (unexpected++ < 5)
					printf("GS-FAIL stress_30s listing: %s\n",
					       t ? why : "unreadable");
			} else {
				gs_free(e, n);
			}
			free(t);
			err = 0;
		}
		/* random bytes may name a file: its checks refuse it */
		if (err && err != EINVAL && err != ESRCH && err != ENOENT &&
		    err != ENOSPC && err != EACCES && err != ENOTDIR &&
		    err != ENAMETOOLONG && err != ELOOP) {
			if (unexpected++ < 5)
				printf("GS-FAIL stress_30s unexpected %s\n",
				       errname(err));
		}
		ops++;
	}
	printf("GS-INFO stress_30s writer %d: %ld ops\n", getpid(), ops);
	fflush(stdout);
	_exit(unexpected ? 1 : 0);
}

static void stress_churn(unsigned seed, int64_t end)
{
	long n = 0;

	srand(seed);
	while (now_ns() < end) {
		pid_t c = fork();

		if (c == 0) {
			char path[64];

			snprintf(path, sizeof(path), "/gs/stress/h%d",
				 rand() % 16);
			gs_register(getpid(), path);
			if (rand() % 2)
				sleep_ms(rand() % 3);
			_exit(0);
		}
		if (c > 0)
			waitpid(c, NULL, 0);
		n++;
	}
	printf("GS-INFO stress_30s churn %d: %ld processes\n", getpid(), n);
	fflush(stdout);
	_exit(0);
}

static void case_stress_30s(void)
{
	const int writers = 4, churners = 4;
	pid_t kids[16], base = getpid() + 1;
	int64_t end;
	char *t, why[200];
	struct gs_entry *e;
	int n, left = 0, status;

	oom_prepare();
	for (int i = 0; i < 16; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/gs/stress/h%d", i);
		CHECK(handler_at(path) == 0, "handler %s", path);
	}
	end = now_ns() + 30LL * 1000000000LL;
	fflush(NULL);
	for (int i = 0; i < writers + churners; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			if (i < writers)
				stress_writer(i + 1, base, end);
			stress_churn(i + 100, end);
		}
	}
	/* The sysctls change under the writers too. */
	while (now_ns() < end) {
		write_long(GS_MAX_ENTRIES, 20 + rand() % 200);
		sleep_ms(50);
		write_long(GS_MAX_ENTRIES, DEFAULT_MAX_ENTRIES);
		sleep_ms(200);
	}
	write_long(GS_MAX_ENTRIES, DEFAULT_MAX_ENTRIES);
	for (int i = 0; i < writers + churners; i++) {
		CHECK(wait_timeout(kids[i], &status, 30000, NULL) == 0,
		      "stress process %d hung", kids[i]);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "stress process %d: %s", kids[i], status_str(status));
	}
	t = gs_list();
	n = t ? gs_parse(t, &e, why, sizeof(why)) : -1;
	CHECK(n >= 0, "final listing: %s", t ? why : "unreadable");
	for (int i = 0; i < n; i++)
		/* Writers may register any pid from base on, busybox
		 * timeout's watcher too: only an exited one is wrong.
		 */
		if (e[i].pid >= base && proc_gone(e[i].pid) && left++ < 5)
			CHECK(0, "pid %d (exited) still listed with %s",
			      e[i].pid, e[i].path);
	if (n >= 0)
		gs_free(e, n);
	free(t);
	kmsg_drain(kfd, &klog, &klen);
	for (size_t i = 0; i < sizeof(splats) / sizeof(splats[0]); i++) {
		char *hit = klog ? strstr(klog, splats[i]) : NULL;

		CHECK(!hit, "kernel log during stress: %s", excerpt(hit));
	}
}

/* --- driver ---------------------------------------------------------- */

struct gs_case {
	const char *name;
	int timeout_s;
	void (*fn)(void);
	const struct bad_input *bad;
};

static const struct gs_case cases[] = {
	{ "sysctl_defaults", 20, case_sysctl_defaults },
	{ "proc_file_mode", 20, case_proc_file_mode },
	{ "register", 20, case_register },
	{ "register_newline_terminated", 20, case_register_newline },
	{ "list", 20, case_list },
	{ "replace", 20, case_replace },
	{ "unregister", 20, case_unregister },
	{ "path_1023_bytes_accepted", 20, case_path_1023_bytes_accepted },
	{ "nonexistent_pid_esrch", 20, case_nonexistent_pid_esrch },
	{ "eperm_without_cap_sys_admin", 20, case_eperm_without_cap_sys_admin },
	{ "eacces_non_root", 20, case_eacces_non_root },
	{ "write_checked_with_openers_credentials", 20,
	  case_write_checked_with_openers_credentials },
	{ "unsafe_handler_refused", 20, case_unsafe_handler_refused },
	{ "register_from_another_namespace_refused", 20,
	  case_register_from_another_namespace_refused },
	{ "exit_removes_registration", 20, case_exit_removes_registration },
	{ "exec_keeps_registration", 20, case_exec_keeps_registration },
	{ "thread_exit_keeps_registration", 20,
	  case_thread_exit_keeps_registration },
	{ "leader_exit_keeps_registration", 20,
	  case_leader_exit_keeps_registration },
	{ "pid_reuse_not_inherited", 20, case_pid_reuse_not_inherited },
	{ "enospc_at_max_entries", 20, case_enospc_at_max_entries },
	{ "sysctl_bounds", 20, case_sysctl_bounds },
	{ "many_4096", 300, case_many_4096 },
	{ "memcg_oom_handler", 120, case_memcg_oom_handler },
	{ "unregistered_victim_no_handler", 120,
	  case_unregistered_victim_no_handler },
	{ "handler_exit_status", 120, case_handler_exit_status },
	{ "handler_missing", 120, case_handler_missing },
	{ "handler_not_executable", 120, case_handler_not_executable },
	{ "handler_replaced_by_unsafe_file", 120,
	  case_handler_replaced_by_unsafe_file },
	{ "handler_made_world_writable", 120, case_handler_made_world_writable },
	{ "victim_comm_escaped", 120, case_victim_comm_escaped },
	{ "timeout_zero_disables", 120, case_timeout_zero_disables },
	{ "hang_handler_bounded", 180, case_hang_handler_bounded },
	{ "hang_handler_children_killed", 120,
	  case_hang_handler_children_killed },
	{ "stress_30s", 150, case_stress_30s },
	{ "register_signal", 20, case_register_signal },
	{ "foreign_paths_refused", 20, case_foreign_paths_refused },
	{ "graceful_victim_completes", 120, case_graceful_victim_completes },
	{ "graceful_victim_ignores_signal", 120,
	  case_graceful_victim_ignores_signal },
	{ "graceful_victim_over_budget", 120, case_graceful_victim_over_budget },
	{ "pidfd_handler_graceful", 120, case_pidfd_handler_graceful },
	{ "busy_during_run", 120, case_busy_during_run },
	{ "zombie_victim_holds_nothing", 120, case_zombie_victim_holds_nothing },
	{ "unkillable_handler_tree_killed", 120,
	  case_unkillable_handler_tree_killed },
	{ "hanging_run_holds_up_nothing", 150,
	  case_hanging_run_holds_up_nothing },
	{ "global_oom_bounded", 300, case_global_oom_bounded },
	{ "global_oom_handler", 300, case_global_oom_handler },
	{ "hanging_handlers_stall_no_other_oom", 150,
	  case_hanging_handlers_stall_no_other_oom },
	{ "daemonizing_handler_memcg", 120, case_daemonizing_handler_memcg },
	{ "daemonizing_handler_global", 300, case_daemonizing_handler_global },
	{ "victim_exits_during_handler", 120, case_victim_exits_during_handler },
	{ "oom_churn", 180, case_oom_churn },
	/* takes CAP_SYS_BOOT from every later handler */
	{ "usermodehelper_bset_applies", 120, case_usermodehelper_bset_applies },
	/* powers the guest off with a handler hanging: must stay last */
	{ "poweroff_while_handler_hangs", 60,
	  case_poweroff_while_handler_hangs },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))
#define NBAD (sizeof(bad_inputs) / sizeof(bad_inputs[0]))

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t i = 0; i < NCASES; i++) {
			printf("%s %d\n", cases[i].name, cases[i].timeout_s);
			if (i == 6) /* bad inputs follow the basic ones */
				for (size_t j = 0; j < NBAD; j++)
					printf("bad_input_%s 20\n",
					       bad_inputs[j].name);
		}
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: gscases list | gscases run <case>\n");
		return 2;
	}
	gs_case = argv[2];
	tscale = timescale();
	kmsg_mark("gstest: case %s begin\n", gs_case);
	for (size_t i = 0; i < NCASES; i++)
		if (!strcmp(cases[i].name, gs_case)) {
			cases[i].fn();
			goto done;
		}
	for (size_t j = 0; j < NBAD; j++)
		if (!strncmp(gs_case, "bad_input_", 10) &&
		    !strcmp(gs_case + 10, bad_inputs[j].name)) {
			run_bad_input(&bad_inputs[j]);
			goto done;
		}
	printf("GS-FAIL %s no such case\n", gs_case);
	return 2;
done:
	kmsg_mark("gstest: case %s end (%d failed checks)\n", gs_case,
		  gs_failures);
	return gs_failures ? 1 : 0;
}
