// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The HTTP side of `tuxtape serve`, over libmicrohttpd: TLS, a pool of
 * epoll threads, request bodies with a hard size limit, the API routes, and
 * the archive's files under /archive/.
 *
 * Each worker thread handles its connections one request at a time and
 * borrows a store connection for the duration of the request; with SQLite
 * the writers of all connections queue on one mutex (the database has a
 * single writer anyway, and SQLite's own busy handler sleeps in steps of
 * milliseconds, which shows in tail latency).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dashboard.h"
#include "http.h"
#include "mhd_api.h"
#include "tuxtape/util.h"

#define CONNECTION_LIMIT   4096
#define CONNECTION_TIMEOUT 30 /* seconds of silence before a connection is closed */
#define API_PREFIX	   "/api/v1/"
#define ARCHIVE_PREFIX	   "/archive/"

/* Store connections, lent to one request at a time. */
struct conn_pool {
	pthread_mutex_t lock;
	pthread_cond_t available;
	struct tt_fleet_db **all, **idle;
	size_t n_all, n_idle;
};

struct tt_server {
	struct MHD_Daemon *daemon;
	struct tt_fleet_config fleet;
	char *archive_url;
	int archive_fd; /* the archive directory, -1 when none is served */
	pthread_mutex_t write_lock;
	struct conn_pool pool;
	struct tt_fleet_batcher *batcher; /* group commit of heartbeats */
	struct tt_dashboard *dashboard;	  /* the pages under /ui/ */
	char *tls_cert, *tls_key;
	unsigned short port;
};

/* What accumulates while a request's body arrives. */
struct request {
	struct tt_buf body;
	bool too_large;
};

bool tt_address_is_loopback(const char *address)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, address, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, address, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6) ||
		       (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
	return false;
}

static struct tt_fleet_db *pool_take(struct conn_pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->n_idle == 0)
		pthread_cond_wait(&p->available, &p->lock);
	struct tt_fleet_db *db = p->idle[--p->n_idle];
	pthread_mutex_unlock(&p->lock);
	return db;
}

static void pool_give(struct conn_pool *p, struct tt_fleet_db *db)
{
	pthread_mutex_lock(&p->lock);
	p->idle[p->n_idle++] = db;
	pthread_cond_signal(&p->available);
	pthread_mutex_unlock(&p->lock);
}

static int pool_open(struct tt_server *s, const char *location, size_t n, struct tt_error *err)
{
	struct conn_pool *p = &s->pool;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->available, NULL);
	p->all = tt_xcalloc(n, sizeof(*p->all));
	p->idle = tt_xcalloc(n, sizeof(*p->idle));
	for (size_t i = 0; i < n; i++) {
		/* The first connection switches a SQLite store to WAL before the others open. */
		int r = tt_fleet_db_open(location, &s->write_lock, i == 0, &p->all[i], err);
		if (r < 0)
			return r;
		p->n_all++;
		p->idle[p->n_idle++] = p->all[i];
	}
	return 0;
}

static void pool_close(struct conn_pool *p)
{
	if (!p->all)
		return;
	for (size_t i = 0; i < p->n_all; i++)
		tt_fleet_db_close(p->all[i]);
	free(p->all);
	free(p->idle);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->available);
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	struct MHD_Response *res =
	    MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(res, "Cache-Control", "no-store");
	enum MHD_Result ok = MHD_queue_response(c, status, res);
	MHD_destroy_response(res);
	return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *message)
{
	return send_json(c, status, tt_api_error_body(status, message));
}

static const char *bearer_of(struct MHD_Connection *c)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return auth;
}

static const char *query_value(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result serve_api(struct tt_server *s, struct MHD_Connection *c, const char *method,
				 const char *path, struct request *rq)
{
	struct tt_api_request req = {
	    .method = method,
	    .path = path,
	    .bearer = bearer_of(c),
	    .body = tt_buf_str(&rq->body),
	    .body_len = rq->body.len,
	    .query = query_value,
	    .query_ctx = c,
	};
	struct tt_api_response res;
	struct tt_fleet_db *db = pool_take(&s->pool);
	tt_api_handle(db, &s->fleet, &req, &res);
	pool_give(&s->pool, db);
	return send_json(c, res.status, res.body);
}

static enum MHD_Result serve_dashboard(struct tt_server *s, struct MHD_Connection *c,
				       const char *method, const char *url, struct request *rq)
{
	struct tt_fleet_db *db = pool_take(&s->pool);
	enum MHD_Result ok = tt_dashboard_serve(s->dashboard, db, c, method, url,
						tt_buf_str(&rq->body), rq->body.len);
	pool_give(&s->pool, db);
	return ok;
}

static const char *content_type_of(const char *path)
{
	static const struct {
		const char *suffix, *type;
	} types[] = {
	    {".json", "application/json"},	   {".ko", "application/octet-stream"},
	    {".txt", "text/plain; charset=utf-8"}, {".html", "text/html; charset=utf-8"},
	    {".sig", "application/octet-stream"},
	};
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t k = strlen(types[i].suffix);
		if (n > k && strcmp(path + n - k, types[i].suffix) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

/*
 * Whether rel names a file below the archive directory and nothing else:
 * no empty, "." or ".." component, no hidden names, no backslashes. The
 * URL is percent-decoded before this check, so "%2e%2e" is caught too.
 */
static bool archive_path_safe(const char *rel)
{
	if (!*rel || strlen(rel) > 1024 || strchr(rel, '\\'))
		return false;
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || p[0] == '.')
			return false;
		p += n;
		if (*p == '/')
			p++;
		if (!*p && p[-1] == '/')
			return false;
	}
	return true;
}

static enum MHD_Result serve_archive(struct tt_server *s, struct MHD_Connection *c,
				     const char *method, const char *rel)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return send_error(c, 405, "the archive is read-only: GET or HEAD");
	if (s->archive_fd < 0 || !archive_path_safe(rel))
		return send_error(c, 404, "no such file in the archive");
	int fd = openat(s->archive_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return send_error(c, 404, "no such file in the archive");
	}
	/* Takes fd: closed with the response. */
	struct MHD_Response *res = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, content_type_of(rel));
	MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(c, 200, res);
	MHD_destroy_response(res);
	return ok;
}

