"""The web console in headless Chromium, driven by Selenium: one browser session runs every
scenario against a real `lakecat serve` (see catalog-server/tests/console.rs).

    console_browser.py BASE_URL LAKE_DIR ADMIN_TOKEN READER_TOKEN CHROMEDRIVER

Prints "console browser: ok" when every check passed; the first failed check raises."""

import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

# Flags that work in containers and offline: no sandbox (root), no GPU, no network chatter.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]


def start_browser(chromedriver, dark=False):
    """A headless Chromium with a fresh profile, driven through `chromedriver`."""
    options = webdriver.ChromeOptions()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='lakecat-chromium-')}")
    for candidate in ("/usr/bin/chromium", "/usr/lib/chromium/chromium"):
        if os.path.exists(candidate):
            options.binary_location = candidate
            break
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    if dark:
        # As a system in dark mode would ask for it.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    return driver


class Console:
    """The console in one browser, with waits that fail with what was on the page."""

    def __init__(self, driver, base):
        self.driver = driver
        self.base = base.rstrip("/")

    def wait(self, condition, what, timeout=20):
        try:
            # A page refreshing itself (a running crawl's) replaces elements while they are read.
            wait = WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                                 ignored_exceptions=(StaleElementReferenceException,))
            return wait.until(lambda d: condition())
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}; the page shows:\n{self.main_text()}") from None

    def main_text(self):
        try:
            return self.driver.find_element(By.ID, "main").text
        except Exception:  # noqa: BLE001 - only for the failure message
            return "(no page)"

    def idle(self):
        """Waits until the current page finished rendering."""
        self.wait(lambda: self.driver.execute_script(
            "return !document.body.hasAttribute('aria-busy') && document.body.dataset.route === location.hash"), "the page to render")

    def go(self, route):
        self.driver.get(f"{self.base}/#{route}")
        self.idle()

    def find(self, css):
        return self.wait(lambda: self.first(css), f"an element {css}")

    def first(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click_link(self, text):
        self.wait(lambda: self.driver.find_elements(By.LINK_TEXT, text), f"a link {text!r}")[0].click()
        self.idle()

    def sign_in(self, token):
        dialog = self.find("dialog#login[open]")
        field = dialog.find_element(By.ID, "login-token")
        field.send_keys(token)
        field.send_keys(Keys.ENTER)
        self.wait(lambda: not self.first("dialog#login[open]"),
                  f"the sign-in dialog to close (it says: {self.driver.find_element(By.ID, 'login-reason').text})")
        self.idle()

    def module(self, name, expression, *args):
        """Evaluates `expression` (using `m`, the module, and `args`) in the page."""
        script = (
            "const done = arguments[arguments.length - 1];"
            f"import('/console/{name}').then((m) => {{ const args = Array.from(arguments).slice(0, -1);"
            f" done({{ok: {expression}}}); }}).catch((e) => done({{error: String(e)}}));"
        )
        result = self.driver.execute_async_script(script, *args)
        assert "error" not in result, result
        return result["ok"]


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def type_parsing_and_diffs_follow_their_rules(console):
    """schema.js's rules, table-driven, in the browser that runs them."""
    cases = [
        ("int", {"type": "int", "children": []}),
        ("DECIMAL(10, 2)", {"type": "decimal(10,2)", "children": []}),
        ("array<string>", {"type": "array", "children": [{"name": "element", "type": "string", "children": []}]}),
        ("map<string,array<int>>", {"type": "map", "children": [
            {"name": "key", "type": "string", "children": []},
            {"name": "value", "type": "array", "children": [{"name": "element", "type": "int", "children": []}]}]}),
        ("struct<plan:string,seats:int>", {"type": "struct", "children": [
            {"name": "plan", "type": "string", "children": []}, {"name": "seats", "type": "int", "children": []}]}),
        ("struct<a b:struct<c:int>>", {"type": "struct", "children": [
            {"name": "a b", "type": "struct", "children": [{"name": "c", "type": "int", "children": []}]}]}),
        ("uniontype<int,string>", {"type": "uniontype", "children": [
            {"name": "0", "type": "int", "children": []}, {"name": "1", "type": "string", "children": []}]}),
        ("struct<a:int", {"type": "struct<a:int", "children": []}),
        ("array<int> trailing", {"type": "array<int> trailing", "children": []}),
    ]
    for text, expected in cases:
        got = console.module("schema.js", "m.parseType(args[0])", text)
        check(got == expected, f"parseType({text!r}) = {got}, expected {expected}")
    col = lambda name, kind: {"name": name, "type": kind}  # noqa: E731
    diffs = [
        ([col("a", "int")], [col("a", "int")], [("a", "same")]),
        ([col("a", "int")], [col("a", "bigint")], [("a", "retyped")]),
        ([col("a", "int")], [col("A", "INT")], [("A", "same")]),
        ([col("a", "int"), col("b", "string")], [col("a", "int")], [("a", "same"), ("b", "removed")]),
        ([col("a", "int"), col("b", "string"), col("c", "int")], [col("a", "int"), col("c", "int"), col("d", "date")],
         [("a", "same"), ("b", "removed"), ("c", "same"), ("d", "added")]),
        ([], [col("x", "struct<y:int>")], [("x", "added")]),
    ]
    for before, after, expected in diffs:
        rows = console.module("schema.js", "m.diffColumns(args[0], args[1])", before, after)
        got = [(r["name"], r["change"]) for r in rows]
        check(got == expected, f"diffColumns({before}, {after}) = {got}, expected {expected}")


def browse_to_a_crawled_table(console):
    # Access control is on: the console asked for a token before it showed anything.
    console.sign_in(ADMIN)
    check("role: admin" in console.find("#who").text, "the header names the admin role")
    console.click_link("samples")
    names = [a.text for a in console.all("main table a[href*='/tables/']")]
    for table in ["access", "batches", "clicks", "customers", "orders", "products"]:
        check(table in names, f"the samples database lists {table}: {names}")
    orders_row = [row.text for row in console.all("main tbody tr") if row.text.startswith("orders")]
    check(orders_row and "csv" in orders_row[0] and "year, month" in orders_row[0], f"orders' row: {orders_row}")
    console.click_link("batches")
    check(console.find("main h1").text == "batches", "the table page's title")
    tree = console.find("li[data-column='props']")
    nested = [li.get_attribute("data-column") for li in tree.find_elements(By.CSS_SELECTOR, "li")]
    check(nested == ["plan", "seats"], f"props' nested fields as a tree: {nested}")
    check("struct (2 fields)" in tree.text, tree.text)
    console.click_link("Storage")
    check("org.openx.data.jsonserde.JsonSerDe" in console.main_text(), "the storage tab names the SerDe")


def search(console, text):
    """Searches with the header's box; the tables found."""
    box = console.find("#search-text")
    box.clear()
    box.send_keys(text, Keys.ENTER)
    console.wait(lambda: text in console.find("main h1").text, f"the search page for {text}")
    console.idle()
    return [a.text for a in console.all("main tbody a[href*='/tables/']")]


def search_finds_tables_by_column(console):
    found = search(console, "props")
    check(found == ["batches"], f"searching a column name finds its table only: {found}")
    console.driver.find_element(By.TAG_NAME, "body").send_keys("/")
    check(console.driver.switch_to.active_element.get_attribute("id") == "search-text", "/ moves focus to the search box")
    found = search(console, "CHANNEL")
    check(found == ["orders", "orders_xml"], f"searching a column name ignoring case finds the tables with it: {found}")


def filter_partitions(console):
    console.go("/databases/samples/tables/orders/partitions")
    rows = console.all("#partition-results tbody tr")
    check(len(rows) == 2, f"orders has two partitions: {[r.text for r in rows]}")
    field = console.find("#partition-filter")
    field.send_keys("month = '07'", Keys.ENTER)
    console.wait(lambda: "filter=" in console.driver.current_url, "the filter in the address")
    console.idle()
    rows = console.all("#partition-results tbody tr")
    check(len(rows) == 1 and rows[0].text.startswith("2024 07"), f"the filter keeps July: {[r.text for r in rows]}")
    field = console.find("#partition-filter")
    field.clear()
    field.send_keys("year ==", Keys.ENTER)
    error = console.find("#partition-results .error")
    check("position 7" in error.text, f"a bad filter's error names its position: {error.text}")
    caret = error.find_element(By.CSS_SELECTOR, ".caret").text
    check(caret.rstrip() == " " * 6 + "^", f"the caret points at the 7th character: {caret!r}")
    check(not console.all("#partition-results tbody tr"), "no partitions are listed under an error")


def create_a_classifier(console):
    console.go("/classifiers")
    console.find("#classifier-name").send_keys("app-log")
    console.find("#classifier-classification").send_keys("applog")
    console.find("#classifier-grok").send_keys("%{TIMESTAMP_ISO8601:time} %{LOGLEVEL:level} %{GREEDYDATA:message}")
    # The test box says what a crawl would infer from a sample, before anything is stored.
    console.find("#classifier-sample").send_keys("2024-06-01T10:00:00Z ERROR disk full")
    console.find("#test-classifier").click()
    console.wait(lambda: "Matches" in console.find("#classifier-verdict").text, "the sample's verdict")
    verdict = console.find("#classifier-verdict").text
    check("applog" in verdict and "level string" in verdict and "message string" in verdict, verdict)
    sample = console.find("#classifier-sample")
    sample.clear()
    sample.send_keys("not a log line")
    console.find("#test-classifier").click()
    console.wait(lambda: "Does not match" in console.find("#classifier-verdict").text, "a sample that does not match")
    check("app-log" not in [c.text for c in console.all("main tbody td")], "testing stores nothing")
    console.find("#classifier-form button[type=submit]").click()
    console.wait(lambda: "app-log" in console.main_text() and "applog" in console.main_text(), "the new classifier in the list")
    console.find("#classifier-name").send_keys("broken")
    console.find("#classifier-classification").send_keys("x")
    console.find("#classifier-grok").send_keys("%{NO_SUCH_PATTERN:x}")
    console.find("#classifier-form button[type=submit]").click()
    error = console.find("#classifier-form .error")
    check("grok_pattern" in error.text, f"a pattern that does not compile is refused, naming the field: {error.text}")


def start_and_watch(console, crawler):
    """Starts `crawler` from the crawler list, waits on its run page until the run finished;
    returns the run's table changes by table."""
    console.go("/crawlers")
    row = [r for r in console.all("main tbody tr") if r.text.startswith(crawler)][0]
    row.find_element(By.CSS_SELECTOR, "button.start").click()
    console.wait(lambda: "/runs/" in console.driver.current_url, "the run page")
    console.wait(lambda: console.first("#run-state") is not None and "COMPLETED" in console.first("#run-state").text,
                 "the run to finish", timeout=60)
    console.idle()
    return {a.get_attribute("data-table"): a.find_element(By.XPATH, "../..").text for a in console.all("a[data-table]")}


def create_and_start_a_crawler(console):
    console.go("/crawlers")
    console.find("#new-crawler").click()
    console.idle()
    console.find("#crawler-name").send_keys("sales-nightly")
    console.find("#crawler-description").send_keys("The sales folder, every night")
    console.find("#target-path-0").send_keys(f"file://{LAKE}/sales/")
    console.find("#target-exclusions-0").send_keys("**/*.tmp")
    console.find("#crawler-database").send_keys("shop")
    # The schedule's next fire times show as it is typed, and a refusal names the field.
    schedule = console.find("#crawler-schedule")
    schedule.send_keys("cron(0 3 * * ? ")
    console.wait(lambda: "schedule" in console.find("#schedule-preview").text, "the schedule's refusal")
    refusal = console.find("#schedule-preview").text
    check("invalid schedule" in refusal, f"an incomplete cron is refused: {refusal}")
    schedule.send_keys("*)")
    console.wait(lambda: len(console.all("#schedule-preview li")) == 5, "five next fire times")
    times = [li.text for li in console.all("#schedule-preview li")]
    check(all("03:00:00Z" in t for t in times), f"each at 03:00 UTC: {times}")
    options = [o.text for o in console.all("#crawler-classifiers option")]
    check(any(o.startswith("app-log") for o in options), f"the form offers the custom classifiers: {options}")
    console.find("#save-crawler").click()
    console.wait(lambda: console.first("main h1") is not None and console.first("main h1").text.startswith("sales-nightly"),
                 "the new crawler's page")
    console.idle()
    text = console.main_text()
    check("cron(0 3 * * ? *)" in text and "**/*.tmp" in text, f"the crawler page shows its schedule and exclusions:\n{text}")
    console.go("/crawlers")
    row = [r for r in console.all("main tbody tr") if r.text.startswith("sales-nightly")][0]
    check("READY" in row.text and "cron(0 3 * * ? *)" in row.text and "never" in row.text, row.text)
    check(row.find_elements(By.TAG_NAME, "time"), f"the list shows the next fire time: {row.text}")

    # A dry run shows the plan and writes nothing: afterwards the crawler has still never run.
    console.go("/crawlers/sales-nightly")
    console.find("#dry-run").click()
    console.wait(lambda: console.first("#dry-run-state") is not None and "Nothing was written" in console.first("#dry-run-state").text,
                 "the dry run's plan", timeout=60)
    console.idle()
    planned = {a.get_attribute("data-table"): a.find_element(By.XPATH, "../..").text for a in console.all("a[data-table]")}
    check(sorted(planned) == ["line_items", "orders", "products"], f"the dry run plans the tables: {planned}")
    check(all("CREATE" in p and "planned (dry run)" in p for p in planned.values()), f"planned creations: {planned}")
    check(console.first("li.decision[data-location$='/sales/orders/']") is not None, "the dry run explains its grouping")
    console.go("/crawlers")
    row = [r for r in console.all("main tbody tr") if r.text.startswith("sales-nightly")][0]
    check("never" in row.text, f"the dry run recorded no run: {row.text}")

    changes = start_and_watch(console, "sales-nightly")
    first_run = console.driver.current_url.split("/runs/")[1]
    check(sorted(changes) == ["line_items", "orders", "products"], f"the run's tables: {changes}")
    check(all("CREATE" in change for change in changes.values()), f"the first run creates them: {changes}")
    decision = console.find("li.decision[data-location$='/sales/orders/']")
    check('one table "orders" with 2 partition(s) on (year, month)' in decision.text, f"the grouping decision: {decision.text}")
    check("because all 2 partition folders" in decision.text, f"the decision says why: {decision.text}")
    parent = console.find("li.decision[data-location$='/sales/']")
    nested = [li.get_attribute("data-location") for li in parent.find_elements(By.CSS_SELECTOR, "li.decision")]
    check(decision.get_attribute("data-location") in nested, f"decisions nest as the lake's folders do: {nested}")
    text = console.main_text()
    check("_SUCCESS" in text and "marker file" in text, f"the skipped marker file and why:\n{text}")

    # A new month with a new column: the next run adds a partition and a column to orders.
    month = os.path.join(LAKE, "sales", "orders", "year=2024", "month=08")
    os.makedirs(month)
    with open(os.path.join(month, "orders.csv"), "w") as out:
        out.write("order_id,customer,amount,currency,ordered_on,paid_at,coupon,channel,gift_wrap\n")
        out.write("1006,\"babbage, charles\",12.00,GBP,2024-08-01,2024-08-01 09:00:00,,web,true\n")
    changes = start_and_watch(console, "sales-nightly")
    second_run = console.driver.current_url.split("/runs/")[1]
    check("UPDATE" in changes.get("orders", ""), f"the second run updates orders: {changes}")
    cards = console.find("#run-counts").text
    check("1\nPartitions added" in cards, f"the second run adds one partition: {cards}")

    # A table's page names the crawler and the run that last changed it, linked to the run.
    for table, run in [("orders", second_run), ("products", first_run)]:
        console.go(f"/databases/shop/tables/{table}")
        crawl = console.find("#last-crawl")
        link = crawl.find_element(By.CSS_SELECTOR, "a[data-run]")
        check("sales-nightly" in crawl.text and link.get_attribute("data-run") == run,
              f"{table} was last changed by run {run}: {crawl.text} ({link.get_attribute('data-run')})")
    link.click()
    console.idle()
    check(console.driver.current_url.endswith(f"/crawlers/sales-nightly/runs/{first_run}"),
          f"the link opens the run's page: {console.driver.current_url}")
    console.wait(lambda: first_run[:8] in console.find("main h1").text, "the run page")


def api_get(console, path):
    """GETs `path` from the REST API in the page, with the signed-in token; the JSON."""
    return console.driver.execute_async_script(
        "const done = arguments[1];"
        "fetch(arguments[0], {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('lakecat.token')}})"
        ".then((r) => r.json()).then(done);", path)


def open_table_format_targets_in_the_form(console):
    """Delta Lake, Iceberg and Hudi targets are made, shown and changed in the crawler form."""
    # The server opens each target when saving: the folders must exist (empty is enough).
    for folder in ["delta/sales", "delta/clicks", "delta/orders", "warehouse", "hudi"]:
        os.makedirs(os.path.join(LAKE, folder), exist_ok=True)
    console.go("/crawlers/new")
    console.find("#crawler-name").send_keys("formats")
    console.find("#crawler-database").send_keys("formats")
    for kind in ["delta", "iceberg", "hudi"]:
        console.find(f"#add-{kind}-target").click()
    console.find("#delta-paths-0").send_keys(f"file://{LAKE}/delta/sales/\nfile://{LAKE}/delta/clicks/")
    console.find("#iceberg-paths-0").send_keys(f"file://{LAKE}/warehouse/")
    console.find("#iceberg-exclusions-0").send_keys("**/tmp/**")
    console.find("#iceberg-depth-0").send_keys("3")
    console.find("#hudi-paths-0").send_keys(f"file://{LAKE}/hudi/")
    console.find("#save-crawler").click()
    console.wait(lambda: console.first("main h1") is not None and console.first("main h1").text.startswith("formats"),
                 "the new crawler's page")
    console.idle()
    shown = console.find("#iceberg_targets-shown").text
    check(f"file://{LAKE}/warehouse/" in shown and "**/tmp/**" in shown, f"the page lists the Iceberg path: {shown}")
    check(f"file://{LAKE}/delta/clicks/" in console.find("#delta_targets-shown").text, "the page lists the Delta tables")
    targets = api_get(console, "/v1/crawlers/formats")["targets"]
    check(targets.get("s3_targets") == [], f"no S3 target was made from the empty one: {targets}")
    check(targets["delta_targets"] == [{"delta_tables": [f"file://{LAKE}/delta/sales/", f"file://{LAKE}/delta/clicks/"]}],
          f"the Delta target as entered: {targets}")
    check(targets["iceberg_targets"] == [{"paths": [f"file://{LAKE}/warehouse/"], "exclusions": ["**/tmp/**"], "maximum_traversal_depth": 3}],
          f"the Iceberg target as entered: {targets}")
    check(targets["hudi_targets"] == [{"paths": [f"file://{LAKE}/hudi/"], "exclusions": []}], f"the Hudi target: {targets}")

    # Editing shows them; a target whose paths are emptied is removed, the others kept.
    console.go("/crawlers/formats/edit")
    check(console.find("#iceberg-depth-0").get_attribute("value") == "3", "the form shows the traversal depth")
    console.find("#hudi-paths-0").clear()
    console.find("#delta-paths-0").send_keys(f"\nfile://{LAKE}/delta/orders/")
    console.find("#save-crawler").click()
    console.wait(lambda: console.driver.current_url.endswith("/crawlers/formats"), "the crawler's page after saving")
    console.idle()
    targets = api_get(console, "/v1/crawlers/formats")["targets"]
    check("hudi_targets" not in targets, f"the emptied Hudi target is gone: {targets}")
    check(len(targets["delta_targets"][0]["delta_tables"]) == 3 and targets["iceberg_targets"][0]["maximum_traversal_depth"] == 3,
          f"the other targets are kept: {targets}")
    # The server checks them as any client's: a Delta table the crawler cannot open.
    console.go("/crawlers/formats/edit")
    console.find("#delta-paths-0").send_keys("\nftp://lake/delta/")
    console.find("#save-crawler").click()
    error = console.find("#crawler-form .error")
    check("unsupported scheme ftp://" in error.text, f"the server's refusal shows: {error.text}")


def diff_two_versions(console):
    console.go("/databases/shop/tables/orders/versions")
    versions = [o.get_attribute("value") for o in console.all("#version-to option")]
    check(len(versions) >= 2, f"the second crawl archived a version: {versions}")
    rows = {tr.get_attribute("data-column"): tr.get_attribute("data-change") for tr in console.all("#schema-diff tr[data-column]")}
    check(rows.get("gift_wrap") == "added", f"gift_wrap is added in the newest version: {rows}")
    check(rows.get("order_id") == "same" and rows.get("channel") == "same", f"unchanged columns: {rows}")
    # The other way round, the column is removed; the form picks the versions.
    Select(console.find("#version-from")).select_by_value(versions[0])
    Select(console.find("#version-to")).select_by_value(versions[-1])
    console.find("form[aria-label='Compare versions'] button[type=submit]").click()
    console.wait(lambda: "from=" in console.driver.current_url, "the versions in the address")
    console.idle()
    rows = {tr.get_attribute("data-column"): tr.get_attribute("data-change") for tr in console.all("#schema-diff tr[data-column]")}
    check(rows.get("gift_wrap") == "removed", f"from newest to oldest gift_wrap is removed: {rows}")


def a_reader_cannot_start_crawlers(console):
    console.find("#sign-out").click()
    console.sign_in(READER)
    check("role: reader" in console.find("#who").text, "the header names the reader role")
    console.go("/crawlers")
    check(not console.first("#new-crawler"), "a reader is not offered to create crawlers")
    starts = console.all("main button.start")
    check(starts and all(not b.is_enabled() for b in starts), "start buttons are disabled for a reader")
    check(all("admin" in (b.get_attribute("title") or "") for b in starts), "disabled buttons say which role they need")
    # And the server refuses it anyway: the console's role handling is a courtesy.
    status = console.driver.execute_async_script(
        "const done = arguments[0];"
        "fetch('/v1/crawlers/sales-nightly:start', {method: 'POST', headers: {Authorization: 'Bearer ' + sessionStorage.getItem('lakecat.token')}})"
        ".then((r) => done(r.status));")
    check(status == 403, f"the server refuses a reader's start with 403, got {status}")
    console.go("/classifiers")
    check(not console.first("#classifier-form"), "a reader is not offered to add classifiers")
    # The token lives in this tab's session storage only.
    check(console.driver.execute_script("return localStorage.length") == 0, "nothing in local storage")


def main():
    global ADMIN, READER, LAKE
    base, LAKE, ADMIN, READER, chromedriver = sys.argv[1:6]
    driver = start_browser(chromedriver)
    console = Console(driver, base)
    try:
        started = time.time()
        driver.get(f"{base}/")
        type_parsing_and_diffs_follow_their_rules(console)
        browse_to_a_crawled_table(console)
        search_finds_tables_by_column(console)
        filter_partitions(console)
        create_a_classifier(console)
        create_and_start_a_crawler(console)
        diff_two_versions(console)
        open_table_format_targets_in_the_form(console)
        a_reader_cannot_start_crawlers(console)
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "status of 4" not in e["message"]]
        check(not errors, f"the browser logged errors: {errors}")
        print(f"console browser: ok ({time.time() - started:.1f} s)")
    finally:
        driver.quit()


ADMIN = READER = LAKE = None

if __name__ == "__main__":
    main()
