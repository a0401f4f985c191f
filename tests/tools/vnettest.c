// SPDX-License-Identifier: GPL-2.0
/*
 * vnettest: the virtio-net header ABI of a tun-compatible clone device
 * (the kernel's /dev/net/tun or rvnet's /dev/net/rtun), for the
 * differential test tests/27-rtun-vnet.sh (built there with gcc -O2 -Wall).
 *
 *   vnettest PATH ioctls tun|tap   the control ioctls of IFF_VNET_HDR
 *   vnettest PATH inject tun|tap   write(): headers into the stack
 *   vnettest PATH read tun|tap     read(): headers the stack's packets get
 *   vnettest PATH relay NS_A NS_B OFFLOAD_HEX
 *                                  two devices, one in /run/netns/NS_A and
 *                                  one in NS_B, packets relayed both ways
 *   vnettest sink PORT FILE        TCP: accept one connection, save it
 *   vnettest send ADDR PORT FILE   TCP: send FILE to ADDR:PORT
 *
 * ioctls, inject and read print one line per step, `step: result`, where
 * the result never depends on which device was used (interface names are
 * not printed); lines starting with `# ` are notes. Every step carries the
 * result Linux 7.3's tun gives (read in drivers/net/tun.c, tun_vnet.h and
 * include/linux/virtio_net.h of 7.3); a step that differs is noted with
 * `# step: expected ...` and makes the exit status 1. The output ends with
 * `# end SUBCOMMAND: ok|failed`. Run them as root in a fresh network
 * namespace with its own sysfs (`ip netns exec`): they read
 * /sys/class/net/DEV/.
 *
 * relay prints `a: NAME`, `b: NAME` and `ready`, relays until SIGTERM or
 * SIGINT (or 120 s), then prints one JSON object of statistics.
 *
 * Exit status: 0 all steps as expected, 1 some differ, 2 set-up error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --- ABI (include/uapi/linux/if_tun.h, virtio_net.h of 7.3) ---------------
 * Defined here: the build host's headers may be older than the kernel. */
#define T_IOW(nr) _IOW('T', nr, int)
#define T_IOR(nr) _IOR('T', nr, int)
#define TUNSETNOCSUM	T_IOW(200)
#define TUNSETDEBUG	T_IOW(201)
#define TUNSETIFF	T_IOW(202)
#define TUNGETFEATURES	_IOR('T', 207, unsigned int)
#define TUNSETOFFLOAD	_IOW('T', 208, unsigned int)
#define TUNGETIFF	_IOR('T', 210, unsigned int)
#define TUNGETSNDBUF	T_IOR(211)
#define TUNSETSNDBUF	T_IOW(212)
#define TUNGETVNETHDRSZ	T_IOR(215)
#define TUNSETVNETHDRSZ	T_IOW(216)
#define TUNSETVNETLE	T_IOW(220)
#define TUNGETVNETLE	T_IOR(221)
#define TUNSETVNETBE	T_IOW(222)
#define TUNGETVNETBE	T_IOR(223)
#define TUNSETCARRIER	T_IOW(226)

#define IFF_TUN_		0x0001
#define IFF_TAP_		0x0002
#define IFF_NO_PI_		0x1000
#define IFF_VNET_HDR_		0x4000

#define TUN_F_CSUM		0x001
#define TUN_F_TSO4		0x002
#define TUN_F_TSO6		0x004
#define TUN_F_TSO_ECN		0x008
#define TUN_F_UFO		0x010
#define TUN_F_USO4		0x020
#define TUN_F_USO6		0x040
#define TUN_F_UDP_TUNNEL_GSO	0x080
#define TUN_F_UDP_TUNNEL_GSO_CSUM 0x100

#define F_NEEDS_CSUM		1
#define F_DATA_VALID		2
#define GSO_NONE		0
#define GSO_TCPV4		1
#define GSO_UDP			3
#define GSO_TCPV6		4
#define GSO_UDP_L4		5
#define GSO_ECN			0x80

/* struct virtio_net_hdr (10 bytes), _v1 (12: num_buffers), then
 * _v1_hash (20) and _v1_hash_tunnel (24). Little-endian fields (x86). */
struct vhdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
	uint16_t hash_lo, hash_hi, hash_report, padding;
	uint16_t outer_th, inner_nh;
} __attribute__((packed));
#define VHDR_LEN 10
#define VHDR_V1_LEN 12
#define VHDR_TNL_LEN 24

#define SOL_UDP_ 17
#define UDP_SEGMENT_ 103

/* --- output ------------------------------------------------------------- */

#include "steps.h"

/* --- devices -------------------------------------------------------------- */

static char ifname[IFNAMSIZ];
static int ctl = -1;	/* an AF_INET socket for SIOC* and SIOCETHTOOL */

static int tun_open(const char *path, const char *template, int flags, char *name)
{
	struct ifreq ifr;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		die("open %s", path);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", template);
	ifr.ifr_flags = flags;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF 0x%x", flags);
	if (name)
		memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

static void ctl_socket(void)
{
	if (ctl < 0)
		ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ctl < 0)
		die("socket");
}

/* NAME up with ADDR/24 (NULL: no address), IPv6 off (no stray packets). */
static void dev_up(const char *name, const char *addr)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ifreq ifr;
	char path[128];
	FILE *f;

	ctl_socket();
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	f = fopen(path, "w");
	if (f) {	/* a kernel without IPv6 has nothing to disable */
		fputs("1\n", f);
		fclose(f);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (addr) {
		a.sin_addr.s_addr = inet_addr(addr);
		memcpy(&ifr.ifr_addr, &a, sizeof(a));
		if (ioctl(ctl, SIOCSIFADDR, &ifr) < 0)
			die("SIOCSIFADDR %s", addr);
		a.sin_addr.s_addr = inet_addr("255.255.255.0");
		memcpy(&ifr.ifr_netmask, &a, sizeof(a));
		if (ioctl(ctl, SIOCSIFNETMASK, &ifr) < 0)
			die("SIOCSIFNETMASK");
	}
	if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS");
}

