// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest benchmark of the graceful-shutdown kernel. Prints "GS-BENCH"
 * table rows; bench/kernel_bench.py boots the guest and shows them.
 *
 * 1. OOM kill latency (memcg OOM, victim's last page -> its parent's
 *    waitpid() returns), without a registration and with a registered
 *    handler that exits at once; plus when that handler started and the
 *    kernel's own "<n> ms" figure.
 * 2. The kill latency of an unregistered memcg OOM while 0, 1 and 4
 *    handlers hang in other cgroups (their runs must not stall it).
 * 3. Registry cost at 1, 100 and 4,096 registrations: reading the listing,
 *    a register+unregister pair, a replace (lookup + update), an
 *    unregister that misses (lookup only, one open fd), and the OOM kill
 *    latency at that size (the OOM path's lookup).
 * 4. A graceful victim (signal=15, saves 1 MiB and exits): its SIGTERM to
 *    its exit, and its last page before the OOM to its exit.
 * 5. The latency of a write from outside a cgroup to a file a task inside
 *    keeps writing, with no run and while the cgroup's victim's handler
 *    hangs (its grace on).
 * 6. A global OOM: the victim's last page to its death (the machine out
 *    of OOM), unregistered, and registered with a handler that hangs,
 *    with the global wait at 0 (the default) and at 2000 ms.
 */
#include "gstest.h"

#define H_RECORD GS_BIN "/gs_handler_record"
#define H_EXIT3 GS_BIN "/gs_handler_exit3"
#define H_HANG GS_BIN "/gs_handler_hang"
#define RUNS 11
#define H_HANGFORK GS_BIN "/gs_handler_hangfork"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void row(const char *what, const char *unit, double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("GS-BENCH %-52s %9.3f %9.3f %9.3f %s (n=%d)\n", what, v[0],
	       v[n / 2], v[n - 1], unit, n);
	fflush(stdout);
}

static int kfd;
static char *klog;
static size_t klen;

/* One memcg OOM; returns kill latency in ms (<0 on failure). */
static double one_oom(const char *handler, double *handler_ms, double *kern_ms)
{
	struct victim v;
	char *rec, *line, prefix[128];
	double kill_ms;

	if (cg_create("gs_bench", 24L << 20) ||
	    victim_start(&v, "gs_bench", "gs_bench_victim", 0))
		return -1;
	if (handler && gs_register(v.pid, handler))
		return -1;
	victim_go(&v);
	if (victim_wait(&v, 60000) || !WIFSIGNALED(v.status))
		return -1;
	if (handler) {
		rec = rec_wait(v.pid, 2000);
		*handler_ms = rec ? (strtoll(rec_get(rec, "start_ns") ?: "0",
					     NULL, 10) - v.stamp->last_ns) / 1e6 : -1;
		free(rec);
		snprintf(prefix, sizeof(prefix), "graceful_shutdown: pid %d ",
			 v.pid);
		line = kmsg_find(kfd, &klog, &klen, prefix, 2000);
		*kern_ms = -1;
		if (line) {
			char *c = strrchr(line, ',');

			*kern_ms = c ? strtod(c + 1, NULL) : -1;
			free(line);
		}
	}
	kill_ms = victim_kill_ms(&v);
	munmap(v.stamp, 4096);
	return kill_ms;
}

static void bench_kill_latency(const char *label, int runs)
{
	double none[RUNS], reg[RUNS], hstart[RUNS], kern[RUNS];
	char what[128];
	int nn = 0, nr = 0;

	for (int i = 0; i < runs; i++) {
		double h = -1, k = -1, t;

		t = one_oom(NULL, NULL, NULL);
		if (t >= 0)
			none[nn++] = t;
		t = one_oom(H_RECORD, &h, &k);
		if (t >= 0) {
			reg[nr] = t;
			hstart[nr] = h;
			kern[nr++] = k;
		}
	}
	if (nn) {
		snprintf(what, sizeof(what), "OOM kill, no registration%s", label);
		row(what, "ms", none, nn);
	}
	if (nr) {
		snprintf(what, sizeof(what), "OOM kill, handler exits at once%s",
			 label);
		row(what, "ms", reg, nr);
		snprintf(what, sizeof(what), "  last page -> handler start%s", label);
		row(what, "ms", hstart, nr);
		snprintf(what, sizeof(what), "  kernel-logged handler time%s", label);
		row(what, "ms", kern, nr);
	}
	if (nn < runs || nr < runs)
		printf("GS-BENCH-ERROR %d/%d unregistered and %d/%d registered OOM runs failed\n",
		       runs - nn, runs, runs - nr, runs);
}

