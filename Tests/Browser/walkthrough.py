#!/usr/bin/python3
"""Walks through Vigil's web UI in a real headless Chromium, as an auditor would.

Usage: walkthrough.py BASE_URL USER PASSWORD OUTDIR
           [--actor jane.doe] [--action update] [--entity customer/CUST-12345]
           [--field email] [--old old@example.com] [--new new@example.com]

Steps (one screenshot per step in OUTDIR, NN-name.png): log in, dashboard, filter the activity log
to one actor and one action with the filter bar (results replaced without a reload, URL pushed),
open an event with the expected change and read its changes table, the entity's history, the CSV
export (its href fetched with the session cookie), the authentication page, the admin page (403
for a viewer), log out. Exits 0 when every check holds, else 1 with the failed check, the page's
URL and the start of its text (and a FAILED-*.png screenshot).

Needs Debian's chromium, chromium-driver and python3-selenium (run it with /usr/bin/python3).
"""
import argparse
import csv
import io
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 15


class CheckFailed(Exception):
    pass


class Walkthrough:
    def __init__(self, args):
        self.args = args
        self.base = args.base_url.rstrip("/")
        self.outdir = args.outdir
        self.step_number = 0
        self.step_name = "start"
        self.screenshots = []
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000",
                     "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions", "--lang=en-US"):
            options.add_argument(flag)
        self.profile = tempfile.TemporaryDirectory(prefix="vigil-chromium-")
        options.add_argument("--user-data-dir=" + self.profile.name)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(os.environ.get("VIGIL_CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(30)

    # ---- helpers -------------------------------------------------------------------------------

    def step(self, name):
        self.step_number += 1
        self.step_name = name
        print(f"[{self.step_number:02d}] {name}", flush=True)

    def shot(self):
        path = os.path.join(self.outdir, f"{self.step_number:02d}-{self.step_name}.png")
        if not self.driver.save_screenshot(path):
            raise CheckFailed(f"could not save the screenshot {path}")
        self.screenshots.append(path)

    def check(self, condition, message):
        if not condition:
            raise CheckFailed(message)

    def wait(self, condition, message, timeout=TIMEOUT):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))
        except TimeoutException:
            raise CheckFailed(f"timed out after {timeout}s waiting for: {message}")

    def one(self, css, what=None):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        self.check(found, f"expected {what or css!r} on {self.driver.current_url}, found none")
        return found[0]

    def text(self, css):
        return self.one(css).text.strip()

    def get(self, path):
        self.driver.get(self.base + path)

    def session_cookie(self):
        cookie = self.driver.get_cookie("vigil_session")
        self.check(cookie and cookie.get("value"), "no vigil_session cookie in the browser after logging in")
        return cookie

    def fetch(self, href):
        """GETs href (relative to the page) with the browser's session cookie, outside the browser."""
        url = urllib.parse.urljoin(self.driver.current_url, href)
        cookie = self.session_cookie()
        request = urllib.request.Request(url, headers={"Cookie": f"vigil_session={cookie['value']}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode("utf-8", "replace")

    def rows(self, table_css):
        return self.driver.find_elements(By.CSS_SELECTOR, f"{table_css} tr.event-row")

    def browser_errors(self):
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            return []
        bad = []
        for entry in entries:
            message = entry.get("message", "")
            if entry.get("level") != "SEVERE":
                continue
            # A 401/403/404 answer is logged as a failed resource load; the checks judge those.
            if "Failed to load resource" in message or "favicon.ico" in message:
                continue
            bad.append(message)
        return bad

    def no_script_errors(self):
        errors = self.browser_errors()
        self.check(not errors, "the page logged script errors: " + " | ".join(errors))

    # ---- the walkthrough -----------------------------------------------------------------------

    def run(self):
        a = self.args
        entity_type, entity_id = a.entity.split("/", 1)

        self.step("login")
        self.get("/ui/dashboard")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "form#login-form"),
                  "the login form (form#login-form) when opening /ui/dashboard without a session")
        form = self.one("form#login-form")
        form.find_element(By.NAME, "username").send_keys(a.user)
        form.find_element(By.NAME, "password").send_keys(a.password)
        self.shot()
        submit = form.find_elements(By.CSS_SELECTOR, "button[type=submit], input[type=submit]")
        self.check(submit, "no submit button in form#login-form")
        submit[0].click()
        self.wait(lambda d: urllib.parse.urlparse(d.current_url).path == "/ui/dashboard",
                  "the redirect to /ui/dashboard after logging in (got %s)" % self.driver.current_url)
        self.session_cookie()

        self.step("dashboard")
        self.wait(lambda d: d.find_elements(By.TAG_NAME, "h1"), "the dashboard's h1")
        self.check(self.text("h1") == "Dashboard", f"h1 is {self.text('h1')!r}, expected 'Dashboard'")
        for css in ("#stat-today", "#stat-week", "#stat-month", "svg#events-chart", "table#by-kind", "#recent-alerts"):
            self.one(css)
        stats = {css: self.text(css) for css in ("#stat-today", "#stat-week", "#stat-month")}
        for css, value in stats.items():
            self.check(value.replace(",", "").isdigit(), f"{css} shows {value!r}, expected a number")
        self.check(int(stats["#stat-month"].replace(",", "")) >= a.min_events,
                   f"#stat-month shows {stats['#stat-month']}, expected at least {a.min_events} seeded events")
        bars = self.driver.find_elements(By.CSS_SELECTOR, "svg#events-chart rect")
        self.check(bars, "svg#events-chart has no bars")
        self.check(self.driver.find_elements(By.CSS_SELECTOR, "table#by-kind tr"), "table#by-kind has no rows")
        self.check(f"{a.user}" in self.driver.find_element(By.TAG_NAME, "body").text,
                   f"the page does not show who is logged in ({a.user})")
        self.no_script_errors()
        self.shot()

        self.step("activity-log")
        links = [l for l in self.driver.find_elements(By.CSS_SELECTOR, "header a") if l.get_attribute("href", ) and
                 urllib.parse.urlparse(l.get_attribute("href")).path == "/ui/events"]
        if links:
            links[0].click()
        else:
            self.get("/ui/events")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "form#filter-form"), "the filter bar (form#filter-form)")
        self.one("table#events-table")
        unfiltered = len(self.rows("table#events-table"))
        self.check(unfiltered >= 2, f"the unfiltered activity log shows {unfiltered} rows, expected the seeded events")
        for name in ("actor", "action", "category", "entity_type", "entity_id", "outcome", "from", "to", "text", "q"):
            self.check(self.driver.find_elements(By.CSS_SELECTOR, f"form#filter-form [name='{name}']"),
                       f"the filter bar has no input name={name!r}")
        self.shot()

        self.step("filtered")
        # A marker on window survives only if the results are swapped without a full page load.
        self.driver.execute_script("window.__vigilNoReload = 'still here';")
        form = self.one("form#filter-form")
        actor_input = form.find_element(By.NAME, "actor")
        actor_input.clear()
        actor_input.send_keys(a.actor)
        action_input = form.find_element(By.NAME, "action")
        action_input.clear()
        action_input.send_keys(a.action)
        self.one("#apply").click()

        def filtered(d):
            url = urllib.parse.urlparse(d.current_url)
            params = urllib.parse.parse_qs(url.query)
            if params.get("actor") != [a.actor] or params.get("action") != [a.action]:
                return False
            effective = d.find_elements(By.CSS_SELECTOR, "#effective-filter")
            if effective and not (a.actor in effective[0].text and a.action in effective[0].text):
                return False
            rows = d.find_elements(By.CSS_SELECTOR, "#results table#events-table tr.event-row")
            return rows and all(a.actor in r.text and a.action in r.text for r in rows)

        self.wait(filtered, f"the URL to carry actor={a.actor}&action={a.action} and #results to show only "
                            f"{a.actor}'s {a.action} events (URL {self.driver.current_url})")
        # Wait out the filter bar's debounced reload (it also reloads on 'change'), then check again.
        time.sleep(0.8)
        self.wait(filtered, "the filtered results to stay filtered")
        self.check(self.driver.execute_script("return window.__vigilNoReload") == "still here",
                   "applying the filter reloaded the whole page (expected #results to be replaced in place)")
        rows = self.rows("#results table#events-table")
        self.check(len(rows) < unfiltered or unfiltered == 100, "the filter did not narrow the rows")
        for row in rows:
            self.check(row.get_attribute("data-id"), "a tr.event-row has no data-id")
            self.check(row.find_elements(By.CSS_SELECTOR, "a.event-link"), "a tr.event-row has no a.event-link")
        export = self.one("a#export-csv")
        export_href = export.get_attribute("href")
        self.check("/api/v1/export" in export_href and "format=csv" in export_href,
                   f"a#export-csv points to {export_href!r}")
        jsonl = self.one("a#export-jsonl").get_attribute("href")
        self.check("format=jsonl" in jsonl, f"a#export-jsonl points to {jsonl!r}")
        self.no_script_errors()
        self.shot()

        self.step("event-detail")
        target = [r for r in rows if entity_id in r.text]
        self.check(target, f"no row of {a.actor}'s {a.action} events mentions {entity_id}")
        event_id = target[0].get_attribute("data-id")
        target[0].find_element(By.CSS_SELECTOR, "a.event-link").click()
        self.wait(lambda d: urllib.parse.urlparse(d.current_url).path == f"/ui/events/{event_id}",
                  f"the event page /ui/events/{event_id} (at {self.driver.current_url})")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "table#fields"), "table#fields")
        fields = self.text("table#fields")
        for expected in (event_id, a.actor, a.action, entity_id):
            self.check(expected in fields, f"table#fields does not show {expected!r}")
        changes = self.driver.find_elements(By.CSS_SELECTOR, "table#changes-table tr")
        cells = []
        for tr in changes:
            field = tr.find_elements(By.CSS_SELECTOR, "td.field")
            if field:
                cells.append((field[0].text.strip(), tr.find_element(By.CSS_SELECTOR, "td.old").text.strip(),
                              tr.find_element(By.CSS_SELECTOR, "td.new").text.strip()))
        self.check((a.field, a.old, a.new) in cells,
                   f"table#changes-table rows are {cells}, expected ({a.field!r}, {a.old!r}, {a.new!r})")
        raw = self.driver.find_elements(By.CSS_SELECTOR, "pre#raw")
        self.check(raw and a.new in raw[0].text, "pre#raw is missing or does not hold the original line")
        self.one("#related")
        copy = self.one("button#copy-filter")
        data_filter = copy.get_attribute("data-filter") or ""
        self.check(f"entity:{a.entity}" in data_filter and f"actor:{a.actor}" in data_filter,
                   f"button#copy-filter data-filter is {data_filter!r}")
        self.no_script_errors()
        self.shot()

        self.step("entity-history")
        links = [l for l in self.driver.find_elements(By.CSS_SELECTOR, "a")
                 if urllib.parse.urlparse(l.get_attribute("href") or "").path == f"/ui/entities/{entity_type}/{entity_id}"]
        if links:
            links[0].click()
        else:
            self.get(f"/ui/entities/{entity_type}/{entity_id}")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "table#history"),
                  f"table#history on /ui/entities/{entity_type}/{entity_id}")
        history = self.driver.find_elements(By.CSS_SELECTOR, "table#history tr.event-row")
        self.check(history and any(event_id == r.get_attribute("data-id") for r in history),
                   f"table#history does not list event {event_id}")
        state = self.text("table#state")
        self.check(a.field in state and a.new in state, f"table#state does not show {a.field} = {a.new}: {state!r}")
        self.no_script_errors()
        self.shot()

        self.step("export-csv")
        self.driver.back()
        self.driver.back()
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "a#export-csv"),
                  "back on the filtered activity log with a#export-csv")
        href = self.one("a#export-csv").get_attribute("href")
        status, headers, body = self.fetch(href)
        self.check(status == 200, f"GET {href} with the session cookie answered {status}: {body[:200]!r}")
        content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        self.check("text/csv" in content_type, f"the export's Content-Type is {content_type!r}")
        table = list(csv.DictReader(io.StringIO(body)))
        header = body.splitlines()[0] if body else ""
        for column in ("id", "time", "actor", "action", "entity_type", "entity_id"):
            self.check(column in (table[0].keys() if table else header.split(",")), f"the CSV has no {column!r} column: {header!r}")
        self.check(table, "the CSV export has no rows")
        self.check(all(r["actor"] == a.actor and r["action"] == a.action for r in table),
                   f"the CSV holds rows of other actors or actions: {[(r['actor'], r['action']) for r in table]}")
        self.check(any(r["id"] == event_id for r in table), f"the CSV does not hold event {event_id}")
        self.check(len(table) == len(self.rows("#results table#events-table")) or len(table) >= 100,
                   f"the CSV has {len(table)} rows, the page {len(self.rows('#results table#events-table'))}")
        print(f"     CSV: {len(table)} rows, columns {header}", flush=True)
        # Fetched without the cookie, the same link must be refused.
        try:
            with urllib.request.urlopen(href, timeout=30) as response:
                refused = response.status
        except urllib.error.HTTPError as error:
            refused = error.code
        self.check(refused == 401, f"GET {href} without a session answered {refused}, expected 401")
        self.shot()

        self.step("auth-log")
        self.get("/ui/auth")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "table#auth-log"), "table#auth-log on /ui/auth")
        self.one("table#active-sessions")
        log = self.text("table#auth-log")
        self.check(a.user in log and "login" in log, f"table#auth-log does not show {a.user}'s login to the UI")
        self.no_script_errors()
        self.shot()

        self.step("admin")
        role = self.driver.execute_script(
            "return fetch('/api/v1/whoami', {credentials: 'same-origin'}).then(r => r.json()).then(j => j.role)")
        self.get("/ui/admin")
        self.wait(lambda d: d.find_elements(By.TAG_NAME, "h1"), "an h1 on /ui/admin")
        heading = self.text("h1")
        if role == "admin":
            self.check(heading == "Admin", f"/ui/admin shows {heading!r} to an admin")
        else:
            self.check(heading.startswith("403"), f"/ui/admin shows {heading!r} to a {role}, expected 403")
        self.shot()

        self.step("logout")
        buttons = [b for b in self.driver.find_elements(By.CSS_SELECTOR, "form[action='/logout'] button")]
        self.check(buttons, "no log-out button (form[action='/logout'] button)")
        buttons[0].click()
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "form#login-form"), "the login form after logging out")
        self.get("/ui/dashboard")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "form#login-form"),
                  "the login form on /ui/dashboard after logging out")
        self.check(not self.driver.find_elements(By.CSS_SELECTOR, "#stat-today"), "the dashboard still shows after logging out")
        self.shot()

    def fail(self, message):
        print(f"walkthrough FAILED at step {self.step_number:02d} {self.step_name}: {message}", file=sys.stderr)
        try:
            print(f"  page: {self.driver.current_url}", file=sys.stderr)
            body = self.driver.find_element(By.TAG_NAME, "body").text
            print("  text: " + " ".join(body.split())[:600], file=sys.stderr)
            path = os.path.join(self.outdir, f"FAILED-{self.step_number:02d}-{self.step_name}.png")
            self.driver.save_screenshot(path)
            print(f"  screenshot: {path}", file=sys.stderr)
        except WebDriverException:
            pass

    def close(self):
        try:
            self.driver.quit()
        finally:
            self.profile.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("outdir")
    parser.add_argument("--actor", default="jane.doe")
    parser.add_argument("--action", default="update")
    parser.add_argument("--entity", default="customer/CUST-12345")
    parser.add_argument("--field", default="email")
    parser.add_argument("--old", default="old@example.com")
    parser.add_argument("--new", default="new@example.com")
    parser.add_argument("--min-events", type=int, default=1, help="the least #stat-month may show")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for name in os.listdir(args.outdir):
        if name.endswith(".png"):
            os.remove(os.path.join(args.outdir, name))
    started = time.monotonic()
    try:
        walk = Walkthrough(args)
    except WebDriverException as error:
        print(f"walkthrough FAILED: cannot start headless Chromium: {error.msg}", file=sys.stderr)
        return 1
    try:
        walk.run()
    except CheckFailed as error:
        walk.fail(str(error))
        return 1
    except WebDriverException as error:
        walk.fail(f"browser error: {error.msg}")
        return 1
    finally:
        walk.close()
    print(f"walkthrough passed: {len(walk.screenshots)} screenshots in {args.outdir} ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
