"""Retakes the README's screenshots from a running demo (`make run`, then
`.venv/bin/python docs/screenshots/take.py [http://127.0.0.1:8000]`), with Debian's Chromium."""

import re
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
HERE = Path(__file__).parent
HOUSEHOLD = "2064101-001"  # the demo's story: poor in 2022, out of poverty since the seed-rice project


def signed_in(browser, username):
    page = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800}).new_page()
    page.goto(BASE + "/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("quang-nam-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/households/")
    return page


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium")
    page = signed_in(browser, "demo-officer")
    page.get_by_label("Tìm kiếm").fill(HOUSEHOLD)
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=re.compile(HOUSEHOLD)).first.click()
    page.screenshot(path=HERE / "household.png", full_page=True)
    page = signed_in(browser, "demo-manager")
    page.goto(BASE + "/reports/")
    page.screenshot(path=HERE / "reports.png", full_page=True)
    browser.close()
