// SPDX-License-Identifier: GPL-2.0
/*
 * tun32: a 32-bit tun client, for the differential test of the compat ioctl
 * path (tests/25-rtun-compat.sh builds it with `gcc -m32 -static`).
 *
 * A 32-bit process's struct ifreq is struct compat_ifreq to the kernel: 32
 * bytes, not 40. The kernel must read and write only those 32 bytes (tun:
 * `__tun_chr_ioctl(..., sizeof(struct compat_ifreq))`). Each ifreq here is
 * followed directly by a canary, or by an unmapped page, to see it does.
 *
 *   tun32 DEVICE        (as root, in a fresh network namespace)
 *
 * Prints one `step: result` line per step, the same for any correct device;
 * exits 1 when a step failed, 2 on a usage or set-up error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef __i386__
_Static_assert(sizeof(struct ifreq) == 32, "struct ifreq is struct compat_ifreq");
#endif

#define CANARY_LEN 16
#define NAME_A "c32a"
#define NAME_B "c32b"
/* The device's address and the far end's (the packets' source). */
#define ADDR_LOCAL 0x0afa0301u	/* 10.250.3.1 */
#define ADDR_PEER 0x0afa0302u	/* 10.250.3.2 */
#define ECHO_ID 0x3232

/* An ifreq with the bytes right after it, as in a 32-bit caller's memory. */
struct guarded_ifreq {
	struct ifreq ifr;
	unsigned char canary[CANARY_LEN];
} __attribute__((packed, aligned(8)));

static int failed;

static void step(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void step(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EBADFD: return "EBADFD";
	case EPERM: return "EPERM";
	default: return strerror(e);
	}
}

/* ioctl's result as "ok" or the errno's name; a failure fails the run. */
static const char *do_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	int e = ioctl(fd, cmd, arg) < 0 ? errno : 0;

	if (e)
		failed = 1;
	return err_name(e);
}

static void fill(struct guarded_ifreq *g, unsigned char pattern)
{
	memset(&g->ifr, 0, sizeof(g->ifr));
	memset(g->canary, pattern, sizeof(g->canary));
}

static void check_canary(const char *name, const struct guarded_ifreq *g, unsigned char pattern)
{
	char hex[3 * CANARY_LEN + 1] = "";
	int i, bad = 0;

	for (i = 0; i < CANARY_LEN; i++) {
		bad |= g->canary[i] != pattern;
		sprintf(hex + 3 * i, " %02x", g->canary[i]);
	}
	if (bad) {
		failed = 1;
		step(name, "overwritten:%s", hex);
	} else {
		step(name, "intact");
	}
}

static void check_name(const char *step_name, const struct ifreq *ifr, const char *want)
{
	if (strncmp(ifr->ifr_name, want, IFNAMSIZ))
		failed = 1;
	step(step_name, "%.*s", IFNAMSIZ, ifr->ifr_name);
}

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

/* An IPv4 ICMP echo request from the peer to the device, 84 bytes. */
static size_t echo_request(uint8_t *pkt)
{
	uint8_t *icmp = pkt + 20;
	size_t len = 84;
	int i;

	memset(pkt, 0, len);
	pkt[0] = 0x45;
	put16(pkt + 2, len);
	put16(pkt + 4, 1);
	pkt[8] = 64;
	pkt[9] = IPPROTO_ICMP;
	put32(pkt + 12, ADDR_PEER);
	put32(pkt + 16, ADDR_LOCAL);
	put16(pkt + 10, csum(pkt, 20));
	icmp[0] = 8;
	put16(icmp + 4, ECHO_ID);
	put16(icmp + 6, 1);
	for (i = 8; i < 64; i++)
		icmp[i] = i;
	put16(icmp + 2, csum(icmp, 64));
	return len;
}

static int is_echo_reply(const uint8_t *p, ssize_t n)
{
	return n >= 28 && p[0] == 0x45 && p[9] == IPPROTO_ICMP && p[20] == 0 &&
	       p[24] == ECHO_ID >> 8 && p[25] == (ECHO_ID & 0xff);
}

/* Address NAME_A and bring it up, through an AF_INET socket's ioctls. */
static int link_up(const char *name)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ADDR_LOCAL);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		goto fail;
	sin->sin_addr.s_addr = htonl(0xffffff00u);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		goto fail;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	close(s);
	return 0;
