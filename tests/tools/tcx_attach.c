// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test helper: attach a program as a tcx ingress link the way another tool
 * (Cilium) would, since Debian 12's bpftool cannot.  The link is pinned;
 * removing the pin detaches it.
 *
 *   tcx_attach NETNS IFACE OBJ PROG PIN first|last   prints the prog id
 *   tcx_attach NETNS IFACE probe      exit 0 if the kernel has tcx, else 2
 *
 * It joins the network namespace itself (setns) rather than run under
 * `ip netns exec`, which would hide the bpffs the pin goes to.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hooks.h"

#define XT_BPF_F_AFTER	(1U << 4)

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct bpf_object *obj;
	struct bpf_program *prog;
	char path[256];
	int ns, ifindex, fd;

	if (argc != 4 && argc != 7) {
		fprintf(stderr, "usage: tcx_attach NETNS IFACE OBJ PROG PIN first|last\n"
				"       tcx_attach NETNS IFACE probe\n");
		return 1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", argv[1]);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET)) {
		fprintf(stderr, "cannot enter %s: %s\n", path, strerror(errno));
		return 1;
	}
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "no interface %s\n", argv[2]);
		return 1;
	}
	if (argc == 4)
		return xt_tcx_supported(ifindex) ? 0 : 2;
	obj = bpf_object__open_file(argv[3], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", argv[3]);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[4]);
	if (!prog) {
		fprintf(stderr, "no program %s in %s\n", argv[4], argv[3]);
		return 1;
	}
	lo.flags = strcmp(argv[6], "first") ? XT_BPF_F_AFTER : XT_BPF_F_BEFORE;
	fd = bpf_link_create(bpf_program__fd(prog), ifindex,
			     XT_BPF_TCX_INGRESS, &lo);
	if (fd < 0 || bpf_obj_pin(fd, argv[5])) {
		fprintf(stderr, "cannot attach or pin: %s\n", strerror(errno));
		return 1;
	}
	bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
	printf("%u\n", info.id);
	return 0;
}
