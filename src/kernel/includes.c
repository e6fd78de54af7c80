// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which C files include a header, read from the #include lines of the
 * sources themselves: what a header change rebuilds when no complete build
 * (with its .cmd dependency lists) exists.
 *
 * The graph is built lazily from the given C files: each file reached is
 * read once, its includes resolved once per directory, and the files that
 * reach the header are found by walking the edges backwards. Preprocessor
 * conditions are not evaluated, so an include under #ifdef counts: the
 * answer errs on the side of too many files, which only costs compile time
 * (an object whose code did not change contributes nothing).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "strmap.h"
#include "tuxtape/kernel.h"
#include "tuxtape/util.h"

/* kbuild's -include flags: every C file of the kernel reads these first. */
static const char *const forced_includes[] = {
    "include/linux/compiler-version.h",
    "include/linux/kconfig.h",
    "include/linux/compiler_types.h",
};

struct inc_node {
	char *path; /* absolute */
	size_t *edges;
	size_t n_edges;
	bool queued;  /* put on the scan queue (or not to be scanned: a header asked about) */
	bool reaches; /* includes one of the headers, directly or not */
};

struct inc_graph {
	const struct tt_include_paths *p;
	struct inc_node *nodes;
	size_t n, cap;
	struct tt_strmap by_path;  /* absolute path -> node index + 1 */
	struct tt_strmap resolved; /* "DIR\x01NAME" or "<NAME" -> node index + 1, or (void*)-1 */
	const struct tt_strv *headers; /* as given: "fs/proc/internal.h" */
	size_t *header_nodes;	       /* their nodes, in the same order */
	size_t *queue;		       /* nodes to scan, in the order found */
	size_t n_queue;
};

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static size_t node_of(struct inc_graph *g, const char *path)
{
	bool created;
	struct tt_strmap_entry *e = tt_strmap_upsert(&g->by_path, path, &created);
	if (!created)
		return (size_t)(uintptr_t)e->val - 1;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 1024;
		g->nodes = tt_xrealloc(g->nodes, g->cap * sizeof(*g->nodes));
	}
	g->nodes[g->n] = (struct inc_node){.path = tt_xstrdup(path)};
	e->val = (void *)(uintptr_t)(g->n + 1);
	return g->n++;
}

static void add_edge(struct inc_graph *g, size_t from, size_t to)
{
	struct inc_node *n = &g->nodes[from];
	n->edges = tt_xrealloc(n->edges, (n->n_edges + 1) * sizeof(*n->edges));
	n->edges[n->n_edges++] = to;
}

/* kbuild's <...> search path, in order: ROOT[/arch/ARCH]/SUB, ROOT the source or O= tree. */
static const struct {
	bool in_obj;	 /* generated: in the O= tree */
	bool under_arch; /* below arch/SRCARCH */
	const char *sub;
} system_dirs[] = {
    {false, true, "include"},	    {true, true, "include/generated"},
    {false, false, "include"},	    {true, false, "include"},
    {false, true, "include/uapi"},  {true, true, "include/generated/uapi"},
    {false, false, "include/uapi"}, {true, false, "include/generated/uapi"},
};

/* The i-th place kbuild looks for <name>, or NULL past the last. */
static char *system_candidate(const struct tt_include_paths *p, size_t i, const char *name)
{
	if (i >= sizeof(system_dirs) / sizeof(*system_dirs))
		return NULL;
	const char *root = system_dirs[i].in_obj && p->obj_dir ? p->obj_dir : p->source_root;
	return tt_xasprintf("%s%s%s/%s/%s", root, system_dirs[i].under_arch ? "/arch/" : "",
			    system_dirs[i].under_arch ? (p->arch ? p->arch : "x86") : "",
			    system_dirs[i].sub, name);
}

/*
 * "a/../b" and "./" as the preprocessor would open them, so one file is
 * one node: the path is normalised in place.
 */
