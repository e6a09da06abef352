// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pins of an attached interface (user/pins.h): the table of what is
 * pinned, and making, opening, listing and removing them.  The table is
 * the one list of pins: attach makes what it says, detach removes it,
 * xt_pins_open opens it, and docs/cli.md and the lifecycle test are
 * checked against it (tests/tools/pin_table.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpffs.h"
#include "hooks.h"
#include "log.h"
#include "pins.h"
#include "rules_file.h"

#define OPENED(field)	.open_at = offsetof(struct xt_pinned, field)
/* As bpf/lib/maps.h defines it: a __u32 key and a value of type. */
#define LAYOUT(t, value) \
	.map = { BPF_MAP_TYPE_##t, sizeof(__u32), sizeof(value) }

_Static_assert(offsetof(struct xt_pinned, ifname) == 0,
	       "open_at 0 must mean: not opened");
_Static_assert(XT_PIN_INFO == 0, "xt_info is made first");

const struct xt_pin_desc xt_pin_table[XT_PIN_NR] = {
	[XT_PIN_INFO] = {
		"xt_info", XT_PIN_MAP, XT_PIN_OBJ_USER, NULL, XT_PIN_ALWAYS,
		OPENED(info),
		"struct xt_attach_info, one entry per ruleset generation: ifindex, mode, program ids, tcx or cls, TC handle and priority, whether clsact was created, mark settings, bridge mode, attach state, rules path, class and rule names, network namespace, whether the XDP program is multi-buffer",
		LAYOUT(ARRAY, struct xt_attach_info),
	},
	[XT_PIN_XDP_PROG] = {
		"xdp_prog", XT_PIN_PROG, XT_PIN_OBJ_XDP, "xdptag_xdp",
		XT_PIN_ALWAYS, 0, "the XDP program",
	},
	[XT_PIN_TC_PROG] = {
		"tc_prog", XT_PIN_PROG, XT_PIN_OBJ_TC, "xdptag_tc",
		XT_PIN_ALWAYS, 0, "the TC program",
	},
	[XT_PIN_TC_LINK] = {
		"tc_link", XT_PIN_LINK, XT_PIN_OBJ_TC, NULL, XT_PIN_TCX_ONLY,
		0, "the tcx link that keeps `tc_prog` attached",
	},
	[XT_PIN_RULES] = {
		"xt_rules", XT_PIN_MAP, XT_PIN_OBJ_XDP, XT_RULES_SEC,
		XT_PIN_ALWAYS,
		OPENED(rules), "the two ruleset generations",
		LAYOUT(ARRAY, struct xt_rulesets),
	},
	[XT_PIN_ACTIVE] = {
		"xt_active", XT_PIN_MAP, XT_PIN_OBJ_XDP, XT_ACTIVE_SEC,
		XT_PIN_ALWAYS,
		OPENED(active), "which generation packets use",
		LAYOUT(ARRAY, struct xt_active),
	},
	[XT_PIN_PREFIX] = {
		"xt_prefix", XT_PIN_MAP, XT_PIN_OBJ_XDP, NULL, XT_PIN_ALWAYS,
		OPENED(prefix),
		"per generation, the table of prefixes longer than /16",
		LAYOUT(ARRAY_OF_MAPS, __u32),
	},
	[XT_PIN_STATE] = {
		"xt_state", XT_PIN_MAP, XT_PIN_OBJ_XDP, NULL, XT_PIN_ALWAYS,
		OPENED(state), "the per-source state table, both generations'",
		LAYOUT(ARRAY, struct xt_src_set),
	},
	[XT_PIN_CLS_STATS] = {
		"xt_cls_stats", XT_PIN_MAP, XT_PIN_OBJ_XDP, NULL, XT_PIN_ALWAYS,
		OPENED(cls_stats),
		"per-CPU counters of classification, by whichever stage classifies (sum over CPUs)",
		LAYOUT(PERCPU_ARRAY, struct xt_cls_cpu),
	},
	[XT_PIN_TC_STATS] = {
		"xt_tc_stats", XT_PIN_MAP, XT_PIN_OBJ_TC, NULL, XT_PIN_ALWAYS,
		OPENED(tc_stats),
		"per-CPU counters of the TC stage (sum over CPUs)",
		LAYOUT(PERCPU_ARRAY, struct xt_tc_stats),
	},
	[XT_PIN_BRIDGE] = {
		"xt_bridge", XT_PIN_MAP, XT_PIN_OBJ_XDP, NULL, XT_PIN_ALWAYS,
		OPENED(bridge),
		"the auto bridge mode's switch (when, how many)",
		LAYOUT(ARRAY, struct xt_bridge_state),
	},
	[XT_PIN_CAP] = {
		"xt_cap", XT_PIN_MAP, XT_PIN_OBJ_XDP, XT_CAP_SEC,
		XT_PIN_ALWAYS, 0,
		"`capture`: its switch, filter and counters (mappable)",
		LAYOUT(ARRAY, struct xt_cap),
	},
	[XT_PIN_CAP_RING] = {
		"xt_cap_ring", XT_PIN_MAP, XT_PIN_OBJ_XDP, NULL, XT_PIN_ALWAYS,
		0, "`capture`: the ring buffer of sampled packets",
		.map = { BPF_MAP_TYPE_RINGBUF },
	},
};

static int *pinned_fd(struct xt_pinned *p, const struct xt_pin_desc *d)
{
	return (int *)((char *)p + d->open_at);
}

/* ------------------------------------------------------------ paths --- */

/* A name that can be a directory under XT_PIN_ROOT (no '/', no '.'...). */
static bool ifname_ok(const char *ifname)
{
	size_t n = strlen(ifname);

	return n && n < IF_NAMESIZE && !strchr(ifname, '/') &&
	       ifname[0] != '.';
}

void xt_pin_dir(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", XT_PIN_ROOT, ifname);
}

/* No interface name has a ':' (xt_pins_list skips it); bpffs refuses '.'. */
void xt_pin_dir_old(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s/:old-%s", XT_PIN_ROOT, ifname);
}

int xt_pin_get(const char *dir, enum xt_pin pin)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, xt_pin_table[pin].name);
	return bpf_obj_get(path);
}

