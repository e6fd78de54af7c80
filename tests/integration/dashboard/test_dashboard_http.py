#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The dashboard's security rules over plain HTTP (no browser needed): login with
operator tokens only, session cookie flags, CSRF on every form, roles, escaping,
a revoked token ending its sessions, security headers, Secure cookies over TLS; once per store backend.
Usage: test_dashboard_http.py TUXTAPE [sqlite|postgresql]"""
import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dash_fixture  # noqa: E402


class Browser:
    """A cookie jar over http.client; no redirects are followed."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.cookies = {}

    def request(self, method, path, form=None):
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        text = r.read().decode()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                self.cookies[name] = value
        c.close()
        return r, text

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, form)

    def login(self, token):
        r, page = self.get("/ui/login")
        login = re.search(r'name="login" value="([0-9a-f]{64})"', page).group(1)
        return self.post("/ui/login", {"login": login, "token": token})

    def csrf(self, page):
        return re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok - " + what)


def check_login(srv):
    b = Browser(srv.url)
    r, _ = b.get("/ui/")
    expect(r.status == 303 and r.getheader("Location") == "/ui/login", "anonymous: to the login page")
    r, _ = b.get("/")
    expect(r.status == 303, "/ goes to the dashboard")
    r, page = b.login("tto_0123456789abcdef_" + "0" * 64)
    expect(r.status == 401 and "Unknown or revoked" in page, "a wrong token is refused")
    r, page = b.post("/ui/login", {"login": "0" * 64, "token": srv.tokens["alice"]})
    expect(r.status == 401 and "expired" in page, "a login without its double-submit token is refused")
    r, _ = b.login(srv.tokens["alice"])
    cookie = r.getheader("Set-Cookie")
    expect(r.status == 303 and "HttpOnly" in cookie and "SameSite=Strict" in cookie,
           "the session cookie is HttpOnly and SameSite=Strict")
    r, page = b.get("/ui/")
    expect(r.status == 200 and "alice (reviewer)" in page, "logged in as alice")
    csp = r.getheader("Content-Security-Policy")
    expect("default-src 'none'" in csp and "frame-ancestors 'none'" in csp, "a strict CSP")
    expect(r.getheader("X-Frame-Options") == "DENY", "no framing")
    return b


def check_escaping(b):
    r, page = b.get("/ui/cve/" + dash_fixture.CVE)
    expect("<script>alert" not in page and "&lt;script&gt;alert(1)" in page,
           "a CVE title with markup is escaped")
    r, page = b.get("/ui/exposure/%3Cb%3Enope")
    expect(r.status == 404 and "<b>nope" not in page, "an unknown profile is escaped in the error")


def check_csrf(b):
    r, page = b.get("/ui/cve/" + dash_fixture.CVE)
    form = {"text": "--- a\n+++ b\n", "message": "m", "kernels": "6.1.0-13-amd64"}
    r, _ = b.post("/ui/cve/%s/revise" % dash_fixture.CVE, form)
    expect(r.status == 403, "a form without the CSRF token is refused")
    r, _ = b.post("/ui/cve/%s/revise" % dash_fixture.CVE, dict(form, csrf="f" * 64))
    expect(r.status == 403, "a form with a wrong CSRF token is refused")
    r, _ = b.post("/ui/cve/%s/revise" % dash_fixture.CVE, dict(form, csrf=b.csrf(page)))
    expect(r.status == 303, "the form with the session's token goes through")
    r, page = b.get("/ui/cve/" + dash_fixture.CVE)
    expect('id="revisions"' in page and "alice" in page, "the revision is recorded by alice")
    r, _ = b.post("/ui/cve/%s/revise" % dash_fixture.CVE,
                  dict(form, csrf=b.csrf(page), kernels="6.1; rm -rf /"))
    expect(r.status == 400, "a kernel name that is not one is refused")


def check_roles(srv):
    v = Browser(srv.url)
    v.login(srv.tokens["vera"])
    r, page = v.get("/ui/cve/" + dash_fixture.CVE)
    expect(r.status == 200 and 'id="revise"' not in page, "a viewer sees no upload form")
    r, _ = v.post("/ui/cve/%s/revise" % dash_fixture.CVE,
                  {"csrf": v.csrf(page), "text": "x", "kernels": ""})
    expect(r.status == 403, "a viewer may not upload")
    r, _ = v.get("/ui/audit")
    expect(r.status == 403, "a viewer may not read the audit log")
    r, page = v.get("/ui/")
    expect("/ui/audit" not in page, "a viewer's menu has no audit log")
    a = Browser(srv.url)
    a.login(srv.tokens["root"])
    r, page = a.get("/ui/audit")
    expect(r.status == 200 and "dashboard.login" in page and "patch.revise" in page,
           "an admin reads logins and uploads in the audit log")