/* /sys/class/net/IFNAME/ATTR, the first line, or "(ENAME)". */
static const char *sysfs(const char *attr)
{
	static char buf[4][128];
	static int i;
	char path[256], *b = buf[i++ & 3];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	f = fopen(path, "r");
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

/* --- ethtool features (ETHTOOL_GFEATURES, the names of `ethtool -k`) ----- */

/* The features tun's TUNSETOFFLOAD and set-up touch, in this order. */
static const char *const feat_names[] = {
	"tx-scatter-gather", "tx-scatter-gather-fraglist",
	"tx-checksum-ip-generic", "tx-tcp-segmentation",
	"tx-tcp-ecn-segmentation", "tx-tcp6-segmentation",
	"tx-udp-segmentation", "tx-udp_tnl-segmentation",
	"tx-udp_tnl-csum-segmentation", "tx-vlan-hw-insert",
	"tx-vlan-stag-hw-insert",
};
#define NFEAT (sizeof(feat_names) / sizeof(feat_names[0]))
static int feat_bit[NFEAT], feat_ready;

static int ethtool(void *cmd)
{
	struct ifreq ifr;

	ctl_socket();
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(ctl, SIOCETHTOOL, &ifr);
}

static void feat_init(void)
{
	struct {
		struct ethtool_sset_info h;
		uint32_t len;
	} si = { .h = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *gs;
	uint32_t n;

	if (ethtool(&si) < 0 || !si.h.sset_mask)
		die("ETHTOOL_GSSET_INFO");
	n = si.len;
	gs = calloc(1, sizeof(*gs) + n * ETH_GSTRING_LEN);
	if (!gs)
		die("calloc");
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = n;
	if (ethtool(gs) < 0)
		die("ETHTOOL_GSTRINGS");
	for (size_t k = 0; k < NFEAT; k++) {
		feat_bit[k] = -1;
		for (uint32_t b = 0; b < n; b++)
			if (!strncmp((char *)gs->data + b * ETH_GSTRING_LEN, feat_names[k],
				     ETH_GSTRING_LEN))
				feat_bit[k] = b;
		if (feat_bit[k] < 0)
			die("no ethtool feature %s", feat_names[k]);
	}
	free(gs);
}

/* The features of feat_names that are on: WHICH 0 available (hw_features,
 * what `ethtool -k` does not call [fixed]), 1 active. */
static const char *features(int which)
{
	static char out[2][512];
	char *o = out[which];
	struct {
		struct ethtool_gfeatures h;
		struct ethtool_get_features_block b[8];
	} gf = { .h = { .cmd = ETHTOOL_GFEATURES, .size = 8 } };

	if (!feat_ready++)
		feat_init();
	if (ethtool(&gf) < 0)
		return fmt("(ETHTOOL_GFEATURES %s)", ename(errno));
	o[0] = 0;
	for (size_t k = 0; k < NFEAT; k++) {
		int b = feat_bit[k];
		uint32_t w = which ? gf.b[b / 32].active : gf.b[b / 32].available;

		if (w & (1u << (b % 32)))
			snprintf(o + strlen(o), 512 - strlen(o), "%s%s", o[0] ? " " : "",
				 feat_names[k]);
	}
	return o[0] ? o : "none";
}

/* --- ioctls ----------------------------------------------------------------- */

static const char *iget(int fd, unsigned long req)
{
	int v = -12345;

	if (ioctl(fd, req, &v) < 0)
		return ename(errno);
	return fmt("%d", v);
}

static const char *iset(int fd, unsigned long req, int v)
{
	return res(ioctl(fd, req, &v));
}

/* The TUNSETOFFLOAD steps: ARG, tun's result, the active features after. */
#define SG "tx-scatter-gather tx-scatter-gather-fraglist"
#define VLAN "tx-vlan-hw-insert tx-vlan-stag-hw-insert"
#define CS "tx-checksum-ip-generic"
static const struct {
	unsigned long arg;
	const char *name, *want, *feat;
} offloads[] = {
	/* Without TUN_F_CSUM every other bit is left over: EINVAL. */
	{ 0x80000000UL, "0x80000000", "EINVAL", NULL },
	{ TUN_F_TSO4, "TSO4", "EINVAL", NULL },
	{ TUN_F_TSO_ECN, "TSO_ECN", "EINVAL", NULL },
	{ TUN_F_UFO, "UFO", "EINVAL", NULL },
	{ TUN_F_USO4 | TUN_F_USO6, "USO4|USO6", "EINVAL", NULL },
	{ TUN_F_UDP_TUNNEL_GSO, "UDP_TUNNEL_GSO", "EINVAL", NULL },
	/* The argument is an unsigned long: a bit above 31 is unknown. */
	{ (1UL << 32) | TUN_F_CSUM, "1<<32|CSUM", "EINVAL", NULL },
	{ 0x200 | TUN_F_CSUM, "0x200|CSUM", "EINVAL", NULL },
	{ 0, "0", "ok", SG " " VLAN },
	{ TUN_F_CSUM, "CSUM", "ok", SG " " CS " " VLAN },
	/* ECN without TSO4/6 is left over; UFO is dropped silently. */
	{ TUN_F_CSUM | TUN_F_TSO_ECN, "CSUM|TSO_ECN", "EINVAL", NULL },
	{ TUN_F_CSUM | TUN_F_UFO, "CSUM|UFO", "ok", SG " " CS " " VLAN },
	{ TUN_F_CSUM | TUN_F_TSO4, "CSUM|TSO4", "ok",
	  SG " " CS " tx-tcp-segmentation " VLAN },
	{ TUN_F_CSUM | TUN_F_TSO6, "CSUM|TSO6", "ok",
	  SG " " CS " tx-tcp6-segmentation " VLAN },
	{ TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN, "CSUM|TSO4|TSO6|TSO_ECN", "ok",
	  SG " " CS " tx-tcp-segmentation tx-tcp-ecn-segmentation tx-tcp6-segmentation " VLAN },
	/* USO4 and USO6 only together. */
	{ TUN_F_CSUM | TUN_F_USO4, "CSUM|USO4", "EINVAL", NULL },
	{ TUN_F_CSUM | TUN_F_USO6, "CSUM|USO6", "EINVAL", NULL },
	{ TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6, "CSUM|USO4|USO6", "ok",
	  SG " " CS " tx-udp-segmentation " VLAN },
	/* UDP tunnel GSO only with some plain GSO; its CSUM only with it. */
	{ TUN_F_CSUM | TUN_F_UDP_TUNNEL_GSO, "CSUM|UDP_TUNNEL_GSO", "EINVAL", NULL },
	{ TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UDP_TUNNEL_GSO_CSUM, "CSUM|TSO4|UDP_TUNNEL_GSO_CSUM",
	  "EINVAL", NULL },
	{ TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UDP_TUNNEL_GSO, "CSUM|TSO4|UDP_TUNNEL_GSO", "ok",
	  SG " " CS " tx-tcp-segmentation tx-udp_tnl-segmentation " VLAN },
	{ 0x1ff, "all (0x1ff)", "ok",
	  SG " " CS " tx-tcp-segmentation tx-tcp-ecn-segmentation tx-tcp6-segmentation "
	  "tx-udp-segmentation tx-udp_tnl-segmentation tx-udp_tnl-csum-segmentation " VLAN },
	/* A failed call leaves the features as they were. */
	{ TUN_F_TSO4, "TSO4 (again)", "EINVAL", NULL },
	{ 0, "0 (again)", "ok", SG " " VLAN },
};

static int cmd_ioctls(const char *path, int is_tap)
{
	int mode = is_tap ? IFF_TAP_ : IFF_TUN_, fd, fd2;
	unsigned int feat = 0;
	const char *last_feat;
	char name2[IFNAMSIZ];
	struct ifreq ifr;

	fd = open(path, O_RDWR);
	if (fd < 0)
		die("open %s", path);
	step("TUNGETFEATURES has IFF_VNET_HDR",
	     ioctl(fd, TUNGETFEATURES, &feat) < 0 ? ename(errno) :
	     feat & IFF_VNET_HDR_ ? "yes" : "no", "yes");
	note("TUNGETFEATURES 0x%04x", feat);
	/* Before TUNSETIFF: no device, EBADFD. */
	step("unattached TUNGETVNETHDRSZ", iget(fd, TUNGETVNETHDRSZ), "EBADFD");
	step("unattached TUNSETVNETHDRSZ 12", iset(fd, TUNSETVNETHDRSZ, 12), "EBADFD");
	step("unattached TUNSETOFFLOAD CSUM", res(ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM)), "EBADFD");
	step("unattached TUNGETSNDBUF", iget(fd, TUNGETSNDBUF), "EBADFD");
	step("unattached TUNSETCARRIER 1", iset(fd, TUNSETCARRIER, 1), "EBADFD");

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "vnt%d");
	ifr.ifr_flags = mode | IFF_NO_PI_ | IFF_VNET_HDR_;
	step("TUNSETIFF NO_PI|VNET_HDR", res(ioctl(fd, TUNSETIFF, &ifr)), "ok");
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	memset(&ifr, 0, sizeof(ifr));
	step("TUNGETIFF flags", ioctl(fd, TUNGETIFF, &ifr) < 0 ? ename(errno) :
	     fmt("0x%04x", (unsigned short)ifr.ifr_flags), is_tap ? "0x5002" : "0x5001");
	note("sysfs tun_flags %s", sysfs("tun_flags"));

	/* TUNGETVNETHDRSZ/TUNSETVNETHDRSZ: an int, at least 10, no maximum. */
	step("TUNGETVNETHDRSZ", iget(fd, TUNGETVNETHDRSZ), "10");
	step("TUNSETVNETHDRSZ 9", iset(fd, TUNSETVNETHDRSZ, 9), "EINVAL");
	step("TUNSETVNETHDRSZ 0", iset(fd, TUNSETVNETHDRSZ, 0), "EINVAL");
	step("TUNSETVNETHDRSZ -1", iset(fd, TUNSETVNETHDRSZ, -1), "EINVAL");
	step("TUNGETVNETHDRSZ after EINVAL", iget(fd, TUNGETVNETHDRSZ), "10");
	step("TUNSETVNETHDRSZ 12", iset(fd, TUNSETVNETHDRSZ, 12), "ok");
	step("TUNGETVNETHDRSZ", iget(fd, TUNGETVNETHDRSZ), "12");
	step("TUNSETVNETHDRSZ 20", iset(fd, TUNSETVNETHDRSZ, 20), "ok");
	step("TUNGETVNETHDRSZ", iget(fd, TUNGETVNETHDRSZ), "20");
	step("TUNSETVNETHDRSZ 11", iset(fd, TUNSETVNETHDRSZ, 11), "ok");
	step("TUNGETVNETHDRSZ", iget(fd, TUNGETVNETHDRSZ), "11");
	step("TUNSETVNETHDRSZ 4096", iset(fd, TUNSETVNETHDRSZ, 4096), "ok");
	step("TUNGETVNETHDRSZ", iget(fd, TUNGETVNETHDRSZ), "4096");
	step("TUNSETVNETHDRSZ 12", iset(fd, TUNSETVNETHDRSZ, 12), "ok");

	/* TUNGETVNETLE/TUNSETVNETLE: an int, any non-zero sets. */
	step("TUNGETVNETLE", iget(fd, TUNGETVNETLE), "0");
	step("TUNSETVNETLE 1", iset(fd, TUNSETVNETLE, 1), "ok");
	step("TUNGETVNETLE", iget(fd, TUNGETVNETLE), "1");
	step("TUNSETVNETLE 0", iset(fd, TUNSETVNETLE, 0), "ok");
	step("TUNGETVNETLE", iget(fd, TUNGETVNETLE), "0");
	step("TUNSETVNETLE 2", iset(fd, TUNSETVNETLE, 2), "ok");
	step("TUNGETVNETLE", iget(fd, TUNGETVNETLE), "1");
	step("TUNSETVNETLE 0", iset(fd, TUNSETVNETLE, 0), "ok");
	/* Without CONFIG_TUN_VNET_CROSS_LE (the test kernel's): EINVAL. */
	step("TUNGETVNETBE", iget(fd, TUNGETVNETBE), "EINVAL");
	step("TUNSETVNETBE 1", iset(fd, TUNSETVNETBE, 1), "EINVAL");
	step("TUNSETVNETBE 0", iset(fd, TUNSETVNETBE, 0), "EINVAL");

	/* TUNSETOFFLOAD (set_offload()) and the features it leaves. */
	step("hw_features", features(0),
	     SG " " CS " tx-tcp-segmentation tx-tcp-ecn-segmentation tx-tcp6-segmentation "
	     "tx-udp-segmentation tx-udp_tnl-segmentation tx-udp_tnl-csum-segmentation " VLAN);
	step("features at creation", last_feat = fmt("%s", features(1)), SG " " VLAN);
	for (size_t i = 0; i < sizeof(offloads) / sizeof(offloads[0]); i++) {
		const char *r = res(ioctl(fd, TUNSETOFFLOAD, offloads[i].arg));

		step(fmt("TUNSETOFFLOAD %s", offloads[i].name), r, offloads[i].want);
		/* After a failure, the features of before. */
		step(fmt("features after TUNSETOFFLOAD %s", offloads[i].name),
		     fmt("%s", features(1)), offloads[i].feat ?: last_feat);
		last_feat = fmt("%s", features(1));
	}

	/* TUNSETNOCSUM (ignored), TUNSETDEBUG (the ethtool msglevel). */
	step("TUNSETNOCSUM 1", res(ioctl(fd, TUNSETNOCSUM, 1UL)), "ok");
	step("TUNSETNOCSUM 0", res(ioctl(fd, TUNSETNOCSUM, 0UL)), "ok");
	{
		struct ethtool_value ev = { .cmd = ETHTOOL_GMSGLVL };

		step("ETHTOOL_GMSGLVL", ethtool(&ev) < 0 ? ename(errno) : fmt("%u", ev.data), "0");
		step("TUNSETDEBUG 5", res(ioctl(fd, TUNSETDEBUG, 5UL)), "ok");
		ev.cmd = ETHTOOL_GMSGLVL;
		step("ETHTOOL_GMSGLVL", ethtool(&ev) < 0 ? ename(errno) : fmt("%u", ev.data), "5");
		step("TUNSETDEBUG 0", res(ioctl(fd, TUNSETDEBUG, 0UL)), "ok");
		ev.cmd = ETHTOOL_GMSGLVL;
		step("ETHTOOL_GMSGLVL", ethtool(&ev) < 0 ? ename(errno) : fmt("%u", ev.data), "0");
	}

	/* TUNGETSNDBUF/TUNSETSNDBUF: the fd's socket's sk_sndbuf, INT_MAX at
	 * open; > 0, no doubling. */
	step("TUNGETSNDBUF", iget(fd, TUNGETSNDBUF), "2147483647");
	step("TUNSETSNDBUF 0", iset(fd, TUNSETSNDBUF, 0), "EINVAL");
	step("TUNSETSNDBUF -1", iset(fd, TUNSETSNDBUF, -1), "EINVAL");
	step("TUNGETSNDBUF after EINVAL", iget(fd, TUNGETSNDBUF), "2147483647");
	step("TUNSETSNDBUF 65536", iset(fd, TUNSETSNDBUF, 65536), "ok");
	step("TUNGETSNDBUF", iget(fd, TUNGETSNDBUF), "65536");
	step("TUNSETSNDBUF 1000", iset(fd, TUNSETSNDBUF, 1000), "ok");
	step("TUNGETSNDBUF", iget(fd, TUNGETSNDBUF), "1000");
	step("TUNSETSNDBUF INT_MAX", iset(fd, TUNSETSNDBUF, INT_MAX), "ok");

	/* TUNSETCARRIER: an unsigned int, as a bool; seen in sysfs (up). */
	dev_up(ifname, NULL);
	step("carrier when up", sysfs("carrier"), "1");
	step("TUNSETCARRIER 0", iset(fd, TUNSETCARRIER, 0), "ok");
	step("carrier", sysfs("carrier"), "0");
	step("TUNSETCARRIER 2", iset(fd, TUNSETCARRIER, 2), "ok");
	step("carrier", sysfs("carrier"), "1");
	step("TUNSETCARRIER 0", iset(fd, TUNSETCARRIER, 0), "ok");
	step("carrier", sysfs("carrier"), "0");
	step("TUNSETCARRIER 1", iset(fd, TUNSETCARRIER, 1), "ok");
	step("carrier", sysfs("carrier"), "1");

	/* A device without IFF_VNET_HDR: the size and offloads still set. */
	fd2 = tun_open(path, "vnu%d", mode | IFF_NO_PI_, name2);
	memset(&ifr, 0, sizeof(ifr));
	step("no VNET_HDR: TUNGETIFF flags", ioctl(fd2, TUNGETIFF, &ifr) < 0 ? ename(errno) :
	     fmt("0x%04x", (unsigned short)ifr.ifr_flags), is_tap ? "0x1002" : "0x1001");
	step("no VNET_HDR: TUNGETVNETHDRSZ", iget(fd2, TUNGETVNETHDRSZ), "10");
	step("no VNET_HDR: TUNSETVNETHDRSZ 12", iset(fd2, TUNSETVNETHDRSZ, 12), "ok");
	step("no VNET_HDR: TUNGETVNETHDRSZ", iget(fd2, TUNGETVNETHDRSZ), "12");
	step("no VNET_HDR: TUNSETOFFLOAD CSUM|TSO4", res(ioctl(fd2, TUNSETOFFLOAD,
	     (unsigned long)(TUN_F_CSUM | TUN_F_TSO4))), "ok");
	memcpy(ifname, name2, IFNAMSIZ);
	step("no VNET_HDR: features", features(1), SG " " CS " tx-tcp-segmentation " VLAN);
	close(fd2);
	close(fd);
	return 0;
}

