"""Browser tests: Playwright driving the system's Chromium (Debian's `chromium` package; the
browser Playwright would download is not reachable here) against a live server, in
Vietnamese as the users see it."""

import gzip
import shutil

import pytest

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # No network beyond the live server: Chromium's background services would only fail.
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "viewport": {"width": 390, "height": 844}}


def log_in(page, live_server, username):
    """Opens `/`, logs in as `username` through the login page, and returns the page."""
    page.goto(live_server.url + "/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/households/")
    return page


@pytest.fixture
def sign_in(live_server, page, users):
    """`sign_in(username)`: `log_in` with this test's page and server (and its users)."""
    return lambda username: log_in(page, live_server, username)


class Weights:
    """Bytes of every response a page loaded, gzipped as a server would send them."""

    def __init__(self, page):
        self.responses = []
        page.on("response", lambda response: self.responses.append(response))

    def total(self, kind=None) -> int:
        size = 0
        for response in self.responses:
            if kind and response.request.resource_type != kind:
                continue
            try:
                size += len(gzip.compress(response.body()))
            except Exception:  # a redirect has no body
                continue
        return size

    def clear(self):
        self.responses.clear()
