// SPDX-License-Identifier: GPL-2.0
/*
 * mqtest: the multiqueue ABI of a tun-compatible clone device (the
 * kernel's /dev/net/tun or rvnet's /dev/net/rtun), for the differential
 * test tests/28-rtun-multiqueue.sh (built there with gcc -O2 -Wall
 * -pthread).
 *
 *   mqtest PATH errors tun|tap   TUNSETIFF/TUNSETQUEUE refusals (EINVAL,
 *                                EBUSY, EEXIST; TAP: E2BIG past 256 queues)
 *   mqtest PATH state tun|tap    numqueues/numdisabled (RTM_GETLINK's
 *                                IFLA_TUN_*, `ip -d link`), ETHTOOL_GCHANNELS,
 *                                /sys/class/net/DEV/queues, TUNGETIFF per fd,
 *                                as queues are attached, detached, re-attached
 *   mqtest PATH traffic tun|tap  64 UDP flows from the stack spread over 4
 *                                queues, a queue detached and re-attached
 *   mqtest PATH flows tun|tap    the flow table: a flow's packets go out on
 *                                the queue it was last written from
 *                                (TAP: and its 3 s expiry)
 *   mqtest PATH close tun|tap    closing queues one by one, a persistent
 *                                MQ device, deleting one with a detached queue
 *   mqtest PATH churn tun|tap    DETACH/ATTACH in a loop for 2 s while a
 *                                thread sends and another reads
 *
 * Each prints one line per step, `step: result`, where the result never
 * depends on which device was used (interface names are not printed, the
 * queues are named q0, q1... by the order their fds were opened); lines
 * starting with `# ` are notes. Every step carries the result Linux 7.3's
 * tun gives (read in drivers/net/tun.c of 7.3: tun_attach, __tun_detach,
 * tun_set_queue, tun_set_iff, tun_automq_select_queue, tun_flow_update,
 * tun_net_xmit, tun_get_channels, tun_fill_info); a step that differs is
 * noted with `# step: expected ...` and makes the exit status 1. Steps
 * without an expectation (which queue the symmetric hash picks for each
 * flow: it is the same for every device in one boot, not across boots)
 * are only compared with the other driver's by the script. The output ends
 * with `# end SUBCOMMAND: ok|failed`. Run them as root in a fresh network
 * namespace with its own sysfs (`ip netns exec`).
 *
 * Exit status: 0 all steps as expected, 1 some differ, 2 set-up error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
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

/* --- ABI (include/uapi/linux/if_tun.h, if_link.h of 7.3) ----------------
 * Defined here: the build host's headers may be older than the kernel. */
#define TUNSETIFF	_IOW('T', 202, int)
#define TUNSETPERSIST	_IOW('T', 203, int)
#define TUNGETIFF	_IOR('T', 210, unsigned int)
#define TUNSETQUEUE	_IOW('T', 217, int)

#define F_TUN		0x0001
#define F_TAP		0x0002
#define F_MULTI_QUEUE	0x0100
#define F_ATTACH_QUEUE	0x0200
#define F_DETACH_QUEUE	0x0400
#define F_NO_PI		0x1000

#define T_IFLA_TUN_PERSIST		6
#define T_IFLA_TUN_MULTI_QUEUE		7
#define T_IFLA_TUN_NUM_QUEUES		8
#define T_IFLA_TUN_NUM_DISABLED_QUEUES	9

#define MAX_QUEUES 256	/* tun.c's MAX_TAP_QUEUES */

/* --- output ------------------------------------------------------------- */

#include "steps.h"

static const char *yesno(int c) { return c ? "yes" : "no"; }

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- devices ------------------------------------------------------------- */

static const char *path;	/* the clone device */
static int tap;			/* TAP (else TUN) */
static int mode;		/* F_TAP or F_TUN, with F_NO_PI */
static char ifname[IFNAMSIZ];	/* the device under test */
static int ctl = -1;		/* an AF_INET socket for SIOC* and SIOCETHTOOL */

static int topen(void)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		die("open %s", path);
	return fd;
}

/* TUNSETIFF NAME FLAGS on FD: "ok" or the errno; the name given back in
 * OUT when not NULL. */
static const char *setiff(int fd, const char *name, int flags, char *out)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = flags;
	r = ioctl(fd, TUNSETIFF, &ifr);
	if (r >= 0 && out)
		memcpy(out, ifr.ifr_name, IFNAMSIZ);
	return res(r);
}

/* A new fd attached to NAME (a template the first time: the name is then
 * in OUT). */
static int attach_new(const char *name, int flags, char *out)
{
	int fd = topen();
	const char *r = setiff(fd, name, flags, out);

	if (strcmp(r, "ok"))
		die("TUNSETIFF %s 0x%x: %s", name, flags, r);
	return fd;
}

static const char *setqueue(int fd, int flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	return res(ioctl(fd, TUNSETQUEUE, &ifr));
}

static void must_setqueue(int fd, int flags)
{
	const char *r = setqueue(fd, flags);

	if (strcmp(r, "ok")) {
		errno = 0;
		die("TUNSETQUEUE 0x%x: %s", flags, r);
	}
}

/* TUNSETQUEUE FLAGS on fd A, then on B: "RESULT RESULT". */
static const char *setqueue2(int a, int b, int flags)
{
	const char *ra = setqueue(a, flags);

	return fmt("%s %s", ra, setqueue(b, flags));
}

/* TUNGETIFF's flags, "0x%04x", or the errno. */
static const char *getiff(int fd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return ename(errno);
	return fmt("0x%04x", (unsigned short)ifr.ifr_flags);
}

/* TUNGETIFF of each of the N fds, space separated. */
static const char *getiffs(const int *fd, int n)
{
	char *b = fmt("%s", "");

	for (int i = 0; i < n; i++)
		snprintf(b + strlen(b), 1024 - strlen(b), "%s%s", i ? " " : "", getiff(fd[i]));
	return b;
}

static void ctl_socket(void)
{
	if (ctl < 0)
		ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0)
		die("socket");
}

#define LOCAL "10.79.0.1"
#define PEER "10.79.0.2"
#define LPORT 9000
#define PPORT 9001
#define ETH_LEN 14

static uint8_t dev_mac[6];
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

/* ifname up with LOCAL/24, IPv6 off (no stray packets); a TAP gets a
 * permanent neighbour entry for PEER (no ARP). */