def check_revoke_and_logout(srv, b):
    tid = srv.tokens["alice"].split("_")[1]
    srv.run("server", "token", "revoke", tid)
    r, _ = b.get("/ui/")
    expect(r.status == 303, "revoking the token ends its session")
    c = Browser(srv.url)
    c.login(srv.tokens["bob"])
    r, page = c.get("/ui/")
    r, _ = c.post("/ui/logout", {"csrf": c.csrf(page)})
    expect(r.status == 303, "logout")
    r, _ = c.get("/ui/")
    expect(r.status == 303, "after logout the session is gone")


def check_pages(srv):
    """Every page answers for an admin (the SQL of each on this backend)."""
    a = Browser(srv.url)
    a.login(srv.tokens["root"])
    for path in ("/ui/", "/ui/exposure", "/ui/exposure/web-6.1.50",
                 "/ui/exposure/web-6.1.50?verdict=all&q=bug&limit=2",
                 "/ui/cve/" + dash_fixture.CVE, "/ui/pipeline", "/ui/job/1", "/ui/rollouts",
                 "/ui/audit", "/ui/static/app.css", "/ui/static/app.js"):
        r, page = a.get(path)
        expect(r.status == 200, "GET %s answers 200" % path)
    r, _ = a.get("/ui/cve?id=" + dash_fixture.CVE.lower())
    expect(r.status == 303 and r.getheader("Location") == "/ui/cve/" + dash_fixture.CVE,
           "the CVE box opens the CVE")
    r, _ = a.get("/ui/cve?id=%3Cscript%3E")
    expect(r.status == 404, "the CVE box refuses what is not an id")


def check_profile_replaced(srv):
    """A profile replaced under the same name is scanned again, not served from the cache."""
    a = Browser(srv.url)
    a.login(srv.tokens["root"])
    r, page = a.get("/ui/exposure/web-6.1.50")
    expect("<b>6</b>affected" in page, "6.1.50: all six CVEs affect it")
    time.sleep(1.1)  # creation times are in seconds
    srv.run("kernel", "add", "web-6.1.50", "--version", "6.1.80", "--release", "6.1.0-13-amd64",
            "--replace")
    r, page = a.get("/ui/exposure/web-6.1.50")
    expect("<b>2</b>affected" in page and "<b>4</b>fixed" in page,
           "replaced by 6.1.80: four are fixed now")


def check_tls(srv):
    """Behind TLS the session cookie is also Secure."""
    if not shutil.which("openssl"):
        print("ok - (no openssl command: the TLS cookie check is left out)")
        return
    cert, key = os.path.join(srv.root, "cert.pem"), os.path.join(srv.root, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-keyout", key, "-out", cert], check=True,
                   capture_output=True)
    log = open(os.path.join(srv.root, "tls.log"), "w+")
    p = subprocess.Popen([srv.tuxtape, "--db", srv.db, "serve", "--port", "0", "--tls-cert",
                          cert, "--tls-key", key], env=srv.env, stdout=log,
                         stderr=subprocess.STDOUT)
    try:
        port = None
        for _ in range(200):
            log.seek(0)
            m = re.search(r"127\.0\.0\.1:(\d+)", log.read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.1)
        expect(port is not None, "the TLS server starts")
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                        context=ssl._create_unverified_context())
        c.request("GET", "/ui/login")
        r = c.getresponse()
        r.read()
        expect("; Secure" in r.getheader("Set-Cookie"), "over TLS the cookies are Secure")
    finally:
        p.terminate()
        p.wait(timeout=20)


def main():
    backend = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    srv = dash_fixture.Server(sys.argv[1], backend=backend)
    try:
        srv.start()
        b = check_login(srv)
        check_escaping(b)
        check_csrf(b)
        check_roles(srv)
        check_revoke_and_logout(srv, b)
        check_pages(srv)
        check_profile_replaced(srv)
        check_tls(srv)
        print("dashboard http test (%s): ok" % backend)
        return 0
    finally:
        srv.close()


if __name__ == "__main__":
    sys.exit(main())