/* The first call of a request: refuse a declared oversize body before reading it. */
static enum MHD_Result request_start(struct MHD_Connection *c, void **req_cls)
{
	const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (length && strtoull(length, NULL, 10) > TT_FLEET_BODY_MAX)
		return send_error(c, 413, "the body is over 64 KiB");
	*req_cls = tt_xcalloc(1, sizeof(struct request));
	return MHD_YES;
}

/* Keep up to the limit; beyond it, drop the rest and answer 413 at the end. */
static void body_take(struct request *rq, const char *data, size_t *size)
{
	if (!rq->too_large && rq->body.len + *size <= TT_FLEET_BODY_MAX)
		tt_buf_add(&rq->body, data, *size);
	else
		rq->too_large = true;
	*size = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct tt_server *s = cls;
	struct request *rq = *req_cls;
	if (!rq)
		return request_start(c, req_cls);
	if (*upload_data_size) {
		body_take(rq, upload_data, upload_data_size);
		return MHD_YES;
	}
	if (rq->too_large)
		return send_error(c, 413, "the body is over 64 KiB");
	if (strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0)
		return serve_api(s, c, method, url + strlen(API_PREFIX), rq);
	if (strncmp(url, ARCHIVE_PREFIX, strlen(ARCHIVE_PREFIX)) == 0)
		return serve_archive(s, c, method, url + strlen(ARCHIVE_PREFIX));
	if (tt_dashboard_owns(url))
		return serve_dashboard(s, c, method, url, rq);
	return send_error(c, 404, "unknown path: the API is under /api/v1/, files under /archive/");
}

static void on_request_done(void *cls, struct MHD_Connection *c, void **req_cls,
			    enum MHD_RequestTerminationCode code)
{
	struct request *rq = *req_cls;
	if (!rq)
		return;
	tt_buf_free(&rq->body);
	free(rq);
	*req_cls = NULL;
}

/* The heartbeat writer, on a connection of its own. */
static int start_batcher(struct tt_server *s, const char *location, struct tt_error *err)
{
	struct tt_fleet_db *db;
	int r = tt_fleet_db_open(location, &s->write_lock, false, &db, err);
	if (r < 0)
		return r;
	r = tt_fleet_batcher_start(db, &s->batcher, err);
	if (r < 0) {
		tt_fleet_db_close(db);
		return r;
	}
	s->fleet.batcher = s->batcher;
	return 0;
}

static int check_options(const struct tt_server_options *opt, struct tt_error *err)
{
	bool tls = opt->tls_cert || opt->tls_key;
	if (tls && !(opt->tls_cert && opt->tls_key))
		return tt_error_set(err, -EINVAL, "--tls-cert and --tls-key go together");
	if (tls && opt->insecure_http)
		return tt_error_set(err, -EINVAL,
				    "--insecure-http and --tls-cert exclude each other");
	if (!tls && !opt->insecure_http)
		return tt_error_set(err, -EINVAL,
				    "no TLS certificate: give --tls-cert and --tls-key (plain "
				    "HTTP only with --insecure-http, on a loopback address)");
	if (opt->insecure_http && !tt_address_is_loopback(opt->listen))
		return tt_error_set(
		    err, -EINVAL,
		    "refusing plain HTTP on %s: --insecure-http is only allowed on "
		    "a loopback address (127.0.0.1, ::1); use TLS for anything else",
		    opt->listen);
	if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return tt_error_set(err, -ENOTSUP, "this libmicrohttpd was built without TLS");
	return 0;
}

/* The listening address as a socket address; -EINVAL when it is not numeric. */
static int listen_address(const char *address, unsigned short port, struct sockaddr_storage *out,
			  bool *v6, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *in4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	*v6 = false;
	if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*v6 = true;
		return 0;
	}
	return tt_error_set(err, -EINVAL, "--listen %s: not a numeric IPv4 or IPv6 address",
			    address);
}