static void dev_up(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ifreq ifr;
	char p[128];
	FILE *f;

	ctl_socket();
	snprintf(p, sizeof(p), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	f = fopen(p, "w");
	if (f) {	/* a kernel without IPv6 has nothing to disable */
		fputs("1\n", f);
		fclose(f);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	a.sin_addr.s_addr = inet_addr(LOCAL);
	memcpy(&ifr.ifr_addr, &a, sizeof(a));
	if (ioctl(ctl, SIOCSIFADDR, &ifr) < 0)
		die("SIOCSIFADDR");
	a.sin_addr.s_addr = inet_addr("255.255.255.0");
	memcpy(&ifr.ifr_netmask, &a, sizeof(a));
	if (ioctl(ctl, SIOCSIFNETMASK, &ifr) < 0)
		die("SIOCSIFNETMASK");
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS");
	if (tap) {
		struct arpreq ar = { .arp_flags = ATF_PERM | ATF_COM };

		if (ioctl(ctl, SIOCGIFHWADDR, &ifr) < 0)
			die("SIOCGIFHWADDR");
		memcpy(dev_mac, ifr.ifr_hwaddr.sa_data, 6);
		a.sin_addr.s_addr = inet_addr(PEER);
		memcpy(&ar.arp_pa, &a, sizeof(a));
		ar.arp_ha.sa_family = ARPHRD_ETHER;
		memcpy(ar.arp_ha.sa_data, peer_mac, 6);
		snprintf(ar.arp_dev, sizeof(ar.arp_dev), "%s", ifname);
		if (ioctl(ctl, SIOCSARP, &ar) < 0)
			die("SIOCSARP");
	}
}

/* /sys/class/net/ifname/ATTR, the first line, or "(ENAME)". */
static const char *sysfs(const char *attr)
{
	static char buf[4][128];
	static int i;
	char p[256], *b = buf[i++ & 3];
	FILE *f;

	snprintf(p, sizeof(p), "/sys/class/net/%s/%s", ifname, attr);
	f = fopen(p, "r");
	if (!f) {
		snprintf(b, 128, "(%s)", ename(errno));
		return b;
	}
	if (!fgets(b, 128, f))
		snprintf(b, 128, "(%s)", ename(errno));
	fclose(f);
	b[strcspn(b, "\n")] = 0;
	return b;
}

static long stat_of(const char *counter)
{
	char attr[64];

	snprintf(attr, sizeof(attr), "statistics/%s", counter);
	return atol(sysfs(attr));
}

/* The queues sysfs shows (netdev_queue_update_kobjects() keeps the real
 * ones): "rx R tx T", or "(ENAME)". */
static const char *sysfs_queues(void)
{
	char p[256];
	struct dirent *d;
	int rx = 0, tx = 0;
	DIR *dir;

	snprintf(p, sizeof(p), "/sys/class/net/%s/queues", ifname);
	dir = opendir(p);
	if (!dir)
		return fmt("(%s)", ename(errno));
	while ((d = readdir(dir))) {
		rx += !strncmp(d->d_name, "rx-", 3);
		tx += !strncmp(d->d_name, "tx-", 3);
	}
	closedir(dir);
	return fmt("rx %d tx %d", rx, tx);
}

static int ethtool(void *cmd)
{
	struct ifreq ifr;

	ctl_socket();
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(ctl, SIOCETHTOOL, &ifr);
}

/* `ethtool -l`: ETHTOOL_GCHANNELS. */
static const char *channels(void)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };

	if (ethtool(&ch) < 0)
		return fmt("(ETHTOOL_GCHANNELS %s)", ename(errno));
	return fmt("combined %u max %u (rx %u/%u tx %u/%u other %u/%u)", ch.combined_count,
		   ch.max_combined, ch.rx_count, ch.max_rx, ch.tx_count, ch.max_tx,
		   ch.other_count, ch.max_other);
}

/* --- rtnetlink -------------------------------------------------------------- */

static int nl = -1;
static uint32_t nl_seq;

/* Sends REQ; the replies (up to an error, an ack or one reply that is not
 * a dump's) to CB. Returns 0 or -errno. */
static int nl_request(struct nlmsghdr *req, void (*cb)(struct nlmsghdr *, void *), void *arg)
{
	static char buf[65536];

	if (nl < 0)
		nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0)
		die("socket NETLINK_ROUTE");
	req->nlmsg_seq = ++nl_seq;
	if (send(nl, req, req->nlmsg_len, 0) < 0)
		die("netlink send");
	for (;;) {
		ssize_t r = recv(nl, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (r < 0)
			die("netlink recv");
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, r); h = NLMSG_NEXT(h, r)) {
			if (h->nlmsg_seq != nl_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb)
				cb(h, arg);
			if (!(h->nlmsg_flags & NLM_F_MULTI) && !(req->nlmsg_flags & NLM_F_ACK))
				return 0;
		}
	}
}

static void addattr(struct nlmsghdr *h, int type, const void *data, int len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

struct link {
	int ifindex, mq, nq, nd, persist;	/* -1: no such attribute */
	int ntx, nrx, carrier;
};

static void link_cb(struct nlmsghdr *h, void *arg)
{
	struct link *l = arg;
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = IFLA_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWLINK)
		return;
	l->ifindex = ifi->ifi_index;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_NUM_TX_QUEUES)
			l->ntx = *(uint32_t *)RTA_DATA(a);
		else if (a->rta_type == IFLA_NUM_RX_QUEUES)
			l->nrx = *(uint32_t *)RTA_DATA(a);
		else if (a->rta_type == IFLA_CARRIER)
			l->carrier = *(uint8_t *)RTA_DATA(a);
		if (a->rta_type != IFLA_LINKINFO)
			continue;
		int len2 = RTA_PAYLOAD(a);

		for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, len2); b = RTA_NEXT(b, len2)) {
			int l3 = RTA_PAYLOAD(b);

			if (b->rta_type != IFLA_INFO_DATA)
				continue;
			for (struct rtattr *c = RTA_DATA(b); RTA_OK(c, l3); c = RTA_NEXT(c, l3)) {
				switch (c->rta_type) {
				case T_IFLA_TUN_PERSIST:
					l->persist = *(uint8_t *)RTA_DATA(c);
					break;
				case T_IFLA_TUN_MULTI_QUEUE:
					l->mq = *(uint8_t *)RTA_DATA(c);
					break;
				case T_IFLA_TUN_NUM_QUEUES:
					l->nq = *(uint32_t *)RTA_DATA(c);
					break;
				case T_IFLA_TUN_NUM_DISABLED_QUEUES:
					l->nd = *(uint32_t *)RTA_DATA(c);
					break;
				}
			}
		}
	}
}

/* RTM_GETLINK of ifname: 0 or -errno (-ENODEV: gone). */
static int getlink(struct link *l)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		char attrs[64];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		       .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST },
		.i = { .ifi_family = AF_UNSPEC },
	};

	memset(l, 0xff, sizeof(*l));
	addattr(&req.h, IFLA_IFNAME, ifname, strlen(ifname) + 1);
	return nl_request(&req.h, link_cb, l);
}

static const char *opt(int v)
{
	return v < 0 ? "absent" : fmt("%d", v);
}

/* The device's queues as rtnetlink, ethtool and sysfs give them. */
static const char *state(void)
{
	struct link l;
	int e = getlink(&l);

	if (e)
		return fmt("(RTM_GETLINK %s)", ename(-e));
	return fmt("multi_queue %s numqueues %s numdisabled %s (numtxqueues %d numrxqueues %d); "
		   "channels %s; sysfs queues %s", opt(l.mq), opt(l.nq), opt(l.nd), l.ntx, l.nrx,
		   channels(), sysfs_queues());
}

/* tun's state(): MQ, Q enabled, D disabled, the channels' maximum MAX,
 * real queues (at least 1) in sysfs. */
static const char *mq_state(int q, int d)
{
	int real = q ? q : 1;

	return fmt("multi_queue 1 numqueues %d numdisabled %d (numtxqueues 256 numrxqueues 256); "
		   "channels combined %d max 256 (rx 0/0 tx 0/0 other 0/0); "
		   "sysfs queues rx %d tx %d", q, d, q, real, real);
}

