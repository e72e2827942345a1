// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * graceful_saver - hold memory until SIGTERM, then save state and exit 0
 *
 * Usage: graceful_saver STATE_FILE [CHUNK_MIB [PAUSE_MS]]
 *
 * Allocates CHUNK_MIB (default 1) MiB at a time and writes to every page,
 * pausing PAUSE_MS (default 10) ms between chunks, until SIGTERM (or
 * SIGINT). Then it stops touching memory at once and saves its state the
 * way a service should: STATE_FILE.tmp written, fsynced, renamed to
 * STATE_FILE and the directory fsynced, so STATE_FILE is either absent or
 * complete. It holds
 *
 *	pid=<pid>
 *	signal=<the signal that stopped it>
 *	held_mib=<MiB it had written>
 *	saved_at=<seconds.nanoseconds since the epoch>
 *	complete=yes
 *
 * and it exits 0, or 1 when saving failed. Run under
 * "gs-run --signal TERM graceful_saver HANDLER STATE_FILE" in a memory
 * cgroup: at the cgroup's OOM the graceful-shutdown kernel sends it
 * SIGTERM instead of killing it, and the few KiB of the save come from
 * the grace period's budget.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static long parse_arg(const char *text, long fallback)
{
	char *end;
	long value;

	if (!text)
		return fallback;
	value = strtol(text, &end, 10);
	if (!*text || *end || value < 0) {
		fprintf(stderr, "graceful_saver: bad number '%s'\n", text);
		exit(2);
	}
	return value;
}

static int write_all(int fd, const char *text, size_t length)
{
	ssize_t done;

	while (length) {
		done = write(fd, text, length);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -1;
		text += done;
		length -= (size_t)done;
	}
	return 0;
}

/* Make the rename itself durable: fsync the directory that holds it. */
static int sync_directory(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = -1;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		ret = fsync(fd);
		close(fd);
	}
	free(copy);
	return ret;
}

static int save_state(const char *path, unsigned long held_mib)
{
	char tmp[4096], text[256];
	struct timespec now;
	int fd, length;

	clock_gettime(CLOCK_REALTIME, &now);
	length = snprintf(text, sizeof(text),
			  "pid=%d\nsignal=%d\nheld_mib=%lu\nsaved_at=%lld.%09ld\ncomplete=yes\n",
			  (int)getpid(), (int)stop_signal, held_mib,
			  (long long)now.tv_sec, now.tv_nsec);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "graceful_saver: state path too long\n");
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, (size_t)length) || fsync(fd)) {
		perror("graceful_saver: writing the state");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) || rename(tmp, path) || sync_directory(path)) {
		perror("graceful_saver: saving the state");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction action = { .sa_handler = on_stop };
	long chunk_mib, pause_ms;
	size_t chunk, offset;
	unsigned long held_mib = 0;
	struct timespec pause;
	long page = sysconf(_SC_PAGESIZE);
	char *block;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: graceful_saver STATE_FILE [CHUNK_MIB [PAUSE_MS]]\n");
		return 2;
	}
	chunk_mib = parse_arg(argc > 2 ? argv[2] : NULL, 1);
	pause_ms = parse_arg(argc > 3 ? argv[3] : NULL, 10);
	chunk = (size_t)(chunk_mib ? chunk_mib : 1) << 20;
	pause.tv_sec = pause_ms / 1000;
	pause.tv_nsec = (pause_ms % 1000) * 1000000L;
	sigemptyset(&action.sa_mask);
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);

	printf("graceful_saver: pid %d allocating %zu MiB at a time, state in %s\n",
	       (int)getpid(), chunk >> 20, argv[1]);
	fflush(stdout);
	while (!stop_signal) {
		block = malloc(chunk);
		if (!block) {
			fprintf(stderr, "graceful_saver: malloc failed at %lu MiB\n",
				held_mib);
			sleep(1);
			continue;
		}
		/* A page at a time, so that a signal stops the charging at once. */
		for (offset = 0; offset < chunk && !stop_signal; offset += page)
			memset(block + offset, 0xa5, page);
		if (stop_signal)
			break;
		held_mib += chunk >> 20;
		if (held_mib % 10 == 0) {
			printf("graceful_saver: %lu MiB touched\n", held_mib);
			fflush(stdout);
		}
		nanosleep(&pause, NULL);
	}
	printf("graceful_saver: signal %d at %lu MiB, saving the state\n",
	       (int)stop_signal, held_mib);
	fflush(stdout);
	if (save_state(argv[1], held_mib))
		return 1;
	printf("graceful_saver: state saved in %s, exiting\n", argv[1]);
	fflush(stdout);
	return 0;
}
