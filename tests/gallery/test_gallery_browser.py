"""Every piece and the index in real headless Chromium (Debian's chromium + chromium-driver).

Pieces run under the virtual clock of gallery.browser: seeded Math.random, and frames that advance
only when the test steps them. A page stepped alike twice must draw identical pixels, so when a
real mouse or touch gesture is followed by different pixels, the gesture did it, not the animation.
"""

from __future__ import annotations

import os
import time

import pytest

from gallery import load_catalogue
from gallery.browser import CANVAS_STATS_JS, WINDOW, missing_browser

pytestmark = pytest.mark.browser

PIECES = load_catalogue()
EARLY = 30  # frames: half a second after load the canvas must show something
LATE = 30  # frames run after the gesture (or after nothing, for the control)
MIN_INK = 0.002  # fraction of pixels that differ from the commonest colour


@pytest.fixture(scope="module")
def base_url():
    from gallery.server import serve

    server, url = serve()
    yield url
    server.stop()


@pytest.fixture(scope="module")
def browser():
    reason = missing_browser()
    if reason and os.environ.get("QUIMBOT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"QUIMBOT_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(f"browser tests need Chromium: {reason}")
    from gallery.browser import Browser

    b = Browser()
    yield b
    b.quit()


def park_mouse(browser) -> None:
    """Rest the mouse on the back link, off the canvas, so hover-driven pieces see no pointer."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    back = browser.driver.find_element(By.ID, "back")
    ActionChains(browser.driver, duration=0).move_to_element(back).perform()


def mouse_gesture(browser) -> None:
    """A click, then a drag, with real input events, in the middle right of the canvas."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    canvas = browser.driver.find_element(By.TAG_NAME, "canvas")
    chain = ActionChains(browser.driver, duration=0)
    chain.move_to_element_with_offset(canvas, 60, -40).click().pause(0.05)
    chain.click_and_hold()
    for _ in range(4):
        chain.move_by_offset(24, 14)
    chain.release().perform()


def touch_gesture(browser) -> None:
    """A tap, then a touch drag, dispatched as touch input through the DevTools protocol."""

    def send(kind: str, points: list[tuple[int, int]]) -> None:
        browser.driver.execute_cdp_cmd(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]},
        )

    x, y = WINDOW[0] // 2 + 60, WINDOW[1] // 2 - 40
    send("touchStart", [(x, y)])
    send("touchEnd", [])
    time.sleep(0.05)
    send("touchStart", [(x, y)])
    for k in range(1, 5):
        send("touchMove", [(x + 24 * k, y + 14 * k)])
    send("touchEnd", [])


def run(browser, url: str, gesture=None) -> dict:
    browser.load(url)
    park_mouse(browser)
    browser.step(EARLY)
    if gesture is not None:
        gesture(browser)
    browser.step(LATE)
    stats = browser.canvas_stats()
    assert stats is not None
    return stats


def changed(a: dict, b: dict) -> int:
    """How many 16 px blocks differ visibly between two canvases."""
    return sum(abs(p - q) > 2 for p, q in zip(a["blocks"], b["blocks"], strict=True))


@pytest.mark.parametrize("piece", PIECES, ids=lambda p: p.slug)
def test_piece_draws_responds_to_mouse_and_touch_and_stays_local(browser, base_url, piece):
    from selenium.webdriver.common.by import By

    url = base_url + piece.file
    browser.virtual_time(True)
    browser.drain_logs()

    browser.load(url)
    park_mouse(browser)
    driver = browser.driver
    assert driver.find_element(By.ID, "back").is_displayed(), "standalone: no back link"
    assert driver.find_element(By.ID, "info").is_displayed(), "standalone: no info overlay"
    assert piece.year in driver.find_element(By.ID, "info").text
    browser.step(EARLY)
    early = browser.canvas_stats()
    assert (early["width"], early["height"]) == WINDOW, "canvas does not fill the window"
    assert early["inked"] > MIN_INK and early["distinct"] > 1, f"blank canvas: {early['inked']}"
    browser.step(LATE)
    control = browser.canvas_stats()

    again = run(browser, url)
    assert again["hash"] == control["hash"], "not deterministic under the virtual clock"

    clicked = run(browser, url, mouse_gesture)
    assert clicked["hash"] != control["hash"] and changed(control, clicked) > 0, "mouse: no effect"

    touched = run(browser, url, touch_gesture)
    assert touched["hash"] != control["hash"] and changed(control, touched) > 0, "touch: no effect"

    browser.resize(520, 760)
    deadline = time.monotonic() + 3
    while True:  # Chrome dispatches the resize event with its next rendering update
        browser.step(1)
        resized = browser.canvas_stats()
        if resized["width"] == 520 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    browser.step(2)
    resized = browser.canvas_stats()
    browser.resize(*WINDOW)
    assert (resized["width"], resized["height"]) == (520, 760), "canvas ignores a resize"
    assert resized["inked"] > MIN_INK

    severe, urls = browser.drain_logs()
    assert severe == [], f"console errors: {severe}"
    foreign = [u for u in urls if not u.startswith((base_url, "data:", "about:"))]
    assert foreign == [], f"requests outside 127.0.0.1: {foreign}"
    assert any(u == url for u in urls)


