// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's configuration: one set of keys, read from a file of
 * "key = value" lines and overridden by command-line flags of the same names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/agent.h"

void tt_agent_config_init(struct tt_agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->state_dir = tt_xstrdup(TT_FLEET_STATE_DIR);
	cfg->root = tt_xstrdup("");
	cfg->archive_root = tt_xstrdup("/etc/tuxtape/root.json");
	cfg->kill_file = tt_xstrdup("/etc/tuxtape/disable");
	cfg->interval = 3600;
	cfg->jitter = 300;
	cfg->signal_after = 15;
	cfg->revert_after = 60;
	cfg->poll_interval = 0.5;
	cfg->http_timeout = 30;
	cfg->on_warning = TT_AGENT_ON_WARNING_REPORT;
}

void tt_agent_config_free(struct tt_agent_config *cfg)
{
	free(cfg->server);
	free(cfg->archive_url);
	free(cfg->archive_root);
	free(cfg->state_dir);
	free(cfg->root);
	free(cfg->kill_file);
	free(cfg->proxy);
	free(cfg->ca_file);
	memset(cfg, 0, sizeof(*cfg));
}

static int set_string(char **field, const char *value)
{
	free(*field);
	/* An empty value clears an optional setting. */
	*field = *value ? tt_xstrdup(value) : NULL;
	return 0;
}

static int set_seconds(double *field, const char *key, const char *value, struct tt_error *err)
{
	char *end;
	errno = 0;
	double v = strtod(value, &end);
	if (errno || end == value || *end || v < 0 || v > 30 * 86400.0)
		return tt_error_set(err, -EINVAL, "%s: \"%s\" is not a number of seconds", key,
				    value);
	*field = v;
	return 0;
}

struct string_key {
	const char *name;
	size_t offset;
};

static const struct string_key string_keys[] = {
    {"server", offsetof(struct tt_agent_config, server)},
    {"archive_url", offsetof(struct tt_agent_config, archive_url)},
    {"archive_root", offsetof(struct tt_agent_config, archive_root)},
    {"state_dir", offsetof(struct tt_agent_config, state_dir)},
    {"root", offsetof(struct tt_agent_config, root)},
    {"kill_file", offsetof(struct tt_agent_config, kill_file)},
    {"proxy", offsetof(struct tt_agent_config, proxy)},
    {"ca_file", offsetof(struct tt_agent_config, ca_file)},
};

struct seconds_key {
	const char *name;
	size_t offset;
};

static const struct seconds_key seconds_keys[] = {
    {"interval", offsetof(struct tt_agent_config, interval)},
    {"jitter", offsetof(struct tt_agent_config, jitter)},
    {"signal_after", offsetof(struct tt_agent_config, signal_after)},
    {"revert_after", offsetof(struct tt_agent_config, revert_after)},
    {"poll_interval", offsetof(struct tt_agent_config, poll_interval)},
    {"http_timeout", offsetof(struct tt_agent_config, http_timeout)},
};

/* "state-dir" (a flag) and "state_dir" (the file) name the same key. */
static void normalize_key(const char *key, char *out, size_t n)
{
	size_t i = 0;
	for (; key[i] && i + 1 < n; i++)
		out[i] = key[i] == '-' ? '_' : key[i];
	out[i] = '\0';
}

static int set_policy(struct tt_agent_config *cfg, const char *value, struct tt_error *err)
{
	if (strcmp(value, "report") == 0)
		cfg->on_warning = TT_AGENT_ON_WARNING_REPORT;
	else if (strcmp(value, "disable") == 0)
		cfg->on_warning = TT_AGENT_ON_WARNING_DISABLE;
	else
		return tt_error_set(err, -EINVAL, "on_warning: \"%s\" is not report or disable",
				    value);
	return 0;
}

int tt_agent_config_set(struct tt_agent_config *cfg, const char *key, const char *value,
			struct tt_error *err)
{
	char k[64];
	normalize_key(key, k, sizeof(k));
	char *base = (char *)cfg;
	for (size_t i = 0; i < sizeof(string_keys) / sizeof(string_keys[0]); i++)
		if (strcmp(k, string_keys[i].name) == 0)
			return set_string((char **)(base + string_keys[i].offset), value);
	if (strcmp(k, "interval") == 0)
		cfg->interval_set = true;
	for (size_t i = 0; i < sizeof(seconds_keys) / sizeof(seconds_keys[0]); i++)
		if (strcmp(k, seconds_keys[i].name) == 0)
			return set_seconds((double *)(base + seconds_keys[i].offset), k, value,
					   err);
	if (strcmp(k, "on_warning") == 0)
		return set_policy(cfg, value, err);
	return tt_error_set(err, -EINVAL, "unknown setting \"%s\"", key);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int config_line(struct tt_agent_config *cfg, char *line, const char *path, int lineno,
		       struct tt_error *err)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *text = trim(line);
	if (!*text)
		return 0;
	char *eq = strchr(text, '=');
	if (!eq)
		return tt_error_set(err, -EINVAL, "%s:%d: expected \"key = value\"", path, lineno);
	*eq = '\0';
	int rc = tt_agent_config_set(cfg, trim(text), trim(eq + 1), err);
	if (rc < 0)
		tt_error_prefix(err, "%s:%d: ", path, lineno);
	return rc;
}

int tt_agent_config_load(struct tt_agent_config *cfg, const char *path, struct tt_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = tt_read_file(path, &text, &len, err);
	if (rc < 0)
		return rc;
	int lineno = 0;
	char *save = NULL;
	/* strtok_r would skip empty lines and miscount: split by hand. */
	for (char *line = text; line && rc == 0; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		rc = config_line(cfg, line, path, ++lineno, err);
	}
	free(text);
	return rc;
}

char *tt_agent_path(const struct tt_agent_config *cfg, const char *abs_path)
{
	return tt_xasprintf("%s%s", cfg->root ? cfg->root : "", abs_path);
}
