"""The plan viewer in a real headless browser (Debian Chromium driven by Selenium).

The page loads without console errors and without fetching anything, draws one route
element per route, and clicking a route (in the list or on the map) shows its stops
with their ETAs.  Without Chromium and chromedriver the tests skip with the reason; under
CI (``O2O_REQUIRE_BROWSER=1``, set by ``.ci/run`` once it installed them) a browser test
that cannot run fails.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dispatch import FulfilmentMode, Plan, UnassignedOrder, UnassignedOrderReason
from dispatch.viewer import render_plan_html
from tests.dispatch.viewer_plan import nowhere, planned

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
)
EVIL = "</script><script>document.title='owned'</script>"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("O2O_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (O2O_REQUIRE_BROWSER=1: the browser tests must run)")
    pytest.skip(reason)


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (
            f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
        )
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """A headless Chromium with a fresh profile; its console log is kept."""
    chromium = _binary("chromium", "chromium-browser")
    chromedriver = _binary("chromedriver")
    if chromium is None or chromedriver is None:
        _unavailable(
            "Chromium and chromedriver are not installed (Debian: apt-get install -y "
            "chromium chromium-driver)"
        )
    profile = tempfile.mkdtemp(prefix="o2o-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        browser = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    except WebDriverException as error:
        shutil.rmtree(profile, ignore_errors=True)
        _unavailable(f"Chromium did not start: {error}")
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


def load(driver: Any, page: str, folder: Path) -> list[dict[str, Any]]:
    """Open the page from a file and wait until its script ran; the console log of
    the load."""
    path = folder / "plan.html"
    path.write_text(page, encoding="utf-8")
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.as_uri())
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return document.body.dataset.ready === 'true'")
    )
    log: list[dict[str, Any]] = driver.get_log("browser")
    return log


def with_markup(plan: Plan) -> Plan:
    evil = UnassignedOrder("x1", FulfilmentMode.INSTANT, UnassignedOrderReason.NO_COURIER, EVIL)
    return dataclasses.replace(plan, unassigned=(*plan.unassigned, evil))


def texts(driver: Any, selector: str) -> list[str]:
    return list(
        driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent)",
            selector,
        )
    )


def test_the_page_loads_clean_and_draws_one_route_element_per_route(
    driver: Any, tmp_path: Path
) -> None:
    world, orders, plan = planned()
    log = load(driver, render_plan_html(with_markup(plan), world, orders), tmp_path)
    problems = [e for e in log if e.get("level") in ("SEVERE", "WARNING")]
    assert problems == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    n = len(plan.routes)
    assert n >= 3
    assert driver.execute_script("return document.querySelectorAll('path.route').length") == n
    assert driver.execute_script("return document.querySelectorAll('tr.route-row').length") == n
    couriers = driver.execute_script(
        "return Array.from(document.querySelectorAll('path.route'), p => p.dataset.courier)"
    )
    assert couriers == [r.courier_id for r in plan.routes]
    # Streets from the world's network, places, the unassigned orders and the KPIs.
    assert driver.execute_script("return document.querySelectorAll('.streets path').length") > 0
    assert driver.execute_script(
        "return document.querySelectorAll('#map-svg .places .marker.micro-warehouse').length"
    ) == len(world.micro_warehouses)
    unassigned = texts(driver, "#unassigned-list tbody tr td:first-child")
    assert unassigned == [u.order_id for u in plan.unassigned] + ["x1"]
    # Markup in the data is shown as text, never run.
    assert EVIL in texts(driver, "#unassigned-list tbody tr td:last-child")
    assert driver.title != "owned"
    assert "orders served" in driver.find_element("css selector", "#panel").text


def stop_rows(driver: Any) -> list[list[str]]:
    rows: list[list[str]] = driver.execute_script(
        "return Array.from(document.querySelectorAll('#stop-list tbody tr'),"
        " tr => Array.from(tr.cells, c => c.textContent))"
    )
    return rows


def test_clicking_a_route_shows_its_stops(driver: Any, tmp_path: Path) -> None:
    world, orders, plan = planned()
    load(driver, render_plan_html(plan, world, orders), tmp_path)
    assert not driver.find_element(By.ID, "stops").is_displayed()
    # In the route list.
    k = max(range(len(plan.routes)), key=lambda i: len(plan.routes[i].stops))
    route = plan.routes[k]
    driver.find_elements(By.CSS_SELECTOR, "tr.route-row")[k].click()
    rows = stop_rows(driver)
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(route.stops) + 1)]
    assert [r[3].split()[-1] for r in rows] == [s.place_id for s in route.stops]
    assert all(len(r[1]) == 5 and r[1][2] == ":" for r in rows)  # ETA as HH:MM
    assert route.courier_id in driver.find_element(By.ID, "stops").text
    selected = driver.execute_script(
        "return Array.from(document.querySelectorAll('path.route.selected'),"
        " p => p.dataset.courier)"
    )
    assert selected == [route.courier_id]
    driver.find_element(By.ID, "clear-selection").click()
    assert not driver.find_element(By.ID, "stops").is_displayed()
    # On the map: a real mouse click on a visible point of each route's line.
    clicked = 0
    for j, other in enumerate(plan.routes):
        point = driver.execute_script(
            """
            const path = document.querySelector('path.route[data-route="' + arguments[0] + '"]');
            const length = path.getTotalLength(), m = path.getScreenCTM();
            for (let f = 0.5; f < 1; f += 0.01) {
              for (const g of [f, 1 - f]) {
                const p = path.getPointAtLength(length * g);
                const x = p.x * m.a + p.y * m.c + m.e, y = p.x * m.b + p.y * m.d + m.f;
                if (document.elementFromPoint(x, y) === path) return [Math.round(x), Math.round(y)];
              }
            }
            return null;
            """,
            j,
        )
        if point is None:
            continue  # hidden under other routes everywhere
        actions = ActionChains(driver)
        actions.w3c_actions.pointer_action.move_to_location(point[0], point[1]).click()  # type: ignore[no-untyped-call]
        actions.perform()
        rows = stop_rows(driver)
        assert [r[3].split()[-1] for r in rows] == [s.place_id for s in other.stops], other
        driver.find_element(By.ID, "clear-selection").click()
        clicked += 1
    assert clicked >= len(plan.routes) // 2
    assert driver.get_log("browser") == []


def test_a_plan_without_routes_loads_clean(driver: Any, tmp_path: Path) -> None:
    world, orders, plan = planned()
    empty = dataclasses.replace(plan, routes=())
    log = load(driver, render_plan_html(empty, world, orders), tmp_path)
    assert [e for e in log if e.get("level") in ("SEVERE", "WARNING")] == []
    assert driver.execute_script("return document.querySelectorAll('path.route').length") == 0


def test_a_route_that_goes_nowhere_loads_clean(driver: Any, tmp_path: Path) -> None:
    world, orders, plan = planned()
    odd = nowhere(plan, world)
    log = load(driver, render_plan_html(odd, world, orders), tmp_path)
    assert [e for e in log if e.get("level") in ("SEVERE", "WARNING")] == []
    count = "return document.querySelectorAll('path.route').length"
    assert driver.execute_script(count) == len(odd.routes)
    driver.find_elements(By.CSS_SELECTOR, "tr.route-row")[-1].click()
    assert len(stop_rows(driver)) == 1


def test_wheel_zooms_and_drag_pans_without_selecting(driver: Any, tmp_path: Path) -> None:
    world, orders, plan = planned()
    load(driver, render_plan_html(plan, world, orders), tmp_path)
    svg = driver.find_element(By.ID, "map-svg")

    def view_box() -> list[float]:
        box: str = driver.execute_script("return arguments[0].getAttribute('viewBox')", svg)
        return [float(v) for v in box.split()]

    before = view_box()
    ActionChains(driver).scroll_to_element(svg).scroll_by_amount(0, -300).perform()
    zoomed = view_box()
    assert zoomed[2] < before[2] and zoomed[3] < before[3]  # wheel up zooms in
    ActionChains(driver).move_to_element(svg).click_and_hold().move_by_offset(
        120, 40
    ).release().perform()
    panned = view_box()
    assert panned[0] < zoomed[0] and panned[1] < zoomed[1]  # dragged right and down
    assert panned[2:] == zoomed[2:]
    assert not driver.find_element(By.ID, "stops").is_displayed()  # a drag is no click
    assert driver.get_log("browser") == []


def test_the_pages_policy_stops_any_fetch(driver: Any, tmp_path: Path) -> None:
    world, orders, plan = planned()
    load(driver, render_plan_html(plan, world, orders), tmp_path)
    outcome = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('data:text/plain,hello').then(() => done('fetched'), () => done('blocked'));"
    )
    assert outcome == "blocked"
    log = driver.get_log("browser")
    assert log and all("Content Security Policy" in e["message"] for e in log)