/* --- packets ----------------------------------------------------------------- */

#define LOCAL "10.78.0.1"
#define PEER "10.78.0.2"
#define LPORT 9000
#define PPORT 9001
#define ETH_LEN 14

static int tap;		/* the device is a TAP: frames carry an Ethernet header */
static int l2;		/* 0 or ETH_LEN */
static uint8_t dev_mac[6];
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

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

static uint16_t get16(const uint8_t *p)
{
	return (p[0] << 8) | p[1];
}

/* The UDP pseudo-header's sum (IPv4) for the packet at IP. */
static uint32_t pseudo(const uint8_t *ip)
{
	return sum16(ip + 12, 8, 0) + IPPROTO_UDP + get16(ip + 24);
}

/* Payload byte I of datagram SEQ. */
static uint8_t pat(uint32_t seq, size_t i)
{
	return (uint8_t)(seq * 31 + i * 7 + (i >> 8));
}

/* Are the LEN bytes at P the payload of SEQ from offset OFF? */
static int check_slice(const uint8_t *p, size_t len, uint32_t seq, size_t off)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pat(seq, off + i))
			return 0;
	return 1;
}

enum ucsum { UC_FULL, UC_PSEUDO, UC_BAD };

/* An IPv4/UDP packet PEER:PPORT -> LOCAL:LPORT at P (in an Ethernet frame
 * to the device for a TAP), PLEN bytes of SEQ's payload, its UDP checksum
 * as UC says; returns its length. */
