/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest test driver (gscases) and benchmark
 * (gsbench): /proc/graceful_shutdown access, child processes, memory
 * cgroups, OOM victims, handler records and the kernel log.
 */
#ifndef GSTEST_H
#define GSTEST_H

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GS_PROC "/proc/graceful_shutdown"
#define GS_MAX_ENTRIES "/proc/sys/vm/graceful_shutdown_max_entries"
#define GS_TIMEOUT_MS "/proc/sys/vm/graceful_shutdown_timeout_ms"
#define GS_BUDGET_KB "/proc/sys/vm/graceful_shutdown_budget_kb"
#define GS_GLOBAL_WAIT_MS "/proc/sys/vm/graceful_shutdown_global_wait_ms"
#define GS_RUNS "/proc/graceful_shutdown_runs"
#define GS_BIN "/gs/bin"
#define GS_REC_DIR "/tmp/gs-rec"
#define CG_ROOT "/sys/fs/cgroup"

static const char *gs_case __attribute__((unused)) = "-";
static int gs_failures __attribute__((unused));

static inline void info(const char *fmt, ...)
{
	va_list ap;

	printf("GS-INFO %s ", gs_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define CHECK(cond, fmt, ...) do {					\
	if (!(cond)) {							\
		printf("GS-FAIL %s line %d: " fmt "\n", gs_case,	\
		       __LINE__, ##__VA_ARGS__);			\
		fflush(stdout);						\
		gs_failures++;						\
	}								\
} while (0)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline double ms_since(int64_t start)
{
	return (now_ns() - start) / 1e6;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Write a whole file; 0 or an errno. */
static inline int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = errno;
	close(fd);
	return err;
}

/* Read a whole (small or seq_file) file into a malloc'd string. */
static inline char *read_file_chunked(const char *path, size_t chunk)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || !buf) {
		int err = errno;

		free(buf);
		if (fd >= 0)
			close(fd);
		errno = err;
		return NULL;
	}
	for (;;) {
		if (cap - len < chunk) {
			cap = cap * 2 + chunk;
			buf = realloc(buf, cap + 1);
		}
		n = read(fd, buf + len, chunk);
		if (n < 0) {
			int err = errno;

			free(buf);
			close(fd);
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

static inline char *read_file(const char *path)
{
	return read_file_chunked(path, 65536);
}

static inline long read_long(const char *path)
{
	char *s = read_file(path);
	long v = s ? strtol(s, NULL, 10) : -1;

	free(s);
	return v;
}

static inline int write_long(const char *path, long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%ld\n", v);
	return write_file(path, s);
}

/* One write() of exactly len bytes to /proc/graceful_shutdown: 0 or errno. */
static inline int gs_write_n(const char *buf, size_t len)
{
	int fd = open(GS_PROC, O_WRONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return errno;
	n = write(fd, buf, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO; /* a short write is a contract violation */
	close(fd);
	return err;
}

static inline int gs_write(const char *s)
{
	return gs_write_n(s, strlen(s));
}

static inline int gs_register(pid_t pid, const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%d %s", pid, path);
	return gs_write(buf);
}

/* "<pid> <path> signal=<sig>": the kernel sends sig when the grace begins. */
static inline int gs_register_signal(pid_t pid, const char *path, int sig)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%d %s signal=%d", pid, path, sig);
	return gs_write(buf);
}

static inline int gs_unregister(pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "-%d", pid);
	return gs_write(buf);
}

static inline char *gs_list(void)
{
	return read_file(GS_PROC);
}

struct gs_entry {
	pid_t pid;
	char *path;
	int signal;	/* 0: none asked */
};

/*
 * Parse a listing strictly ("<pid> <path>[ signal=<n>]\n", ascending pid).
 * Returns the number of entries or -1 when the text breaks the format
 * (reason in why).
 */
static inline int gs_parse(const char *text, struct gs_entry **out, char *why,
		    size_t whylen)
{
	int n = 0, cap = 64;
	struct gs_entry *e = malloc(cap * sizeof(*e));
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *sp, *path_end, *opt;
		char *end;
		long pid, sig = 0;

		if (!nl) {
			snprintf(why, whylen, "last line lacks newline: '%.60s'", p);
			goto bad;
		}
		pid = strtol(p, &end, 10);
		sp = end;
		if (end == p || !isdigit((unsigned char)*p) || pid <= 0 ||
		    *sp != ' ' || sp[1] != '/') {
			snprintf(why, whylen, "malformed line '%.*s'",
				 (int)(nl - p), p);
			goto bad;
		}
		path_end = nl;
		opt = memchr(sp + 1, ' ', nl - sp - 1);
		if (opt) {
			path_end = opt;
			if (strncmp(opt, " signal=", 8) ||
			    (sig = strtol(opt + 8, &end, 10)) <= 0 ||
			    end != nl) {
				snprintf(why, whylen, "bad option in '%.*s'",
					 (int)(nl - p), p);
				goto bad;
			}
		}
		for (const char *c = sp + 1; c < path_end; c++) {
			if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c)) {
				snprintf(why, whylen, "whitespace in path '%.*s'",
					 (int)(nl - p), p);
				goto bad;
			}
		}
		if (n && pid <= e[n - 1].pid) {
			snprintf(why, whylen, "pid %ld after %d: not ascending",
				 pid, e[n - 1].pid);
			goto bad;
		}
		if (n == cap) {
			cap *= 2;
			e = realloc(e, cap * sizeof(*e));
		}
		e[n].pid = pid;
		e[n].path = strndup(sp + 1, path_end - sp - 1);
		e[n].signal = sig;
		n++;
		p = nl + 1;
	}
	*out = e;
	return n;
bad:
	for (int i = 0; i < n; i++)
		free(e[i].path);
	free(e);
	return -1;
}

static inline void gs_free(struct gs_entry *e, int n)
{
	for (int i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

/* The handler registered for pid (malloc'd) or NULL; "?" on a bad listing. */
static inline char *gs_lookup(pid_t pid)
{
	char *text = gs_list(), why[200];
	struct gs_entry *e;
	char *path = NULL;
	int n;

	if (!text)
		return strdup("?read-failed");
	n = gs_parse(text, &e, why, sizeof(why));
	free(text);
	if (n < 0) {
		info("bad listing: %s", why);
		return strdup("?bad-listing");
	}
	for (int i = 0; i < n; i++)
		if (e[i].pid == pid)
			path = strdup(e[i].path);
	gs_free(e, n);
	return path;
}

static inline int gs_count(void)
{
	char *text = gs_list(), why[200];
	struct gs_entry *e;
	int n;

	if (!text)
		return -1;
	n = gs_parse(text, &e, why, sizeof(why));
	free(text);
	if (n < 0) {
		info("bad listing: %s", why);
		return -1;
	}
	gs_free(e, n);
	return n;
}

/* A child that sleeps until killed (and dies with its parent). */
static inline pid_t spawn_sleeper(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static inline int reap(pid_t pid)
{
	int status = -1;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static inline void on_alarm(int sig)
{
	(void)sig;
}

/* waitpid with a timeout; 0 when reaped, ETIMEDOUT otherwise. */
static inline int wait_timeout(pid_t pid, int *status, long ms, int64_t *end_ns)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	int r, err;

	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: waitpid gets EINTR */
	setitimer(ITIMER_REAL, &it, NULL);
	r = waitpid(pid, status, 0);
	err = errno;
	if (end_ns)
		*end_ns = now_ns();
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	if (r == pid)
		return 0;
	return err == EINTR ? ETIMEDOUT : err;
}

static inline const char *status_str(int status)
{
	static char s[64];

	if (WIFSIGNALED(status))
		snprintf(s, sizeof(s), "killed by signal %d", WTERMSIG(status));
	else if (WIFEXITED(status))
		snprintf(s, sizeof(s), "exited %d", WEXITSTATUS(status));
	else
		snprintf(s, sizeof(s), "status 0x%x", status);
	return s;
}

/* --- memory cgroups and OOM victims ----------------------------------- */

/* Create (or reset) a cgroup limited to max_bytes with no swap. */
static inline int cg_create(const char *name, long max_bytes)
{
	char path[256];
	int err;

	write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
	snprintf(path, sizeof(path), CG_ROOT "/%s", name);
	if (mkdir(path, 0755) && errno != EEXIST)
		return errno;
	snprintf(path, sizeof(path), CG_ROOT "/%s/memory.max", name);
	err = write_long(path, max_bytes);
	if (err)
		return err;
	snprintf(path, sizeof(path), CG_ROOT "/%s/memory.swap.max", name);
	return write_file(path, "0");
}

static inline long cg_event(const char *name, const char *key)
{
	char path[256], *text, *p;
	long v = -1;

	snprintf(path, sizeof(path), CG_ROOT "/%s/memory.events", name);
	text = read_file(path);
	if (!text)
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t kl = strlen(key);

		if (!strncmp(p, key, kl) && p[kl] == ' ')
			v = strtol(p + kl + 1, NULL, 10);
	}
	free(text);
	return v;
}

/* Shared with the victim: when it last touched memory, and its shutdown. */
struct stamp {
	volatile int64_t last_ns;
	volatile long pages;
	volatile int64_t term_ns;	/* when it took SIGTERM */
	volatile long saved;		/* bytes of its state written */
	volatile int save_errno;	/* why saving stopped short */
};

/* How a victim takes SIGTERM (victim_start_opts()). */
enum victim_term {
	VICTIM_TERM_DEFAULT,	/* the default action: it dies of it */
	VICTIM_TERM_SAVE,	/* saves save_bytes to save_path, exits 0 */
	VICTIM_TERM_IGNORE,	/* ignores it and goes on */
	VICTIM_TERM_INSIST,	/* saves, retrying a failed write until done */
};

struct victim_opts {
	enum victim_term term;
	const char *save_path;
	long save_bytes;
	long page_delay_us;	/* pause after each page it touches */
};

static volatile sig_atomic_t victim_termed;

static inline void victim_on_term(int sig)
{
	(void)sig;
	victim_termed = 1;
}

/*
 * A graceful shutdown: write and fsync @o->save_bytes to @o->save_path in
 * 64 KiB pieces and exit 0; exit 3 if it could not.
 */
static inline void victim_save_and_exit(struct stamp *st,
					const struct victim_opts *o)
{
	static char chunk[64 << 10];
	int fd;

	st->term_ns = now_ns();
	memset(chunk, 'g', sizeof(chunk));
	fd = open(o->save_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		st->save_errno = errno;
		_exit(3);
	}
	while (st->saved < o->save_bytes) {
		long n = o->save_bytes - st->saved;
		ssize_t w = write(fd, chunk, n < (long)sizeof(chunk) ?
				  (size_t)n : sizeof(chunk));

		if (w <= 0) {
			st->save_errno = w < 0 ? errno : EIO;
			if (o->term != VICTIM_TERM_INSIST)
				_exit(3);
			usleep(1000);
			continue;
		}
		st->saved += w;
	}
	if (fsync(fd) || close(fd)) {
		st->save_errno = errno;
		_exit(3);
	}
	_exit(0);
}

struct victim {
	pid_t pid;
	int go_fd;
	struct stamp *stamp;
	int64_t go_ns;
	int64_t end_ns;
	int status;
};

/*
 * Fork a victim named comm, moved into cgroup (NULL: stay) with the given
 * oom_score_adj. It waits for victim_go() and then touches memory until
 * killed. Returns 0 or an errno.
 */
static inline int victim_start_opts(struct victim *v, const char *cgroup,
				    const char *comm, int oom_adj,
				    const struct victim_opts *o)
{
	int ready[2], go[2];
	char c;

	memset(v, 0, sizeof(*v));
	v->stamp = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->stamp == MAP_FAILED || pipe(ready) || pipe(go))
		return errno;
	fflush(NULL);
	v->pid = fork();
	if (v->pid < 0)
		return errno;
	if (v->pid == 0) {
		char path[256], adj[16];
		long page = sysconf(_SC_PAGESIZE);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, comm);
		if (o && (o->term == VICTIM_TERM_SAVE ||
			  o->term == VICTIM_TERM_INSIST))
			signal(SIGTERM, victim_on_term);
		else if (o && o->term == VICTIM_TERM_IGNORE)
			signal(SIGTERM, SIG_IGN);
		close(ready[0]);
		close(go[1]);
		if (cgroup) {
			snprintf(path, sizeof(path), CG_ROOT "/%s/cgroup.procs",
				 cgroup);
			if (write_file(path, "0"))
				_exit(97);
		}
		snprintf(adj, sizeof(adj), "%d", oom_adj);
		if (write_file("/proc/self/oom_score_adj", adj))
			_exit(98);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(96);
		/* Touch fresh memory a page at a time until the OOM killer
		 * ends us; the stamp says when we last got a page.
		 */
		for (long total = 0; total < (8L << 30); total += 1 << 20) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				continue;
			for (long off = 0; off < (1 << 20); off += page) {
				if (victim_termed)
					victim_save_and_exit(v->stamp, o);
				p[off] = 1;
				v->stamp->last_ns = now_ns();
				v->stamp->pages++;
				if (o && o->page_delay_us)
					usleep(o->page_delay_us);
			}
		}
		_exit(99); /* never killed: the caller sees "exited 99" */
	}
	close(ready[1]);
	close(go[0]);
	v->go_fd = go[1];
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		waitpid(v->pid, &v->status, 0);
		return ECHILD;
	}
	close(ready[0]);
	return 0;
}