static void normalise(char *path)
{
	char *out = path;
	for (char *p = path; *p;) {
		char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.' && out > path + 1) {
			out--; /* the '/' written last */
			while (out > path && out[-1] != '/')
				out--;
		} else if (len || out == path) {
			memmove(out, p, len);
			out += len;
			if (slash)
				*out++ = '/';
		}
		p += len + (slash != NULL);
	}
	if (out > path + 1 && out[-1] == '/')
		out--;
	*out = '\0';
}

/* Node of an include as written in a file of dir, or SIZE_MAX when it is not found. */
static size_t resolve(struct inc_graph *g, const char *dir, const char *name, size_t len,
		      bool quoted)
{
	_cleanup_free_ char *key = quoted ? tt_xasprintf("%s\x01%.*s", dir, (int)len, name)
					  : tt_xasprintf("<%.*s", (int)len, name);
	bool created;
	struct tt_strmap_entry *e = tt_strmap_upsert(&g->resolved, key, &created);
	if (!created)
		return e->val == (void *)-1 ? SIZE_MAX : (size_t)(uintptr_t)e->val - 1;
	_cleanup_free_ char *written = tt_xstrndup(name, len);
	char *found = NULL;
	if (quoted) {
		found = tt_xasprintf("%s/%s", dir, written);
		normalise(found);
		if (!is_file(found)) {
			free(found);
			found = NULL;
		}
	}
	for (size_t i = 0; !found; i++) {
		char *c = system_candidate(g->p, i, written);
		if (!c)
			break;
		normalise(c);
		if (is_file(c))
			found = c;
		else
			free(c);
	}
	size_t node = SIZE_MAX;
	if (found)
		node = node_of(g, found);
	free(found);
	/* node_of may have grown the map: look the entry up again. */
	e = tt_strmap_upsert(&g->resolved, key, &created);
	e->val = node == SIZE_MAX ? (void *)-1 : (void *)(uintptr_t)(node + 1);
	return node;
}

/* The header whose path ends with name (an unresolved include) at a '/', or SIZE_MAX. */
static size_t header_named(const struct inc_graph *g, const char *name, size_t len)
{
	for (size_t i = 0; len && i < g->headers->n; i++) {
		const char *h = g->headers->v[i];
		size_t hl = strlen(h);
		if (len <= hl && memcmp(h + hl - len, name, len) == 0 &&
		    (len == hl || h[hl - len - 1] == '/'))
			return g->header_nodes[i];
	}
	return SIZE_MAX;
}

/* Each node is scanned once: queued the first time an edge (or a root) reaches it. */
static void enqueue(struct inc_graph *g, size_t node)
{
	if (g->nodes[node].queued)
		return;
	g->nodes[node].queued = true;
	g->queue = tt_xrealloc(g->queue, (g->n_queue + 1) * sizeof(*g->queue));
	g->queue[g->n_queue++] = node;
}

/* One `# include <x>` or `#include "x"` line at p (after the '#'); false if it is not one. */
static bool include_line(const char *p, const char *end, const char **name, size_t *len,
			 bool *quoted)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 8 || memcmp(p, "include", 7) != 0)
		return false;
	p += 7;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || (*p != '<' && *p != '"'))
		return false;
	char close = *p == '<' ? '>' : '"';
	const char *start = ++p;
	while (p < end && *p != close && *p != '\n')
		p++;
	if (p >= end || *p != close || p == start)
		return false;
	*name = start;
	*len = (size_t)(p - start);
	*quoted = close == '"';
	return true;
}