static size_t udp_packet(uint8_t *p, size_t plen, uint32_t seq, enum ucsum uc)
{
	uint8_t *ip = p + l2, *u = ip + 20;
	size_t len = 20 + 8 + plen;

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
	put16(u, PPORT);
	put16(u + 2, LPORT);
	put16(u + 4, 8 + plen);
	for (size_t i = 0; i < plen; i++)
		u[8 + i] = pat(seq, i);
	switch (uc) {
	case UC_FULL: {
		uint16_t c = ~fold(sum16(u, 8 + plen, pseudo(ip)));

		put16(u + 6, c ? c : 0xffff);
		break;
	}
	case UC_PSEUDO:
		put16(u + 6, fold(pseudo(ip)));
		break;
	case UC_BAD:
		put16(u + 6, 0x1234);
		break;
	}
	return l2 + len;
}

/* The UDP checksum of the packet at IP (LEN bytes from there) as the
 * kernel left it: "valid" (a full checksum), "pseudo" (the pseudo-header's
 * sum, for a NEEDS_CSUM packet), "none" (0) or "bad 0xNNNN". */
static const char *udp_csum_kind(const uint8_t *ip, size_t len)
{
	const uint8_t *u = ip + 20;
	uint16_t c = get16(u + 6);

	if (len < 28)
		return "short";
	if (!c)
		return "none";
	if (fold(sum16(u, len - 20, pseudo(ip))) == 0xffff)
		return "valid";
	if (c == fold(pseudo(ip)))
		return "pseudo";
	return fmt("bad 0x%04x", c);
}

/* --- inject: write() with headers ------------------------------------------ */

static int tfd, usk;
static int hdrsz = VHDR_V1_LEN;
static uint32_t marker_seq = 60000;

/* Waits up to MS ms for input on FD. */
static int wait_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* The datagrams the socket got up to the marker: "NxLEN[,...] payload
 * ok|bad" or "none"; "lost" when even the marker did not come. */
