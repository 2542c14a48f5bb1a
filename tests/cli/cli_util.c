// SPDX-License-Identifier: MIT
/*
 * Running the built hotmem binary from CLI tests: capture stdout, stderr and
 * the exit status, check that errors are one line, parse JSON output.
 */
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../hm_test.h"
#include "cli_util.h"

extern char **environ;

static void append(char **buf, size_t *n, const char *p, ssize_t k)
{
	*buf = realloc(*buf, *n + (size_t)k + 1);
	memcpy(*buf + *n, p, (size_t)k);
	*n += (size_t)k;
	(*buf)[*n] = '\0';
}

/* Run hotmem with a NULL-terminated argument list. */
void run(struct run *r, const char *const *args)
{
	run_bin(r, getenv("HOTMEM_BIN"), args);
}

void run_bin(struct run *r, const char *bin, const char *const *args)
{
	posix_spawn_file_actions_t fa;
	char *argv[32];
	int po[2], pe[2];
	pid_t pid;
	unsigned int i;

	assert_non_null(bin);
	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	argv[0] = (char *)bin;
	for (i = 0; args[i]; i++)
		argv[i + 1] = (char *)args[i];
	argv[i + 1] = NULL;
	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addclose(&fa, po[0]);
	posix_spawn_file_actions_addclose(&fa, pe[0]);
	assert_int_equal(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	/* poll() skips negative fds: a closed pipe is marked -1. */
	while (po[0] >= 0 || pe[0] >= 0) {
		struct pollfd p[2] = { { .fd = po[0], .events = POLLIN },
				       { .fd = pe[0], .events = POLLIN } };
		char buf[4096];

		assert_true(poll(p, 2, -1) > 0);
		for (i = 0; i < 2; i++) {
			int *fd = i == 0 ? &po[0] : &pe[0];
			ssize_t k;

			if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			k = read(*fd, buf, sizeof(buf));
			if (k > 0) {
				if (i == 0)
					append(&r->out, &r->nout, buf, k);
				else
					append(&r->err, &r->nerr, buf, k);
			} else {
				close(*fd);
				*fd = -1;
			}
		}
	}
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
	assert_true(WIFEXITED(r->status));
}

int code(const struct run *r)
{
	return WEXITSTATUS(r->status);
}

void done(struct run *r)
{
	free(r->out);
	free(r->err);
}

unsigned int lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* An error is one line: "hotmem: <command>: <what>: <why>". */
void assert_one_error_line(const struct run *r, const char *prefix)
{
	assert_int_equal(lines(r->err), 1);
	assert_true(strncmp(r->err, prefix, strlen(prefix)) == 0);
	assert_int_equal(r->nout, 0);
}

struct json_object *parse_json(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s));

	assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
	json_tokener_free(tok);
	assert_non_null(o);
	return o;
}

uint64_t get_u64(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_uint64(v);
}