/* --------------------------------------------------------- pin root --- */

/* Why the pins could not be used, for xt_pins_strerror(). */
static struct {
	int err;
	char why[200];
} pins_err;

__attribute__((format(printf, 2, 3)))
static int pins_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pins_err.why, sizeof(pins_err.why), fmt, ap);
	va_end(ap);
	pins_err.err = err;
	return err;
}

const char *xt_pins_strerror(int err)
{
	return err == pins_err.err && pins_err.why[0] ? pins_err.why :
							 strerror(-err);
}

/*
 * The pin root decides which maps and programs every command acts on:
 * whoever can write in it can swap one interface's pins for another's,
 * whoever can open it can hold our flock on it, and whoever can write in
 * its parent (without the sticky bit) can rename it away and put theirs
 * in its place.  fd is XT_PIN_ROOT, opened without following a symlink.
 * Returns 0, or -EPERM with the reason for xt_pins_strerror().
 */
static int pin_root_check(int fd)
{
	struct stat st, up;

	if (fstat(fd, &st) || stat(XT_BPFFS, &up))
		return pins_fail(-errno, "cannot stat %s: %s", XT_PIN_ROOT,
				 strerror(errno));
	if (st.st_uid != 0)
		return pins_fail(-EPERM,
				 "%s belongs to uid %u, not root: refusing it (remove it if nothing uses it)",
				 XT_PIN_ROOT, st.st_uid);
	if (st.st_mode & 077)
		return pins_fail(-EPERM,
				 "%s has mode %04o: other users could change its pins or hold its lock; refusing it (chmod 700 it)",
				 XT_PIN_ROOT, st.st_mode & 07777);
	if (up.st_uid != 0 ||
	    ((up.st_mode & 022) && !(up.st_mode & S_ISVTX)))
		return pins_fail(-EPERM,
				 "%s (mode %04o, uid %u) lets other users rename %s: refusing it",
				 XT_BPFFS, up.st_mode & 07777, up.st_uid,
				 XT_PIN_ROOT);
	return 0;
}

