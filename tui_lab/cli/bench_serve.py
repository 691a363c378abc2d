"""`tui-lab bench --serve`: the lab served by `tui-lab serve`, measured in Chromium as a student
meets it (cli/browser.py drives it and reads the screen from the page's terminal).

- serve_first_states_s: from opening the page (its navigation start) to the frame that first
  shows the lab's states ("step 0/7": TensorFlow loaded, the lesson's line built);
- serve_key_ms_median / _p95: a space pressed in the page (its keydown) to the frame that shows
  the next step, over `steps` steps of one tab, a pause of PAUSE_S between steps (as a
  person steps), home (g) at the end of the line, not counted;
- serve_rss_mib: the lab process's resident memory after those steps;
- serve_key_ms_p95_8_tabs: the same p95 with 8 tabs stepping at once;
- serve_parsed_ms_median (one tab), serve_parsed_ms_p95_8_tabs: the same keys to the moment
  the page's terminal has read the lab's new screen, before drawing it: what the server and
  the lab take, apart from the drawing, which a student's own machine does (here Chromium
  draws every tab on the same 2 cores as the labs, in WebGL emulated on the CPU).
"""

from __future__ import annotations

import asyncio
import random
import statistics

from tui_lab.cli import browser

PAUSE_S = 0.1
TIMEOUT_MS = 300_000  # for a lab to start while others start too (a loaded 2-core machine)
FIRST_STATES = "step 0/7"


def serve(steps: int, tabs: int) -> dict:
    if browser.chromium() is None:
        raise RuntimeError("no chromium to measure with: apt-get install chromium")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        raise RuntimeError('Playwright is missing: pip install "tui-lab[test]"') from None
    return asyncio.run(_measure(steps, tabs))


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[int(0.95 * (len(samples) - 1))]


async def _measure(steps: int, tabs: int) -> dict:
    from playwright.async_api import async_playwright

    server, url = browser.start_server("--max-sessions", str(tabs))
    try:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(**browser.launch_options())
            page = await _open(chromium, url)
            figures = {"serve_first_states_s": float(await page.evaluate("__lab.shownAt")) / 1e3}
            shown, parsed = zip(*await _step(page, steps))
            [lab] = browser.children(server.pid)
            figures.update(serve_key_ms_median=statistics.median(shown),
                           serve_key_ms_p95=_p95(shown), serve_rss_mib=browser.rss_mib(lab),
                           serve_parsed_ms_median=statistics.median(parsed))
            pages = [page, *await asyncio.gather(*(_open(chromium, url)
                                                   for _ in range(tabs - 1)))]
            together = await asyncio.gather(*(_step(p, steps, random.Random(i))
                                              for i, p in enumerate(pages)))
            shown, parsed = zip(*sum(together, []))
            figures[f"serve_key_ms_p95_{tabs}_tabs"] = _p95(shown)
            figures[f"serve_parsed_ms_p95_{tabs}_tabs"] = _p95(parsed)
            await chromium.close()
    finally:
        server.terminate()  # SIGTERM: the server ends its labs as for ctrl+c
        server.wait(60)
    return figures


async def _open(chromium, url: str):
    """A student's tab, in a window of its own (browser.CONTEXT), once its lab is warm."""
    context = await chromium.new_context(**browser.CONTEXT)
    # From the page's first frame on, note when the states first show.
    await context.add_init_script(browser.SCREEN_JS + f"window.__lab.want = {FIRST_STATES!r};")
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_function("__lab.shownAt !== null", timeout=TIMEOUT_MS)
    await _key(page, "Space", "step 1/7")  # the first step and back: the lab is warm
    await _key(page, "g", FIRST_STATES)
    return page


async def _key(page, key: str, want: str) -> tuple[float, float]:
    """Press key; milliseconds from its keydown to the frame that first shows want, and to
    the moment the terminal had read it."""
    await page.evaluate("want => { __lab.want = want; __lab.shownAt = __lab.parsedAt = null; }",
                        want)
    await page.keyboard.press(key)
    await page.wait_for_function("__lab.shownAt !== null", timeout=TIMEOUT_MS)
    shown, parsed = await page.evaluate("[__lab.shownAt - __lab.keyAt, "
                                        "__lab.parsedAt - __lab.keyAt]")
    return float(shown), float(parsed)  # (JSON gives a whole number of ms as an int)


async def _step(page, steps: int, jitter: random.Random | None = None) -> list[tuple]:
    samples, t = [], 7
    for _ in range(steps):
        if t == 7:  # from the start of the lesson's line, 7 steps long (home: not counted)
            await _key(page, "g", FIRST_STATES)
            t = 0
        t += 1
        samples.append(await _key(page, "Space", f"step {t}/7"))
        await asyncio.sleep(PAUSE_S * (1 + (jitter.random() if jitter else 0)))
    return samples
