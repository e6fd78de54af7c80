// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape patch sign` and `tuxtape patch verify-signature`: kernel module signatures. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "patch_sign_cmd.h"
#include "tuxtape/modsign.h"

static const char sign_usage[] =
    "Usage: tuxtape patch sign --key KEY --cert CERT [--hash ALGORITHM] [--resign]\n"
    "                          [-o OUT] MODULE.ko\n"
    "\n"
    "Appends a kernel module signature to MODULE.ko, in the format the kernel checks\n"
    "when module signing is enabled (CONFIG_MODULE_SIG) and writes with its own\n"
    "scripts/sign-file: a detached CMS (PKCS#7) SignedData over the module's bytes,\n"
    "without certificates or signed attributes, naming the signer by the\n"
    "certificate's issuer and serial number; then the 12-byte signature info\n"
    "(id_type 2, the signature's length) and \"~Module signature appended~\\n\".\n"
    "With an RSA key the result is byte for byte what sign-file writes.\n"
    "\n"
    "The kernel loads the module only if the certificate's key is in one of its\n"
    "keyrings: built in (CONFIG_SYSTEM_TRUSTED_KEYS), or enrolled as a machine\n"
    "owner key (mokutil --import CERT.der) on a Secure Boot system.\n"
    "\n"
    "Options:\n"
    "  --key KEY          the private key, PEM: RSA, or ECDSA on P-256 or P-384\n"
    "                     (PKCS#8 or traditional; it may hold the certificate too,\n"
    "                     as the kernel build's signing_key.pem does). An encrypted\n"
    "                     key's passphrase is read from $KBUILD_SIGN_PIN, as\n"
    "                     sign-file reads it\n"
    "  --cert CERT        the key's X.509 certificate, PEM or DER (the kernel build\n"
    "                     writes certs/signing_key.x509 as DER)\n"
    "  --hash ALGORITHM   sha256 (default), sha384 or sha512; the kernel must have\n"
    "                     the digest built in to check it\n"
    "  --resign           a module that is already signed is refused unless this is\n"
    "                     given; then its old signature is removed first\n"
    "  -o, --output OUT   write the signed module to OUT and leave MODULE.ko alone;\n"
    "                     by default MODULE.ko is replaced. Either way the file is\n"
    "                     written whole under a temporary name and renamed over\n"
    "                     the target, so no one sees a half-signed module\n"
    "\n"
    "Exit status:\n"
    "  0  signed\n"
    "  1  failure, nothing written: the key, certificate or module could not be\n"
    "     read, the key does not match the certificate, the module is not an ELF\n"
    "     file or is already signed\n"
    "  2  usage error\n"
    "\n"
    "Example:\n"
    "  openssl req -new -x509 -newkey rsa:4096 -nodes -days 3650 -subj '/CN=livepatch' \\\n"
    "      -keyout signing_key.pem -outform DER -out signing_key.x509\n"
    "  tuxtape patch sign --key signing_key.pem --cert signing_key.x509 livepatch.ko\n"
    "  tuxtape patch verify-signature --cert signing_key.x509 livepatch.ko\n";

static const char verify_usage[] =
    "Usage: tuxtape patch verify-signature --cert CERT [--json] MODULE.ko...\n"
    "\n"
    "Checks each module's appended signature as the kernel does before it loads a\n"
    "module: the trailer (magic, and a signature info block that says PKCS#7 with\n"
    "every other field zero), then the CMS it holds (a detached SignedData with\n"
    "exactly one signer), that the signer is CERT (by issuer and serial number, or\n"
    "by subject key identifier), and that the signature matches the module's bytes.\n"
    "Prints the signer, digest and signature algorithm. CERT's dates and chain are\n"
    "not checked: the kernel trusts a key because it is in a keyring, not for its\n"
    "certificate's validity.\n"
    "\n"
    "Options:\n"
    "  --cert CERT   the certificate to check against, PEM or DER\n"
    "  --json        the results as JSON: {\"valid\": all valid, \"modules\": [{\"module\",\n"
    "                \"signed\", \"valid\", \"error\", \"module_bytes\", \"signature_bytes\",\n"
    "                \"digest\", \"signature_algorithm\", \"signer\": {\"issuer\",\n"
    "                \"serial\", \"key_id\"}}]}\n"
    "\n"
    "Exit status:\n"
    "  0  every module carries a valid signature by CERT\n"
    "  1  at least one does not (unsigned, malformed, signed by another key, or\n"
    "     changed after signing: the message says which), or CERT cannot be read\n"
    "  2  usage error\n"
    "\n"
    "Example:\n"
    "  tuxtape patch verify-signature --cert signing_key.x509 livepatch.ko\n";

/* ---------------- patch sign ---------------- */

struct sign_args {
	const char *key;
	const char *cert;
	const char *output;
	const char *module;
	struct tt_modsign_sign_opts opts;
};