static void scan_file(struct inc_graph *g, size_t node)
{
	char *text;
	size_t len;
	struct tt_error ignored = {0};
	/* A copy: resolving includes adds nodes, and g->nodes may move. */
	_cleanup_free_ char *path = tt_xstrdup(g->nodes[node].path);
	if (tt_read_file(path, &text, &len, &ignored) < 0)
		return; /* vanished or unreadable: it includes nothing we can see */
	_cleanup_free_ char *dir = tt_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	const char *end = text + len;
	for (const char *p = text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *q = p;
		while (q < line_end && (*q == ' ' || *q == '\t'))
			q++;
		const char *name;
		size_t nlen;
		bool quoted;
		if (q < line_end && *q == '#' &&
		    include_line(q + 1, line_end + (nl != NULL), &name, &nlen, &quoted)) {
			size_t to = resolve(g, dir, name, nlen, quoted);
			if (to == SIZE_MAX)
				to = header_named(g, name, nlen);
			if (to != SIZE_MAX) {
				add_edge(g, node, to);
				enqueue(g, to);
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(text);
}

/* Mark every node that reaches a header, by repeated passes until nothing changes. */
static void mark_reaching(struct inc_graph *g)
{
	for (size_t i = 0; i < g->headers->n; i++)
		g->nodes[g->header_nodes[i]].reaches = true;
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t i = 0; i < g->n; i++) {
			struct inc_node *n = &g->nodes[i];
			for (size_t j = 0; !n->reaches && j < n->n_edges; j++)
				if (g->nodes[n->edges[j]].reaches)
					n->reaches = changed = true;
		}
	}
}

static void graph_free(struct inc_graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->nodes[i].path);
		free(g->nodes[i].edges);
	}
	free(g->nodes);
	tt_strmap_free(&g->by_path, NULL);
	tt_strmap_free(&g->resolved, NULL);
	free(g->header_nodes);
	free(g->queue);
}

static bool is_header_node(const struct inc_graph *g, size_t node)
{
	for (size_t i = 0; i < g->headers->n; i++)
		if (g->header_nodes[i] == node)
			return true;
	return false;
}

/* Node of a path below the source root. */
static size_t node_in_tree(struct inc_graph *g, const char *rel)
{
	_cleanup_free_ char *abs = tt_xasprintf("%s/%s", g->p->source_root, rel);
	normalise(abs);
	return node_of(g, abs);
}

int tt_include_users(const struct tt_include_paths *p, const struct tt_strv *sources,
		     const struct tt_strv *headers, struct tt_strv *out, struct tt_error *err)
{
	for (size_t i = 0; i < headers->n; i++)
		if (!*headers->v[i] || headers->v[i][0] == '/')
			return tt_error_set(err, -EINVAL,
					    "include users: header \"%s\" must be a path relative "
					    "to the source root",
					    headers->v[i]);
	if (!p->source_root || !headers->n)
		return tt_error_set(err, -EINVAL,
				    "include users: give the source root and at least one header");
	struct inc_graph g = {.p = p, .headers = headers};
	g.header_nodes = tt_xcalloc(headers->n, sizeof(*g.header_nodes));
	for (size_t i = 0; i < headers->n; i++) {
		g.header_nodes[i] = node_in_tree(&g, headers->v[i]);
		g.nodes[g.header_nodes[i]].queued = true; /* what it includes does not matter */
	}
	/* kbuild's forced includes: edges from every source, found once. */
	size_t forced[sizeof(forced_includes) / sizeof(*forced_includes)], n_forced = 0;
	for (size_t f = 0; f < sizeof(forced_includes) / sizeof(*forced_includes); f++) {
		size_t node = node_in_tree(&g, forced_includes[f]);
		if (g.nodes[node].queued || is_file(g.nodes[node].path)) {
			forced[n_forced++] = node;
			enqueue(&g, node);
		}
	}
	size_t *roots = tt_xcalloc(sources->n + 1, sizeof(*roots));
	for (size_t i = 0; i < sources->n; i++) {
		roots[i] = node_in_tree(&g, sources->v[i]);
		for (size_t f = 0; f < n_forced; f++)
			add_edge(&g, roots[i], forced[f]);
		enqueue(&g, roots[i]);
	}
	for (size_t i = 0; i < g.n_queue; i++) /* the queue grows as files are scanned */
		scan_file(&g, g.queue[i]);
	mark_reaching(&g);
	for (size_t i = 0; i < sources->n; i++)
		if (g.nodes[roots[i]].reaches && !is_header_node(&g, roots[i]))
			tt_strv_push(out, sources->v[i]);
	free(roots);
	graph_free(&g);
	return 0;
}
