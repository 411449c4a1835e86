"""Drive the gallery in Debian's headless Chromium (for the browser tests and screenshots).

Nothing here is imported by the gallery itself; selenium is imported lazily, so the module is
harmless where it is not installed. Chromium is started with every background service off, so it
never tries to reach the network, and with a fresh profile each time.

``VIRTUAL_TIME_JS`` is injected before any page script runs. It makes a page deterministic and
steppable: ``Math.random`` becomes a seeded generator, ``performance.now``/``Date.now`` read a
virtual clock, and ``requestAnimationFrame``/timers only fire when ``window.__vt.step(n)`` is
called. Two loads of a page stepped alike therefore draw the same pixels, and any difference after
a real input event is the event's doing.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WINDOW = (960, 640)

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--disable-dev-shm-usage",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
)


def missing_browser() -> str | None:
    """Why the browser suite cannot run here, or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} not found (apt-get install {package})"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


class Browser:
    """One headless Chromium session with console and network logging."""

    def __init__(self, size: tuple[int, int] = WINDOW) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self._profile = tempfile.mkdtemp(prefix="gallery-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self._profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        service = Service(executable_path=str(CHROMEDRIVER))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)
        self._vt_id: str | None = None
        self.resize(*size)

    def resize(self, width: int, height: int) -> None:
        """Set the page's viewport (CSS pixels, device pixel ratio 1)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    # -- virtual time -------------------------------------------------------------------------
    def virtual_time(self, enabled: bool) -> None:
        """Install (or remove) the deterministic clock for pages loaded from now on."""
        if enabled and self._vt_id is None:
            res = self.driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument", {"source": VIRTUAL_TIME_JS}
            )
            self._vt_id = res["identifier"]
        elif not enabled and self._vt_id is not None:
            self.driver.execute_cdp_cmd(
                "Page.removeScriptToEvaluateOnNewDocument", {"identifier": self._vt_id}
            )
            self._vt_id = None

    def step(self, frames: int) -> None:
        self.driver.execute_script("window.__vt.step(arguments[0]);", frames)

    # -- pages and logs -----------------------------------------------------------------------
    def load(self, url: str) -> None:
        self.driver.get(url)

    def drain_logs(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Console messages at SEVERE level, and every URL requested, since the last drain."""
        import json

        severe = [e for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return severe, urls

    def canvas_stats(self) -> dict[str, Any]:
        return self.driver.execute_script(CANVAS_STATS_JS)

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)


VIRTUAL_TIME_JS = r"""
(() => {
  if (window.__vt) return;
  let s = 0x2545f491;
  Math.random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let now = 0, nextId = 1;
  const epoch = 1767225600000;
  Object.defineProperty(performance, 'now', { value: () => now, configurable: true });
  Date.now = () => epoch + now;
  let frames = new Map();
  const timers = new Map();
  window.requestAnimationFrame = (cb) => { const id = nextId++; frames.set(id, cb); return id; };
  window.cancelAnimationFrame = (id) => { frames.delete(id); };
  const addTimer = (cb, ms, every, args) => {
    const id = nextId++;
    const delay = Math.max(every ? 1 : 0, Number(ms) || 0);
    timers.set(id, { cb, at: now + delay, every: every ? delay : 0, args });
    return id;
  };
  window.setTimeout = (cb, ms, ...args) => addTimer(cb, ms, false, args);
  window.setInterval = (cb, ms, ...args) => addTimer(cb, ms, true, args);
  window.clearTimeout = window.clearInterval = (id) => { timers.delete(id); };
  const run = (fn, args) => {
    try { fn(...args); } catch (e) { console.error(e && e.stack ? e.stack : String(e)); }
  };
  window.__vt = {
    get now() { return now; },
    step(n = 1, dt = 1000 / 60) {
      for (let i = 0; i < n; i++) {
        now += dt;
        for (const [id, t] of [...timers]) {
          if (!timers.has(id) || t.at > now) continue;
          if (t.every) t.at += t.every; else timers.delete(id);
          if (typeof t.cb === 'function') run(t.cb, t.args);
        }
        const due = [...frames.values()];
        frames = new Map();
        for (const cb of due) run(cb, [now]);
      }
    },
  };
})();
"""

CANVAS_STATS_JS = r"""
const c = document.querySelector('canvas');
if (!c || !c.width || !c.height) return null;
const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
const counts = new Uint32Array(4096);
let h = 0x811c9dc5;
for (let i = 0; i < data.length; i += 4) {
  counts[((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4)]++;
  h = Math.imul(h ^ data[i], 16777619); h = Math.imul(h ^ data[i + 1], 16777619);
  h = Math.imul(h ^ data[i + 2], 16777619); h = Math.imul(h ^ data[i + 3], 16777619);
}
let mode = 0, distinct = 0;
for (let i = 0; i < 4096; i++) {
  if (counts[i]) distinct++;
  if (counts[i] > mode) mode = counts[i];
}
const n = data.length / 4;
const B = 16, bw = Math.ceil(c.width / B), bh = Math.ceil(c.height / B);
const blocks = new Array(bw * bh).fill(0);
for (let y = 0; y < c.height; y++) {
  for (let x = 0; x < c.width; x++) {
    const i = (y * c.width + x) * 4;
    blocks[((y / B) | 0) * bw + ((x / B) | 0)] += data[i] + data[i + 1] + data[i + 2];
  }
}
return {
  width: c.width, height: c.height, hash: (h >>> 0).toString(16), distinct,
  inked: 1 - mode / n, blocks: blocks.map((v) => Math.round(v / (B * B * 3))),
};
"""
