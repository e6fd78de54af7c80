// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A running kernel's identity. Distribution kernels put an ABI name in
 * uname ("6.1.0-47-amd64", "5.15.0-105-generic") whose numbers are not the
 * upstream version; the real one is only in /proc/version.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "tuxtape/kernel.h"

static void copy_str(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static size_t token_len(const char *s)
{
	size_t n = 0;
	while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '(' && s[n] != ')' && s[n] != ',')
		n++;
	return n;
}

/*
 * Debian: "... #1 SMP PREEMPT_DYNAMIC Debian 6.1.170-3 (2026-...)". The
 * compiler part also says "(Debian 12.2.0-14)", so take the last "Debian "
 * whose version is on the same branch as the uname version.
 */
static bool find_debian(const char *pv, const struct tt_kver *uname_ver,
			struct tt_kernel_release *out)
{
	bool found = false;
	for (const char *p = strstr(pv, "Debian "); p; p = strstr(p + 1, "Debian ")) {
		const char *tok = p + 7;
		struct tt_kver v;
		const char *end;
		if (tt_kver_parse_prefix(tok, &v, &end) < 0 || !tt_kver_same_branch(&v, uname_ver))
			continue;
		out->upstream = v;
		out->upstream.rc = 0;
		copy_str(out->distro_release, sizeof(out->distro_release), tok, token_len(tok));
		found = true;
	}
	return found;
}

/*
 * Ubuntu (/proc/version_signature style): "Ubuntu 5.15.0-105.115-generic 5.15.149".
 * The token after "Ubuntu " must start with the uname's ABI version, and
 * the next one is the upstream version.
 */
static bool find_ubuntu(const char *pv, const char *uname_release, size_t abi_len,
			struct tt_kernel_release *out)
{
	for (const char *p = strstr(pv, "Ubuntu "); p; p = strstr(p + 1, "Ubuntu ")) {
		const char *tok = p + 7;
		size_t tl = token_len(tok);
		if (tl < abi_len || strncmp(tok, uname_release, abi_len) != 0)
			continue;
		const char *next = tok + tl;
		while (*next == ' ')
			next++;
		struct tt_kver v;
		const char *end;
		if (tt_kver_parse_prefix(next, &v, &end) < 0 ||
		    (*end && !isspace((unsigned char)*end)))
			continue;
		out->upstream = v;
		/* "5.15.0-105.115-generic" -> "5.15.0-105.115": the flavour is in uname already. */
		const char *flavour = memchr(tok + abi_len, '-', tl - abi_len);
		copy_str(out->distro_release, sizeof(out->distro_release), tok,
			 flavour ? (size_t)(flavour - tok) : tl);
		return true;
	}
	return false;
}

/* "6.1.0-47-amd64": patch level 0 followed by a numeric ABI number. */
static bool looks_like_abi_name(const struct tt_kver *v, const char *rest)
{
	if (v->n_parts != 3 || v->part[2] != 0 || rest[0] != '-' ||
	    !isdigit((unsigned char)rest[1]))
		return false;
	const char *p = rest + 1;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0' || *p == '-';
}

/* Length of "X.Y.Z-N" in "X.Y.Z-N-flavour": the part Ubuntu repeats in its signature. */
static size_t abi_prefix_len(const char *uname_release, const char *rest)
{
	const char *p = rest + 1;
	while (isdigit((unsigned char)*p))
		p++;
	return (size_t)(p - uname_release);
}

int tt_kernel_release_parse(const char *uname_release, const char *proc_version,
			    struct tt_kernel_release *out, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!uname_release)
		return tt_error_set(err, -EINVAL, "no kernel release given");
	const char *rest;
	struct tt_kver uv;
	if (tt_kver_parse_prefix(uname_release, &uv, &rest) < 0)
		return tt_error_set(err, -EINVAL,
				    "kernel release '%s' does not start with a version",
				    uname_release);
	copy_str(out->uname, sizeof(out->uname), uname_release, strlen(uname_release));
	copy_str(out->localversion, sizeof(out->localversion), rest, strlen(rest));
	out->upstream = uv;
	bool abi = looks_like_abi_name(&uv, rest);
	out->upstream_exact = !abi;
	if (!proc_version)
		return 0;
	if (find_debian(proc_version, &uv, out)) {
		out->distro = TT_DISTRO_DEBIAN;
		out->upstream_exact = true;
	} else if (abi && find_ubuntu(proc_version, uname_release,
				      abi_prefix_len(uname_release, rest), out)) {
		out->distro = TT_DISTRO_UBUNTU;
		out->upstream_exact = true;
	}
	return 0;
}

int tt_kernel_release_host(struct tt_kernel_release *out, struct tt_error *err)
{
	struct utsname u;
	if (uname(&u) < 0)
		return tt_error_set(err, -errno, "uname: %s", strerror(errno));
	char *pv = NULL;
	/* /proc/version may be missing in containers; the uname version then stands alone. */
	if (tt_read_file("/proc/version", &pv, NULL, NULL) < 0)
		pv = NULL;
	int r = tt_kernel_release_parse(u.release, pv, out, err);
	free(pv);
	return r;
}