static int load_tls(struct tt_server *s, const struct tt_server_options *opt, struct tt_error *err)
{
	size_t len;
	if (!opt->tls_cert)
		return 0;
	int r = tt_read_file(opt->tls_cert, &s->tls_cert, &len, err);
	if (r == 0)
		r = tt_read_file(opt->tls_key, &s->tls_key, &len, err);
	return r;
}

static int open_archive(struct tt_server *s, const char *dir, struct tt_error *err)
{
	s->archive_fd = -1;
	if (!dir)
		return 0;
	s->archive_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->archive_fd < 0)
		return tt_error_set(err, -errno, "--archive %s: %s", dir, strerror(errno));
	return 0;
}

static int start_daemon(struct tt_server *s, const struct tt_server_options *opt, unsigned threads,
			struct tt_error *err)
{
	struct sockaddr_storage addr;
	bool v6;
	int r = listen_address(opt->listen, opt->port, &addr, &v6, err);
	if (r < 0)
		return r;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (s->tls_cert)
		flags |= MHD_USE_TLS;
	struct MHD_OptionItem tls_items[] = {
	    {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
	    {MHD_OPTION_END, 0, NULL},
	};
	s->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT, MHD_OPTION_NOTIFY_COMPLETED,
	    on_request_done, s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_ARRAY,
	    s->tls_cert ? tls_items : tls_items + 2, MHD_OPTION_END);
	if (!s->daemon)
		return tt_error_set(err, -EADDRINUSE,
				    "cannot listen on %s port %u (in use, not permitted, or a bad "
				    "TLS certificate or key)",
				    opt->listen, opt->port);
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : opt->port;
	return 0;
}

/* "https://127.0.0.1:8443/archive/", with brackets around an IPv6 address. */
static char *own_archive_url(const struct tt_server *s, const char *listen)
{
	bool v6 = strchr(listen, ':') != NULL;
	return tt_xasprintf("%s://%s%s%s:%u/archive/", s->tls_cert ? "https" : "http",
			    v6 ? "[" : "", listen, v6 ? "]" : "", s->port);
}

/*
 * A request holds its thread while the store answers. SQLite answers in the
 * thread itself: one per CPU keeps them busy. PostgreSQL answers over the
 * network, a few round trips per heartbeat, and the thread waits meanwhile:
 * measured on 2 CPUs, 2 threads served 1,700 heartbeats/s and 8 served
 * 8,400/s (bench/bench-server.sh), so four per CPU.
 */
static unsigned default_threads(const char *store, long cpus)
{
	unsigned n = (unsigned)(cpus > 0 ? cpus : 2);
	if (tt_store_location_is_postgresql(store))
		n = n * 4 > 64 ? 64 : n * 4;
	return n;
}

int tt_server_start(const struct tt_server_options *opt, struct tt_server **out,
		    struct tt_error *err)
{
	int r = tt_mhd_load(err);
	if (r == 0)
		r = check_options(opt, err);
	if (r < 0)
		return r;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = opt->threads ? opt->threads : default_threads(opt->store, cpus);
	size_t conns = opt->connections ? opt->connections : threads;
	struct tt_server *s = tt_xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->write_lock, NULL);
	s->fleet = opt->fleet;
	s->archive_url = opt->fleet.archive_url ? tt_xstrdup(opt->fleet.archive_url) : NULL;
	r = open_archive(s, opt->archive_dir, err);
	if (r == 0)
		r = load_tls(s, opt, err);
	if (r == 0)
		r = pool_open(s, opt->store, conns, err);
	if (r == 0 && opt->group_commit)
		r = start_batcher(s, opt->store, err);
	s->dashboard = tt_dashboard_new(s->tls_cert != NULL);
	if (r == 0)
		tt_dashboard_warm(s->dashboard, tt_fleet_db_location(s->pool.all[0]));
	if (r == 0)
		r = start_daemon(s, opt, threads, err);
	if (r == 0 && !s->archive_url && s->archive_fd >= 0)
		s->archive_url = own_archive_url(s, opt->listen);
	s->fleet.archive_url = s->archive_url;
	if (r < 0) {
		tt_server_stop(s);
		return r;
	}
	*out = s;
	return 0;
}

unsigned short tt_server_port(const struct tt_server *s)
{
	return s->port;
}

void tt_server_stop(struct tt_server *s)
{
	if (!s)
		return;
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	tt_fleet_batcher_stop(s->batcher);
	pool_close(&s->pool);
	tt_dashboard_free(s->dashboard);
	pthread_mutex_destroy(&s->write_lock);
	if (s->archive_fd >= 0)
		close(s->archive_fd);
	if (s->tls_key)
		OPENSSL_cleanse(s->tls_key, strlen(s->tls_key));
	free(s->tls_key);
	free(s->tls_cert);
	free(s->archive_url);
	free(s);
}