fail:
	close(s);
	return -1;
}

/* Write one echo request, read until its reply (other packets skipped). */
static void ping(int fd)
{
	uint8_t pkt[2048];
	struct timespec t0, t;
	ssize_t n;
	size_t len = echo_request(pkt);

	n = write(fd, pkt, len);
	if (n != (ssize_t)len) {
		failed = 1;
		step("echo write", "%s", n < 0 ? err_name(errno) : "short");
		return;
	}
	step("echo write", "%zd", n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20 || poll(&pfd, 1, 1000) < 0) {
			failed = 1;
			step("echo reply", "none");
			return;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		n = read(fd, pkt, sizeof(pkt));
		if (n < 0) {
			failed = 1;
			step("echo reply", "read: %s", err_name(errno));
			return;
		}
		if (is_echo_reply(pkt, n)) {
			step("echo reply", "%zd bytes", n);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct guarded_ifreq g;
	struct ifreq *edge;
	unsigned int features = 0;
	long page = sysconf(_SC_PAGESIZE);
	char *map;
	int fd, fd2;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DEVICE\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	fd2 = open(argv[1], O_RDWR);
	/* Two pages, the second unmapped: an ifreq that ends where the first does. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || fd2 < 0 || map == MAP_FAILED || munmap(map + page, page)) {
		perror("set-up");
		return 2;
	}
	edge = (struct ifreq *)(map + page - sizeof(*edge));
	step("sizeof(struct ifreq)", "%zu", sizeof(struct ifreq));

	/* TUNSETIFF reads and writes back the caller's ifreq. */
	fill(&g, 0xa5);
	strcpy(g.ifr.ifr_name, NAME_A);
	g.ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	step("TUNSETIFF", "%s", do_ioctl(fd, TUNSETIFF, (unsigned long)&g.ifr));
	check_canary("TUNSETIFF canary", &g, 0xa5);
	check_name("TUNSETIFF name", &g.ifr, NAME_A);

	/* TUNGETIFF fills it in. */
	fill(&g, 0x5a);
	step("TUNGETIFF", "%s", do_ioctl(fd, TUNGETIFF, (unsigned long)&g.ifr));
	check_canary("TUNGETIFF canary", &g, 0x5a);
	check_name("TUNGETIFF name", &g.ifr, NAME_A);
	if ((g.ifr.ifr_flags & (IFF_TUN | IFF_TAP | IFF_NO_PI)) != (IFF_TUN | IFF_NO_PI))
		failed = 1;
	step("TUNGETIFF flags", "0x%04x", (unsigned short)g.ifr.ifr_flags);

	/* A pointer to a u32 and a plain value, through the compat path too. */
	step("TUNGETFEATURES", "%s", do_ioctl(fd, TUNGETFEATURES, (unsigned long)&features));
	step("TUNGETFEATURES tun, tap, no_pi", "0x%04x", features & (IFF_TUN | IFF_TAP | IFF_NO_PI));
	step("TUNSETPERSIST 0", "%s", do_ioctl(fd, TUNSETPERSIST, 0));

	/*
	 * An ifreq that ends at an unmapped page: reading or writing past it
	 * faults. TUNGETIFF on the attached fd, TUNSETIFF on the other.
	 */
	memset(edge, 0, sizeof(*edge));
	step("TUNGETIFF at a page's end", "%s", do_ioctl(fd, TUNGETIFF, (unsigned long)edge));
	check_name("TUNGETIFF name at a page's end", edge, NAME_A);
	memset(edge, 0, sizeof(*edge));
	strcpy(edge->ifr_name, NAME_B);
	edge->ifr_flags = IFF_TUN | IFF_NO_PI;
	step("TUNSETIFF at a page's end", "%s", do_ioctl(fd2, TUNSETIFF, (unsigned long)edge));
	check_name("TUNSETIFF name at a page's end", edge, NAME_B);

	/* One IPv4 packet each way, written and read by this 32-bit process. */
	if (link_up(NAME_A)) {
		failed = 1;
		step("link up", "%s", err_name(errno));
	} else {
		step("link up", "ok");
		ping(fd);
	}

	close(fd2);
	close(fd);
	step("result", "%s", failed ? "failed" : "ok");
	return failed;
}
