"""Browser tests of presentation mode (/present) in headless Chromium.

A manager opens a presentation from a dashboard page, moves through it with the keys and the
on-screen buttons, reloads on a slide, shows it full screen and leaves with Escape or Exit,
back to the page and filters they came from. The slides must be readable from the back of a
boardroom: nothing cut off at 1280x720, body type at least 24 px and growing with the screen,
text contrast at least 7:1, charts drawn to the size of their slide.

The app, the database and Chromium come from the fixtures of tests/test_browser.py (demo data,
seed 20240401, 8 NHS services), imported here.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from accessibility import assert_accessible
from layouts.present import present_href
from test_browser import (SCREENSHOTS, base_url,  # noqa: F401 (fixtures reused)
                          browser_type_launch_args, wait_ready, watched_page)

pytestmark = pytest.mark.browser

FINANCE = "/finance?service=DEMO003&from=2024-04&to=2025-03&granularity=month"
DECKS = {
    "overview": "/present?page=overview&service=DEMO003",
    "finance": present_href("finance", urlsplit(FINANCE).query),
    "benchmark": "/present?page=benchmark&service=DEMO003&peers=sector%3A%3D%3Bsource%3A%3D",
    "executive": "/present?page=executive&service=DEMO003&peers=sector%3A%3D%3Bsource%3A%3D",
}
VISIBLE = ".present-slide:not([hidden])"

# The WCAG contrast of each text element of the shown slide and the controls against the
# background it sits on (the nearest ancestor with one), with its font size.
TEXT_STYLES = """() => {
  const lum = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) { return null; }
    const [r, g, b, a] = m[1].split(',').map(Number);
    if (a === 0) { return null; }
    const lin = [r, g, b].map(v => { v /= 255; return v <= 0.04045 ? v / 12.92
                                                   : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const l = lum(getComputedStyle(e).backgroundColor); if (l !== null) { return l; }
    }
    return 1;
  };
  const roots = [document.querySelector('.present-slide:not([hidden])'),
                 document.querySelector('.present-controls')];
  const found = [];
  for (const root of roots) {
    for (const el of root.querySelectorAll('*')) {
      if (el.closest('.visually-hidden, .js-plotly-plot, svg')) { continue; }
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      if (!own || !el.getClientRects().length) { continue; }
      const style = getComputedStyle(el);
      const fg = lum(style.color), bg = background(el);
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      found.push({text: el.textContent.trim().slice(0, 60), ratio,
                  size: parseFloat(style.fontSize), inSlide: root === roots[0],
                  disabled: !!el.closest('button:disabled')});
    }
  }
  return found;
}"""


def open_deck(page, base_url, path, width=1280, height=720):  # noqa: F811
    page.set_viewport_size({"width": width, "height": height})
    page.goto(base_url + path)
    page.wait_for_selector("#present-counter")
    page.wait_for_load_state("networkidle")
    return page.locator(".present-slide").count()


def counter(page) -> str:
    return page.locator("#present-counter").inner_text()


def expect_slide(page, number: int, total: int):
    """Wait for slide `number` to be the one shown, then check the page agrees."""
    page.wait_for_function(
        "(want) => document.querySelector('#present-counter').innerText === want",
        arg=f"{number} / {total}")
    shown = page.locator(VISIBLE)
    assert shown.count() == 1
    assert shown.get_attribute("data-number") == str(number)
    assert parse_qs(urlsplit(page.url).query)["slide"] == [str(number)]
    return shown.get_attribute("data-title")


def go_to(page, number: int, total: int):
    """Reach a slide with the keys: Home, then the right arrow."""
    page.keyboard.press("Home")
    for _ in range(number - 1):
        page.keyboard.press("ArrowRight")
    expect_slide(page, number, total)


def panel_numbers(page) -> list[int]:
    return [int(n) for n in page.eval_on_selector_all(
        ".present-slide-panel", "els => els.map(e => e.dataset.number)")]


def test_keys_and_buttons_move_through_the_slides(watched_page, base_url):  # noqa: F811
    page = watched_page
    total = open_deck(page, base_url, DECKS["finance"])
    assert total >= 6
    assert counter(page) == f"1 / {total}"
    assert page.locator("#present-prev").is_disabled()
    assert page.locator(VISIBLE).get_attribute("data-number") == "1"
    steps = [("ArrowRight", 2), ("ArrowLeft", 1), ("End", total), ("Home", 1),
             ("PageDown", 2), ("Space", 3), ("PageUp", 2), ("ArrowRight", 3)]
    for key, number in steps:
        page.keyboard.press(key)
        title = expect_slide(page, number, total)
        assert page.locator("#present-announce").inner_text() == \
            f"Slide {number} of {total}: {title}"
    page.keyboard.press("End")
    expect_slide(page, total, total)
    assert page.locator("#present-next").is_disabled()
    page.keyboard.press("ArrowRight")  # nothing after the last slide
    expect_slide(page, total, total)
    page.locator("#present-prev").click()
    expect_slide(page, total - 1, total)
    page.locator("#present-next").click()
    expect_slide(page, total, total)
    assert page.locator("#present-prev").get_attribute("aria-label") == "Previous slide"
    assert page.locator("#present-next").get_attribute("aria-label") == "Next slide"
    # The buttons take the keyboard's focus and work with Enter; Space presses a button.
    page.locator("#present-prev").focus()
    page.keyboard.press("Enter")
    expect_slide(page, total - 1, total)
    page.keyboard.press("Space")
    expect_slide(page, total - 2, total)
    # A reload stays on the slide.
    page.reload()
    page.wait_for_selector("#present-counter")
    expect_slide(page, total - 2, total)
    assert page.errors == []


def test_each_slide_is_a_labelled_section(watched_page, base_url):  # noqa: F811
    page = watched_page
    total = open_deck(page, base_url, DECKS["finance"])
    labels = page.eval_on_selector_all(".present-slide",
                                       "els => els.map(e => [e.tagName, e.ariaLabel || "
                                       "e.getAttribute('aria-label')])")
    assert [tag for tag, _ in labels] == ["SECTION"] * total
    for number, (_, label) in enumerate(labels, start=1):
        assert label.startswith(f"Slide {number} of {total}: ")
    assert page.locator("#present-announce").get_attribute("aria-live") == "polite"
    first_chart = panel_numbers(page)[0]
    go_to(page, first_chart, total)
    chart = page.locator(f"{VISIBLE} .present-chart")
    assert chart.get_attribute("role") == "img"
    assert chart.get_attribute("aria-label").split(":")[0] in ("Line chart", "Bar chart",
                                                                "Stacked bar chart")
    assert page.locator(f"{VISIBLE} .visually-hidden table tbody tr").count() >= 1
    assert page.errors == []


def test_charts_are_drawn_to_the_size_of_their_slide(watched_page, base_url):  # noqa: F811
    page = watched_page
    total = open_deck(page, base_url, DECKS["finance"])
    panels = panel_numbers(page)
    assert len(panels) >= 2
    for number in panels[:2]:  # the second was hidden when the page loaded
        go_to(page, number, total)
        page.wait_for_selector(f"{VISIBLE} .main-svg", state="visible")
        page.wait_for_function(
            """(sel) => { const c = document.querySelector(sel + ' .present-chart')
                             .getBoundingClientRect();
                         const s = document.querySelector(sel + ' .main-svg')
                             .getBoundingClientRect();
                         return Math.abs(s.width - c.width) <= 2
                                && Math.abs(s.height - c.height) <= 2; }""", arg=VISIBLE)
        box = page.locator(f"{VISIBLE} .main-svg").first.bounding_box()
        assert box["width"] > 1000 and box["height"] > 300  # most of a 1280x720 slide
        assert page.locator(f"{VISIBLE} .xtick text").count() > 0
        tick = page.locator(f"{VISIBLE} .xtick text").first.evaluate(
            "e => parseFloat(e.style.fontSize)")
        assert tick >= 20
    assert page.errors == []


def test_chart_type_grows_with_the_screen(watched_page, base_url):  # noqa: F811
    page = watched_page
    sizes = {}
    for width, height in ((1280, 720), (1920, 1080)):
        total = open_deck(page, base_url, DECKS["finance"], width, height)
        number = panel_numbers(page)[0]
        go_to(page, number, total)
        page.wait_for_selector(f"{VISIBLE} .xtick text")
        page.wait_for_function(
            "(want) => parseFloat(document.querySelector("
            "'.present-slide:not([hidden]) .xtick text').style.fontSize) >= want",
            arg=20 if width == 1280 else 29)
        sizes[width] = page.locator(f"{VISIBLE} .xtick text").first.evaluate(
            "e => parseFloat(e.style.fontSize)")
        caption = page.locator(f"{VISIBLE} .present-caption").evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)")
        sizes[f"caption-{width}"] = caption
    assert sizes[1920] == pytest.approx(sizes[1280] * 1.5, rel=0.06)
    assert sizes["caption-1920"] == pytest.approx(sizes["caption-1280"] * 1.5, rel=0.02)
    assert page.errors == []


@pytest.mark.parametrize("deck", list(DECKS))
def test_every_slide_fits_and_reads_from_the_back_of_the_room(
        watched_page, base_url, deck):  # noqa: F811
    """At 1280x720 no slide or tile is cut off or scrolls; every text is at least 24 px and
    has a contrast of at least 7:1 with its background (WCAG AAA)."""
    page = watched_page
    total = open_deck(page, base_url, DECKS[deck])
    assert total >= 4
    for number in range(1, total + 1):
        if number > 1:
            page.keyboard.press("ArrowRight")
        title = expect_slide(page, number, total)
        fits = page.evaluate("""(sel) => {
            const slide = document.querySelector(sel);
            const boxes = [slide, ...slide.querySelectorAll('.present-tile')];
            return boxes.filter(b => b.scrollHeight > b.clientHeight + 1
                                     || b.scrollWidth > b.clientWidth + 1)
                        .map(b => b.className + ': ' + b.innerText.slice(0, 80));
        }""", VISIBLE)
        assert fits == [], f"slide {number} ({title}) is cut off"
        for item in page.evaluate(TEXT_STYLES):
            assert item["ratio"] >= 7, f"slide {number}: {item}"
            if item["inSlide"]:
                assert item["size"] >= 24, f"slide {number}: {item}"
            else:
                assert item["size"] >= 18, item  # the controls
        assert_accessible(page, f"slide {number} ({title}) of the {deck} presentation")
    assert page.errors == []


def test_words_that_would_not_fit_are_made_smaller(watched_page, base_url):  # noqa: F811
    """A tile whose words the plan did not foresee shrinks until nothing is cut off."""
    page = watched_page
    total = open_deck(page, base_url, DECKS["finance"])
    go_to(page, 2, total)
    tile = page.locator(f"{VISIBLE} .present-tile").first
    normal = tile.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    tile.locator(".present-tile-caption").evaluate(
        "e => { e.textContent += ' Longer than planned.'.repeat(8); }")
    assert tile.evaluate("e => e.scrollHeight > e.clientHeight + 1")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect_slide(page, 2, total)
    assert tile.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    assert normal * 0.8 - 0.5 <= tile.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") \
        < normal
    assert page.errors == []


def test_escape_and_exit_return_to_the_page_and_its_filters(watched_page, base_url):  # noqa: F811
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(base_url + FINANCE)
    wait_ready(page)
    filters = parse_qs(urlsplit(page.url).query)
    # Open the presentation as the page's Present link does (no reload), move, then Escape.
    href = present_href("finance", urlsplit(page.url).query)
    page.evaluate("""(href) => {
        window.history.pushState({}, '', href);
        window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
    }""", href)
    page.wait_for_selector("#present-counter")
    page.wait_for_function("document.activeElement && "
                           "document.activeElement.id === 'present-stage'")
    total = page.locator(".present-slide").count()
    page.keyboard.press("ArrowRight")
    expect_slide(page, 2, total)
    page.keyboard.press("Escape")
    page.wait_for_function("window.location.pathname === '/finance'")
    wait_ready(page)
    assert parse_qs(urlsplit(page.url).query) == filters
    assert page.locator(".present-mode").count() == 0
    assert page.locator("#filter-service").is_visible()
    page.keyboard.press("ArrowRight")  # the keys do nothing off a presentation
    assert urlsplit(page.url).path == "/finance"
    # Straight to a slide by its address, then the Exit button.
    page.goto(base_url + href + "&slide=3")
    page.wait_for_selector("#present-counter")
    expect_slide(page, 3, total)
    page.locator("#present-exit").click()
    page.wait_for_function("window.location.pathname === '/finance'")
    wait_ready(page)
    assert parse_qs(urlsplit(page.url).query) == filters
    assert page.errors == []


def test_full_screen_button_and_key(watched_page, base_url):  # noqa: F811
    page = watched_page
    open_deck(page, base_url, DECKS["executive"])
    button = page.locator("#present-fullscreen")
    assert button.get_attribute("aria-pressed") == "false"
    pressed = "(want) => document.fullscreenElement !== null === want && document" \
              ".querySelector('#present-fullscreen').getAttribute('aria-pressed') === String(want)"
    button.click()
    page.wait_for_function(pressed, arg=True)
    assert button.inner_text().strip() == "Full screen"  # a toggle: its name stays
    assert button.locator(".bi-fullscreen-exit").count() == 1
    page.keyboard.press("f")
    page.wait_for_function(pressed, arg=False)
    assert button.locator(".bi-arrows-fullscreen").count() == 1
    page.keyboard.press("f")
    page.wait_for_function(pressed, arg=True)
    # Escape leaves full screen first; the presentation stays.
    page.keyboard.press("Escape")
    page.wait_for_function(pressed, arg=False)
    assert page.locator(".present-mode").count() == 1
    assert page.errors == []


def test_no_animation_for_reduced_motion(watched_page, base_url):  # noqa: F811
    page = watched_page
    page.emulate_media(reduced_motion="reduce")
    total = open_deck(page, base_url, DECKS["overview"])
    page.keyboard.press("ArrowRight")
    expect_slide(page, 2, total)
    assert page.evaluate("document.getAnimations().length") == 0
    assert page.locator("#present-next").evaluate(
        "e => getComputedStyle(e).transitionDuration") in ("0s", "")
    assert page.errors == []


def test_bad_link_is_a_slide_not_a_crash(watched_page, base_url):  # noqa: F811
    page = watched_page
    total = open_deck(page, base_url, "/present?page=../../etc&slide=7")
    assert total == 1
    assert "no page called '../../etc'" in page.locator(VISIBLE).inner_text()
    assert_accessible(page, "a presentation of a bad link")
    page.keyboard.press("Escape")
    page.wait_for_function("window.location.pathname === '/'")
    assert page.errors == []


def test_screenshots_look_like_a_board_presentation(watched_page, base_url):  # noqa: F811
    """Screenshots at 1280x720 for people to look at: title, headlines, two chart slides."""
    page = watched_page
    SCREENSHOTS.mkdir(exist_ok=True)
    total = open_deck(page, base_url, DECKS["finance"])
    page.screenshot(path=str(SCREENSHOTS / "present-title.png"))
    go_to(page, 2, total)
    page.screenshot(path=str(SCREENSHOTS / "present-headlines.png"))
    for name, number in zip(("present-chart-trend.png", "present-chart-breakdown.png"),
                            panel_numbers(page)):
        go_to(page, number, total)
        page.wait_for_selector(f"{VISIBLE} .main-svg", state="visible")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / name))
    total = open_deck(page, base_url, DECKS["executive"])
    go_to(page, 2, total)
    page.screenshot(path=str(SCREENSHOTS / "present-executive-headlines.png"))
    go_to(page, panel_numbers(page)[-1], total)
    page.wait_for_selector(f"{VISIBLE} .main-svg", state="visible")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "present-executive-standing.png"))
    assert page.errors == []