static const char *delivered(uint32_t seq)
{
	static char out[256];
	uint8_t buf[65536 + 256], pkt[256];
	int n = 0, bad = 0, lens[64];
	size_t len, off = 0;
	uint32_t mseq = marker_seq++;

	/* The marker, a plain packet after the step's. */
	len = udp_packet(pkt, 16, mseq, UC_FULL);
	memset(buf, 0, hdrsz);
	memcpy(buf + hdrsz, pkt, len);
	if (write(tfd, buf, hdrsz + len) != (ssize_t)(hdrsz + len))
		return fmt("marker write %s", ename(errno));
	for (;;) {
		ssize_t r = recv(usk, buf, sizeof(buf), MSG_DONTWAIT);

		if (r < 0 && errno == EAGAIN) {
			if (!wait_in(usk, 5000))
				return "lost (not even the marker came)";
			continue;
		}
		if (r < 0)
			return fmt("recv %s", ename(errno));
		if (r == 16 && check_slice(buf, 16, mseq, 0))
			break;
		if (n < 64)
			lens[n] = r;
		/* Segments of a GSO packet carry consecutive slices. */
		if (!check_slice(buf, r, seq, off))
			bad++;
		off += r;
		n++;
	}
	if (!n)
		return "none";
	out[0] = 0;
	for (int i = 0; i < n && i < 64; i++) {
		int k = 1;

		while (i + k < n && i + k < 64 && lens[i + k] == lens[i])
			k++;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%dx%d",
			 out[0] ? "," : "", k, lens[i]);
		i += k - 1;
	}
	snprintf(out + strlen(out), sizeof(out) - strlen(out), " payload %s", bad ? "bad" : "ok");
	return out;
}

/* One write: HLEN bytes of header H (zero past sizeof(H); HLEN below
 * hdrsz for short writes), then LEN bytes of packet P; prints the result,
 * the counters' changes and what the socket got. */
static void inject(const char *name, const struct vhdr *h, size_t hlen, const uint8_t *p,
		   size_t len, uint32_t seq, const char *want)
{
	static uint8_t buf[65536 + 256];
	long rp = stat_of("rx_packets"), rb = stat_of("rx_bytes");
	long rd = stat_of("rx_dropped"), fe = stat_of("rx_frame_errors");
	ssize_t w;
	const char *wr;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, h, hlen < sizeof(*h) ? hlen : sizeof(*h));
	memcpy(buf + hlen, p, len);
	w = write(tfd, buf, hlen + len);
	wr = w < 0 ? ename(errno) : w == (ssize_t)(hlen + len) ? "all" : fmt("%zd", w);
	rp = stat_of("rx_packets") - rp;
	rb = stat_of("rx_bytes") - rb;
	rd = stat_of("rx_dropped") - rd;
	fe = stat_of("rx_frame_errors") - fe;
	step(name, fmt("write %s; rx_packets +%ld rx_bytes +%ld rx_dropped +%ld "
		       "rx_frame_errors +%ld; delivered %s", wr, rp, rb, rd, fe,
		       delivered(seq)), want);
}