/* Does ifname exist? "yes", "no (ENODEV)" or another error. */
static const char *exists(void)
{
	struct link l;
	int e = getlink(&l);

	return !e ? "yes" : fmt("no (%s)", ename(-e));
}

/* `ip -d link show`'s tun part: from "type" to "persist on|off" (the kind
 * before it, tun or rtun, is not printed). */
static const char *ip_line(void)
{
	char cmd[128], line[2048], *out = fmt("(no tun line in ip -d link)");
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip -d link show dev %s 2>&1", ifname);
	p = popen(cmd, "r");
	if (!p)
		return fmt("(popen %s)", ename(errno));
	while (fgets(line, sizeof(line), p)) {
		char *s = strstr(line, " type tun "), *e;

		if (!s)
			s = strstr(line, " type tap ");
		if (!s)
			continue;
		e = strstr(s, " persist o");
		if (!e)
			continue;
		e += strlen(" persist o");
		e += *e == 'n' ? 1 : *e == 'f' ? 2 : 0;
		*e = 0;
		out = fmt("%s", s + 1);
	}
	pclose(p);
	return out;
}

static const char *ip_want(const char *mq)
{
	return fmt("type %s pi off vnet_hdr off %spersist off", tap ? "tap" : "tun", mq);
}

static int dellink(void)
{
	struct link l;
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		       .nlmsg_type = RTM_DELLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
		.i = { .ifi_family = AF_UNSPEC },
	};
	int e = getlink(&l);

	if (e)
		return e;
	req.i.ifi_index = l.ifindex;
	return nl_request(&req.h, NULL, NULL);
}

/* `tc qdisc replace dev ifname root noqueue`: every transmit reaches the
 * driver from the sender's send() (its drop is the sender's ENOBUFS). */
static void noqueue(void)
{
	struct link l;
	struct {
		struct nlmsghdr h;
		struct tcmsg t;
		char attrs[64];
	} req = {
		.h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)), .nlmsg_type = RTM_NEWQDISC,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE },
		.t = { .tcm_family = AF_UNSPEC, .tcm_parent = 0xffffffff /* TC_H_ROOT */ },
	};
	int e = getlink(&l);

	if (e) {
		errno = -e;
		die("RTM_GETLINK");
	}
	req.t.tcm_ifindex = l.ifindex;
	addattr(&req.h, TCA_KIND, "noqueue", 8);
	e = nl_request(&req.h, NULL, NULL);
	if (e) {
		errno = -e;
		die("RTM_NEWQDISC noqueue");
	}
}

/* --- packets ----------------------------------------------------------------- */

#define MAGIC 0x6d717431u	/* "mqt1" */
static int l2;			/* 0 or ETH_LEN */

