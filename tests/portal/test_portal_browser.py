"""A real browser: Debian's chromium, driven by Selenium through chromium-driver, against the
portal served by uvicorn on 127.0.0.1. Signs in, opens every page, checks that the charts
rendered (an <svg> with drawn marks), and saves screenshots under docs/img/.
When chromium cannot be found this test FAILS: scripts/setup.sh installs it."""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.portal import synthetic_warehouse

# Screenshots go to a temporary folder; TPBIS_SCREENSHOTS=docs/img refreshes the README's.
IMG = Path(os.environ.get("TPBIS_SCREENSHOTS") or tempfile.mkdtemp(prefix="portal-shots-"))
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,1500"]
PASSWORD = "uji-peramban-panjang-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import uvicorn
    from tpbis.portal.app import create_app
    from tpbis.portal.users import UsersFile
    root = tmp_path_factory.mktemp("browser")
    warehouse = synthetic_warehouse.build(root / "tpbis.duckdb", villages=240, years=3)
    users = UsersFile(root / "users.json")
    users.add("riau", "provinsi", PASSWORD)
    users.add("bengkalis", "14.03", PASSWORD)
    app = create_app(warehouse, users.path, root / "cache", trusted_proxies=frozenset())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("Debian's chromium and chromium-driver are needed: run `bash scripts/install-browser.sh` as root.")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="tpbis-chromium-")
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def sign_in(driver, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "section.login button[type=submit]").click()
    wait_for_url(driver, lambda url: url.rstrip("/") == base)


def wait_for_url(driver, ok) -> None:
    """A click that submits a form returns before the next page is there: wait for it."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 30).until(lambda d: ok(d.current_url) and d.execute_script(
        "return document.readyState") == "complete", message=f"stayed on {driver.current_url}")


def rendered_charts(driver) -> list[int]:
    """For each chart on the page: how many marks were drawn with a visible size."""
    from selenium.webdriver.common.by import By
    counts = []
    for figure in driver.find_elements(By.CSS_SELECTOR, "figure.chart"):
        svg = figure.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 100 and svg.size["height"] > 50
        marks = figure.find_elements(By.CSS_SELECTOR, "g.role-mark path, g.role-mark rect, g.role-mark line")
        counts.append(sum(1 for m in marks if m.size["width"] > 0 or m.size["height"] > 0))
    return counts


def shot(driver, name: str) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(max(height, 800), 3000))
    driver.save_screenshot(str(IMG / f"portal-{name}.png"))
    driver.set_window_size(1280, 1500)


def test_browser_signs_in_and_sees_every_page_with_charts(served, browser):
    from selenium.webdriver.common.by import By
    sign_in(browser, served, "riau")
    assert "Ringkasan" in browser.find_element(By.TAG_NAME, "h1").text
    assert "Sinkronisasi terakhir" in browser.find_element(By.ID, "sync-status").text
    charts = rendered_charts(browser)
    assert len(charts) == 3 and all(n > 0 for n in charts), charts
    shot(browser, "ringkasan")

    browser.get(served + "/kualitas")
    assert "Tidak melapor" in browser.page_source and "Gagal sinkronisasi" in browser.page_source
    assert browser.find_elements(By.CSS_SELECTOR, "#not_reporting tbody a")     # some villages stopped
    assert browser.find_elements(By.CSS_SELECTOR, "#failing tbody a")
    assert browser.find_elements(By.CSS_SELECTOR, "#rejections tbody a")
    shot(browser, "kualitas")

    browser.get(served + "/desa?urut=kode&halaman=3")                # 240 villages, 100 a page
    assert "halaman 3 dari 3" in browser.page_source
    codes = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#village-table tbody td:first-child a")]
    assert len(codes) == 40 and codes == sorted(codes)
    browser.find_element(By.PARTIAL_LINK_TEXT, "sebelumnya").click()
    wait_for_url(browser, lambda url: url.endswith("halaman=2"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#village-table tbody tr")) == 100

    sign_in(browser, served, "bengkalis")
    assert all(n > 0 for n in rendered_charts(browser))
    browser.get(served + "/desa?urut=pengunjung&arah=turun")
    codes = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#village-table tbody td:first-child a")]
    assert codes and all(code.startswith("14.03.") for code in codes)
    shot(browser, "desa")
    browser.find_element(By.LINK_TEXT, codes[0]).click()
    wait_for_url(browser, lambda url: url.endswith("/desa/" + codes[0]))
    assert codes[0] in browser.find_element(By.TAG_NAME, "h1").text
    charts = rendered_charts(browser)
    assert charts and all(n > 0 for n in charts), charts
    shot(browser, "desa-detail")

    browser.get(served + "/unduh")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#files a")]
    assert links and all("kab-bengkalis" in link for link in links)
    shot(browser, "unduh")

    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    wait_for_url(browser, lambda url: url.endswith("/login"))
    browser.get(served + "/desa")
    assert browser.current_url.endswith("/login")
