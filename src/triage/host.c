// SPDX-License-Identifier: GPL-2.0-or-later
/* Facts only the running host knows: which modules are loaded, and the kernel's build id. */
#include <errno.h>
#include <string.h>

#include "triage_internal.h"

int tri_read_modules(const char *path, struct tt_profile *p, struct tt_error *err)
{
	_cleanup_free_ char *text = NULL;
	int r = tt_read_file(path, &text, NULL, err);
	if (r < 0)
		return r;
	/* "nf_tables 352256 12 nft_chain_nat, Live 0x0000000000000000": the name comes first. */
	for (char *line = text; *line;) {
		size_t n = strcspn(line, " \t\n");
		if (n) {
			char *name = tt_xstrndup(line, n);
			tri_profile_add_module(p, name);
			free(name);
		}
		line += strcspn(line, "\n");
		if (*line)
			line++;
	}
	p->info.modules_known = true;
	return 0;
}

static uint32_t get_u32(const unsigned char *b)
{
	uint32_t v;
	memcpy(&v, b, 4); /* notes are in the kernel's own byte order, which is ours */
	return v;
}

#define NT_GNU_BUILD_ID 3

/* /sys/kernel/notes is the kernel's .notes section: Elf_Nhdr records, 4-byte aligned. */
int tri_read_build_id(const char *path, char **hex, struct tt_error *err)
{
	*hex = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	const unsigned char *b = (const unsigned char *)data;
	size_t off = 0;
	while (off + 12 <= len) {
		uint32_t namesz = get_u32(b + off), descsz = get_u32(b + off + 4);
		uint32_t type = get_u32(b + off + 8);
		size_t name_at = off + 12, desc_at = name_at + ((namesz + 3u) & ~3u);
		if (namesz > len || descsz > len || desc_at + descsz > len)
			break;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && memcmp(b + name_at, "GNU", 4) == 0) {
			struct tt_buf h = TT_BUF_INIT;
			for (uint32_t i = 0; i < descsz; i++)
				tt_buf_addf(&h, "%02x", b[desc_at + i]);
			*hex = tt_buf_detach(&h);
			return 0;
		}
		off = desc_at + ((descsz + 3u) & ~3u);
	}
	return tt_error_set(err, -ENOENT, "%s: no GNU build id note", path);
}
