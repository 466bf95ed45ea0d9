#!/usr/bin/env python3
"""The web view in a real browser: headless Chromium (Debian's chromium and chromium-driver)
driven by Selenium (PyPI, pinned in scripts/install-deps, test-only).

usage: web_view.py BASE_URL WEEK EXPECTED.json STORE.db SCREENSHOT_DIR
EXPECTED.json: {"manager": [login, password], "rep": [login, password],
                "counts": {rep: {kind: actual}}  (the week's rows of `export --format json`, targeted kinds)}
Prints one line per check; exits 1 on the first failure.
"""
import json, os, sqlite3, sys, time, zipfile
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait
from selenium.common.exceptions import StaleElementReferenceException, NoSuchElementException

base, week, expected_path, store, shots = sys.argv[1:6]
expected = json.load(open(expected_path))
downloads = os.path.join(shots, "downloads")
os.makedirs(downloads, exist_ok=True)


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        sys.exit(1)


def browser(width=1280, height=1000):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}", "--lang=zh-CN"]:
        options.add_argument(a)
    options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(d, condition, what):
    """Waits (the whole suite may be running beside us) for `condition`, across page loads."""
    try:
        WebDriverWait(d, 30, ignored_exceptions=[StaleElementReferenceException, NoSuchElementException]).until(condition)
    except Exception:
        check(False, f"{what} (waited 30 s; at {d.current_url})")
    check(True, what)


def login(d, user, password):
    d.get(base + "/")
    check("/login" in d.current_url, f"{user}: / sends to the login form ({d.current_url})")
    d.find_element(By.ID, "login").send_keys(user)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.ID, "submit").click()
    wait(d, lambda d: "/login" not in d.current_url, f"{user} logged in")


def full_shot(d, name):
    height = d.execute_script("return document.body.scrollHeight")
    d.set_window_size(d.get_window_size()["width"], min(max(height + 40, 600), 4000))
    d.save_screenshot(os.path.join(shots, name))


