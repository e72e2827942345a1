// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * oom_condition_creator - allocate and touch memory until killed
 *
 * Usage: oom_condition_creator [CHUNK_MIB [PAUSE_MS]]
 *
 * Allocates CHUNK_MIB (default 1) MiB at a time, writes to every byte so the
 * pages are really backed, and pauses PAUSE_MS (default 10) ms between
 * chunks, forever: run it in a memory-limited cgroup to cause an OOM there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long parse_arg(const char *text, long fallback)
{
	char *end;
	long value;

	if (!text)
		return fallback;
	value = strtol(text, &end, 10);
	if (*end || value < 0) {
		fprintf(stderr, "oom_condition_creator: bad number '%s'\n", text);
		exit(2);
	}
	return value;
}

int main(int argc, char **argv)
{
	long chunk_mib = parse_arg(argc > 1 ? argv[1] : NULL, 1);
	long pause_ms = parse_arg(argc > 2 ? argv[2] : NULL, 10);
	size_t chunk = (size_t)(chunk_mib ? chunk_mib : 1) << 20;
	struct timespec pause = {
		.tv_sec = pause_ms / 1000,
		.tv_nsec = (pause_ms % 1000) * 1000000L,
	};
	unsigned long total_mib = 0;
	char *block;

	printf("oom_condition_creator: pid %d allocating %zu MiB at a time\n",
	       (int)getpid(), chunk >> 20);
	fflush(stdout);
	for (;;) {
		block = malloc(chunk);
		if (!block) {
			fprintf(stderr, "oom_condition_creator: malloc failed at %lu MiB\n",
				total_mib);
			sleep(1);
			continue;
		}
		memset(block, 0xa5, chunk);
		total_mib += chunk >> 20;
		if (total_mib % 10 == 0) {
			printf("oom_condition_creator: %lu MiB touched\n", total_mib);
			fflush(stdout);
		}
		nanosleep(&pause, NULL);
	}
}
