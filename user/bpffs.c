// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Which bpffs holds the pins, so that every xdptag process on a host finds
 * the pins of every other one.
 *
 * The trouble is `ip netns exec`: it runs us in a mount namespace of our
 * own, with a fresh /sys and no bpffs at /sys/fs/bpf.  Pins made there
 * vanish with the process.  So, like a shell's cd, the search walks up the
 * chain of parent processes:
 *
 *   1. a bpffs at /sys/fs/bpf here: use it;
 *   2. else the nearest ancestor in another mount namespace that has one:
 *      join its mount namespace (setns) and use that;
 *   3. else, when asked to create (attach, rules load), mount a bpffs in
 *      the mount namespace of the furthest ancestor, as systemd does at
 *      boot and bpftool does on pin: every later command, inside or outside
 *      `ip netns exec`, finds it by 1 or 2.
 *
 * The walk stops at the first process whose root directory is not ours (a
 * container's or chroot's parent outside it) or that we may not inspect:
 * xdptag never leaves the mount namespaces of the caller's own root.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "bpffs.h"
#include "log.h"

/* Deep enough for any real process tree; bounds a loop through /proc. */
#define ANCESTORS_MAX	64

/* What xt_bpffs_find settled on, for status. */
static struct {
	pid_t pid;		/* whose mount namespace was joined; 0: ours */
	unsigned long long mntns;	/* inode of the namespace in use */
} where;
static bool found;

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static pid_t ppid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "PPid: %d", &ppid) == 1)
			break;
	fclose(f);
	return ppid;
}

/*
 * Enter pid's mount namespace.  setns() moves the root and working
 * directory to the namespace's own root, which would take a process in a
 * chroot out of it: take pid's root instead (the walk checked it is ours),
 * as `nsenter --mount --root` does, and keep the working directory so that
 * relative file names still mean what they did.
 */
static int mntns_join(pid_t pid)
{
	char path[64];
	int ns, root, cwd, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	err = ns < 0 || root < 0 || setns(ns, CLONE_NEWNS) ||
	      fchdir(root) || chroot(".") ? -errno : 0;
	if (!err && cwd >= 0 && fchdir(cwd))
		pr_warn("cannot return to the working directory: %s",
			strerror(errno));
	if (ns >= 0)
		close(ns);
	if (root >= 0)
		close(root);
	if (cwd >= 0)
		close(cwd);
	if (err)
		pr_err("cannot join the mount namespace of pid %d: %s", pid,
		       strerror(-err));
	return err;
}

/*
 * Walk the ancestors that share our root.  *near: the nearest one in
 * another mount namespace with a bpffs at BPFFS (0: none); *far: the
 * furthest one (0: none, we are the top).
 */
static void ancestors_walk(pid_t *near, pid_t *far)
{
	struct stat root, self, st;
	char path[64];
	pid_t pid = getppid();
	int i;

	*near = *far = 0;
	if (stat("/", &root) || stat("/proc/self/ns/mnt", &self))
		return;
	for (i = 0; i < ANCESTORS_MAX && pid > 0; i++, pid = ppid_of(pid)) {
		snprintf(path, sizeof(path), "/proc/%d/root", pid);
		if (stat(path, &st) || !same_file(&st, &root))
			break;
		*far = pid;
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
		if (stat(path, &st) || same_file(&st, &self))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root" XT_BPFFS, pid);
		if (is_bpffs(path)) {
			*near = pid;
			return;
		}
	}
}

static void where_fill(pid_t pid)
{
	struct stat st;

	where.pid = pid;
	where.mntns = stat("/proc/self/ns/mnt", &st) ? 0 : st.st_ino;
	found = true;
}

int xt_bpffs_find(bool create)
{
	pid_t near, far;
	int err;

	if (found)
		return 0;
	if (is_bpffs(XT_BPFFS)) {
		where_fill(0);
		return 0;
	}
	ancestors_walk(&near, &far);
	if (near) {
		err = mntns_join(near);
		if (!err)
			where_fill(near);
		return err;
	}
	if (!create)
		return -ENOENT;
	/* Mount where the furthest ancestor lives, unless it sees ours. */
	if (far && (err = mntns_join(far)))
		return err;
	if (!is_bpffs(XT_BPFFS) &&
	    mount("bpf", XT_BPFFS, "bpf", 0, "mode=0700")) {
		err = -errno;
		pr_err("cannot mount bpffs at %s: %s", XT_BPFFS,
		       strerror(errno));
		return err;
	}
	pr_debug("mounted bpffs at %s", XT_BPFFS);
	where_fill(far);
	return 0;
}

void xt_bpffs_where_print(FILE *out)
{
	if (!found)
		return;
	fprintf(out, "the bpffs at %s of mount namespace mnt:[%llu]", XT_BPFFS,
		(unsigned long long)where.mntns);
	if (where.pid)
		fprintf(out, " (joined from pid %d's)", where.pid);
}
