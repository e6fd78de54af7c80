// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fetcher against file:// URLs and a loopback HTTP server (python3, run
 * as a child of this test on 127.0.0.1 with a kernel-chosen port). Nothing
 * here talks to another host.
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "feeds_test.h"

/* Serves the fixture directory plus a few special paths for status, redirects and size. */
static const char server_py[] =
    "import http.server, os, sys\n"
    "root = sys.argv[1]\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def log_message(self, *a):\n"
    "        pass\n"
    "    def reply(self, code, body, location=None):\n"
    "        self.send_response(code)\n"
    "        if location:\n"
    "            self.send_header('Location', location)\n"
    "        self.send_header('Content-Length', str(len(body)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "    def do_GET(self):\n"
    "        p = self.path\n"
    "        if p == '/ua':\n"
    "            return self.reply(200, self.headers.get('User-Agent', '').encode())\n"
    "        if p == '/redirect':\n"
    "            return self.reply(302, b'', '/feeds/kev_small.json')\n"
    "        if p == '/redirect-to-file':\n"
    "            return self.reply(302, b'', 'file:///etc/hostname')\n"
    "        if p == '/loop':\n"
    "            return self.reply(302, b'', '/loop')\n"
    "        if p.startswith('/status/'):\n"
    "            return self.reply(int(p[8:]), b'error page body')\n"
    "        f = os.path.join(root, p.lstrip('/'))\n"
    "        if '..' in p or not os.path.isfile(f):\n"
    "            return self.reply(404, b'not found')\n"
    "        with open(f, 'rb') as fh:\n"
    "            return self.reply(200, fh.read())\n"
    "srv = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
    "print(srv.server_address[1], flush=True)\n"
    "srv.serve_forever()\n";

struct server {
	pid_t pid;
	int port;
};

/* Read the port the child prints; 0 when it does not come (no python3, say). */
static int read_port(int fd)
{
	char line[32];
	size_t n = 0;
	struct pollfd p = {fd, POLLIN, 0};
	while (n < sizeof(line) - 1 && poll(&p, 1, 10000) == 1) {
		ssize_t r = read(fd, line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return atoi(line);
}

static void stop_server(struct server *s)
{
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

static int start_server(void **state)
{
	static struct server s;
	*state = &s;
	s = (struct server){0, 0};
	/* A proxy from the environment would take loopback requests elsewhere. */
	const char *proxies[] = {"http_proxy",	"https_proxy", "HTTP_PROXY",
				 "HTTPS_PROXY", "ALL_PROXY",   "all_proxy"};
	for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);
	setenv("NO_PROXY", "*", 1);
	int fds[2];
	if (pipe(fds) != 0)
		return 0;
	char *root = fixture_path("..");
	s.pid = fork();
	if (s.pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("python3", "python3", "-c", server_py, root, (char *)NULL);
		_exit(127);
	}
	free(root);
	close(fds[1]);
	s.port = s.pid > 0 ? read_port(fds[0]) : 0;
	close(fds[0]);
	if (!s.port)
		stop_server(&s);
	return 0;
}

static int teardown_server(void **state)
{
	stop_server(*state);
	return 0;
}

static char *server_url(void **state, const char *path)
{
	struct server *s = *state;
	if (!s->port) {
		print_message("skipped: no loopback server (python3 missing or failed)\n");
		return NULL;
	}
	return tt_xasprintf("http://127.0.0.1:%d%s", s->port, path);
}

static char *file_url(const char *name)
{
	char *path = fixture_path(name);
	char *abs = realpath(path, NULL);
	assert_non_null(abs);
	char *url = tt_xasprintf("file://%s", abs);
	free(abs);
	free(path);
	return url;
}

static void test_fetch_file_url_returns_the_bytes(void **state)
{
	struct fixture f = fixture_load("epss_small.csv.gz");
	char *url = file_url("epss_small.csv.gz");
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch(url, &out, 0, &err), 0);
	assert_int_equal(out.len, f.len);
	assert_memory_equal(out.buf, f.text, f.len);
	tt_buf_free(&out);
	free(url);
	fixture_free(&f);
}

static void test_fetch_missing_file_is_enoent_and_leaves_out_alone(void **state)
{
	struct tt_buf out = TT_BUF_INIT;
	tt_buf_adds(&out, "kept");
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch("file:///nonexistent/tt-feeds.json", &out, 0, &err),
			 -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/tt-feeds.json"));
	assert_string_equal(tt_buf_str(&out), "kept");
	tt_buf_free(&out);
}

static void test_fetch_byte_cap_is_efbig(void **state)
{
	char *url = file_url("kev_small.json");
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch(url, &out, 100, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "100-byte cap"));
	assert_int_equal(out.len, 0);
	tt_buf_free(&out);
	free(url);
}

static void test_fetch_refuses_other_schemes_without_connecting(void **state)
{
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch("ftp://127.0.0.1/feed", &out, 0, &err), -EPROTONOSUPPORT);
	assert_int_equal(tt_http_fetch("/etc/hostname", &out, 0, &err), -EPROTONOSUPPORT);
	assert_false(tt_feed_is_url("gopher://x"));
	assert_true(tt_feed_is_url("HTTPS://example.org/feed"));
	tt_buf_free(&out);
}