int xt_pin_root_open(void)
{
	int fd, err;

	fd = open(XT_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		  O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ?
		       pins_fail(-ENOTDIR, "%s is not a directory: refusing it",
				 XT_PIN_ROOT) :
		       pins_fail(-errno, "cannot open %s: %s", XT_PIN_ROOT,
				 strerror(errno));
	err = pin_root_check(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* ------------------------------------------------- making, removing --- */

struct bpf_map *xt_map_twin(const struct bpf_object *obj,
			    const struct bpf_map *map)
{
	const char *name = bpf_map__name(map);
	size_t n = strlen(name), sfx = strlen(XT_RULES_SEC);

	if (!bpf_map__is_internal(map))
		return bpf_object__find_map_by_name(obj, name);
	if (!strcmp(name, XT_ACTIVE_SEC))
		return bpf_object__find_map_by_name(obj, XT_ACTIVE_SEC);
	/* libbpf names .bss's map after its object (OBJ.bss), and finds it
	 * by the section's name. */
	if (n >= sfx && !strcmp(name + n - sfx, XT_RULES_SEC))
		return bpf_object__find_map_by_name(obj, XT_RULES_SEC);
	return NULL;
}

/* The fd to pin for d: a program or map of its object, or info_fd. */
static int pin_source(const struct xt_pin_desc *d, struct bpf_object *xdp,
		      struct bpf_object *tc, int info_fd)
{
	struct bpf_object *obj = d->obj == XT_PIN_OBJ_TC ? tc : xdp;
	const char *name = d->bpf_name ? d->bpf_name : d->name;
	struct bpf_program *prog;
	struct bpf_map *map;

	if (d->obj == XT_PIN_OBJ_USER)
		return info_fd;
	if (d->kind == XT_PIN_PROG) {
		prog = bpf_object__find_program_by_name(obj, name);
		return prog ? bpf_program__fd(prog) : -ENOENT;
	}
	map = bpf_object__find_map_by_name(obj, name);
	return map ? bpf_map__fd(map) : -ENOENT;
}

int xt_pins_create(const char *dir, struct bpf_object *xdp,
		   struct bpf_object *tc, int info_fd)
{
	char path[PATH_MAX];
	const struct xt_pin_desc *d;
	int fd;

	/* Table order: xt_info first, so a directory without it had
	 * nothing attached yet.  Links are pinned when they are made. */
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++) {
		if (d->when != XT_PIN_ALWAYS || d->kind == XT_PIN_LINK)
			continue;
		fd = pin_source(d, xdp, tc, info_fd);
		if (fd < 0) {
			pr_err("the BPF objects have no %s to pin as %s",
			       d->bpf_name ? d->bpf_name : d->name, d->name);
			return -ENOENT;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, d->name);
		/* xt_info may be there already: the record, made first. */
		if (d == xt_pin_table + XT_PIN_INFO && !access(path, F_OK))
			continue;
		if (bpf_obj_pin(fd, path)) {
			pr_err("cannot pin %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int pin_unlink(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

/*
 * The record is two pins: xt_info, and xt_active, whose generation says
 * which of xt_info's two entries is current.  Without xt_active a reader
 * takes entry 0, which from the second load on may be an older
 * generation's still saying "attached": so both go last, xt_info first.  Killed between
 * the two, only xt_active is left, which every command takes for a
 * directory without a record (nothing attached).
 */
static bool pin_is_record(const char *name)
{
	return !strcmp(name, xt_pin_table[XT_PIN_INFO].name) ||
	       !strcmp(name, xt_pin_table[XT_PIN_ACTIVE].name);
}

int xt_pins_remove(const char *dir)
{
	struct dirent *de;
	int i, err = 0, e;
	DIR *dd;

	/* The table's pins in the reverse of the order attach made them. */
	for (i = XT_PIN_NR - 1; i >= 0; i--) {
		if (pin_is_record(xt_pin_table[i].name))
			continue;
		e = pin_unlink(dir, xt_pin_table[i].name);
		if (e)
			err = e;
	}
	/* Then any other name: pins of another xdptag version (a renamed
	 * map) would keep the directory from going. */
	dd = opendir(dir);
	if (!dd)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dd))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    pin_is_record(de->d_name))
			continue;
		e = pin_unlink(dir, de->d_name);
		if (e)
			err = e;
	}
	closedir(dd);
	if (!err)
		err = pin_unlink(dir, xt_pin_table[XT_PIN_INFO].name);
	if (!err)
		err = pin_unlink(dir, xt_pin_table[XT_PIN_ACTIVE].name);
	if (!err && rmdir(dir) && errno != ENOENT)
		err = -errno;
	return err;
}

/* --------------------------------------------------------- xt_info --- */

/*
 * A flip between the two reads of xt_active means the entry read may be
 * an idle one being rewritten: read again.
 */
int xt_info_read(int info_fd, int active_fd, struct xt_attach_info *info)
{
	__u32 a = 0, b = 0, key;
	int i, err;

	for (i = 0; i < 16; i++) {
		if (active_fd >= 0 && (err = xt_ruleset_flips(active_fd, &a)))
			return err;
		key = a & 1;
		if ((err = xt_map_lookup_fit(info_fd, key, info,
					     sizeof(*info))))
			return err;
		if (active_fd < 0)
			return 0;
		if ((err = xt_ruleset_flips(active_fd, &b)))
			return err;
		if (a == b)
			return 0;
	}
	return -EAGAIN;
}

int xt_info_write_active(int info_fd, int active_fd,
			 const struct xt_attach_info *info)
{
	__u32 flips = 0;
	int err = active_fd >= 0 ? xt_ruleset_flips(active_fd, &flips) : 0;

	if (err)
		return err;
	return xt_map_update_fit(info_fd, flips & 1, info, sizeof(*info));
}

void xt_info_set_names(struct xt_attach_info *info,
		       const struct xt_rules_file *f)
{
	size_t i;

	memset(info->class_name, 0, sizeof(info->class_name));
	memset(info->rule_name, 0, sizeof(info->rule_name));
	for (i = 0; i < f->nclasses; i++)
		snprintf(info->class_name[f->classes[i].id], XT_CLASS_NAME_MAX,
			 "%s", f->classes[i].name);
	for (i = 0; i < f->nrules && i < XT_MAX_RULES; i++)
		snprintf(info->rule_name[i], XT_RULE_NAME_MAX, "%s",
			 f->rules[i].name);
	info->nrules = f->nrules;
}

__u64 xt_netns_self(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

/* path is network namespace ino (nsfs: the device of our own). */
static bool netns_is(const char *path, __u64 ino, dev_t nsfs)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == ino && st.st_dev == nsfs;
}

/*
 * Where network namespace ino can be entered from: a name under
 * /run/netns (ip netns), else a process in it.  Writes a command prefix
 * into buf; false when nothing holds the namespace that we can see (it
 * is gone, or kept only by a descriptor or a bind mount elsewhere).
 */
static bool netns_find(__u64 ino, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat self;
	bool found = false;
	DIR *d;

	if (stat("/proc/self/ns/net", &self))
		return false;
	if ((d = opendir("/run/netns"))) {
		while (!found && (de = readdir(d))) {
			snprintf(path, sizeof(path), "/run/netns/%s",
				 de->d_name);
			found = netns_is(path, ino, self.st_dev);
			if (found)
				snprintf(buf, len, "ip netns exec %s",
					 de->d_name);
		}
		closedir(d);
	}
	if (!found && (d = opendir("/proc"))) {
		while (!found && (de = readdir(d))) {
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/ns/net",
				 de->d_name);
			found = netns_is(path, ino, self.st_dev);
			if (found)
				snprintf(buf, len, "nsenter --net=%s", path);
		}
		closedir(d);
	}
	return found;
}

/*
 * Does the interface at the ifindex info records run one of the programs
 * the pins hold (its XDP program, alone or in libxdp's dispatcher, its
 * cls_bpf filter or tcx program)?  Program ids are never reused: then it
 * is the pins' own interface, whatever its name.
 */
static bool pins_carried(const struct xt_attach_info *info)
{
	struct xt_hooks *h = calloc(1, sizeof(*h));
	bool carried = false;
	int i;

	if (h && !xt_hooks_list(info->ifindex, info->xdp_prog_id,
				info->tc_prog_id, info->tc_attach,
				info->tc_prio, h))
		for (i = 0; i < h->n; i++)
			carried |= h->p[i].ours;
	free(h);
	return carried;
}

/*
 * Pins under ifname must describe ifname: made in this network namespace
 * (or in one that is gone, with its interfaces), and the ifindex they
 * record is the interface's, or nobody's any more (the interface was
 * deleted, perhaps made again under the name; status and detach say so).
 * An index that another interface holds is a deleted one's index reused
 * when that interface runs none of the pins' programs (the pins are
 * stale), else the same interface renamed, unless it has pins of its own
 * under its name: then the directories were swapped or tampered with, and
 * nothing says which pins are whose.
 */
int xt_pins_here(const char *ifname, struct xt_attach_info *info)
{
	__u64 self = xt_netns_self();
	char other[IF_NAMESIZE], how[PATH_MAX + 32], dir[XT_PIN_DIR_LEN];

	if (info->netns && self && info->netns != self) {
		if (netns_find(info->netns, how, sizeof(how)))
			return pins_fail(-EREMOTE,
					 "the pins of %s were made in another network namespace (net:[%llu]): run xdptag there ('%s xdptag ...')",
					 ifname,
					 (unsigned long long)info->netns, how);
		info->ifindex = 0;	/* gone with its namespace */
		return 0;
	}
	if (if_nametoindex(ifname) == info->ifindex ||
	    !if_indextoname(info->ifindex, other))
		return 0;
	if (!pins_carried(info))
		return pins_fail(XT_PINS_REUSED,
				 "the pins of %s record ifindex %u, which is now %s and runs none of their programs (%s was deleted and its index reused): 'xdptag detach %s' removes them",
				 ifname, info->ifindex, other, ifname, ifname);
	xt_pin_dir(other, dir, sizeof(dir));
	if (access(dir, F_OK))
		return pins_fail(XT_PINS_RENAMED,
				 "%s was renamed %s (ifindex %u runs the programs of its pins): 'xdptag detach %s', then 'xdptag attach %s'",
				 ifname, other, info->ifindex, ifname, other);
	return pins_fail(-EXDEV,
			 "the pins of %s record ifindex %u, which is %s: refusing them",
			 ifname, info->ifindex, other);
}

/* ---------------------------------------------------------- opening --- */

static const char *map_type_str(__u32 type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

/*
 * A map pinned by another xdptag version may be laid out otherwise, and
 * the programs of that version, still attached, read it their way:
 * writing ours into it (rules load) or reading it as ours (stats) would
 * go wrong without a word.  0, or -EPROTO saying which map differs how.
 */
static int pin_layout_check(const char *ifname, const struct xt_pin_desc *d,
			    int fd)
{
	const struct xt_pin_layout *want = &d->map;
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);

	if (d->kind != XT_PIN_MAP)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &mi, &len))
		return pins_fail(-errno, "cannot read %s: %s", d->name,
				 strerror(errno));
	if (mi.type == want->type && mi.key_size == want->key_size &&
	    mi.value_size == want->value_size)
		return 0;
	return pins_fail(-EPROTO,
			 "another xdptag version made them (%s: %s of %u-byte values, this version's %s of %u): 'xdptag attach --force %s' replaces them",
			 d->name, map_type_str(mi.type), mi.value_size,
			 map_type_str(want->type), want->value_size, ifname);
}

