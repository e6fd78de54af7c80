// SPDX-License-Identifier: GPL-2.0-or-later
/* tuxtape-agent --help and COMMAND --help: what each command does, its options and exits. */
#include <string.h>

#include "cli.h"

static const char overview[] =
    "Usage: tuxtape-agent [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "The tuxtape fleet agent: fetches signed livepatches for this kernel, loads\n"
    "them, watches their transitions, reverses what does not finish, reads the\n"
    "kernel log for trouble they cause, and reports to the tuxtape server.\n"
    "\n"
    "Commands:\n"
    "  run             the daemon: a refresh cycle every --interval (+ jitter)\n"
    "  boot            load the cached, verified patches (early boot, no network)\n"
    "  apply [NAME]... one refresh cycle now; NAMEs held after a crash or an\n"
    "                  unload are released first\n"
    "  status [--json] kernel, patch level, each patch and its state, last check\n"
    "  check           is this host up to date? (exit status, below)\n"
    "  patches [-v]    the patches the agent knows; -v: CVEs, target, sha256\n"
    "  blocking        tasks holding up a livepatch transition, with stacks\n"
    "  uname           the kernel release with the livepatches applied\n"
    "  enroll --server URL --token TOKEN   register this host with the server\n"
    "  unload NAME     disable and remove a patch, and hold it off\n"
    "\n"
    "Options (each is also a configuration file key, '-' written '_'):\n"
    "  --config FILE         configuration file (default /etc/tuxtape/agent.conf,\n"
    "                        read when it exists)\n"
    "  --server URL          fleet server (enroll saves it with the credentials)\n"
    "  --state-dir DIR       state, cache and credentials (default /var/lib/tuxtape)\n"
    "  --archive-url URL     signed archive base (default: what the server says)\n"
    "  --archive-root FILE   the archive's trusted root.json (default\n"
    "                        /etc/tuxtape/root.json), copied in on first use\n"
    "  --interval SECONDS    between refresh cycles (default: what the server\n"
    "                        asks for, else 3600)\n"
    "  --jitter SECONDS      random extra wait per cycle, up to this (default 300)\n"
    "  --proxy URL           HTTP(S) proxy (default: $https_proxy and friends)\n"
    "  --ca-file FILE        CA bundle trusted for the server (default: system's)\n"
    "  --signal-after SECONDS  signal tasks blocking a transition (default 15)\n"
    "  --revert-after SECONDS  reverse a transition still running (default 60)\n"
    "  --on-warning report|disable  a WARNING/BUG/Oops naming a patch: report it,\n"
    "                        or also disable the patch (default report)\n"
    "  --kill-file FILE      while it exists nothing is loaded (default\n"
    "                        /etc/tuxtape/disable); so does tuxtape.enable=0 on\n"
    "                        the kernel command line\n"
    "  --root DIR            read /sys, /proc, /dev and /etc under DIR (tests)\n"
    "  -h, --help            this text; COMMAND --help for one command\n"
    "\n"
    "Exit status: 0 success, 1 failure, 2 usage error; `check`: 0 up to date,\n"
    "3 updates pending, 4 unsupported kernel, 1 error.\n"
    "See docs/agent.md for the configuration file and the status JSON.\n";

struct command_help {
	const char *name;
	const char *text;
};