static void setup_dev(const char *path, const char *template)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(LPORT) };
	int one = 1, big = 8 << 20;

	tfd = tun_open(path, template, (tap ? IFF_TAP_ : IFF_TUN_) | IFF_NO_PI_ | IFF_VNET_HDR_,
		       ifname);
	if (ioctl(tfd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		die("TUNSETVNETHDRSZ");
	dev_up(ifname, LOCAL);
	if (tap) {
		struct arpreq ar = { .arp_flags = ATF_PERM | ATF_COM };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
		if (ioctl(ctl, SIOCGIFHWADDR, &ifr) < 0)
			die("SIOCGIFHWADDR");
		memcpy(dev_mac, ifr.ifr_hwaddr.sa_data, 6);
		/* The peer's MAC: no ARP in the steps. */
		a.sin_addr.s_addr = inet_addr(PEER);
		memcpy(&ar.arp_pa, &a, sizeof(a));
		ar.arp_ha.sa_family = ARPHRD_ETHER;
		memcpy(ar.arp_ha.sa_data, peer_mac, 6);
		snprintf(ar.arp_dev, sizeof(ar.arp_dev), "%s", ifname);
		if (ioctl(ctl, SIOCSARP, &ar) < 0)
			die("SIOCSARP");
	}
	usk = socket(AF_INET, SOCK_DGRAM, 0);
	if (usk < 0)
		die("socket");
	setsockopt(usk, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(usk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(LPORT);
	a.sin_addr.s_addr = inet_addr(LOCAL);
	if (bind(usk, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	a.sin_port = htons(PPORT);
	a.sin_addr.s_addr = inet_addr(PEER);
	if (connect(usk, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
}

/* tun's results: the write, counters, delivery. */
static const char *wrote(long bytes, const char *delivery)
{
	return fmt("write all; rx_packets +1 rx_bytes +%ld rx_dropped +0 rx_frame_errors +0; "
		   "delivered %s", l2 + bytes, delivery);
}
/* A header refused by virtio_net_hdr_to_skb(): counted in tun's
 * rx_frame_errors, which only a TUN reports (tun_net_get_stats64; a TAP's
 * netdev ops have no ndo_get_stats64). */
#define FRAME_ERR (tap ? EINVAL_NONE : \
	"write EINVAL; rx_packets +0 rx_bytes +0 rx_dropped +0 rx_frame_errors +1; delivered none")
#define EINVAL_NONE "write EINVAL; rx_packets +0 rx_bytes +0 rx_dropped +0 rx_frame_errors +0; delivered none"

static void needs_csum(struct vhdr *h, int start, int off)
{
	memset(h, 0, sizeof(*h));
	h->flags = F_NEEDS_CSUM;
	h->csum_start = start;
	h->csum_offset = off;
}

static int cmd_inject(const char *path)
{
	uint8_t p[8192];
	struct vhdr h;
	size_t len;
	uint32_t seq = 1;
	const int th = l2 + 20;	/* where the UDP header starts */

	setup_dev(path, "vni%d");
	note("header size %d", hdrsz);

	/* (a) a plain packet, a zero header. */
	memset(&h, 0, sizeof(h));
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("zero header, valid checksum", &h, hdrsz, p, len, seq++,
	       wrote(128, "1x100 payload ok"));
	len = udp_packet(p, 100, seq, UC_BAD);
	inject("zero header, bad checksum", &h, hdrsz, p, len, seq++, wrote(128, "none"));
	/* (b) NEEDS_CSUM: the UDP checksum holds the pseudo-header's sum only
	 * (as a sender leaves it); CHECKSUM_PARTIAL, trusted by the stack. */
	needs_csum(&h, th, 6);
	len = udp_packet(p, 100, seq, UC_PSEUDO);
	inject("NEEDS_CSUM at UDP's checksum, pseudo-header sum", &h, hdrsz, p, len, seq++,
	       wrote(128, "1x100 payload ok"));
	/* DATA_VALID is not read on write(): the bad checksum drops it. */
	memset(&h, 0, sizeof(h));
	h.flags = F_DATA_VALID;
	len = udp_packet(p, 100, seq, UC_BAD);
	inject("DATA_VALID, bad checksum", &h, hdrsz, p, len, seq++, wrote(128, "none"));

	/* (c) headers virtio_net_hdr_to_skb() refuses: EINVAL, the packet is
	 * dropped and counted in rx_frame_errors (no rx_dropped). */
	memset(&h, 0, sizeof(h));
	h.gso_type = 6;
	h.gso_size = 50;
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("gso_type 6 (unknown)", &h, hdrsz, p, len, seq++, FRAME_ERR);
	/* UDP tunnel bits, not negotiated (a header under 24 bytes). */
	h.gso_type = 0x7f;
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("gso_type 0x7f", &h, hdrsz, p, len, seq++, FRAME_ERR);
	h.gso_type = GSO_TCPV4;
	h.gso_size = 0;
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("TCPV4, gso_size 0", &h, hdrsz, p, len, seq++, FRAME_ERR);
	/* 7.3 reads the header once the network header and protocol are
	 * set, so a GSO header without NEEDS_CSUM is checked against the
	 * packet (the flow dissector's ip_proto); kernels that read it
	 * before (6.18 included) let a TUN packet pass unchecked. */
	h.gso_size = 50;
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("TCPV4 on a UDP packet", &h, hdrsz, p, len, seq++, FRAME_ERR);
	h.gso_type = GSO_UDP_L4;
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("UDP_L4 without NEEDS_CSUM", &h, hdrsz, p, len, seq++, FRAME_ERR);
	/* A transport header before the end of an IPv4 header's 20 bytes
	 * (counted from the start of the frame, for a TAP too). */
	needs_csum(&h, 10, 6);
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("NEEDS_CSUM csum_start 10", &h, hdrsz, p, len, seq++, FRAME_ERR);

	/* (d) hdr_len (or csum_start + csum_offset + 2) beyond the packet:
	 * EINVAL before any skb, no counter. */
	memset(&h, 0, sizeof(h));
	h.hdr_len = 500;
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("hdr_len 500 > packet", &h, hdrsz, p, len, seq++, EINVAL_NONE);
	needs_csum(&h, 200, 6);
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("NEEDS_CSUM csum_start 200 > packet", &h, hdrsz, p, len, seq++, EINVAL_NONE);
	memset(&h, 0, sizeof(h));
	len = udp_packet(p, 100, seq, UC_FULL);
	h.hdr_len = len;
	inject("hdr_len = packet length", &h, hdrsz, p, len, seq++,
	       wrote(128, "1x100 payload ok"));
	if (tap) {
		/* A TAP's hdr_len, when given, covers the Ethernet header. */
		h.hdr_len = 10;
		len = udp_packet(p, 100, seq, UC_FULL);
		inject("TAP: hdr_len 10 < ETH_HLEN", &h, hdrsz, p, len, seq++, EINVAL_NONE);
	}

	/* (e) shorter than the header: EINVAL. The header alone: a TUN has
	 * no IP version to read, EINVAL and rx_dropped; a TAP frame is
	 * shorter than ETH_HLEN, EINVAL before any skb. */
	memset(&h, 0, sizeof(h));
	inject("write of 5 bytes", &h, 5, p, 0, seq++, EINVAL_NONE);
	inject("write of hdrsz - 1 bytes", &h, hdrsz - 1, p, 0, seq++, EINVAL_NONE);
	inject("write of the header alone", &h, hdrsz, p, 0, seq++, tap ? EINVAL_NONE :
	       "write EINVAL; rx_packets +0 rx_bytes +0 rx_dropped +1 rx_frame_errors +0; "
	       "delivered none");

	/* (f) UDP GSO (USO): one 4028-byte packet, gso_size 1000 -> four
	 * datagrams of 1000 bytes at the socket (no UDP_GRO there). */
	needs_csum(&h, th, 6);
	h.gso_type = GSO_UDP_L4;
	h.gso_size = 1000;
	h.hdr_len = th + 8;
	len = udp_packet(p, 4000, seq, UC_PSEUDO);
	inject("UDP_L4 gso_size 1000, 4000 bytes", &h, hdrsz, p, len, seq++,
	       wrote(4028, "4x1000 payload ok"));
	h.csum_offset = 16;
	len = udp_packet(p, 4000, seq, UC_PSEUDO);
	inject("UDP_L4 with csum_offset 16", &h, hdrsz, p, len, seq++, FRAME_ERR);
	/* No more than gso_size: not GSO after all, one datagram. */
	h.csum_offset = 6;
	len = udp_packet(p, 800, seq, UC_PSEUDO);
	inject("UDP_L4 gso_size 1000, 800 bytes", &h, hdrsz, p, len, seq++,
	       wrote(828, "1x800 payload ok"));

	/* Other header sizes: the bytes past the 10 of virtio_net_hdr are
	 * skipped (from 24 on a UDP tunnel's are read, unused without its
	 * GSO bits). */
	hdrsz = 20;
	if (ioctl(tfd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		die("TUNSETVNETHDRSZ 20");
	memset(&h, 0, sizeof(h));
	h.num_buffers = 0xffff;
	h.hash_lo = h.hash_hi = h.hash_report = 0xffff;
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("header size 20, junk past 10 bytes", &h, hdrsz, p, len, seq++,
	       wrote(128, "1x100 payload ok"));
	hdrsz = 10;
	if (ioctl(tfd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		die("TUNSETVNETHDRSZ 10");
	needs_csum(&h, th, 6);
	len = udp_packet(p, 100, seq, UC_PSEUDO);
	inject("header size 10, NEEDS_CSUM", &h, hdrsz, p, len, seq++,
	       wrote(128, "1x100 payload ok"));
	hdrsz = 128;
	if (ioctl(tfd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		die("TUNSETVNETHDRSZ 128");
	memset(&h, 0, sizeof(h));
	len = udp_packet(p, 100, seq, UC_FULL);
	inject("header size 128", &h, hdrsz, p, len, seq++, wrote(128, "1x100 payload ok"));
	close(tfd);
	return 0;
}

/* --- read: the headers of the stack's packets ---------------------------- */

/* Is the frame at F (LEN bytes) one of ours: IPv4/UDP from LPORT? */
static int ours(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + l2;

	return len >= (size_t)l2 + 28 && (!tap || (f[12] == 0x08 && f[13] == 0)) &&
	       ip[0] == 0x45 && ip[9] == IPPROTO_UDP && get16(ip + 20) == LPORT;
}

/* Sends one datagram of PLEN bytes (with UDP_SEGMENT GSO when GSO is not
 * 0) and prints what NREAD reads of up to BUFLEN bytes give. */
static void readstep(const char *name, int gso, size_t plen, int nread, size_t buflen,
		     const char *want)
{
	static uint32_t seq = 100;
	static uint8_t out[66000], buf[70000];
	char got[1024] = "";
	long tp = stat_of("tx_packets");
	const int zero = 0;
	size_t off = 0;
	int skipped = 0;
	ssize_t s;

	for (size_t i = 0; i < plen; i++)
		out[i] = pat(seq, i);
	if (gso)
		setsockopt(usk, SOL_UDP_, UDP_SEGMENT_, &gso, sizeof(gso));
	s = send(usk, out, plen, 0);
	if (gso)
		setsockopt(usk, SOL_UDP_, UDP_SEGMENT_, &zero, sizeof(zero));
	if (s < 0) {
		snprintf(got, sizeof(got), "send %s", ename(errno));
		nread = 0;
	}
	for (int i = 0; i < nread; i++) {
		const uint8_t *f = buf + hdrsz, *ip = f + l2;
		struct vhdr h;
		int padzero = 1;
		ssize_t r;

		memset(buf, 0xaa, sizeof(buf));
		if (!wait_in(tfd, 5000)) {
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%snothing to read",
				 i ? "; " : "");
			break;
		}
		r = read(tfd, buf, buflen);
		if (r < 0) {
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%sread %s",
				 i ? "; " : "", ename(errno));
			continue;
		}
		memcpy(&h, buf, sizeof(h));
		for (int k = VHDR_LEN; k < hdrsz; k++)
			padzero &= !buf[k];
		if ((size_t)r == buflen && buflen < (size_t)hdrsz + l2 + 28 + plen) {
			/* A short buffer: what fits. */
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%sread %zd of %d+%zu: flags %u gso_type %u csum %u+%u, "
				 "%s after the buffer", i ? "; " : "", r, hdrsz, l2 + 28 + plen,
				 h.flags, h.gso_type, h.csum_start, h.csum_offset,
				 buf[buflen] == 0xaa ? "nothing" : "bytes written");
			continue;
		}
		if (r < hdrsz || !ours(f, r - hdrsz)) {
			/* Not ours (a TAP's multicast reports): another read. */
			if (skipped++ < 10)
				i--;
			continue;
		}
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 "%sread %d+%zd flags %u gso_type %u hdr_len %u gso_size %u csum %u+%u "
			 "rest %s udp %s%s", i ? "; " : "", hdrsz, r - hdrsz, h.flags,
			 h.gso_type, h.hdr_len, h.gso_size, h.csum_start, h.csum_offset,
			 padzero ? "0" : "junk", udp_csum_kind(ip, r - hdrsz - l2),
			 check_slice(ip + 28, r - hdrsz - l2 - 28, seq, off) ? "" : " payload bad");
		off += r - hdrsz - l2 - 28;
	}
	if (skipped)
		note("%s: %d packets not ours skipped", name, skipped);
	/* Nothing more queued. */
	if (wait_in(tfd, 0))
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "; more to read");
	snprintf(got + strlen(got), sizeof(got) - strlen(got), "; tx_packets +%ld",
		 stat_of("tx_packets") - tp - skipped);
	step(name, got, want);
	seq++;
}

static void offload(unsigned long arg)
{
	if (ioctl(tfd, TUNSETOFFLOAD, arg) < 0)
		die("TUNSETOFFLOAD 0x%lx", arg);
}

static void set_hdrsz(int sz)
{
	hdrsz = sz;
	if (ioctl(tfd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		die("TUNSETVNETHDRSZ %d", sz);
}

/* tun's result for a read: header size SZ, packet LEN (IP on), the
 * header's fields, the UDP checksum's kind. hdr_len is 0 unless GSO; for
 * GSO it is skb_headlen(), a hint (here the headers). */
static const char *r1(int sz, int len, int flags, int gt, int hl, int gs, int cs, int co,
		      const char *udp)
{
	return fmt("read %d+%d flags %d gso_type %d hdr_len %d gso_size %d csum %d+%d rest 0 udp %s",
		   sz, l2 + len, flags, gt, hl, gs, cs, co, udp);
}
#define PART(len) r1(12, len, 1, 0, 0, 0, l2 + 20, 6, "pseudo")
#define FULL(len) r1(12, len, 0, 0, 0, 0, 0, 0, "valid")

static int cmd_read(const char *path)
{
	int fl;

	setup_dev(path, "vnr%d");
	fl = fcntl(tfd, F_GETFL);
	fcntl(tfd, F_SETFL, fl | O_NONBLOCK);

	/* No offloads: the stack checksums, the header is all zero. */
	offload(0);
	readstep("offload 0, 100 bytes", 0, 100, 1, 70000, fmt("%s; tx_packets +1", FULL(128)));
	/* TUN_F_CSUM: CHECKSUM_PARTIAL, NEEDS_CSUM at the UDP checksum. */
	offload(TUN_F_CSUM);
	readstep("offload CSUM, 100 bytes", 0, 100, 1, 70000, fmt("%s; tx_packets +1", PART(128)));
	/* UDP_SEGMENT: without USO the stack segments (each NEEDS_CSUM). */
	readstep("offload CSUM, UDP_SEGMENT 1000, 4000 bytes", 1000, 4000, 4, 70000,
		 fmt("%s; %s; %s; %s; tx_packets +4", PART(1028), PART(1028), PART(1028),
		     PART(1028)));
	/* With USO: one packet, gso_type UDP_L4. */
	offload(TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6);
	readstep("offload CSUM|USO4|USO6, UDP_SEGMENT 1000, 4000 bytes", 1000, 4000, 1, 70000,
		 fmt("%s; tx_packets +1", r1(12, 4028, 1, 5, l2 + 28, 1000, l2 + 20, 6, "pseudo")));
	/* No CSUM offload: the stack segments and checksums. */
	offload(0);
	readstep("offload 0, UDP_SEGMENT 1000, 4000 bytes", 1000, 4000, 4, 70000,
		 fmt("%s; %s; %s; %s; tx_packets +4", FULL(1028), FULL(1028), FULL(1028),
		     FULL(1028)));
	/* A read shorter than the header: EINVAL, the packet is dropped. */
	readstep("read of 8 bytes", 0, 100, 1, 8, "read EINVAL; tx_packets +0");
	/* Shorter than the packet: what fits, the rest is lost. */
	readstep("read of header + 20 bytes", 0, 100, 1, 12 + 20,
		 fmt("read 32 of 12+%d: flags 0 gso_type 0 csum 0+0, nothing after the buffer; "
		     "tx_packets +1", l2 + 128));
	/* Header sizes: the bytes past the 10 of virtio_net_hdr are zeroed. */
	set_hdrsz(20);
	offload(TUN_F_CSUM);
	readstep("header size 20, offload CSUM", 0, 100, 1, 70000,
		 fmt("%s; tx_packets +1", r1(20, 128, 1, 0, 0, 0, l2 + 20, 6, "pseudo")));
	set_hdrsz(10);
	readstep("header size 10, offload CSUM", 0, 100, 1, 70000,
		 fmt("%s; tx_packets +1", r1(10, 128, 1, 0, 0, 0, l2 + 20, 6, "pseudo")));
	/* UDP tunnel offload: tun writes the 24 bytes of the tunnel header
	 * whatever the size; with a smaller size (12) __tun_vnet_hdr_put()
	 * then zeroes sz - 24 bytes, a negative count: every read fails
	 * EFAULT (and drops its packet). */
	set_hdrsz(12);
	offload(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UDP_TUNNEL_GSO);
	readstep("header size 12, offload UDP_TUNNEL_GSO", 0, 100, 1, 70000,
		 "read EFAULT; tx_packets +0");
	set_hdrsz(24);
	readstep("header size 24, offload UDP_TUNNEL_GSO", 0, 100, 1, 70000,
		 fmt("%s; tx_packets +1", r1(24, 128, 1, 0, 0, 0, l2 + 20, 6, "pseudo")));
	close(tfd);
	return 0;
}

/* --- relay ---------------------------------------------------------------- */

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

struct dir {
	long packets, bytes, max_len, needs_csum, data_valid;
	long gso[4];	/* none, tcpv4, tcpv6, other */
	long read_errors, write_errors, short_writes;
	int last_errno;
};

static int relay_open(const char *path, const char *ns, int off, char *name)
{
	char p[256];
	int nsfd, fd;

	snprintf(p, sizeof(p), "/run/netns/%s", ns);
	nsfd = open(p, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		die("open %s", p);
	if (setns(nsfd, CLONE_NEWNET) < 0)
		die("setns %s", ns);
	close(nsfd);
	/* The device is made in the netns of the fd's opener. */
	fd = tun_open(path, "vnx%d", IFF_TUN_ | IFF_NO_PI_ | IFF_VNET_HDR_, name);
	hdrsz = VHDR_V1_LEN;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		die("TUNSETVNETHDRSZ");
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)off) < 0)
		die("TUNSETOFFLOAD 0x%x", off);
	return fd;
}

static void relay_one(int from, int to, struct dir *d, uint8_t *buf, size_t size)
{
	ssize_t r = read(from, buf, size), w;
	struct vhdr h;
	long len;

	if (r < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			d->read_errors++;
			d->last_errno = errno;
		}
		return;
	}
	memcpy(&h, buf, sizeof(h));
	len = r - VHDR_V1_LEN;
	d->packets++;
	d->bytes += len;
	if (len > d->max_len)
		d->max_len = len;
	if (h.flags & F_NEEDS_CSUM)
		d->needs_csum++;
	if (h.flags & F_DATA_VALID)
		d->data_valid++;
	switch (h.gso_type & ~GSO_ECN) {
	case GSO_NONE: d->gso[0]++; break;
	case GSO_TCPV4: d->gso[1]++; break;
	case GSO_TCPV6: d->gso[2]++; break;
	default: d->gso[3]++; break;
	}
	/* The header passes unchanged. */
	w = write(to, buf, r);
	if (w < 0) {
		d->write_errors++;
		d->last_errno = errno;
	} else if (w != r) {
		d->short_writes++;
	}
}

static void print_dir(const char *name, const struct dir *d, const char *sep)
{
	printf("\"%s\": {\"packets\": %ld, \"bytes\": %ld, \"max_len\": %ld, "
	       "\"needs_csum\": %ld, \"data_valid\": %ld, \"gso_none\": %ld, "
	       "\"gso_tcpv4\": %ld, \"gso_tcpv6\": %ld, \"gso_other\": %ld, "
	       "\"read_errors\": %ld, \"write_errors\": %ld, \"short_writes\": %ld, "
	       "\"last_errno\": \"%s\"}%s",
	       name, d->packets, d->bytes, d->max_len, d->needs_csum, d->data_valid,
	       d->gso[0], d->gso[1], d->gso[2], d->gso[3], d->read_errors,
	       d->write_errors, d->short_writes, d->last_errno ? ename(d->last_errno) : "",
	       sep);
}

static int cmd_relay(const char *path, const char *nsa, const char *nsb, const char *offs)
{
	char na[IFNAMSIZ], nb[IFNAMSIZ];
	int off = strtol(offs, NULL, 16), fa, fb;
	struct dir ab = { 0 }, ba = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	size_t size = 256 * 1024;
	uint8_t *buf = malloc(size);
	struct timespec t0, t;

	if (!buf)
		die("malloc");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fa = relay_open(path, nsa, off, na);
	fb = relay_open(path, nsb, off, nb);
	printf("a: %s\nb: %s\nready\n", na, nb);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		struct pollfd p[2] = { { .fd = fa, .events = POLLIN }, { .fd = fb, .events = POLLIN } };

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 120)
			break;
		if (poll(p, 2, 1000) < 0)
			continue;
		if (p[0].revents & POLLIN)
			relay_one(fa, fb, &ab, buf, size);
		if (p[1].revents & POLLIN)
			relay_one(fb, fa, &ba, buf, size);
		if ((p[0].revents | p[1].revents) & (POLLERR | POLLHUP | POLLNVAL))
			break;
	}
	printf("{");
	print_dir("a_to_b", &ab, ", ");
	print_dir("b_to_a", &ba, "");
	printf("}\n");
	return 0;
}

/* --- TCP ends ------------------------------------------------------------ */

static int cmd_sink(const char *port, const char *file)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1, s, out;
	static char buf[1 << 16];
	long total = 0;
	ssize_t r;

	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0)
		die("bind/listen %s", port);
	out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		die("open %s", file);
	printf("listening\n");
	fflush(stdout);
	if (!wait_in(ls, 40000))
		die("no connection in 40 s");
	s = accept(ls, NULL, NULL);
	if (s < 0)
		die("accept");
	while (wait_in(s, 20000) && (r = read(s, buf, sizeof(buf))) > 0) {
		if (write(out, buf, r) != r)
			die("write %s", file);
		total += r;
	}
	close(s);
	close(out);
	printf("received %ld\n", total);
	return 0;
}

static int cmd_send(const char *addr, const char *port, const char *file)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int s = socket(AF_INET, SOCK_STREAM, 0), in = open(file, O_RDONLY);
	static char buf[1 << 16];
	long total = 0;
	ssize_t r;

	if (s < 0 || in < 0)
		die("socket/open %s", file);
	a.sin_addr.s_addr = inet_addr(addr);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect %s:%s", addr, port);
	while ((r = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t o = 0; o < r;) {
			ssize_t w = write(s, buf + o, r - o);

			if (w < 0)
				die("send");
			o += w;
		}
		total += r;
	}
	/* All sent; the sink closes after the end: wait for it. */
	shutdown(s, SHUT_WR);
	while (wait_in(s, 20000) && read(s, buf, sizeof(buf)) > 0)
		;
	printf("sent %ld\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	int r;

	if (argc >= 2)
		subcmd = !strcmp(argv[1], "sink") || !strcmp(argv[1], "send") ? argv[1] :
			 argc >= 3 ? argv[2] : "?";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "sink"))
		return cmd_sink(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "send"))
		return cmd_send(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[2], "ioctls") && (!strcmp(argv[3], "tun") || !strcmp(argv[3], "tap")))
		r = cmd_ioctls(argv[1], !strcmp(argv[3], "tap"));
	else if (argc == 4 && (!strcmp(argv[2], "inject") || !strcmp(argv[2], "read")) &&
		 (!strcmp(argv[3], "tun") || !strcmp(argv[3], "tap"))) {
		tap = !strcmp(argv[3], "tap");
		l2 = tap ? ETH_LEN : 0;
		r = argv[2][0] == 'i' ? cmd_inject(argv[1]) : cmd_read(argv[1]);
	}
	else if (argc == 6 && !strcmp(argv[2], "relay"))
		return cmd_relay(argv[1], argv[3], argv[4], argv[5]);
	else {
		fprintf(stderr, "usage: vnettest PATH ioctls|inject|read tun|tap |\n"
			"       PATH relay NS_A NS_B OFFLOAD_HEX | sink PORT FILE | send ADDR PORT FILE\n");
		return 2;
	}
	printf("# end %s: %s\n", subcmd, failed ? "failed" : "ok");
	return r ? r : failed;
}