static inline int victim_start(struct victim *v, const char *cgroup,
			       const char *comm, int oom_adj)
{
	return victim_start_opts(v, cgroup, comm, oom_adj, NULL);
}

static inline void victim_go(struct victim *v)
{
	v->go_ns = now_ns();
	if (write(v->go_fd, "g", 1) != 1)
		info("victim_go: write failed: %s", strerror(errno));
	close(v->go_fd);
}

/* Wait for the victim to die; 0 or ETIMEDOUT (then it is killed). */
static inline int victim_wait(struct victim *v, long ms)
{
	int err = wait_timeout(v->pid, &v->status, ms, &v->end_ns);

	if (err) {
		info("victim %d still alive after %ld ms (%ld pages touched)",
		     v->pid, ms, v->stamp->pages);
		v->status = reap(v->pid);
		v->end_ns = now_ns();
	}
	return err;
}

/*
 * Wait for several victims at once, so each one's death time is when it
 * was reaped and not when the caller got round to it.
 */
static inline void victims_wait(struct victim **vs, int n, long ms)
{
	int64_t start = now_ns();
	int left = n;

	while (left > 0) {
		long rest = ms - (long)ms_since(start);
		int status;
		pid_t pid;
		struct sigaction sa = { .sa_handler = on_alarm };
		struct itimerval it = { { 0, 0 },
			{ rest / 1000, (rest % 1000) * 1000 } };

		if (rest <= 0)
			break;
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
		pid = waitpid(-1, &status, 0);
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		if (pid < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			if (pid > 0 && vs[i]->pid == pid && !vs[i]->end_ns) {
				vs[i]->end_ns = now_ns();
				vs[i]->status = status;
				left--;
			}
	}
	for (int i = 0; i < n; i++)
		if (!vs[i]->end_ns) {
			info("victim %d still alive after %ld ms (%ld pages touched)",
			     vs[i]->pid, ms, vs[i]->stamp->pages);
			vs[i]->status = reap(vs[i]->pid);
			vs[i]->end_ns = now_ns();
		}
}

/* Milliseconds from the victim's last page (or its go, when it touched
 * none) to its death being reaped.
 */
static inline double victim_kill_ms(struct victim *v)
{
	int64_t from = v->stamp->last_ns ? v->stamp->last_ns : v->go_ns;

	return (v->end_ns - from) / 1e6;
}

/* --- handler records (written by gs_handler_* in the guest) --------------- */

static inline char *rec_path(pid_t victim, char *buf, size_t len)
{
	snprintf(buf, len, GS_REC_DIR "/%d.rec", victim);
	return buf;
}

/* The record a handler wrote for victim, or NULL (malloc'd). */
static inline char *rec_read(pid_t victim)
{
	char path[128];

	return read_file(rec_path(victim, path, sizeof(path)));
}

static inline char *rec_wait(pid_t victim, long ms)
{
	int64_t start = now_ns();
	char *r;

	while (!(r = rec_read(victim)) && ms_since(start) < ms)
		sleep_ms(5);
	return r;
}

/* Value of the first "key=value" line in rec (malloc'd) or NULL. */
static inline char *rec_get(const char *rec, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = rec; p && *p; ) {
		const char *nl = strchrnul(p, '\n');

		if (!strncmp(p, key, kl) && p[kl] == '=')
			return strndup(p + kl + 1, nl - p - kl - 1);
		p = *nl ? nl + 1 : nl;
	}
	return NULL;
}