static const struct command_help commands[] = {
    {"run", "Usage: tuxtape-agent run [--once] [OPTIONS]\n"
	    "\n"
	    "The daemon. At start, patches still marked as loading (the host crashed or\n"
	    "rebooted during their load) are held and reported. Then, every --interval\n"
	    "seconds plus a random 0..--jitter: read the kernel log since the saved\n"
	    "cursor and report what names our patches; heartbeat to the server; check the\n"
	    "kill switches and pre-flight; refresh the signed archive metadata; for each\n"
	    "patch the server wants for this kernel and tier, verify it against the\n"
	    "signed metadata (kernel release, build id, length, sha256), cache it under\n"
	    "the state directory, mark it, load it with finit_module(2) and watch its\n"
	    "transition: signal the blocking tasks after --signal-after, reverse the\n"
	    "transition (enabled=0) after --revert-after and report the blocking tasks\n"
	    "with their stacks. It never forces a transition.\n"
	    "\n"
	    "  --once   one cycle, then exit (like apply)\n"
	    "\n"
	    "SIGTERM or SIGINT end the daemon between two polls. Exit status 0, or 1\n"
	    "when it cannot start (state directory, kernel).\n"},
    {"boot", "Usage: tuxtape-agent boot [OPTIONS]\n"
	     "\n"
	     "For early boot (tuxtape-agent-boot.service): hold the patches a crash\n"
	     "interrupted, then load the cached patches that were enabled for this kernel\n"
	     "release, after checking each file's sha256 against what was verified. No\n"
	     "network. Nothing is loaded while a kill switch is set.\n"
	     "\n"
	     "Exit status 0, or 1 when a patch did not load (each is named).\n"},
    {"apply", "Usage: tuxtape-agent apply [NAME]... [OPTIONS]\n"
	      "\n"
	      "One refresh cycle now, as the daemon would run it. Each NAME that is held\n"
	      "(after a crash during its load, a reversed transition, a policy disable\n"
	      "or an unload) is released first, so the cycle may load it again.\n"
	      "\n"
	      "Prints what it did. Exit status 0, 1 when something failed (reported).\n"},
    {"status", "Usage: tuxtape-agent status [--json] [OPTIONS]\n"
	       "\n"
	       "The kernel, the effective patch level, each patch and its state, the last\n"
	       "check and its result, coverage (CVEs fixed by enabled patches) and the\n"
	       "pre-flight checks. Reads local state only. --json prints the document\n"
	       "described in docs/agent.md (status_version 1; fields are only added).\n"
	       "\n"
	       "Exit status 0, 1 when the state cannot be read.\n"},
    {"check", "Usage: tuxtape-agent check [OPTIONS]\n"
	      "\n"
	      "Ask the server (a heartbeat) which patches this host should run and\n"
	      "compare with what the kernel has enabled. Loads nothing.\n"
	      "\n"
	      "Exit status:\n"
	      "  0  up to date: every wanted patch is enabled\n"
	      "  3  updates pending (each is named)\n"
	      "  4  unsupported kernel: no livepatch support, or ftrace disabled\n"
	      "  1  error: not enrolled, server unreachable, state unreadable\n"
	      "  2  usage error\n"},
    {"patches", "Usage: tuxtape-agent patches [-v] [OPTIONS]\n"
		"\n"
		"The patches the agent verified: name, state, version. -v adds the CVEs each\n"
		"fixes, its archive target, sha256 and the last message.\n"},
    {"blocking", "Usage: tuxtape-agent blocking [OPTIONS]\n"
		 "\n"
		 "For every livepatch in transition, the tasks that have not switched yet\n"
		 "(/proc/PID/task/TID/patch_state) with their kernel stacks. Needs root\n"
		 "for the stacks. Exit status 0 (nothing in transition prints so).\n"},
    {"uname", "Usage: tuxtape-agent uname [OPTIONS]\n"
	      "\n"
	      "The kernel release with the livepatch level and the enabled patches, e.g.\n"
	      "  6.1.0-47-amd64 +livepatch level 3: tt_cve_2026_1 tt_cve_2026_2\n"},
    {"enroll", "Usage: tuxtape-agent enroll --server URL --token TOKEN [OPTIONS]\n"
	       "\n"
	       "Register this host (machine id, hostname, kernel) with a one-time\n"
	       "enrollment token (tte_...). The host's secret is saved in\n"
	       "STATE_DIR/credentials.json, mode 0600.\n"},
    {"unload", "Usage: tuxtape-agent unload NAME [OPTIONS]\n"
	       "\n"
	       "Disable livepatch NAME, wait for the unpatching transition, remove the\n"
	       "module, and hold it: the agent does not load it again until\n"
	       "`tuxtape-agent apply NAME`. Reported to the server.\n"},
};

bool agent_command_known(const char *cmd)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd) == 0)
			return true;
	return false;
}

int agent_help(FILE *out, const char *cmd)
{
	if (!cmd) {
		fputs(overview, out);
		return 1;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd) == 0) {
			fputs(commands[i].text, out);
			return 1;
		}
	return 0;
}