int xt_pin_open(const char *ifname, enum xt_pin pin)
{
	char dir[XT_PIN_DIR_LEN];
	int fd, err;

	xt_pin_dir(ifname, dir, sizeof(dir));
	fd = xt_pin_get(dir, pin);
	if (fd < 0)
		return fd;
	err = pin_layout_check(ifname, &xt_pin_table[pin], fd);
	if (err) {
		close(fd);
		errno = -err;
		return -1;
	}
	return fd;
}

unsigned int xt_info_rules(const struct xt_attach_info *info)
{
	unsigned int i, n = 0;

	for (i = 0; i < info->nrules && i < XT_MAX_RULES; i++)
		n += !!info->rule_name[i][0];
	return n;
}

__u32 xt_map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

const char *xt_pinned_unusable(const struct xt_pinned *p)
{
	static char why[128];

	if (p->info_val.state != XT_STATE_ATTACHED)
		snprintf(why, sizeof(why),
			 "an attach or detach of it was interrupted (run 'xdptag detach %s' or attach it again)",
			 p->ifname);
	else if (p->info_val.ifindex != if_nametoindex(p->ifname))
		snprintf(why, sizeof(why),
			 "the interface xdptag was attached to no longer exists (run 'xdptag detach %s')",
			 p->ifname);
	else
		return NULL;
	return why;
}