/*
 * Unregistered OOMs in cgroup gs_bench while n registered victims in other
 * cgroups have handlers that hang (timeout 60 s); then the handlers are
 * killed, which ends their runs, and their victims die.
 */
static void bench_hanging_elsewhere(int n, int runs)
{
	struct victim h[4];
	pid_t handler[4] = { 0 };
	double lat[RUNS];
	char cg[32], what[128];
	int ok = 0;

	write_long(GS_TIMEOUT_MS, 60000);
	for (int i = 0; i < n; i++) {
		char *rec;

		snprintf(cg, sizeof(cg), "gs_bench_hang%d", i);
		if (cg_create(cg, 24L << 20) ||
		    victim_start(&h[i], cg, "gs_bench_hang", 0) ||
		    gs_register(h[i].pid, H_HANG)) {
			printf("GS-BENCH-ERROR hanging victim %d\n", i);
			return;
		}
		victim_go(&h[i]);
		rec = rec_wait(h[i].pid, 10000);
		handler[i] = rec ? atoi(rec_get(rec, "self_pid") ?: "0") : 0;
		free(rec);
	}
	for (int r = 0; r < runs; r++) {
		double t = one_oom(NULL, NULL, NULL);

		if (t >= 0)
			lat[ok++] = t;
	}
	snprintf(what, sizeof(what), "OOM kill, no registration, %d hanging elsewhere",
		 n);
	if (ok)
		row(what, "ms", lat, ok);
	for (int i = 0; i < n; i++) {
		if (handler[i] > 0)
			kill(handler[i], SIGKILL);
		victim_wait(&h[i], 20000);
		munmap(h[i].stamp, 4096);
	}
	write_long(GS_TIMEOUT_MS, 5000);
	if (ok < runs)
		printf("GS-BENCH-ERROR %d/%d OOM runs failed\n", runs - ok, runs);
}

static void bench_registry(int size)
{
	pid_t *pids = calloc(size, sizeof(pid_t)), extra = spawn_sleeper();
	double v[5];
	char what[128], path[64];
	int loops = size > 1000 ? 20 : 200, ops = 2000;
	int64_t t;

	for (int i = 0; i < size; i++) {
		pids[i] = spawn_sleeper();
		/* the kernel registers only existing, safe files */
		snprintf(path, sizeof(path), "%s", i % 2 ? H_RECORD : H_EXIT3);
		if (gs_register(pids[i], path))
			printf("GS-BENCH-ERROR register %d failed\n", i);
	}
	for (int r = 0; r < 5; r++) {
		t = now_ns();
		for (int i = 0; i < loops; i++)
			free(gs_list());
		v[r] = (now_ns() - t) / 1e3 / loops;
	}
	snprintf(what, sizeof(what), "read listing, %d registrations", size);
	row(what, "us", v, 5);
	for (int r = 0; r < 5; r++) {
		t = now_ns();
		for (int i = 0; i < ops; i++) {
			gs_register(extra, H_RECORD);
			gs_unregister(extra);
		}
		v[r] = (now_ns() - t) / 1e3 / ops / 2;
	}
	snprintf(what, sizeof(what), "register or unregister write, %d regs", size);
	row(what, "us", v, 5);
	for (int r = 0; r < 5; r++) {
		t = now_ns();
		for (int i = 0; i < ops; i++)
			gs_register(pids[size / 2], i % 2 ? H_RECORD : H_EXIT3);
		v[r] = (now_ns() - t) / 1e3 / ops;
	}
	snprintf(what, sizeof(what), "replace write (lookup+update), %d regs", size);
	row(what, "us", v, 5);
	/* A lookup that misses ("-<pid>" of an unregistered process: ENOENT)
	 * on one open fd: the registry lookup plus the syscall, nothing else.
	 */
	{
		int fd = open(GS_PROC, O_WRONLY), misses = 20000;
		char op[32];
		int len = snprintf(op, sizeof(op), "-%d", extra);

		for (int r = 0; fd >= 0 && r < 5; r++) {
			t = now_ns();
			for (int i = 0; i < misses; i++)
				if (write(fd, op, len) >= 0 || errno != ENOENT)
					printf("GS-BENCH-ERROR lookup miss did not give ENOENT\n");
			v[r] = (now_ns() - t) / 1e3 / misses;
		}
		if (fd >= 0)
			close(fd);
		snprintf(what, sizeof(what), "unregister miss (lookup only), %d regs",
			 size);
		row(what, "us", v, 5);
	}
	snprintf(what, sizeof(what), " (%d registrations)", size);
	bench_kill_latency(what, 3);
	for (int i = 0; i < size; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < size; i++)
		waitpid(pids[i], NULL, 0);
	reap(extra);
	free(pids);
}

