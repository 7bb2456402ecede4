"""`make prod-check`: the production configuration, end to end.

Collects the static files into a temporary STATIC_ROOT, migrates a fresh PostgreSQL database
(PROD_CHECK_DATABASE_URL, dropped and created each run), loads the demo register, starts
povertycase/entrypoint.sh (gunicorn, DEBUG off, the settings' production defaults) and asks it
over HTTP what the reverse proxy and a user would, then runs `manage.py check --deploy`.
Exits 1 with the reason on the first failure; gunicorn is stopped and the directory removed
whatever happens. Standard library only, plus psycopg (a requirement) to recreate the database.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = str(ROOT / "povertycase" / "entrypoint.sh")
DATABASE_URL = os.environ.get(
    "PROD_CHECK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/povertycase_prodcheck")
# Settings that turn a production default off: left out, so the defaults are what is checked.
WEAKENING = ["STATICFILES_STORAGE", "WHITENOISE_USE_FINDERS", "SECURE_SSL_REDIRECT",
             "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER"]
# ManifestStaticFilesStorage names every file it serves after its content's hash.
HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js)$")


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def database_recreate(url):
    name = urlsplit(url).path.lstrip("/")
    # This drops the database it is given: refuse one that is not obviously a throwaway.
    check(urlsplit(url).scheme.startswith("postgres") and "prodcheck" in name,
          f"PROD_CHECK_DATABASE_URL must be a PostgreSQL database with 'prodcheck' in its name: {url}")
    try:
        with psycopg.connect(urlsplit(url)._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise CheckFailed(f"could not recreate {name}: {error}") from error


def json_of(body):
    try:
        return json.loads(body)
    except ValueError:
        return {}


def dotenv_weakening():
    """The settings of WEAKENING that .env sets (settings.py reads it too; make run writes one)."""
    dotenv = ROOT / ".env"
    lines = dotenv.read_text().splitlines() if dotenv.exists() else []
    return sorted({line.split("=", 1)[0].strip() for line in lines} & set(WEAKENING))


def run(env, *args):
    result = subprocess.run([ENTRYPOINT, *args], env=env, capture_output=True, text=True)
    check(result.returncode == 0,
          f"entrypoint.sh {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout + result.stderr


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to check, not to follow


class Assets(HTMLParser):
    """The scripts and style sheets a page links (url, the content type browsers expect), and its
    inline scripts (nonce, text); not data blocks such as <script type="application/json">."""

    def __init__(self):
        super().__init__()
        self.urls = []
        self.inline_scripts = []
        self._inline = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append((attrs["src"], "javascript"))
        elif tag == "script" and attrs.get("type", "text/javascript").lower() in ("text/javascript", "module"):
            self._inline = [attrs.get("nonce"), ""]
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.urls.append((attrs["href"], "text/css"))

    def handle_data(self, data):
        if self._inline is not None:
            self._inline[1] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._inline is not None:
            if self._inline[1].strip():
                self.inline_scripts.append(tuple(self._inline))
            self._inline = None


def csp_allows_inline_script(policy, nonce, text):
    """Whether a browser would run this inline script under the Content-Security-Policy."""
    directives = {d.split()[0].lower(): d.split()[1:] for d in policy.split(";") if d.strip()}
    sources = directives.get("script-src", directives.get("default-src"))
    if sources is None:
        return True
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    if (nonce and f"'nonce-{nonce}'" in sources) or f"'sha256-{digest}'" in sources:
        return True
    # A nonce or a hash in the list makes browsers ignore 'unsafe-inline'.
    return "'unsafe-inline'" in sources and not any(s.startswith(("'nonce-", "'sha")) for s in sources)


class Client:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path, *, https=True, body=None, headers=None):
        """(status, headers, body) of one request, as the proxy forwards it when https."""
        request = urllib.request.Request(urljoin(self.base, path), headers=headers or {})
        if https:
            request.add_header("X-Forwarded-Proto", "https")
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def page_with_assets(self, path):
        status, headers, body = self.request(path)
        check(status == 200 and headers.get_content_type() == "text/html",
              f"GET {path}: {status} {headers.get_content_type()}, expected 200 text/html")
        parser = Assets()
        parser.feed(body.decode())
        check(parser.urls, f"GET {path}: the page links no script or style sheet")
        policy = headers.get("Content-Security-Policy")
        for nonce, text in parser.inline_scripts:
            check(not policy or csp_allows_inline_script(policy, nonce, text),
                  f"GET {path}: its Content-Security-Policy blocks an inline script, so the page does "
                  f"not work in a browser: {text.strip()[:100]!r}")
        for url, kind in parser.urls:
            asset = urljoin(path, url)
            check(not urlsplit(asset).netloc, f"{path} loads {asset} from another site")
            status, asset_headers, content = self.request(asset)
            check(status == 200 and content, f"GET {asset} (linked from {path}): {status}")
            # Browsers refuse a script or style sheet of another type (nosniff is on).
            check(kind in asset_headers.get_content_type(),
                  f"GET {asset}: served as {asset_headers.get_content_type()}, expected {kind}")
            check(not asset.startswith("/static/") or HASHED.search(urlsplit(asset).path),
                  f"{asset} (linked from {path}) has no content hash: not the manifest storage")
        print(f"ok  GET {path} 200, and its {len(parser.urls)} scripts and style sheets")
        return headers


def wait_until_up(client, server):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        check(server.poll() is None, f"gunicorn exited with {server.returncode}")
        try:
            if client.request("/api/v1/health/", https=False)[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    raise CheckFailed("gunicorn did not answer /api/v1/health/ within 30 s")


def http_checks(client):
    headers = client.page_with_assets("/admin/login/")
    check("max-age=" in headers.get("Strict-Transport-Security", ""),
          "GET /admin/login/ over https has no Strict-Transport-Security header")
    check(any("csrftoken=" in c and "Secure" in c for c in headers.get_all("Set-Cookie") or []),
          "GET /admin/login/ sets no Secure csrftoken cookie")
    client.page_with_assets("/api/docs/")
    client.page_with_assets("/api/redoc/")
    status, _, _ = client.request("/api/schema/")
    check(status == 200, f"GET /api/schema/: {status}")
    print("ok  GET /api/schema/ 200")

    status, _, body = client.request(
        "/api/v1/auth/token/", body={"username": "demo-officer", "password": "quang-nam-2026"})
    check(200 <= status < 300 and "token" in json_of(body),
          f"POST /api/v1/auth/token/ (demo-officer): {status} {body[:300]!r}")
    token = json.loads(body)["token"]
    print(f"ok  POST /api/v1/auth/token/ {status}, a token")
    status, _, body = client.request("/api/v1/households/", headers={"Authorization": f"Token {token}"})
    check(status == 200 and json_of(body).get("results"),
          f"GET /api/v1/households/ with the token: {status} {body[:300]!r}")
    print(f"ok  GET /api/v1/households/ 200, {len(json.loads(body)['results'])} households")

    status, _, body = client.request("/api/v1/health/", https=False)
    check(status == 200 and json_of(body) == {"status": "ok"},
          f"GET /api/v1/health/ over plain HTTP: {status} {body[:300]!r}")
    print("ok  GET /api/v1/health/ over plain HTTP 200")
    status, headers, _ = client.request("/admin/login/", https=False)
    check(status == 301 and headers.get("Location", "").startswith("https://"),
          f"GET /admin/login/ over plain HTTP: {status} {headers.get('Location')}, expected 301 to https")
    print(f"ok  GET /admin/login/ over plain HTTP 301 to {headers['Location']}")


def main():
    started = time.monotonic()
    sys.stdout.reconfigure(line_buffering=True)  # progress in order with errors, even in CI logs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` runs
    workdir = tempfile.mkdtemp(prefix="povertycase-prodcheck-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {name: value for name, value in os.environ.items() if name not in WEAKENING}
    env.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), DATABASE_URL=DATABASE_URL,
               ALLOWED_HOSTS="127.0.0.1,localhost", STATIC_ROOT=os.path.join(workdir, "static"),
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", PYTHON=sys.executable)
    log_path = os.path.join(workdir, "gunicorn.log")
    server = None
    try:
        weakening = dotenv_weakening()
        check(not weakening, f"{ROOT / '.env'} sets {', '.join(weakening)}: the production defaults "
                             "would not be what is checked; move it out of the way")
        database_recreate(DATABASE_URL)
        print(f"ok  created {urlsplit(DATABASE_URL).path.lstrip('/')}")
        run(env, "collectstatic")
        check(os.path.exists(os.path.join(env["STATIC_ROOT"], "staticfiles.json")),
              "collectstatic wrote no staticfiles.json: it did not use the manifest storage")
        print("ok  collectstatic, with the manifest storage")
        run(env, "migrate")
        run(env, "manage", "load_demo")
        print("ok  migrate, load_demo")
        with open(log_path, "w") as log:
            # Its own process group, so a Ctrl-C reaches this script and not gunicorn first.
            server = subprocess.Popen([ENTRYPOINT, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        client = Client(f"http://127.0.0.1:{port}/")
        wait_until_up(client, server)
        print(f"ok  gunicorn up on 127.0.0.1:{port}")
        http_checks(client)
        output = run(env, "manage", "check", "--deploy", "--fail-level", "WARNING")
        print(f"ok  manage.py check --deploy: {output.strip()}")
    except CheckFailed as failure:
        print(f"\nprod-check FAILED: {failure}", file=sys.stderr)
        if server is not None:
            print("--- gunicorn log (last 40 lines):\n" + "".join(open(log_path).readlines()[-40:]),
                  file=sys.stderr)
        return 1
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"prod-check passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