# The manager.
d = browser()
try:
    # A form without its CSRF token is refused, in the browser as anywhere.
    d.get(base + "/login")
    d.execute_script("document.querySelector('input[name=csrf]').remove()")
    d.find_element(By.ID, "login").send_keys(expected["manager"][0])
    d.find_element(By.ID, "password").send_keys(expected["manager"][1])
    d.find_element(By.ID, "submit").click()
    wait(d, lambda d: "403" in d.find_element(By.TAG_NAME, "h1").text, "login form without its CSRF token: 403")

    login(d, *expected["manager"])
    check(d.find_elements(By.ID, "team-week") != [], "manager lands on the team's week")
    d.get(f"{base}/week/{week}")
    cells = d.find_elements(By.CSS_SELECTOR, "#team-week td[data-kind]")
    seen = {}
    for cell in cells:
        rep = cell.find_element(By.XPATH, "..").get_attribute("data-rep")
        seen.setdefault(rep, {})[cell.get_attribute("data-kind")] = int(cell.get_attribute("data-actual"))
        # What the eye reads starts with the same number.
        check(cell.text.split(" ")[0].split("\n")[0] == cell.get_attribute("data-actual"), f"cell {rep} {cell.get_attribute('data-kind')} reads {cell.text!r}")
    for rep, kinds in expected["counts"].items():
        for kind, actual in kinds.items():
            check(seen.get(rep, {}).get(kind) == actual, f"team week {week}: {rep} {kind} = {actual} as in export --format json")
    check(set(seen) == set(expected["counts"]), f"team week shows exactly the manager's reps {sorted(seen)}")
    full_shot(d, "1-manager-team-week.png")

    d.set_window_size(1280, 1000)
    first_rep = sorted(expected["counts"])[0]
    d.find_element(By.CSS_SELECTOR, f'a[href="/rep/{first_rep}/{week}"]').click()
    wait(d, lambda d: d.find_elements(By.ID, "counts"), "rep page loaded")
    check(f"/rep/{first_rep}/{week}" in d.current_url, f"opened rep {first_rep}")
    full_shot(d, "2-manager-rep-week.png")

    # The manager voids an activity from the page's Adjust column: the page comes back with the
    # row struck through and that kind's count one lower.
    d.set_window_size(1600, 1000)
    row = d.find_element(By.CSS_SELECTOR, "#activities tbody tr:not(.void)")
    activity_id = row.get_attribute("data-id")
    kind = row.find_element(By.CSS_SELECTOR, "select[name=kind] option[selected]").get_attribute("value")
    before = int(d.find_element(By.CSS_SELECTOR, f'#counts tr[data-kind="{kind}"] td.actual').text)
    row.find_element(By.NAME, "reason").send_keys("私人拜访，不算 <b>x</b>")
    row.find_element(By.CSS_SELECTOR, 'button[value="void"]').click()
    wait(d, lambda d: "void" in (d.find_element(By.CSS_SELECTOR, f'#activities tr[data-id="{activity_id}"]').get_attribute("class") or ""),
         f"voided {activity_id} from the rep page")
    after = int(d.find_element(By.CSS_SELECTOR, f'#counts tr[data-kind="{kind}"] td.actual').text)
    check(after == before - 1, f"{kind}: {before} -> {after} after the void")
    check("私人拜访，不算 <b>x</b>" in d.find_element(By.CSS_SELECTOR, f'#activities tr[data-id="{activity_id}"]').text,
          "the reason shows as typed (escaped)")
    full_shot(d, "2b-manager-voided.png")

    d.set_window_size(1280, 1000)
    links = d.find_elements(By.CSS_SELECTOR, "a.explain")
    check(len(links) > 0, f"{len(links)} explain links")
    links[0].click()
    wait(d, lambda d: d.find_elements(By.ID, "item"), "explain page loaded")
    check("/explain/" in d.current_url and d.find_elements(By.ID, "explain"), "explain page with the rule that counted")
    full_shot(d, "3-explain.png")

    d.set_window_size(1280, 1000)
    d.get(f"{base}/week/{week}")
    d.find_element(By.ID, "download-xlsx").click()
    path = None
    for _ in range(300):
        done = [f for f in os.listdir(downloads) if f.endswith(".xlsx")]
        if done:
            path = os.path.join(downloads, done[0])
            break
        time.sleep(0.2)
    check(path is not None and zipfile.is_zipfile(path), f"XLSX downloaded: {path}")
    import openpyxl
    sheet = openpyxl.load_workbook(path).worksheets[0]
    reps_in_sheet = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[0]}
    check(reps_in_sheet == set(expected["counts"]), f"XLSX holds the manager's reps only: {sorted(reps_in_sheet)}")

    # The session expires (its expiry set in the past in the store): the next page asks for a login.
    db = sqlite3.connect(store)
    db.execute("UPDATE web_session SET expires = 0 WHERE login = ?", (expected["manager"][0],))
    db.commit()
    db.close()
    d.get(f"{base}/week/{week}")
    check("/login" in d.current_url, "expired session: back to the login form")
finally:
    d.quit()

# The rep, on a phone-sized window.
d = browser(390, 844)
try:
    login(d, *expected["rep"])
    check(d.find_elements(By.ID, "counts") != [] and d.find_elements(By.ID, "team-week") == [], "rep lands on their own week")
    d.get(f"{base}/rep/{expected['rep'][0]}/{week}")
    check(d.find_elements(By.CSS_SELECTOR, "form.adjust") == [], "rep: no adjust forms on their own week")
    full_shot(d, "4-rep-own-week-phone.png")
    d.set_window_size(390, 844)
    for other in expected["others"]:
        d.get(f"{base}/rep/{other}/{week}")
        check("403" in d.find_element(By.TAG_NAME, "h1").text, f"rep: /rep/{other}/{week} is 403")
        d.get(f"{base}/api/week?week={week}&rep={other}")
        check('"status" : 403' in d.page_source or '"status": 403' in d.page_source or "403" in d.page_source, f"rep: /api/week?rep={other} is 403")
    d.get(f"{base}/week/{week}")
    check(d.current_url.endswith(f"/rep/{expected['rep'][0]}/{week}"), "rep: the team page is their own week")
    d.get(f"{base}/rep/{expected['others'][0]}/{week}")
    d.save_screenshot(os.path.join(shots, "5-rep-forbidden.png"))
finally:
    d.quit()
print("browser: all checks passed")