static void bench_graceful_exit(int runs)
{
	const struct victim_opts o = { VICTIM_TERM_SAVE, "/tmp/gs-bench-state",
				       1L << 20 };
	double term[RUNS], oom[RUNS];
	int ok = 0;

	for (int r = 0; r < runs; r++) {
		struct victim v;

		if (cg_create("gs_bench_grace", 24L << 20) ||
		    victim_start_opts(&v, "gs_bench_grace", "gs_bench_victim", 0,
				      &o) ||
		    gs_register_signal(v.pid, H_RECORD, SIGTERM)) {
			printf("GS-BENCH-ERROR graceful victim %d\n", r);
			return;
		}
		victim_go(&v);
		if (!victim_wait(&v, 30000) && WIFEXITED(v.status) &&
		    !WEXITSTATUS(v.status) && v.stamp->term_ns) {
			term[ok] = (v.end_ns - v.stamp->term_ns) / 1e6;
			/* its last page is the one the OOM was for */
			oom[ok++] = (v.end_ns - v.stamp->last_ns) / 1e6;
		}
		munmap(v.stamp, 4096);
		unlink(o.save_path);
	}
	if (ok) {
		row("graceful victim: SIGTERM -> exit 0 (1 MiB saved)", "ms", term,
		    ok);
		row("graceful victim: last page -> exit 0", "ms", oom, ok);
	}
	if (ok < runs)
		printf("GS-BENCH-ERROR %d/%d graceful runs failed\n", runs - ok,
		       runs);
}

/* A task in @cg appending to @path until killed. */
static pid_t appender(const char *cg, const char *path)
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
		/* the same pace whether its writes succeed or fail */
		for (;;) {
			if (write(fd, buf, sizeof(buf)) > 0 &&
			    lseek(fd, 0, SEEK_END) > (8L << 20) &&
			    ftruncate(fd, 0))
				_exit(98);
			usleep(1000);
		}
	}
	return pid;
}

/* Latency of 4 KiB appends to @path from here, in ms. */
static void outside_writes(const char *path, double *v, int n)
{
	static char buf[4096];

	memset(buf, 'o', sizeof(buf));
	for (int i = 0; i < n; i++) {
		int64_t t = now_ns();
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
			printf("GS-BENCH-ERROR outside write failed\n");
		if (fd >= 0)
			close(fd);
		v[i] = ms_since(t);
		usleep(5000);
	}
}

