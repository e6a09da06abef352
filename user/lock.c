// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The lock of the pin root (user/lock.h): attach, detach, rules load and
 * the service verbs hold it while they make, rewrite or remove pins.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "bpffs.h"
#include "lock.h"
#include "log.h"
#include "pins.h"

/* Effective uid of pid, or -1. */
static long uid_of(pid_t pid)
{
	char path[64], line[128];
	unsigned int ruid, euid;
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %u %u", &ruid, &euid) == 2) {
			uid = euid;
			break;
		}
	fclose(f);
	return uid;
}

/*
 * Take the flock on the pin root, waiting only for root: a process of
 * another user can hold it only through a descriptor it opened while the
 * directory was open to it (the pin root check refuses that now), and it
 * would keep every xdptag command waiting for as long as it likes.
 * /proc/locks names the holder of an flock.  Prints errors.
 */
static int lock_take(int fd)
{
	unsigned int maj, min;
	unsigned long ino;
	char line[256];
	struct stat st;
	long uid;
	FILE *f;
	int pid, err;

	if (!flock(fd, LOCK_EX | LOCK_NB))
		return 0;
	if (errno != EWOULDBLOCK || fstat(fd, &st))
		goto fail;
	f = fopen("/proc/locks", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d: FLOCK %*s %*s %d %x:%x:%lu", &pid, &maj,
			   &min, &ino) != 4 || ino != st.st_ino ||
		    maj != major(st.st_dev) || min != minor(st.st_dev))
			continue;
		uid = uid_of(pid);
		if (uid > 0) {
			fclose(f);
			pr_err("%s is locked by pid %d of uid %ld, not root: refusing to wait for it",
			       XT_PIN_ROOT, pid, uid);
			return -EPERM;
		}
	}
	if (f)
		fclose(f);
	if (!flock(fd, LOCK_EX))
		return 0;
fail:
	err = -errno;
	pr_err("cannot lock %s: %s", XT_PIN_ROOT, strerror(errno));
	return err;
}

int xt_lock(void)
{
	int fd, err = xt_bpffs_find(true);

	if (err)
		return err;
	/* 0700: the pins give whoever opens them the counters and rules. */
	if (mkdir(XT_PIN_ROOT, 0700) && errno != EEXIST) {
		err = -errno;
		pr_err("cannot create %s: %s", XT_PIN_ROOT, strerror(errno));
		return err;
	}
	fd = xt_pin_root_open();
	if (fd < 0) {
		pr_err("%s", xt_pins_strerror(fd));
		return fd;
	}
	err = lock_take(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void xt_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* drops the flock */
}