/* Returns -1 to go on, else an exit code. */
static int sign_parse(struct sign_args *a, int argc, char **argv)
{
	static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
					     {"cert", required_argument, NULL, 'c'},
					     {"hash", required_argument, NULL, 'H'},
					     {"resign", no_argument, NULL, 'r'},
					     {"output", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	struct tt_error err = {0};
	int c;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			a->key = optarg;
			break;
		case 'c':
			a->cert = optarg;
			break;
		case 'H':
			if (tt_modsign_hash_from_name(optarg, &a->opts.hash, &err) < 0) {
				cli_error("--hash: %s", err.msg);
				return EXIT_USAGE;
			}
			break;
		case 'r':
			a->opts.resign = true;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'h':
			fputs(sign_usage, stdout);
			return EXIT_OK;
		default:
			fputs(sign_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (!a->key || !a->cert) {
		cli_error("give --key and --cert (see `tuxtape patch sign --help`)");
		return EXIT_USAGE;
	}
	if (argc - optind != 1) {
		cli_error("give exactly one module to sign (see `tuxtape patch sign --help`)");
		return EXIT_USAGE;
	}
	a->module = argv[optind];
	return -1;
}

int cmd_patch_sign(struct cli *cli, int argc, char **argv)
{
	struct sign_args a = {.opts.hash = TT_MODSIGN_SHA256};
	int code = sign_parse(&a, argc, argv);
	if (code >= 0)
		return code;
	struct tt_error err = {0};
	struct tt_modsign_signer *signer = NULL;
	if (tt_modsign_signer_load(a.key, getenv("KBUILD_SIGN_PIN"), a.cert, &signer, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	int r = tt_modsign_sign_file(signer, a.module, a.output, &a.opts, &err);
	tt_modsign_signer_free(signer);
	if (r < 0) {
		cli_error("%s", err.msg);
		if (r == -EEXIST)
			fprintf(stderr, "hint: --resign replaces the old signature\n");
		return EXIT_FAIL;
	}
	if (!cli->quiet)
		printf("%s: signed with %s by %s%s%s\n", a.output ? a.output : a.module,
		       tt_modsign_hash_name(a.opts.hash), a.cert, a.output ? ", from " : "",
		       a.output ? a.module : "");
	return EXIT_OK;
}

/* ---------------- patch verify-signature ---------------- */

static json_t *signer_json(const struct tt_modsign_info *info)
{
	if (!info->issuer && !info->key_id)
		return json_null();
	return json_pack("{s:o, s:o, s:o}", "issuer", cli_json_str(info->issuer), "serial",
			 cli_json_str(info->serial), "key_id", cli_json_str(info->key_id));
}

static json_t *result_json(const char *module, int r, const struct tt_modsign_info *info,
			   const struct tt_error *err)
{
	bool decoded = info->digest != NULL;
	return json_pack("{s:s, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "module", module,
			 "signed", r != -ENODATA && r != -ENOENT, "valid", r == 0, "error",
			 cli_json_str(r ? err->msg : NULL), "module_bytes",
			 decoded ? json_integer((json_int_t)info->module_len) : json_null(),
			 "signature_bytes",
			 decoded ? json_integer((json_int_t)info->cms_len) : json_null(), "digest",
			 cli_json_str(info->digest), "signature_algorithm",
			 cli_json_str(info->signature_alg), "signer", signer_json(info));
}

static void result_print(const char *module, int r, const struct tt_modsign_info *info,
			 const struct tt_error *err)
{
	if (r < 0) {
		printf("BAD: %s\n", err->msg); /* the message starts with the module's path */
		return;
	}
	printf("%s: good signature (%s, %s) over %zu bytes\n", module, info->digest,
	       info->signature_alg, info->module_len);
	if (info->serial)
		printf("  signer: issuer %s, serial %s\n", info->issuer, info->serial);
	else
		printf("  signer: key id %s\n", info->key_id);
}

/* Returns -1 to go on, else an exit code. */
static int verify_parse(const char **cert, bool *json, int argc, char **argv)
{
	static const struct option opts[] = {{"cert", required_argument, NULL, 'c'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'c') {
			*cert = optarg;
		} else if (c == 'j') {
			*json = true;
		} else {
			fputs(verify_usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (!*cert) {
		cli_error("give --cert (see `tuxtape patch verify-signature --help`)");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_error("no module to check (see `tuxtape patch verify-signature --help`)");
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_patch_verify_signature(struct cli *cli, int argc, char **argv)
{
	const char *cert_path = NULL;
	bool json = false;
	int code = verify_parse(&cert_path, &json, argc, argv);
	if (code >= 0)
		return code;
	struct tt_error err = {0};
	struct tt_modsign_cert *cert = NULL;
	if (tt_modsign_cert_load(cert_path, &cert, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	bool all_valid = true;
	json_t *results = json_array();
	for (int i = optind; i < argc; i++) {
		struct tt_modsign_info info = {0};
		tt_error_clear(&err);
		int r = tt_modsign_verify_file(cert, argv[i], &info, &err);
		all_valid = all_valid && r == 0;
		if (json)
			json_array_append_new(results, result_json(argv[i], r, &info, &err));
		else
			result_print(argv[i], r, &info, &err);
		tt_modsign_info_free(&info);
	}
	tt_modsign_cert_free(cert);
	if (json)
		cli_print_json(json_pack("{s:b, s:o}", "valid", all_valid, "modules", results));
	else
		json_decref(results);
	return all_valid ? EXIT_OK : EXIT_FAIL;
}