static uint32_t sum16(const void *p, size_t len, uint32_t s)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (len & 1)
		s += b[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

struct payload {
	uint32_t magic, flow, seq;
};

/* An IPv4/UDP packet PEER:SPORT -> LOCAL:LPORT at P (an Ethernet frame to
 * the device for a TAP) carrying payload {MAGIC, FLOW, SEQ}; its length. */
static size_t udp_packet(uint8_t *p, uint16_t sport, uint32_t flow, uint32_t seq)
{
	uint8_t *ip = p + l2, *u = ip + 20;
	struct payload pl = { MAGIC, flow, seq };
	size_t len = 20 + 8 + sizeof(pl);
	uint32_t ps;
	uint16_t c;

	if (tap) {
		memcpy(p, dev_mac, 6);
		memcpy(p + 6, peer_mac, 6);
		p[12] = 0x08;
		p[13] = 0x00;
	}
	memset(ip, 0, 28);
	ip[0] = 0x45;
	put16(ip + 2, len);
	put16(ip + 4, seq);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	*(in_addr_t *)(ip + 12) = inet_addr(PEER);
	*(in_addr_t *)(ip + 16) = inet_addr(LOCAL);
	put16(ip + 10, ~fold(sum16(ip, 20, 0)));
	put16(u, sport);
	put16(u + 2, LPORT);
	put16(u + 4, 8 + sizeof(pl));
	memcpy(u + 8, &pl, sizeof(pl));
	ps = sum16(ip + 12, 8, 0) + IPPROTO_UDP + 8 + sizeof(pl);
	c = ~fold(sum16(u, 8 + sizeof(pl), ps));
	put16(u + 6, c ? c : 0xffff);
	return l2 + len;
}

/* Is the frame at F (LEN bytes) one of ours, an IPv4/UDP datagram with
 * our payload? Its flow and sequence number in *FLOW and *SEQ. */
static int ours(const uint8_t *f, ssize_t len, uint32_t *flow, uint32_t *seq)
{
	const uint8_t *ip = f + l2;
	struct payload pl;

	if (len < l2 + 28 + (ssize_t)sizeof(pl) || (tap && (f[12] != 0x08 || f[13])) ||
	    ip[0] != 0x45 || ip[9] != IPPROTO_UDP)
		return 0;
	memcpy(&pl, ip + 28, sizeof(pl));
	if (pl.magic != MAGIC)
		return 0;
	*flow = pl.flow;
	*seq = pl.seq;
	return 1;
}

/* A UDP socket bound to LOCAL:PORT (0: any), connected to PEER:PPORT
 * unless PORT is LPORT (the flow table's, unconnected), with IP_RECVERR
 * when RECVERR (a drop on the way out is then send()'s ENOBUFS). */
static int udp_socket(int port, int recverr)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1, big = 4 << 20;

	if (s < 0)
		die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (recverr)
		setsockopt(s, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	a.sin_addr.s_addr = inet_addr(LOCAL);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind %d", port);
	if (port != LPORT) {
		a.sin_port = htons(PPORT);
		a.sin_addr.s_addr = inet_addr(PEER);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
	}
	return s;
}

/* --- errors ------------------------------------------------------------------ */

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024) {
		rl.rlim_cur = rl.rlim_max < 1024 ? rl.rlim_max : 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmd_errors(void)
{
	const int other = tap ? F_TUN | F_NO_PI : F_TAP | F_NO_PI;
	char mq[IFNAMSIZ], sq[IFNAMSIZ], name3[IFNAMSIZ];
	int a, b, s, x;
	uint8_t buf[2048];

	/* A multiqueue device (a, b) and a single-queue one (s). */
	a = attach_new("mqe%d", mode | F_MULTI_QUEUE, mq);
	s = attach_new("sqe%d", mode, sq);

	/* tun_set_iff(): IFF_MULTI_QUEUE must be the device's. */
	x = topen();
	step("MQ device: TUNSETIFF without MULTI_QUEUE", setiff(x, mq, mode, NULL), "EINVAL");
	step("single-queue device: TUNSETIFF MULTI_QUEUE", setiff(x, sq, mode | F_MULTI_QUEUE, NULL),
	     "EINVAL");
	/* tun_attach(): a single-queue device has one file. */
	step("single-queue device: a second TUNSETIFF", setiff(x, sq, mode, NULL), "EBUSY");
	step("MQ device: TUNSETIFF of the other type", setiff(x, mq, other | F_MULTI_QUEUE, NULL),
	     "EINVAL");
	/* tun_set_queue() on a file without a device. */
	step("unattached fd: TUNSETQUEUE ATTACH", setqueue(x, F_ATTACH_QUEUE), "EINVAL");
	step("unattached fd: TUNSETQUEUE DETACH", setqueue(x, F_DETACH_QUEUE), "EINVAL");
	step("unattached fd: TUNSETQUEUE 0", setqueue(x, 0), "EINVAL");
	step("unattached fd: TUNGETIFF", getiff(x), "EBADFD");
	close(x);

	/* DETACH needs IFF_MULTI_QUEUE; ATTACH a detached file. */
	step("single-queue fd: TUNSETQUEUE DETACH", setqueue(s, F_DETACH_QUEUE), "EINVAL");
	step("single-queue fd: TUNSETQUEUE ATTACH", setqueue(s, F_ATTACH_QUEUE), "EINVAL");
	step("single-queue fd: TUNGETIFF", getiff(s), tap ? "0x1002" : "0x1001");
	step("MQ fd, enabled: TUNSETQUEUE ATTACH", setqueue(a, F_ATTACH_QUEUE), "EINVAL");
	step("MQ fd, enabled: TUNSETQUEUE 0", setqueue(a, 0), "EINVAL");
	step("MQ fd, enabled: TUNSETQUEUE MULTI_QUEUE", setqueue(a, F_MULTI_QUEUE), "EINVAL");
	/* ATTACH is tested first: with both flags it is an ATTACH. */
	step("MQ fd, enabled: TUNSETQUEUE ATTACH|DETACH", setqueue(a, F_ATTACH_QUEUE | F_DETACH_QUEUE),
	     "EINVAL");

	b = topen();
	step("MQ device: a second TUNSETIFF MULTI_QUEUE", setiff(b, mq, mode | F_MULTI_QUEUE, NULL),
	     "ok");
	step("TUNSETQUEUE DETACH", setqueue(b, F_DETACH_QUEUE), "ok");
	step("TUNSETQUEUE DETACH again", setqueue(b, F_DETACH_QUEUE), "EINVAL");
	step("detached fd: TUNGETIFF", getiff(b), tap ? "0x1502" : "0x1501");
	/* The file keeps its device (tfile->tun): TUNSETIFF is EEXIST. */
	step("detached fd: TUNSETIFF", setiff(b, mq, mode | F_MULTI_QUEUE, NULL), "EEXIST");
	step("detached fd: TUNSETIFF of a new device", setiff(b, "mqn%d", mode | F_MULTI_QUEUE, NULL),
	     "EEXIST");
	/* Its ring was purged; nothing more is queued there. */
	step("detached fd: read (O_NONBLOCK)", res(read(b, buf, sizeof(buf))), "EAGAIN");
	step("detached fd: TUNSETQUEUE 0", setqueue(b, 0), "EINVAL");
	step("detached fd: TUNSETQUEUE ATTACH|DETACH", setqueue(b, F_ATTACH_QUEUE | F_DETACH_QUEUE),
	     "ok");
	step("TUNGETIFF", getiff(b), tap ? "0x1102" : "0x1101");
	step("TUNSETQUEUE DETACH", setqueue(b, F_DETACH_QUEUE), "ok");
	step("TUNSETQUEUE ATTACH", setqueue(b, F_ATTACH_QUEUE), "ok");
	step("TUNSETQUEUE ATTACH again", setqueue(b, F_ATTACH_QUEUE), "EINVAL");
	/* Every queue may be detached: the device stays (tun_set_queue()
	 * does not look at the count). */
	step("DETACH both queues", setqueue2(a, b, F_DETACH_QUEUE),
	     "ok ok");
	memcpy(ifname, mq, IFNAMSIZ);
	step("both detached: the device", fmt("%s; %s", exists(), state()),
	     fmt("yes; %s", mq_state(0, 2)));
	step("ATTACH both again", setqueue2(a, b, F_ATTACH_QUEUE),
	     "ok ok");
	close(b);
	close(a);
	close(s);

	if (!tap)
		return 0;
	/* tun_attach(): E2BIG past MAX_TAP_QUEUES files, detached ones
	 * included; a detached file comes back whatever the count. */
	{
		static int fds[MAX_QUEUES + 1];
		int ok = 0, n;
		const char *first = NULL;

		raise_nofile();
		fds[0] = attach_new("mql%d", mode | F_MULTI_QUEUE, name3);
		memcpy(ifname, name3, IFNAMSIZ);
		for (n = 1; n < MAX_QUEUES; n++) {
			const char *r;

			fds[n] = topen();
			r = setiff(fds[n], name3, mode | F_MULTI_QUEUE, NULL);
			if (!strcmp(r, "ok"))
				ok++;
			else if (!first)
				first = fmt("%s", r);
		}
		step("255 more MULTI_QUEUE TUNSETIFF", fmt("%d ok%s%s", ok, first ? ", first error " : "",
		     first ?: ""), "255 ok");
		step("256 queues", state(), mq_state(256, 0));
		x = topen();
		step("the 257th TUNSETIFF", setiff(x, name3, mode | F_MULTI_QUEUE, NULL), "E2BIG");
		step("DETACH one of 256", setqueue(fds[7], F_DETACH_QUEUE), "ok");
		step("255 + 1 detached: the 257th TUNSETIFF", setiff(x, name3, mode | F_MULTI_QUEUE, NULL),
		     "E2BIG");
		step("255 + 1 detached: ATTACH", setqueue(fds[7], F_ATTACH_QUEUE), "ok");
		close(fds[9]);
		step("one closed: the 256th TUNSETIFF", setiff(x, name3, mode | F_MULTI_QUEUE, NULL), "ok");
		step("256 queues again", state(), mq_state(256, 0));
		fds[9] = x;
		for (n = 0; n < MAX_QUEUES; n++)
			close(fds[n]);
		step("all 256 closed: the device exists", exists(), "no (ENODEV)");
	}
	return 0;
}

/* --- state ------------------------------------------------------------------- */

#define NQ 4

static int cmd_state(void)
{
	const char *f = tap ? "0x1102" : "0x1101", *d = tap ? "0x1502" : "0x1501";
	int fd[NQ], s;
	long td, tp;
	char mq[IFNAMSIZ];

	fd[0] = attach_new("mqs%d", mode | F_MULTI_QUEUE, mq);
	memcpy(ifname, mq, IFNAMSIZ);
	dev_up();
	/* tun_net_init() attaches the first file before the device is
	 * registered: one real queue from the start. */
	step("1 queue", state(), mq_state(1, 0));
	step("1 queue: TUNGETIFF", getiff(fd[0]), f);
	step("1 queue: sysfs tun_flags", sysfs("tun_flags"), tap ? "0x1102" : "0x1101");
	for (int i = 1; i < NQ; i++)
		fd[i] = attach_new(mq, mode | F_MULTI_QUEUE, NULL);
	step("4 queues", state(), mq_state(4, 0));
	step("4 queues: ip -d link", ip_line(), ip_want("multi_queue numqueues 4 numdisabled 0 "));
	step("4 queues: TUNGETIFF q0..q3", getiffs(fd, NQ), fmt("%s %s %s %s", f, f, f, f));
	step("4 queues: carrier", sysfs("carrier"), "1");

	step("DETACH q1", setqueue(fd[1], F_DETACH_QUEUE), "ok");
	step("q1 detached", state(), mq_state(3, 1));
	step("q1 detached: ip -d link", ip_line(), ip_want("multi_queue numqueues 3 numdisabled 1 "));
	step("q1 detached: TUNGETIFF q0..q3", getiffs(fd, NQ), fmt("%s %s %s %s", f, d, f, f));
	/* The device's flags have no DETACH_QUEUE, a file's TUNGETIFF has. */
	step("q1 detached: sysfs tun_flags", sysfs("tun_flags"), tap ? "0x1102" : "0x1101");
	step("ATTACH q1", setqueue(fd[1], F_ATTACH_QUEUE), "ok");
	step("q1 attached again", state(), mq_state(4, 0));
	step("q1 attached again: TUNGETIFF q0..q3", getiffs(fd, NQ), fmt("%s %s %s %s", f, f, f, f));

	step("DETACH q3, q0", setqueue2(fd[3], fd[0], F_DETACH_QUEUE), "ok ok");
	step("q3, q0 detached", state(), mq_state(2, 2));
	step("q3, q0 detached: TUNGETIFF q0..q3", getiffs(fd, NQ), fmt("%s %s %s %s", d, f, f, d));
	step("DETACH q1, q2", setqueue2(fd[1], fd[2], F_DETACH_QUEUE), "ok ok");
	/* netif_set_real_num_tx/rx_queues(0) is refused: 1 real queue. */
	step("all detached", state(), mq_state(0, 4));
	step("all detached: ip -d link", ip_line(), ip_want("multi_queue numqueues 0 numdisabled 4 "));
	step("all detached: TUNGETIFF q0..q3", getiffs(fd, NQ), fmt("%s %s %s %s", d, d, d, d));
	/* Only a close turns the carrier off (__tun_detach(clean)). */
	step("all detached: carrier", sysfs("carrier"), "1");
	/* The stack's packet finds no file on queue 0: tun_net_xmit()
	 * drops it, tx_dropped. */
	s = udp_socket(0, 0);
	td = stat_of("tx_dropped");
	tp = stat_of("tx_packets");
	if (send(s, "x", 1, 0) < 0)
		die("send");
	for (double end = now() + 5; stat_of("tx_dropped") == td && now() < end;)
		usleep(10000);
	step("all detached: a datagram sent", fmt("tx_dropped +%ld tx_packets +%ld",
	     stat_of("tx_dropped") - td, stat_of("tx_packets") - tp), "tx_dropped +1 tx_packets +0");
	close(s);
	step("ATTACH q2", setqueue(fd[2], F_ATTACH_QUEUE), "ok");
	step("q2 attached", state(), mq_state(1, 3));
	step("q2 attached: TUNGETIFF q0..q3", getiffs(fd, NQ), fmt("%s %s %s %s", d, d, f, d));
	/* tun_set_channels does not exist: EOPNOTSUPP. */
	{
		struct ethtool_channels ch = { .cmd = ETHTOOL_SCHANNELS, .combined_count = 2 };

		step("ETHTOOL_SCHANNELS combined 2", res(ethtool(&ch)), "EOPNOTSUPP");
	}
	for (int i = 0; i < NQ; i++)
		close(fd[i]);

	/* A single-queue device: no NUM_QUEUES attributes, max 1 channel. */
	fd[0] = attach_new("sqs%d", mode, ifname);
	step("single-queue device", state(),
	     "multi_queue 0 numqueues absent numdisabled absent (numtxqueues 1 numrxqueues 1); "
	     "channels combined 1 max 1 (rx 0/0 tx 0/0 other 0/0); sysfs queues rx 1 tx 1");
	step("single-queue device: ip -d link", ip_line(), ip_want(""));
	step("single-queue device: TUNGETIFF", getiff(fd[0]), tap ? "0x1002" : "0x1001");
	close(fd[0]);
	return 0;
}

/* --- traffic ------------------------------------------------------------------- */

#define NFLOWS 64
#define PER_FLOW 3
#define FLOW_PORT 20000

static int qfd[NQ];		/* the queues' fds, q0..q3 */
static int fsk[NFLOWS];		/* a socket per flow: LOCAL:FLOW_PORT+i -> PEER:PPORT */

struct round {
	int got, dup, other, frames, on[NQ];
	int8_t flow_q[NFLOWS];	/* the queue of the flow; -1 none, -2 several */
	uint8_t seen[NFLOWS][PER_FLOW];
};

/* Reads every fd until it is empty (EAGAIN), recording round R's datagrams. */
static void drain(struct round *r, uint32_t rid)
{
	static uint8_t buf[65536];

	for (int q = 0; q < NQ; q++) {
		for (;;) {
			ssize_t n = read(qfd[q], buf, sizeof(buf));
			uint32_t flow, seq;

			if (n < 0)
				break;
			r->frames++;
			if (!ours(buf, n, &flow, &seq) || flow >= NFLOWS || seq / 100 != rid ||
			    seq % 100 >= PER_FLOW) {
				r->other++;
				continue;
			}
			if (r->seen[flow][seq % 100]++) {
				r->dup++;
				continue;
			}
			r->got++;
			r->on[q]++;
			if (r->flow_q[flow] == -1)
				r->flow_q[flow] = q;
			else if (r->flow_q[flow] != q)
				r->flow_q[flow] = -2;
		}
	}
}

/* Round RID: PER_FLOW datagrams of each flow from the stack, then what the
 * queues give (all of it within 10 s). DETACHED: the queue that is
 * detached, -1 none. Prints the step and the map. */
static void traffic_round(const char *name, uint32_t rid, int detached, struct round *r)
{
	long tp = stat_of("tx_packets"), td = stat_of("tx_dropped");
	const int sent = NFLOWS * PER_FLOW;
	int one = 0, used = 0, errs = 0;
	char map[NFLOWS + 1];

	memset(r, 0, sizeof(*r));
	memset(r->flow_q, -1, sizeof(r->flow_q));
	for (int s = 0; s < PER_FLOW; s++)
		for (int f = 0; f < NFLOWS; f++) {
			struct payload pl = { MAGIC, f, rid * 100 + s };

			errs += send(fsk[f], &pl, sizeof(pl), 0) < 0;
		}
	for (double end = now() + 10; r->got + r->dup < sent && now() < end;) {
		struct pollfd p[NQ];

		for (int q = 0; q < NQ; q++)
			p[q] = (struct pollfd){ .fd = qfd[q], .events = POLLIN };
		if (poll(p, NQ, 200) > 0)
			drain(r, rid);
	}
	drain(r, rid);
	for (int f = 0; f < NFLOWS; f++) {
		one += r->flow_q[f] >= 0;
		map[f] = r->flow_q[f] >= 0 ? '0' + r->flow_q[f] : r->flow_q[f] == -1 ? '-' : '*';
	}
	map[NFLOWS] = 0;
	for (int q = 0; q < NQ; q++)
		used += r->on[q] > 0;
	note("%s: per queue %d %d %d %d, frames %d, other %d", name, r->on[0], r->on[1], r->on[2],
	     r->on[3], r->frames, r->other);
	step(name, fmt("send errors %d; received %d of %d, duplicates %d; each flow on one queue %s; "
		       "more than one queue %s; on the detached queue %d; tx_packets +%ld = frames read %s, "
		       "tx_dropped +%ld", errs, r->got, sent, r->dup, yesno(one == NFLOWS), yesno(used > 1),
		       detached >= 0 ? r->on[detached] : 0, stat_of("tx_packets") - tp,
		       yesno(stat_of("tx_packets") - tp == r->frames), stat_of("tx_dropped") - td),
	     fmt("send errors 0; received %d of %d, duplicates 0; each flow on one queue yes; "
		 "more than one queue yes; on the detached queue 0; tx_packets +%d = frames read yes, "
		 "tx_dropped +0", sent, sent, sent));
	/* Which queue each flow took: the symmetric hash (one boot's), no
	 * expectation here; the script compares it with the other driver's. */
	step(fmt("%s: the queue of each flow", name), map, NULL);
}

static void traffic_setup(const char *template)
{
	qfd[0] = attach_new(template, mode | F_MULTI_QUEUE, ifname);
	for (int q = 1; q < NQ; q++)
		qfd[q] = attach_new(ifname, mode | F_MULTI_QUEUE, NULL);
	dev_up();
	for (int f = 0; f < NFLOWS; f++)
		fsk[f] = udp_socket(FLOW_PORT + f, 0);
}

static int cmd_traffic(void)
{
	struct round r;
	int busiest = 0;
	uint8_t buf[2048];

	traffic_setup("mqt%d");
	traffic_round("4 queues, 64 flows x 3", 1, -1, &r);
	/* Detach the queue with the most datagrams. */
	for (int q = 1; q < NQ; q++)
		if (r.on[q] > r.on[busiest])
			busiest = q;
	step("DETACH the busiest queue", setqueue(qfd[busiest], F_DETACH_QUEUE), "ok");
	note("detached q%d", busiest);
	traffic_round("3 queues, 64 flows x 3", 2, busiest, &r);
	step("the detached queue: read", res(read(qfd[busiest], buf, sizeof(buf))), "EAGAIN");
	step("ATTACH it again", setqueue(qfd[busiest], F_ATTACH_QUEUE), "ok");
	traffic_round("4 queues again, 64 flows x 3", 3, -1, &r);
	step("the re-attached queue is chosen again", yesno(r.on[busiest] > 0), "yes");
	return 0;
}

/* --- flows ----------------------------------------------------------------------- */

static int fus;	/* the flow table's socket: LOCAL:LPORT */

/* Writes a packet of flow PORT (PEER:PORT -> LOCAL:LPORT) on queue Q: "ok"
 * when it reached the socket, else what went wrong. */
static const char *write_flow(int q, uint16_t port)
{
	static uint32_t seq = 1;
	uint8_t p[256], b[256];
	size_t len = udp_packet(p, port, port, seq);
	ssize_t w = write(qfd[q], p, len);
	uint32_t want = seq++;

	if (w < 0)
		return fmt("write %s", ename(errno));
	for (double end = now() + 5; now() < end;) {
		struct pollfd pf = { .fd = fus, .events = POLLIN };
		struct payload pl;
		ssize_t r;

		if (poll(&pf, 1, 200) <= 0)
			continue;
		r = recv(fus, b, sizeof(b), MSG_DONTWAIT);
		memcpy(&pl, b, sizeof(pl));
		if (r == sizeof(pl) && pl.magic == MAGIC && pl.seq == want)
			return "ok";
	}
	return "not delivered";
}

/* The stack's reply to flow PORT (LOCAL:LPORT -> PEER:PORT): "qN", the
 * queue it came out on, or what went wrong. */
static const char *reply(uint16_t port)
{
	static uint32_t seq = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct payload pl = { MAGIC, port, seq++ };
	static uint8_t buf[65536];

	a.sin_addr.s_addr = inet_addr(PEER);
	if (sendto(fus, &pl, sizeof(pl), 0, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fmt("sendto %s", ename(errno));
	for (double end = now() + 5; now() < end;) {
		struct pollfd p[NQ];

		for (int q = 0; q < NQ; q++)
			p[q] = (struct pollfd){ .fd = qfd[q], .events = POLLIN };
		if (poll(p, NQ, 200) <= 0)
			continue;
		for (int q = 0; q < NQ; q++) {
			ssize_t n;
			uint32_t flow, s;

			while ((n = read(qfd[q], buf, sizeof(buf))) >= 0)
				if (ours(buf, n, &flow, &s) && flow == port && s == pl.seq)
					return fmt("q%d", q);
		}
	}
	return "none in 5 s";
}

/* Writes flow PORT on queue Q, then the reply's queue. */
static const char *write_reply(int q, uint16_t port)
{
	const char *w = write_flow(q, port);

	if (strcmp(w, "ok"))
		return fmt("written: %s", w);
	return reply(port);
}

/* The replies of flows PORT .. PORT + N - 1, in turn: "qA qB ...". */
static const char *replies(uint16_t port, int n)
{
	const char *o = "";

	for (int i = 0; i < n; i++)
		o = fmt("%s%s%s", o, i ? " " : "", reply(port + i));
	return o;
}

/* Flows PORT .. PORT + N - 1 written on queues QS in turn: "ok ok ...". */
static const char *writes(const int *qs, uint16_t port, int n)
{
	const char *o = "";

	for (int i = 0; i < n; i++)
		o = fmt("%s%s%s", o, i ? " " : "", write_flow(qs[i], port + i));
	return o;
}

static int cmd_flows(void)
{
	uint16_t port = 30000;

	qfd[0] = attach_new("mqf%d", mode | F_MULTI_QUEUE, ifname);
	for (int q = 1; q < NQ; q++)
		qfd[q] = attach_new(ifname, mode | F_MULTI_QUEUE, NULL);
	dev_up();
	fus = udp_socket(LPORT, 0);

	/* tun_get_user() records the file's queue for the packet's
	 * symmetric hash (tun_flow_update()); tun_automq_select_queue()
	 * sends the flow's packets there: one flow written from each queue
	 * in turn. */
	for (int q = 0; q < NQ; q++)
		step(fmt("flow A written on q%d: the reply", q), write_reply(q, port), fmt("q%d", q));
	step("flow A again, no write: the reply", reply(port), "q3");
	port++;
	/* Four flows at once, each its own entry. */
	step("flows B, C, D, E written on q3, q2, q1, q0", writes((int[]){ 3, 2, 1, 0 }, port, 4),
	     "ok ok ok ok");
	step("their replies", replies(port, 4), "q3 q2 q1 q0");
	port += 4;
	/* A detached file's write reaches the stack but does not update the
	 * table (no rxhash for tfile->detached). DETACH of q1 moves the last
	 * file (q3) to q1's index. */
	step("flow F written on q0: the reply", write_reply(0, port), "q0");
	must_setqueue(qfd[1], F_DETACH_QUEUE);
	step("q1 detached, flow F written on q1", write_flow(1, port), "ok");
	step("flow F: the reply", reply(port), "q0");
	step("flow F written on q2: the reply", write_reply(2, port), "q2");
	must_setqueue(qfd[1], F_ATTACH_QUEUE);
	port++;
	/* The table holds queue indexes. The files are now q0 q3 q2 q1 by
	 * index (a re-attached file takes the last). __tun_detach() then
	 * deletes the entries of index numqueues + 1, after the decrement
	 * (none: 7.3's off by one), so an entry names an index, whichever
	 * file is there: DETACH of q3 (index 1) moves q1 (index 3) there;
	 * flow G (index 3) is beyond the 3 real queues, netdev_cap_txqueue()
	 * sends it on queue 0; H (index 1) is q1's now. After ATTACH, q3
	 * has index 3: G's. */
	step("flows G, H, I written on q1, q3, q2", writes((int[]){ 1, 3, 2 }, port, 3), "ok ok ok");
	step("their replies", replies(port, 3), "q1 q3 q2");
	must_setqueue(qfd[3], F_DETACH_QUEUE);
	step("q3 detached: their replies", replies(port, 3), "q0 q1 q2");
	must_setqueue(qfd[3], F_ATTACH_QUEUE);
	step("q3 attached again: their replies", replies(port, 3), "q3 q1 q2");
	port += 3;

	if (!tap)
		return 0;
	/* tun_flow_cleanup(): an entry goes TUN_FLOW_EXPIRE (3 s) after its
	 * last write (timer rounded up to a second); the flow is then
	 * hashed again. Files by index are q0 q1 q2 q3 again. */
	{
		char h[32];
		const char *w;
		int hq, wq, moved = 0, before = 1;
		double t0, t = 0;

		snprintf(h, sizeof(h), "%s", reply(port));
		hq = h[0] == 'q' ? h[1] - '0' : 0;
		wq = (hq + 1) % NQ;
		step("flow J, never written: the queue of the hash", h, NULL);
		/* The entry is updated before write() returns: t0 is after it. */
		w = write_flow(wq, port);
		t0 = now();
		step("flow J written on the next queue: the reply",
		     strcmp(w, "ok") ? fmt("written: %s", w) : reply(port), fmt("q%d", wq));
		while (now() - t0 < 10) {
			const char *r = reply(port);

			t = now() - t0;
			if (!strcmp(r, h)) {
				moved = 1;
				break;
			}
			before &= !strcmp(r, fmt("q%d", wq));
			usleep(100000);
		}
		note("flow J back on %s after %.2f s", h, t);
		step("flow J: back on the queue of the hash within 10 s", yesno(moved), "yes");
		step("flow J: not before 3 s, on the written queue until then",
		     fmt("%s, %s", yesno(t >= 2.9), yesno(before)), "yes, yes");
	}
	return 0;
}

/* --- close ----------------------------------------------------------------------- */

static int cmd_close(void)
{
	int fd[NQ], x;
	char name[IFNAMSIZ];

	/* Not persistent: the device goes with its last file. */
	fd[0] = attach_new("mqc%d", mode | F_MULTI_QUEUE, ifname);
	for (int q = 1; q < NQ; q++)
		fd[q] = attach_new(ifname, mode | F_MULTI_QUEUE, NULL);
	dev_up();
	close(fd[3]);
	step("q3 closed", state(), mq_state(3, 0));
	must_setqueue(fd[2], F_DETACH_QUEUE);
	step("q2 detached", state(), mq_state(2, 1));
	close(fd[2]);
	step("q2 closed (detached)", state(), mq_state(2, 0));
	must_setqueue(fd[1], F_DETACH_QUEUE);
	close(fd[0]);
	/* numqueues 0 but numdisabled 1: the device and its carrier stay. */
	step("q1 detached, q0 closed", fmt("%s; carrier %s", state(), sysfs("carrier")),
	     fmt("%s; carrier 1", mq_state(0, 1)));
	close(fd[1]);
	step("q1 closed: the device exists", exists(), "no (ENODEV)");

	/* Persistent: it stays, carrier off, no queue. */
	fd[0] = attach_new("mqp%d", mode | F_MULTI_QUEUE, ifname);
	fd[1] = attach_new(ifname, mode | F_MULTI_QUEUE, NULL);
	step("TUNSETPERSIST 1", res(ioctl(fd[0], TUNSETPERSIST, 1UL)), "ok");
	dev_up();
	must_setqueue(fd[1], F_DETACH_QUEUE);
	close(fd[0]);
	close(fd[1]);
	step("persistent, both closed", fmt("%s; %s; carrier %s", exists(), state(), sysfs("carrier")),
	     fmt("yes; %s; carrier 0", mq_state(0, 0)));
	step("persistent, both closed: ip -d link", ip_line(),
	     fmt("type %s pi off vnet_hdr off multi_queue numqueues 0 numdisabled 0 persist on",
		 tap ? "tap" : "tun"));
	x = topen();
	step("persistent: TUNSETIFF without MULTI_QUEUE", setiff(x, ifname, mode, NULL), "EINVAL");
	step("persistent: TUNSETIFF MULTI_QUEUE", setiff(x, ifname, mode | F_MULTI_QUEUE, NULL), "ok");
	step("persistent, attached again", fmt("%s; carrier %s", state(), sysfs("carrier")),
	     fmt("%s; carrier 1", mq_state(1, 0)));
	step("TUNSETPERSIST 0", res(ioctl(x, TUNSETPERSIST, 0UL)), "ok");
	close(x);
	step("not persistent, closed: the device exists", exists(), "no (ENODEV)");

	/* Deleted with a detached queue: tun_detach_all() takes both
	 * files off the device; the detached one is no longer detached. */
	fd[0] = attach_new("mqd%d", mode | F_MULTI_QUEUE, ifname);
	fd[1] = attach_new(ifname, mode | F_MULTI_QUEUE, NULL);
	must_setqueue(fd[1], F_DETACH_QUEUE);
	{
		int e = dellink();

		step("RTM_DELLINK with q1 detached", e ? ename(-e) : "ok", "ok");
	}
	step("deleted: the device exists", exists(), "no (ENODEV)");
	step("deleted: TUNGETIFF q0 q1", getiffs(fd, 2), "EBADFD EBADFD");
	step("deleted: TUNSETQUEUE ATTACH q1", setqueue(fd[1], F_ATTACH_QUEUE), "EINVAL");
	step("deleted: TUNSETQUEUE DETACH q0", setqueue(fd[0], F_DETACH_QUEUE), "EINVAL");
	{
		uint8_t b[64];
		struct pollfd p = { .fd = fd[0], .events = POLLIN };

		step("deleted: read q0", res(read(fd[0], b, sizeof(b))), "EBADFD");
		step("deleted: poll q0", poll(&p, 1, 0) < 0 ? ename(errno) : fmt("0x%x", p.revents),
		     "0x8");
	}
	/* A file off its device may make another. (Only q0's: tun_file's
	 * ifindex shares a union with queue_index, so the file of index N
	 * asks TUNSETIFF for ifindex N, EBUSY when taken: q1's would ask for
	 * lo's.) */
	step("deleted: TUNSETIFF q0 (a new device)", setiff(fd[0], "mqn%d", mode | F_MULTI_QUEUE, name),
	     "ok");
	memcpy(ifname, name, IFNAMSIZ);
	step("the new device", state(), mq_state(1, 0));
	close(fd[0]);
	close(fd[1]);
	step("closed: the new device exists", exists(), "no (ENODEV)");
	return 0;
}

/* --- churn ----------------------------------------------------------------------- */

#define CHURN_FLOWS 16
#define CHURN_SECONDS 2.0
#define CHURN_RATE 5000		/* datagrams per second at most */
#define CHURN_MAX 20000

static volatile int stop_send, stop_read;
static long sent_ok, enobufs, other_err;
static int last_err;
static long c_got, c_dup, c_bad, c_frames;
static uint8_t c_seen[CHURN_MAX];

static void *churn_sender(void *arg)
{
	double t0 = now();

	(void)arg;
	for (uint32_t i = 0; i < CHURN_MAX && !stop_send;) {
		struct payload pl = { MAGIC, i % CHURN_FLOWS, i };

		if (i >= (now() - t0) * CHURN_RATE) {
			usleep(500);
			continue;
		}
		if (send(fsk[i % CHURN_FLOWS], &pl, sizeof(pl), 0) >= 0)
			sent_ok++;
		else if (errno == ENOBUFS)
			enobufs++;
		else {
			other_err++;
			last_err = errno;
		}
		i++;
	}
	return NULL;
}

static void churn_drain(void)
{
	static uint8_t buf[65536];

	for (int q = 0; q < NQ; q++) {
		ssize_t n;
		uint32_t flow, seq;

		while ((n = read(qfd[q], buf, sizeof(buf))) >= 0) {
			c_frames++;
			if (!ours(buf, n, &flow, &seq) || seq >= CHURN_MAX || flow != seq % CHURN_FLOWS)
				c_bad++;
			else if (c_seen[seq]++)
				c_dup++;
			else
				c_got++;
		}
	}
}

static void *churn_reader(void *arg)
{
	(void)arg;
	while (!stop_read) {
		struct pollfd p[NQ];

		for (int q = 0; q < NQ; q++)
			p[q] = (struct pollfd){ .fd = qfd[q], .events = POLLIN };
		if (poll(p, NQ, 50) > 0)
			churn_drain();
	}
	return NULL;
}

static int cmd_churn(void)
{
	pthread_t ts, tr;
	long tp, td, iters = 0, errs = 0, dropped, got_during;
	const char *first = NULL;
	struct round r;
	double t0;

	qfd[0] = attach_new("mqx%d", mode | F_MULTI_QUEUE, ifname);
	for (int q = 1; q < NQ; q++)
		qfd[q] = attach_new(ifname, mode | F_MULTI_QUEUE, NULL);
	dev_up();
	noqueue();
	for (int f = 0; f < NFLOWS; f++)
		fsk[f] = udp_socket(FLOW_PORT + f, 1);
	tp = stat_of("tx_packets");
	td = stat_of("tx_dropped");
	if (pthread_create(&tr, NULL, churn_reader, NULL) ||
	    pthread_create(&ts, NULL, churn_sender, NULL))
		die("pthread_create");
	/* q1..q3 in turn, detached and attached again, for 2 s. */
	for (t0 = now(); now() - t0 < CHURN_SECONDS; iters++) {
		int q = 1 + iters % 3;
		const char *d = setqueue(qfd[q], F_DETACH_QUEUE), *a = setqueue(qfd[q], F_ATTACH_QUEUE);

		if (strcmp(d, "ok") || strcmp(a, "ok")) {
			errs++;
			if (!first)
				first = fmt("DETACH %s ATTACH %s", d, a);
		}
	}
	got_during = c_got;
	stop_send = 1;
	pthread_join(ts, NULL);
	stop_read = 1;
	pthread_join(tr, NULL);
	/* noqueue: every datagram sent is in a ring or was dropped by now. */
	churn_drain();
	dropped = stat_of("tx_dropped") - td;
	note("churn: %ld iterations, sent %ld, ENOBUFS %ld, other errors %ld (%s), received %ld "
	     "(%ld while churning), duplicates %ld, bad %ld, tx_dropped +%ld, tx_packets +%ld, "
	     "lost at DETACH %ld", iters, sent_ok, enobufs, other_err,
	     other_err ? ename(last_err) : "-", c_got, got_during, c_dup, c_bad, dropped,
	     stat_of("tx_packets") - tp, sent_ok - c_got);
	step("churn: DETACH/ATTACH errors", first ? fmt("%ld, first %s", errs, first) : "0", "0");
	step("churn: at least 10 DETACH/ATTACH, datagrams received while churning",
	     fmt("%s, %s", yesno(iters >= 10), yesno(got_during > 0)), "yes, yes");
	step("churn: send errors other than ENOBUFS", fmt("%ld", other_err), "0");
	step("churn: duplicates, bad frames", fmt("%ld, %ld", c_dup, c_bad), "0, 0");
	/* A drop in tun_net_xmit() is counted in tx_dropped and, without a
	 * qdisc, is the sender's ENOBUFS; what a DETACH purges from its
	 * ring (tun_queue_purge()) is counted nowhere. */
	step("churn: tx_dropped = ENOBUFS", yesno(dropped == enobufs), "yes");
	step("churn: received + tx_dropped <= sent", yesno(c_got + dropped <= sent_ok + enobufs), "yes");
	step("churn: tx_packets = frames read", yesno(stat_of("tx_packets") - tp == c_frames), "yes");
	step("after churn", state(), mq_state(4, 0));
	/* The files' order (by index) is the loop's last: q0 q1 q2 q3 again
	 * (q0 has index 0 throughout, an attached file takes the last). */
	{
		const char *o = "";

		for (int i = 0; i < 6; i++)
			o = fmt("%s%s%s", o, i == 3 ? ", " : i ? " " : "",
				setqueue(qfd[1 + i % 3], i < 3 ? F_DETACH_QUEUE : F_ATTACH_QUEUE));
		step("DETACH q1 q2 q3, ATTACH q1 q2 q3", o, "ok ok ok, ok ok ok");
	}
	traffic_round("after churn, 64 flows x 3", 9, -1, &r);
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 4 || (strcmp(argv[3], "tun") && strcmp(argv[3], "tap"))) {
		fprintf(stderr, "usage: mqtest PATH errors|state|traffic|flows|close|churn tun|tap\n");
		return 2;
	}
	path = argv[1];
	subcmd = argv[2];
	tap = !strcmp(argv[3], "tap");
	mode = (tap ? F_TAP : F_TUN) | F_NO_PI;
	l2 = tap ? ETH_LEN : 0;
	if (!strcmp(subcmd, "errors"))
		r = cmd_errors();
	else if (!strcmp(subcmd, "state"))
		r = cmd_state();
	else if (!strcmp(subcmd, "traffic"))
		r = cmd_traffic();
	else if (!strcmp(subcmd, "flows"))
		r = cmd_flows();
	else if (!strcmp(subcmd, "close"))
		r = cmd_close();
	else if (!strcmp(subcmd, "churn"))
		r = cmd_churn();
	else {
		fprintf(stderr, "mqtest: unknown subcommand %s\n", subcmd);
		return 2;
	}
	printf("# end %s: %s\n", subcmd, failed ? "failed" : "ok");
	return r ? r : failed;
}
