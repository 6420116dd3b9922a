"""The Snakemake report, looked at in headless Chromium as a person would."""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from conftest import Project, require

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
CLASSES = [
    "AnnualCrop",
    "Forest",
    "HerbaceousVegetation",
    "Highway",
    "Industrial",
    "Pasture",
    "PermanentCrop",
    "Residential",
    "River",
    "SeaLake",
]
PLOTS = [
    "mean per class",
    "histograms of means",
    "darkest and brightest pixels",
    "mean against std",
]


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Project:
    """A run on .test with one broken image, and its report."""
    project = Project.create(tmp_path_factory.mktemp("report") / "repo")
    (project.data / "Forest" / "Forest_broken.jpg").write_bytes(b"not a JPEG")
    project.snakemake()
    project.snakemake("--report", "report.html")
    return project


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the screenshots go: $REPORT_SCREENSHOTS, or a temporary folder."""
    folder = Path(
        os.environ.get("REPORT_SCREENSHOTS") or tmp_path_factory.mktemp("shots")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(reported):
    require(
        bool(CHROMIUM and CHROMEDRIVER),
        "Chromium and its WebDriver are not installed"
        " (Debian: chromium chromium-driver; tests/system-packages.sh)",
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",  # as root
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",  # this machine has no network
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={reported.root / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.get((reported.workdir / "report.html").as_uri())
    yield driver
    driver.quit()


class Page:
    """What a reader does: open a category, look at an item."""

    def __init__(self, driver):
        from selenium.webdriver.common.by import By

        self.driver, self.by = driver, By

    def text(self) -> str:
        return self.driver.find_element(self.by.TAG_NAME, "body").text

    def wait_for(self, check, timeout=20.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            result = check()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError("the report did not show it in time")

    def visible(self, xpath: str) -> list:
        return [
            e
            for e in self.driver.find_elements(self.by.XPATH, xpath)
            if e.is_displayed()
        ]

    def open_category(self, name: str) -> None:
        """Click the category in the menu, going back to "Results" first when
        the menu shows something else."""
        self.driver.switch_to.default_content()
        category = f"//*[normalize-space(text())='{name}']"
        if not self.visible(category):
            self.visible("//a[normalize-space(text())='Results']")[0].click()
        self.wait_for(lambda: self.visible(category))[0].click()

    def view(self, item: str) -> None:
        row = self.wait_for(
            lambda: self.driver.find_elements(
                self.by.XPATH, f"//tr[td[normalize-space(text())='{item}']]"
            )
        )[0]
        row.find_element(self.by.CSS_SELECTOR, "a[iconname='eye']").click()

    def shown_image(self) -> dict:
        """The image in the main panel, once loaded: its natural size."""

        def loaded():
            for img in self.driver.find_elements(self.by.TAG_NAME, "img"):
                width = self.driver.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth", img
                )
                if width and width > 200:  # not the 58 px logo
                    return {"width": width, "shown": img.size}
            return None

        return self.wait_for(loaded)

    def screenshot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


def test_report_shows_description_overview_plots_and_galleries(
    browser, screenshots, reported
):
    page = Page(browser)
    page.wait_for(lambda: "The analysis brightness run on" in page.text())
    home = page.text()
    assert "every image below data" in home  # the description, with config
    assert "blocks of about 16" in home
    for category in ["1. Overview", "2. Brightness", "3. Galleries", "4. Run time"]:
        assert category in home
    page.screenshot(screenshots, "0-home")

    page.open_category("1. Overview")
    page.view("run overview")
    frame = page.wait_for(lambda: browser.find_elements(page.by.TAG_NAME, "iframe"))[0]
    page.screenshot(screenshots, "1-overview")
    browser.switch_to.frame(frame)
    overview = page.wait_for(lambda: "Rejected images" in page.text() and page.text())
    processed = len(reported.images()) - 1  # all but the broken one
    assert f"images processed {processed}" in overview
    assert "images rejected 1" in overview
    assert "Forest/Forest_broken.jpg not an image Pillow can read" in overview
    for name in CLASSES:
        assert name in overview

    page.open_category("2. Brightness")
    for i, plot in enumerate(PLOTS):
        page.view(plot)
        image = page.shown_image()
        assert image["shown"]["width"] > 400, plot  # drawn large enough to read
        page.screenshot(screenshots, f"2-brightness-{i}")

    page.open_category("3. Galleries")
    for name in CLASSES:
        assert name in page.text()
    for name in ("Forest", "SeaLake"):
        page.view(name)
        image = page.shown_image()
        assert image["width"] > 1000  # a contact sheet, not a placeholder
        page.screenshot(screenshots, f"3-gallery-{name}")

    page.open_category("4. Run time")
    page.view("run time per block")
    page.shown_image()
    page.screenshot(screenshots, "4-runtime")
    print(f"report screenshots in {screenshots}")


def test_zip_report_for_large_runs(reported):
    reported.snakemake("--report", "report.zip")
    with zipfile.ZipFile(reported.workdir / "report.zip") as z:
        names = z.namelist()
    assert any(n.endswith("report.html") for n in names)
    for item in (
        "brightness_by_class.svg",
        "SeaLake.svg",
        "overview.html",
        "stats.tsv",
    ):
        assert any(n.endswith(item) for n in names), item