static inline int rec_has_line(const char *rec, const char *line)
{
	size_t l = strlen(line);

	for (const char *p = rec; p && *p; ) {
		const char *nl = strchrnul(p, '\n');

		if ((size_t)(nl - p) == l && !strncmp(p, line, l))
			return 1;
		p = *nl ? nl + 1 : nl;
	}
	return 0;
}

/* --- kernel log --------------------------------------------------------- */

/* A /dev/kmsg reader positioned at the end (only later messages). */
static inline int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * Append to *acc every message logged since the last call (one per line,
 * without the "pri,seq,ts,flags;" header).
 */
static inline void kmsg_drain(int fd, char **acc, size_t *len)
{
	char rec[8192];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		char *msg, *nl;

		if (n < 0) {
			if (errno == EPIPE)
				continue; /* overwritten records: keep going */
			break;
		}
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		*acc = realloc(*acc, *len + strlen(msg) + 2);
		*len += sprintf(*acc + *len, "%s\n", msg);
	}
}

static inline void kmsg_mark(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	write_file("/dev/kmsg", line);
	(void)n;
}

/* The first logged line starting with prefix (malloc'd), waiting up to ms. */
static inline char *kmsg_find(int fd, char **acc, size_t *len, const char *prefix,
		       long ms)
{
	int64_t start = now_ns();

	for (;;) {
		kmsg_drain(fd, acc, len);
		for (const char *p = *acc; p && *p; ) {
			const char *nl = strchrnul(p, '\n');
			const char *hit = strstr(p, prefix);

			if (hit && hit < nl)
				return strndup(hit, nl - hit);
			p = *nl ? nl + 1 : nl;
		}
		if (ms_since(start) >= ms)
			return NULL;
		sleep_ms(20);
	}
}

#endif
