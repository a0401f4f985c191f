// SPDX-License-Identifier: GPL-2.0
/*
 * tunrate: packets per second through one direction of a tun-ABI device,
 * for `make bench` (tests/bench.sh builds it with gcc -O2).
 *
 *   tunrate PATH tun|tap write|read SIZE COUNT|SECONDSs [nonblock]
 *
 * Creates a device on PATH (/dev/net/tun or /dev/net/rtun, IFF_NO_PI),
 * gives it 10.200.0.1/24, disables IPv6 on it and brings it up (ioctls
 * only, the same for either driver), then:
 *
 *  write: writes COUNT IPv4/UDP packets of SIZE bytes (IP header included;
 *         TAP frames carry an Ethernet header on top) from 10.200.0.2 to a
 *         UDP socket bound on 10.200.0.1, BATCH at a time; between batches
 *         (not timed) it drains the socket and checks every datagram
 *         (length, sequence number, payload);
 *  read:  sends BATCH datagrams from a socket to 10.200.0.2 (not timed; a
 *         permanent neighbour entry for TAP), then reads them from the fd
 *         (timed) and checks each.
 *
 * COUNT packets, or as many as fit in SECONDS (e.g. "1.5s") of wall time.
 * The timed part is the fd's write() or read() calls alone. Prints one JSON
 * object: {"pps": N, "packets": N, "unrelated": N, "sleeps": N, "verified": true};
 * "sleeps" counts the voluntary context switches inside the timed part
 * (a read() or write() that had to wait, or a poll()).
 * Exits 1 when the traffic did not verify, 2 on a usage or set-up error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256
#define PORT 9000
#define LOCAL "10.200.0.1"
#define PEER "10.200.0.2"
#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define HDRS (IP_LEN + UDP_LEN)
#define MAGIC 0x72766e74u /* "rvnt" */

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

__attribute__((format(printf, 2, 3)))
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "tunrate: ");
	vfprintf(stderr, fmt, ap);
	if (errno)
		fprintf(stderr, ": %s", strerror(errno));
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* This thread's voluntary context switches so far. */
static long nvcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (len & 1)
		s += b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s);
}

/* The payload of datagram SEQ: magic, sequence number, then a pattern. */
static void fill_payload(uint8_t *p, size_t len, uint32_t seq)
{
	uint32_t w[2] = { htonl(MAGIC), htonl(seq) };

	memcpy(p, w, sizeof(w));
	for (size_t i = sizeof(w); i < len; i++)
		p[i] = (uint8_t)(seq + i);
}

static int check_payload(const uint8_t *p, size_t len, uint32_t seq)
{
	uint32_t w[2];

	if (len < sizeof(w))
		return 0;
	memcpy(w, p, sizeof(w));
	if (ntohl(w[0]) != MAGIC || ntohl(w[1]) != seq)
		return 0;
	for (size_t i = sizeof(w); i < len; i++)
		if (p[i] != (uint8_t)(seq + i))
			return 0;
	return 1;
}

/* Waits (2 s at most) until FD has input; else dies saying WHAT (with SEQ). */
static void await_input(int fd, const char *what, long seq)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 2000) == 0) {
		errno = 0;
		die(1, what, seq);
	}
}

static void ifioctl(int s, unsigned long req, struct ifreq *ifr, const char *what)
{
	if (ioctl(s, req, ifr) < 0)
		die(2, "%s %s", what, ifr->ifr_name);
}

