"""Screenshots of the web console's main pages, for docs/console.md (run by
scripts/console-screenshots, which starts a server over the crawled sample lake).

    console_screenshots.py BASE_URL OUT_DIR CHROMEDRIVER"""

import json
import os
import sys
import urllib.request

from selenium.webdriver.common.by import By

from console_browser import Console, start_browser


def fill_crawler_form(console):
    """A crawler being defined, with its schedule's next fire times shown."""
    console.find("#crawler-name").send_keys("sales-nightly")
    console.find("#target-path-0").send_keys("s3://lake/sales/")
    console.find("#target-exclusions-0").send_keys("**/_temporary/**")
    console.find("#crawler-database").send_keys("sales")
    console.find("#crawler-schedule").send_keys("cron(0 3 * * ? *)")
    console.wait(lambda: len(console.all("#schedule-preview li")) == 5, "the schedule's preview")


def try_a_grok_classifier(console):
    """A grok classifier tried on a sample line before it is created."""
    console.find("#classifier-name").send_keys("app-log")
    console.find("#classifier-classification").send_keys("applog")
    console.find("#classifier-grok").send_keys("%{TIMESTAMP_ISO8601:time} %{LOGLEVEL:level} %{GREEDYDATA:message}")
    console.find("#classifier-sample").send_keys("2024-06-01T10:00:00Z ERROR disk full")
    console.driver.find_element(By.ID, "test-classifier").click()
    console.wait(lambda: "Matches" in console.find("#classifier-verdict").text, "the sample's verdict")


def rest(base, method, path, body=None):
    request = urllib.request.Request(f"{base}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def main():
    base, out, chromedriver = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    # A second version of orders, so that the versions page has a diff to show: a column
    # added and one retyped, as a schema change would.
    table = rest(base, "GET", "/v1/databases/samples/tables/orders")
    columns = table["storage_descriptor"]["columns"]
    for column in columns:
        if column["name"] == "amount":
            column["type"] = "decimal(10,2)"
    columns.append({"name": "gift_wrap", "type": "boolean"})
    update = {key: table[key] for key in ("name", "table_type", "parameters", "partition_keys", "storage_descriptor")}
    rest(base, "PUT", "/v1/databases/samples/tables/orders", update)
    run = rest(base, "GET", "/v1/crawlers/lakecat-samples")["last_crawl"]["id"]
    pages = [
        ("tables", "/databases/samples"),
        ("table", "/databases/samples/tables/batches"),
        ("partitions", "/databases/samples/tables/orders/partitions?filter=year%20%3D%20'2024'%20AND%20month%20%3E%3D%20'07'"),
        ("partition-filter-error", "/databases/samples/tables/orders/partitions?filter=year%20%3D%3D%20'2024'"),
        ("versions", "/databases/samples/tables/orders/versions"),
        ("search", "/search?text=order"),
        ("crawlers", "/crawlers"),
        ("run", f"/crawlers/lakecat-samples/runs/{run}"),
        ("crawler-form", "/crawlers/new", fill_crawler_form),
        ("classifiers", "/classifiers", try_a_grok_classifier),
    ]
    for dark in (False, True):
        driver = start_browser(chromedriver, dark=dark)
        console = Console(driver, base)
        try:
            for name, route, *prepare in pages if not dark else [pages[1]]:
                driver.set_window_size(1400, 900)
                console.go(route)
                for step in prepare:
                    step(console)
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(1400, min(max(height + 20, 600), 2400))
                driver.execute_script("document.activeElement?.blur(); window.scrollTo(0, 0)")
                path = os.path.join(out, f"{name}{'-dark' if dark else ''}.png")
                driver.save_screenshot(path)
                print(path)
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
