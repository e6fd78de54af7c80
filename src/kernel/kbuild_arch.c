// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What each architecture's image build compiles besides vmlinux and the
 * modules. These objects are named in makefile variables that only the
 * arch's own image rules consume (the x86 boot sector's setup-y, the
 * decompressor's vmlinux-objs-y, ...), so no generic Kbuild rule finds
 * them: one row per (directory, variable) says where to look.
 */
#include <string.h>

#include "kbuild_arch.h"

static const struct kb_extra x86_extra[] = {
    /* make bzImage: arch/x86/boot/Makefile links setup.elf from setup-y */
    {"arch/x86/boot", "setup-y", NULL, TT_KBUILD_BUILTIN},
    /* ... and the decompressor, arch/x86/boot/compressed/vmlinux */
    {"arch/x86/boot/compressed", "vmlinux-objs-y", NULL, TT_KBUILD_BUILTIN},
    /* realmode.bin, embedded in vmlinux through rmpiggy.S */
    {"arch/x86/realmode/rm", "realmode-y", NULL, TT_KBUILD_BUILTIN},
    /* the vDSO images embedded through vdso-image-*.c */
    {"arch/x86/entry/vdso", "vobjs-y", NULL, TT_KBUILD_BUILTIN},
    {"arch/x86/entry/vdso", "vobjs32-y", "VDSO32-y", TT_KBUILD_BUILTIN},
    /* archscripts: the relocs host tool that post-processes vmlinux */
    {"arch/x86/tools", "relocs-objs", NULL, TT_KBUILD_HOST},
};

static const struct kb_arch arches[] = {
    {"x86", "x86", x86_extra, sizeof(x86_extra) / sizeof(x86_extra[0])},
    {"arm64", "arm64", NULL, 0},
    {"arm", "arm", NULL, 0},
    {"riscv", "riscv", NULL, 0},
    {"powerpc", "powerpc", NULL, 0},
    {"s390", "s390", NULL, 0},
};

const struct kb_arch *kb_arch_find(const char *name)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(arches[i].name, name) == 0)
			return &arches[i];
	return NULL;
}