void xt_pins_close(struct xt_pinned *p)
{
	const struct xt_pin_desc *d;
	int *fd;

	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++) {
		if (!d->open_at)
			continue;
		fd = pinned_fd(p, d);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

void xt_pins_take(struct xt_pinned *dst, struct xt_pinned *src)
{
	const struct xt_pin_desc *d;

	*dst = *src;
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++)
		if (d->open_at)
			*pinned_fd(src, d) = -1;
}

int xt_pins_open(const char *ifname, struct xt_pinned *p)
{
	const struct xt_pin_desc *d;
	char dir[XT_PIN_DIR_LEN];
	struct stat st;
	int err, *fd;

	memset(p, 0, sizeof(*p));
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++)
		if (d->open_at)
			*pinned_fd(p, d) = -1;
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	if (!ifname_ok(ifname))
		return -EINVAL;
	err = xt_bpffs_find(false);
	if (err)
		return err;
	err = xt_pin_root_open();
	if (err < 0)
		return err;
	close(err);
	xt_pin_dir(ifname, dir, sizeof(dir));
	if (stat(dir, &st))
		return -errno;
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++) {
		if (!d->open_at)
			continue;
		fd = pinned_fd(p, d);
		*fd = xt_pin_get(dir, d - xt_pin_table);
		if (*fd < 0 && errno == ENOENT && !access(dir, F_OK)) {
			err = pins_fail(-ESTALE,
					"the pins of %s are incomplete: an attach or detach was interrupted (the next 'xdptag attach' or 'xdptag detach' of %s finishes it)",
					ifname, ifname);
			goto fail;
		}
		if (*fd < 0) {
			err = -errno;
			goto fail;
		}
	}
	err = xt_info_read(p->info, p->active, &p->info_val);
	if (!err)
		err = xt_pins_here(ifname, &p->info_val);
	/* After the record is read: attach --force replaces by it. */
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR && !err; d++)
		if (d->open_at)
			err = pin_layout_check(ifname, d, *pinned_fd(p, d));
	if (err)
		goto fail;
	return 0;