int main(int argc, char **argv)
{
	int tap, writing, nonblock = 0, fd, ctl, sk, one = 1, big = 64 << 20;
	long size, count;
	double secs = 0, start;
	in_addr_t peer_ip, local_ip;
	char *end;
	struct ifreq ifr;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	uint8_t mac[6], *buf;
	size_t l2, plen;
	long done = 0, unrelated = 0, bad = 0;
	double spent = 0;
	long sleeps = 0;
	char path[128];
	FILE *f;

	if (argc < 6 || argc > 7)
		die(2, "usage: tunrate PATH tun|tap write|read SIZE COUNT [nonblock]");
	tap = !strcmp(argv[2], "tap");
	writing = !strcmp(argv[3], "write");
	size = atol(argv[4]);
	count = strtol(argv[5], &end, 10);
	if (*end == 's' || *end == '.') {
		secs = strtod(argv[5], &end);
		count = secs > 0 && !strcmp(end, "s") ? (1L << 40) : 0;
	}
	if (argc == 7) {
		if (strcmp(argv[6], "nonblock"))
			die(2, "the last argument is 'nonblock' or nothing");
		nonblock = 1;
	}
	errno = 0;
	if ((!tap && strcmp(argv[2], "tun")) || (!writing && strcmp(argv[3], "read")))
		die(2, "mode is tun or tap, direction write or read");
	if (size < HDRS + 8 || size > 1500 || count < 1)
		die(2, "SIZE is %d to 1500 bytes, COUNT at least 1 (or SECONDS with an s)", HDRS + 8);
	l2 = tap ? ETH_LEN : 0;
	plen = size - HDRS;
	buf = calloc(1, l2 + size + 64);
	if (!buf)
		die(2, "out of memory");

	/* The device. */
	fd = open(argv[1], O_RDWR | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0)
		die(2, "open %s", argv[1]);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "trate%d");
	ifr.ifr_flags = (tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die(2, "TUNSETIFF on %s", argv[1]);
	ctl = socket(AF_INET, SOCK_DGRAM, 0);
	if (ctl < 0)
		die(2, "socket");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifr.ifr_name);
	f = fopen(path, "w");
	if (f) { /* a kernel without IPv6 has nothing to disable */
		fputs("1\n", f);
		fclose(f);
	}
	a.sin_addr.s_addr = inet_addr(LOCAL);
	memcpy(&ifr.ifr_addr, &a, sizeof(a));
	ifioctl(ctl, SIOCSIFADDR, &ifr, "SIOCSIFADDR");
	a.sin_addr.s_addr = inet_addr("255.255.255.0");
	memcpy(&ifr.ifr_netmask, &a, sizeof(a));
	ifioctl(ctl, SIOCSIFNETMASK, &ifr, "SIOCSIFNETMASK");
	ifioctl(ctl, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	ifioctl(ctl, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS");
	if (tap) {
		struct arpreq ar = { .arp_flags = ATF_PERM | ATF_COM };

		ifioctl(ctl, SIOCGIFHWADDR, &ifr, "SIOCGIFHWADDR");
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
		a.sin_addr.s_addr = inet_addr(PEER);
		memcpy(&ar.arp_pa, &a, sizeof(a));
		ar.arp_ha.sa_family = ARPHRD_ETHER;
		memcpy(ar.arp_ha.sa_data, peer_mac, 6);
		strcpy(ar.arp_dev, ifr.ifr_name);
		if (ioctl(ctl, SIOCSARP, &ar) < 0)
			die(2, "SIOCSARP %s", PEER);
	}

	/* The socket at the other end. */
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (sk < 0)
		die(2, "socket");
	setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(sk, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(PORT);
	a.sin_addr.s_addr = inet_addr(LOCAL);
	if (bind(sk, (struct sockaddr *)&a, sizeof(a)) < 0)
		die(2, "bind %s:%d", LOCAL, PORT);
	a.sin_addr.s_addr = inet_addr(PEER);
	if (connect(sk, (struct sockaddr *)&a, sizeof(a)) < 0)
		die(2, "connect %s:%d", PEER, PORT);

	if (tap) {
		memcpy(buf, mac, 6);
		memcpy(buf + 6, peer_mac, 6);
		buf[12] = 0x08;
		buf[13] = 0x00;
	}
	/* Parsed once, not per packet: only the fd calls are to be timed. */
	peer_ip = inet_addr(PEER);
	local_ip = inet_addr(LOCAL);
	start = now();
	while (done < count && (!secs || now() - start < secs)) {
		long n = count - done < BATCH ? count - done : BATCH;
		double t0;

		if (writing) {
			uint8_t rx[1600];
			long got = 0;

			t0 = now();
			sleeps -= nvcsw();
			for (long i = 0; i < n; i++) {
				uint8_t *ip = buf + l2, *udp = ip + IP_LEN;
				uint32_t seq = done + i;
				uint16_t v;

				/* IPv4 header, then UDP (checksum 0: none). */
				memset(ip, 0, HDRS);
				ip[0] = 0x45;
				v = htons(size);
				memcpy(ip + 2, &v, 2);
				v = htons(seq & 0xffff);
				memcpy(ip + 4, &v, 2);
				ip[8] = 64;
				ip[9] = IPPROTO_UDP;
				memcpy(ip + 12, &peer_ip, 4);
				memcpy(ip + 16, &local_ip, 4);
				v = csum(ip, IP_LEN);
				memcpy(ip + 10, &v, 2);
				v = htons(PORT);
				memcpy(udp, &v, 2);
				memcpy(udp + 2, &v, 2);
				v = htons(plen + UDP_LEN);
				memcpy(udp + 4, &v, 2);
				fill_payload(udp + UDP_LEN, plen, seq);
				for (;;) {
					ssize_t w = write(fd, buf, l2 + size);

					if (w == (ssize_t)(l2 + size))
						break;
					if (w < 0 && errno == EAGAIN) {
						struct pollfd p = { .fd = fd, .events = POLLOUT };

						poll(&p, 1, 1000);
						continue;
					}
					die(1, "write %ld of %zu bytes gave %zd", (long)seq, l2 + size, w);
				}
			}
			spent += now() - t0;
			sleeps += nvcsw();
			/* Every datagram of the batch reached the socket. */
			while (got < n) {
				ssize_t r = recv(sk, rx, sizeof(rx), 0);

				if (r < 0 && errno == EAGAIN) {
					await_input(sk, "datagram %ld never reached the socket", done + got);
					continue;
				}
				if (r < 0)
					die(1, "recv");
				if (r != (ssize_t)plen || !check_payload(rx, plen, done + got))
					bad++;
				got++;
			}
		} else {
			uint8_t rx[1600];
			long got = 0;

			for (long i = 0; i < n; i++) {
				fill_payload(buf, plen, done + i);
				if (send(sk, buf, plen, 0) != (ssize_t)plen)
					die(2, "send %ld", done + i);
			}
			t0 = now();
			sleeps -= nvcsw();
			while (got < n) {
				ssize_t r = read(fd, rx, sizeof(rx));
				const uint8_t *ip = rx + l2;

				if (r < 0 && errno == EAGAIN) {
					await_input(fd, "packet %ld never came out of the fd", done + got);
					continue;
				}
				if (r < 0)
					die(1, "read");
				/* Ours: IPv4/UDP from our port; anything else is counted. */
				if (r < (ssize_t)(l2 + HDRS) || (tap && (rx[12] != 0x08 || rx[13] != 0)) ||
				    ip[0] != 0x45 || ip[9] != IPPROTO_UDP ||
				    ip[20] != (PORT >> 8) || ip[21] != (PORT & 0xff)) {
					unrelated++;
					continue;
				}
				if (r != (ssize_t)(l2 + size) ||
				    !check_payload(ip + HDRS, plen, done + got))
					bad++;
				got++;
			}
			spent += now() - t0;
			sleeps += nvcsw();
		}
		done += n;
	}
	printf("{\"pps\": %.0f, \"packets\": %ld, \"unrelated\": %ld, \"bad\": %ld, \"sleeps\": %ld, \"verified\": %s}\n",
	       done / spent, done, unrelated, bad, sleeps, bad ? "false" : "true");
	return bad ? 1 : 0;
}