static void test_load_source_reads_paths_and_urls(void **state)
{
	struct fixture f = fixture_load("kev_small.json");
	char *url = file_url("kev_small.json");
	struct tt_buf a = TT_BUF_INIT, b = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_feed_load_source(f.path, &a, &err), 0);
	assert_int_equal(tt_feed_load_source(url, &b, &err), 0);
	assert_int_equal(a.len, f.len);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(a.buf, b.buf, f.len);
	/* Appending to a non-empty buffer keeps what was there. */
	assert_int_equal(tt_feed_load_source(f.path, &a, &err), 0);
	assert_int_equal(a.len, 2 * f.len);
	char *dir = fixture_path("vr_tree");
	assert_int_equal(tt_feed_load_source(dir, &b, &err), -EISDIR);
	free(dir);
	tt_buf_free(&a);
	tt_buf_free(&b);
	free(url);
	fixture_free(&f);
}

static void test_http_fetch_serves_a_feed_and_imports_it(void **state)
{
	char *url = server_url(state, "/feeds/kev_small.json");
	if (!url) {
		skip();
		return;
	}
	struct fixture f = fixture_load("kev_small.json");
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch(url, &out, 0, &err), 0);
	assert_int_equal(out.len, f.len);
	assert_memory_equal(out.buf, f.text, f.len);
	struct tt_feed_result r;
	assert_int_equal(tt_feed_import(url, TT_FEED_UNKNOWN, NULL, &r, NULL, &err), 0);
	assert_int_equal(r.kind, TT_FEED_KEV);
	assert_int_equal(r.n_entries, 3);
	tt_buf_free(&out);
	fixture_free(&f);
	free(url);
}

static void test_http_sends_the_tuxtape_user_agent(void **state)
{
	char *url = server_url(state, "/ua");
	if (!url) {
		skip();
		return;
	}
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch(url, &out, 0, &err), 0);
	assert_string_equal(tt_buf_str(&out), "tuxtape/" TT_VERSION);
	tt_buf_free(&out);
	free(url);
}

static void test_http_error_status_is_in_the_message(void **state)
{
	static const struct {
		const char *path;
		int code;
		const char *msg;
	} cases[] = {
	    {"/status/404", -ENOENT, "HTTP 404"},
	    {"/status/403", -EACCES, "HTTP 403"},
	    {"/status/500", -EIO, "HTTP 500"},
	    {"/status/429", -EIO, "HTTP 429"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *url = server_url(state, cases[i].path);
		if (!url) {
			skip();
			return;
		}
		struct tt_buf out = TT_BUF_INIT;
		struct tt_error err = {0};
		assert_int_equal(tt_http_fetch(url, &out, 0, &err), cases[i].code);
		assert_non_null(strstr(err.msg, cases[i].msg));
		assert_non_null(strstr(err.msg, url));
		assert_int_equal(out.len, 0); /* the error page is not handed back */
		tt_buf_free(&out);
		free(url);
	}
}

static void test_http_redirects_are_followed_but_not_into_files(void **state)
{
	char *url = server_url(state, "/redirect");
	if (!url) {
		skip();
		return;
	}
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch(url, &out, 0, &err), 0);
	assert_int_equal(tt_feed_detect(out.buf, out.len), TT_FEED_KEV);
	free(url);
	tt_buf_reset(&out);
	url = server_url(state, "/redirect-to-file");
	assert_int_not_equal(tt_http_fetch(url, &out, 0, &err), 0);
	assert_int_equal(out.len, 0);
	free(url);
	url = server_url(state, "/loop");
	assert_int_equal(tt_http_fetch(url, &out, 0, &err), -ELOOP);
	free(url);
	tt_buf_free(&out);
}

static void test_http_byte_cap_stops_the_download(void **state)
{
	char *url = server_url(state, "/feeds/nvd_page.json");
	if (!url) {
		skip();
		return;
	}
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch(url, &out, 1000, &err), -EFBIG);
	assert_int_equal(out.len, 0);
	tt_buf_free(&out);
	free(url);
}

static void test_http_refused_connection_is_reported(void **state)
{
	struct server *s = *state;
	if (!s->port) {
		print_message("skipped: no loopback server to find a free port\n");
		skip();
		return;
	}
	/* Port 1 on loopback is closed on any sane test machine. */
	struct tt_buf out = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_http_fetch("http://127.0.0.1:1/x", &out, 0, &err), -ECONNREFUSED);
	assert_non_null(strstr(err.msg, "127.0.0.1:1"));
	tt_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fetch_file_url_returns_the_bytes),
	    cmocka_unit_test(test_fetch_missing_file_is_enoent_and_leaves_out_alone),
	    cmocka_unit_test(test_fetch_byte_cap_is_efbig),
	    cmocka_unit_test(test_fetch_refuses_other_schemes_without_connecting),
	    cmocka_unit_test(test_load_source_reads_paths_and_urls),
	    cmocka_unit_test(test_http_fetch_serves_a_feed_and_imports_it),
	    cmocka_unit_test(test_http_sends_the_tuxtape_user_agent),
	    cmocka_unit_test(test_http_error_status_is_in_the_message),
	    cmocka_unit_test(test_http_redirects_are_followed_but_not_into_files),
	    cmocka_unit_test(test_http_byte_cap_stops_the_download),
	    cmocka_unit_test(test_http_refused_connection_is_reported),
	};
	return cmocka_run_group_tests(tests, start_server, teardown_server);
}
