// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The built-in ruleset: rules/default.yaml, embedded at build time so the
 * binary works without any file installed.  The trailing NUL makes it a C
 * string for libyaml.  The Makefile makes this object depend on the YAML.
 */
__asm__(".section .rodata\n"
	".global xt_default_yaml\n"
	".type xt_default_yaml, @object\n"
	"xt_default_yaml:\n"
	".incbin \"rules/default.yaml\"\n"
	".byte 0\n"
	".size xt_default_yaml, . - xt_default_yaml\n"
	".previous\n");