static void bench_outside_write(void)
{
	const char *file = "/tmp/gs-bench-shared";
	double lat[200];
	struct victim v;
	pid_t inside;
	char *rec;
	pid_t h = 0;

	/* no run: the task inside writes freely */
	unlink(file);
	cg_create("gs_bench_w0", 256L << 20);
	inside = appender("gs_bench_w0", file);
	sleep_ms(300);
	outside_writes(file, lat, 200);
	row("outside write to a file a cgroup task writes, no run", "ms", lat,
	    200);
	kill(inside, SIGKILL);
	waitpid(inside, NULL, 0);

	/* a run whose handler hangs: the task inside is refused its charges */
	unlink(file);
	write_long(GS_TIMEOUT_MS, 60000);
	if (cg_create("gs_bench_w1", 24L << 20) ||
	    victim_start(&v, "gs_bench_w1", "gs_bench_victim", 0) ||
	    gs_register(v.pid, H_HANG)) {
		printf("GS-BENCH-ERROR outside write: victim\n");
		return;
	}
	inside = appender("gs_bench_w1", file);
	victim_go(&v);
	rec = rec_wait(v.pid, 10000);
	h = rec ? atoi(rec_get(rec, "self_pid") ?: "0") : 0;
	free(rec);
	outside_writes(file, lat, 200);
	row("outside write to a file a cgroup task writes, handler hangs", "ms",
	    lat, 200);
	kill(inside, SIGKILL);
	waitpid(inside, NULL, 0);
	if (h > 0)
		kill(h, SIGKILL);
	victim_wait(&v, 20000);
	munmap(v.stamp, 4096);
	write_long(GS_TIMEOUT_MS, 5000);
	unlink(file);
}

/* One global OOM; the victim's last page to its death, in ms (<0: failed). */
static double one_global(const char *handler)
{
	const struct victim_opts o = { VICTIM_TERM_IGNORE };
	struct victim v;
	double ms;
	char *rec;

	if (victim_start_opts(&v, NULL, "gs_bench_global", 1000, &o) ||
	    (handler && gs_register_signal(v.pid, handler, SIGTERM)))
		return -1;
	victim_go(&v);
	if (victim_wait(&v, 120000) || !WIFSIGNALED(v.status))
		return -1;
	ms = victim_kill_ms(&v);
	if (handler) { /* end the hanging handler's run, for the next one */
		rec = rec_wait(v.pid, 10000);
		if (rec) {
			kill(atoi(rec_get(rec, "child_pid") ?: "0"), SIGKILL);
			kill(atoi(rec_get(rec, "self_pid") ?: "0"), SIGKILL);
		}
		free(rec);
		sleep_ms(200);
	}
	munmap(v.stamp, 4096);
	return ms;
}

static void bench_global(int runs)
{
	static const long waits[] = { 0, 2000 };
	double v[RUNS];
	char what[128];
	int ok = 0;

	write_long(GS_TIMEOUT_MS, 30000);
	for (int r = 0; r < runs; r++) {
		double t = one_global(NULL);

		if (t >= 0)
			v[ok++] = t;
	}
	if (ok)
		row("global OOM, no registration: last page -> death", "ms", v, ok);
	for (size_t w = 0; w < sizeof(waits) / sizeof(waits[0]); w++) {
		write_long(GS_GLOBAL_WAIT_MS, waits[w]);
		ok = 0;
		for (int r = 0; r < runs; r++) {
			double t = one_global(H_HANGFORK);

			if (t >= 0)
				v[ok++] = t;
		}
		snprintf(what, sizeof(what),
			 "global OOM, handler hangs, global wait %ld ms", waits[w]);
		if (ok)
			row(what, "ms", v, ok);
	}
	write_long(GS_GLOBAL_WAIT_MS, 0);
	write_long(GS_TIMEOUT_MS, 5000);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir(GS_REC_DIR, 0755);
	write_file("/proc/self/oom_score_adj", "-1000");
	kfd = kmsg_open();
	printf("GS-BENCH %-52s %9s %9s %9s\n", "measure", "min", "median", "max");
	bench_kill_latency("", RUNS);
	bench_hanging_elsewhere(0, RUNS);
	bench_hanging_elsewhere(1, RUNS);
	bench_hanging_elsewhere(4, RUNS);
	bench_registry(1);
	bench_registry(100);
	bench_registry(4096);
	bench_graceful_exit(RUNS);
	bench_outside_write();
	bench_global(3);
	return 0;
}