FRAMED_STATE_JS = (
    "if (document.readyState !== 'complete') return null;\n"
    + CANVAS_STATS_JS.replace("return {", "const state = {", 1).rstrip().removesuffix(";")
    + ";\nstate.framed = document.documentElement.classList.contains('framed');\n"
    "state.hidden = ['info', 'back'].map("
    "(id) => getComputedStyle(document.getElementById(id)).display);\n"
    "return state;"
)


def _press(browser, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser.driver, duration=0).send_keys(*keys).perform()


def test_keyboard_and_button_controls(browser, base_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.virtual_time(True)
    js = browser.driver.execute_script
    text = lambda css: browser.driver.find_element(By.CSS_SELECTOR, css).text  # noqa: E731

    browser.load(base_url + "life.html")
    park_mouse(browser)
    browser.step(12)
    assert text("#gen") == "gen 4"
    _press(browser, Keys.SPACE)
    browser.step(30)
    assert text("#gen") == "gen 4", "Space pauses"
    _press(browser, "r")
    browser.step(1)
    assert text("#gen") == "gen 0", "R randomises"

    browser.load(base_url + "lsystem.html")
    park_mouse(browser)
    assert text("#readout") == "depth 4 · 25°"
    _press(browser, Keys.ARROW_UP, Keys.ARROW_LEFT)
    assert text("#readout") == "depth 5 · 20°"
    browser.driver.find_element(By.ID, "dminus").click()
    browser.driver.find_element(By.ID, "aplus").click()
    assert text("#readout") == "depth 4 · 25°"

    browser.load(base_url + "voronoi.html")
    park_mouse(browser)
    browser.step(2)
    assert js("return seeds.length") == 30
    mouse_gesture(browser)
    assert js("return seeds.length") == 31, "a click adds a seed"
    _press(browser, "R")
    assert js("return seeds.length") == 30, "R resets"

    browser.load(base_url + "flow.html")
    park_mouse(browser)
    browser.step(5)
    browser.driver.find_element(By.ID, "pause").click()
    before = browser.canvas_stats()["hash"]
    browser.step(10)
    assert browser.canvas_stats()["hash"] == before, "Pause freezes the field"

    browser.load(base_url + "sierpinski.html")
    park_mouse(browser)
    browser.driver.find_element(By.ID, "dminus").click()
    browser.driver.find_element(By.ID, "mode").click()
    browser.step(1)
    assert text("#readout") == "depth 5 · stroke"
    severe, _ = browser.drain_logs()
    assert severe == []


def test_index_previews_every_piece_live_and_filters_by_tag(browser, base_url):
    from selenium.webdriver.common.by import By

    browser.virtual_time(False)  # the index runs on the real clock
    browser.drain_logs()
    browser.load(base_url)
    driver = browser.driver
    cards = driver.find_elements(By.CSS_SELECTOR, "#cards .card")
    assert [c.get_attribute("data-slug") for c in cards] == [p.slug for p in PIECES]
    frames = driver.find_elements(By.CSS_SELECTOR, "#cards .card iframe")
    assert len(frames) == 22
    for frame, card, piece in zip(frames, cards, PIECES, strict=True):
        assert frame.get_attribute("sandbox") == "allow-scripts"
        assert frame.get_attribute("loading") == "lazy"
        assert frame.value_of_css_property("pointer-events") == "none"
        assert frame.get_attribute("src") == base_url + piece.file
        assert card.get_attribute("href") == base_url + piece.file
        assert piece.title in card.text and piece.description in card.text
    for frame, piece in zip(frames, PIECES, strict=True):
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
        driver.switch_to.frame(frame)
        try:
            deadline, stats = time.monotonic() + 10, None
            while time.monotonic() < deadline:
                stats = driver.execute_script(FRAMED_STATE_JS)
                if stats and stats["inked"] > MIN_INK:
                    break
                time.sleep(0.1)
            assert stats and stats["inked"] > MIN_INK, f"{piece.slug}: preview is blank"
            assert stats["framed"], f"{piece.slug}: does not know it is framed"
            assert stats["hidden"] == ["none", "none"], f"{piece.slug}: overlay shows in a frame"
        finally:
            driver.switch_to.default_content()
    severe, urls = browser.drain_logs()
    assert severe == [], severe
    assert [u for u in urls if not u.startswith((base_url, "data:", "about:"))] == []
    assert {p.file for p in PIECES} <= {u.rsplit("/", 1)[-1] for u in urls}

    def visible() -> list[str]:
        return [c.get_attribute("data-slug") for c in cards if c.is_displayed()]

    driver.execute_script("window.scrollTo(0, 0)")
    driver.find_element(By.CSS_SELECTOR, "#filters button[data-tag='fractal']").click()
    assert visible() == [p.slug for p in PIECES if "fractal" in p.tags]
    assert driver.current_url.endswith("#tag=fractal")
    driver.find_element(By.CSS_SELECTOR, "#filters button[data-tag='']").click()
    assert visible() == [p.slug for p in PIECES]
    chip = driver.find_element(By.CSS_SELECTOR, ".card[data-slug='lorenz'] .tag[data-tag='chaos']")
    chip.click()
    assert visible() == [p.slug for p in PIECES if "chaos" in p.tags]
    assert driver.current_url.startswith(base_url), (
        "a tag chip filters instead of opening the piece"
    )
