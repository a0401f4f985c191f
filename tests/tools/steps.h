/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output side shared by the step-line test tools (vnettest.c,
 * mqtest.c): each step prints `NAME: GOT`, and `# NAME: expected WANT`
 * when a value 7.3's tun gives was expected and not got; a set-up error
 * prints `# set-up error: ...` and `# end SUBCMD: failed` and exits 2.
 * Include after the system headers; the tool sets `subcmd` and ends with
 * `# end SUBCMD: ok` or `failed` by `failed`.
 */
#ifndef RVNET_TEST_STEPS_H
#define RVNET_TEST_STEPS_H

static int failed;
static const char *subcmd = "?";

__attribute__((format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	printf("# set-up error: ");
	vprintf(fmt, ap);
	if (e)
		printf(": %s", strerrorname_np(e) ?: strerror(e));
	printf("\n# end %s: failed\n", subcmd);
	va_end(ap);
	fflush(stdout);
	exit(2);
}

__attribute__((format(printf, 1, 2)))
static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
}

/* step NAME GOT WANT: print `NAME: GOT`; WANT NULL means no expectation. */
static void step(const char *name, const char *got, const char *want)
{
	printf("%s: %s\n", name, got);
	if (want && strcmp(got, want)) {
		printf("# %s: expected %s\n", name, want);
		failed = 1;
	}
	fflush(stdout);
}

/* The errno's name (a few kept at once, for one printf). */
static const char *ename(int e)
{
	static char buf[4][32];
	static int i;
	const char *n = strerrorname_np(e);
	char *b = buf[i++ & 3];

	if (n)
		return n;
	snprintf(b, 32, "errno %d", e);
	return b;
}

/* "ok" or the errno's name, for a system call's return R. */
static const char *res(long r)
{
	return r < 0 ? ename(errno) : "ok";
}

/* printf into one of 64 buffers, for step values. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	static char ring[64][1024];
	static int i;
	char *b = ring[i++ & 63];
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, sizeof(ring[0]), f, ap);
	va_end(ap);
	return b;
}

#endif /* RVNET_TEST_STEPS_H */