fail:
	xt_pins_close(p);
	return err;
}

struct xt_rule_maps xt_pinned_rule_maps(const struct xt_pinned *p)
{
	return (struct xt_rule_maps){
		.rules = p->rules, .active = p->active, .prefix = p->prefix,
		.state = p->state,
	};
}

/* ---------------------------------------------------------- listing --- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The attached interfaces' names, sorted, into *out (malloc'd, NULL when
 * there are none): how many, or -errno.
 */
static int pins_names(char (**out)[IF_NAMESIZE])
{
	char (*names)[IF_NAMESIZE] = NULL, (*more)[IF_NAMESIZE];
	struct dirent *de;
	int n = 0, cap = 0, fd;
	DIR *d;

	*out = NULL;
	n = xt_bpffs_find(false);
	if (n)
		return n == -ENOENT ? 0 : n;
	fd = xt_pin_root_open();
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_name[0] == ':' ||
		    de->d_type != DT_DIR ||
		    strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			more = realloc(names, cap * sizeof(*names));
			if (!more) {
				closedir(d);
				free(names);
				return -ENOMEM;
			}
			names = more;
		}
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	return n;
}

int xt_pins_list(char (*names)[IF_NAMESIZE], int max)
{
	char (*all)[IF_NAMESIZE];
	int n = pins_names(&all);

	if (n > 0)
		memcpy(names, all, (n < max ? n : max) * sizeof(*all));
	free(all);
	return n;
}

int xt_pins_foreach(xt_pins_fn fn, void *arg)
{
	char (*names)[IF_NAMESIZE];
	struct xt_pinned p;
	int n = pins_names(&names), i, ret = 0;

	for (i = 0; i < n && !ret; i++) {
		ret = fn(&p, xt_pins_open(names[i], &p), arg);
		xt_pins_close(&p);
	}
	free(names);
	return n < 0 ? n : ret;
}
