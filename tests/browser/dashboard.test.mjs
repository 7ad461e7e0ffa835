// The dashboard (GET /_dashboard) in a real headless Chromium, against the real server.
//
// Chromium is Debian's (/usr/bin/chromium), driven by playwright-core from tests/node_modules
// (no browser download). HITCOUNTER_SCREENSHOT_DIR, when set, receives the screenshots.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "./server.mjs";

const kChromium = "/usr/bin/chromium";
// A closed network: no update checks, no sync, nothing but the page under test.
const kChromiumArgs = ["--headless", "--no-sandbox", "--disable-gpu",
                       "--disable-background-networking", "--disable-component-update",
                       "--disable-sync"];
// The page refreshes every 5 s; a new hit must show within two refreshes.
const kRefreshWaitMs = 11000;

// Routes and how often each is hit; "<b>" checks that routes are shown as text, not HTML.
const kHits = { "/api/users": 5, "/api/orders": 3, "/health-check": 1,
                "/<b>bold</b>": 2, "/café": 1 };
const kTotal = Object.values(kHits).reduce((a, b) => a + b, 0);

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: kChromium, args: kChromiumArgs });
});
after(async () => {
  await browser?.close();
});

async function hitAll(server) {
  for (const [route, times] of Object.entries(kHits)) await server.hit(encodeURI(route), times);
}

// The rendered table as {route: count}, in display order.
async function renderedRows(page) {
  return page.$$eval("#rows tr", (rows) => rows.map((tr) => [
    tr.querySelector("td.route").textContent,
    Number(tr.querySelector("td.count").textContent.replaceAll(",", "")),
  ]));
}

async function waitForRows(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll("#rows tr").length === n, count);
}

async function screenshot(page, name) {
  const dir = process.env.HITCOUNTER_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: path.join(dir, name), fullPage: true });
}

async function allRoutes(server, headers = {}) {
  const response = await fetch(`${server.base}/_stats?limit=1000`, { headers });
  assert.equal(response.status, 200);
  return (await response.json()).routes.map((r) => [r.route, r.count]);
}

describe("DashboardTest", () => {
  let server;
  let page;
  const requested = [];  // every URL the page asked for
  before(async () => {
    server = await startServer();
    await hitAll(server);
    page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    page.on("request", (request) => requested.push(new URL(request.url()).pathname));
    const response = await page.goto(`${server.base}/_dashboard`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()["content-type"], /^text\/html/);
    await waitForRows(page, Object.keys(kHits).length);
  });
  after(async () => {
    await page?.close();
    await server?.stop();
  });

  test("ShowsEveryRouteWithItsCountAndTheTotal", async () => {
    const rows = await renderedRows(page);
    assert.deepEqual(Object.fromEntries(rows), kHits);
    assert.deepEqual(rows.map(([, count]) => count), [5, 3, 2, 1, 1], "by count, highest first");
    assert.equal(await page.textContent("#total"), String(kTotal));
    assert.equal(await page.textContent("#routes"), String(Object.keys(kHits).length));
    assert.equal(await page.$$eval("#chart .bar", (bars) => bars.length), 5);
    assert.equal(await page.$$eval("#rows b", (bold) => bold.length), 0, "a route is not HTML");
    assert.match(await page.textContent("#rows tr td.when"), /^\d+ s ago$/);
    await screenshot(page, "dashboard.png");
  });

  test("SortsByTheClickedColumnAndTogglesTheDirection", async () => {
    await page.click('th[data-sort="route"] button');
    const byRoute = (await renderedRows(page)).map(([route]) => route);
    assert.deepEqual(byRoute, Object.keys(kHits).sort());
    await page.click('th[data-sort="route"] button');
    assert.deepEqual((await renderedRows(page)).map(([route]) => route),
                     Object.keys(kHits).sort().reverse());
    await page.click('th[data-sort="count"] button');
    assert.deepEqual((await renderedRows(page)).map(([, count]) => count), [5, 3, 2, 1, 1]);
    await page.click('th[data-sort="count"] button');
    assert.deepEqual((await renderedRows(page)).map(([, count]) => count), [1, 1, 2, 3, 5]);
    assert.equal(await page.getAttribute('th[data-sort="count"]', "aria-sort"), "ascending");
    await page.click('th[data-sort="count"] button');
  });

  test("FiltersByPrefix", async () => {
    await page.fill("#filter", "/api/");
    await waitForRows(page, 2);
    assert.deepEqual(Object.fromEntries(await renderedRows(page)),
                     { "/api/users": 5, "/api/orders": 3 });
    await page.waitForFunction(() => document.getElementById("total").textContent === "8");
    await page.fill("#filter", "");
    await waitForRows(page, Object.keys(kHits).length);
  });

  test("KeepsItsLayoutWhenARefreshChangesNothing", async () => {
    const boxes = () => page.$$eval("#chart, table, #filter", (elements) =>
      elements.map((e) => JSON.stringify(e.getBoundingClientRect())));
    const before = await boxes();
    const updated = await page.textContent("#status");
    await page.waitForFunction((text) => document.getElementById("status").textContent !== text,
                               updated, { timeout: kRefreshWaitMs });
    assert.deepEqual(await boxes(), before);
  });

  test("ShowsANewHitAfterARefresh", async () => {
    await server.hit("/brand-new");
    await page.waitForFunction(() => [...document.querySelectorAll("#rows td.route")]
      .some((td) => td.textContent === "/brand-new"), null, { timeout: kRefreshWaitMs });
    assert.equal(await page.textContent("#total"), String(kTotal + 1));
  });

  test("CountsNothingItselfAndAsksForNoFavicon", async () => {
    const expected = { ...kHits, "/brand-new": 1 };
    assert.deepEqual(Object.fromEntries(await allRoutes(server)), expected);
    const foreign = requested.filter((p) => p !== "/_dashboard" && p !== "/_stats");
    assert.deepEqual(foreign, [], "the page requested only itself and /_stats");
  });

  test("FitsAPhoneScreenWithoutSideScrolling", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 },
                                          deviceScaleFactor: 2, isMobile: true });
    await phone.goto(`${server.base}/_dashboard`);
    await waitForRows(phone, Object.keys(kHits).length + 1);
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0);
    await screenshot(phone, "dashboard-phone.png");
    await phone.close();
  });
});

describe("DashboardUnderAStagePrefixTest", () => {
  test("FetchesTheStatsBesideItselfUnderTheReservedPrefix", async () => {
    const server = await startServer(["--reserved-prefix", "/prod/_"]);
    try {
      await server.hit("/prod/orders", 2);
      const page = await browser.newPage();
      const stats = [];
      page.on("request", (request) => stats.push(new URL(request.url()).pathname));
      await page.goto(`${server.base}/prod/_dashboard`);
      await waitForRows(page, 1);
      assert.deepEqual(await renderedRows(page), [["/prod/orders", 2]]);
      assert.ok(stats.includes("/prod/_stats"), stats.join(" "));
      await page.close();
    } finally {
      await server.stop();
    }
  });
});

describe("DashboardWithAnAdminTokenTest", () => {
  const token = "s3cret-token";
  let server;
  before(async () => {
    server = await startServer(["--admin-token", token]);
    await server.hit("/guarded", 4);
  });
  after(async () => {
    await server?.stop();
  });

  test("AsksForTheTokenWithoutCredentials", async () => {
    const page = await browser.newPage();
    // The browser gets a Basic challenge it has no answer for (no one types a password here).
    await assert.rejects(page.goto(`${server.base}/_dashboard`), /ERR_INVALID_AUTH_CREDENTIALS/);
    const response = await page.request.get(`${server.base}/_dashboard`);
    assert.equal(response.status(), 401);
    assert.match(response.headers()["www-authenticate"], /^Basic realm="hitcounter"/);
    assert.equal((await response.json()).error, "unauthorized");
    await page.close();
  });

  test("RefusesAWrongPassword", async () => {
    const context = await browser.newContext({
      httpCredentials: { username: "admin", password: "wrong" } });
    const response = await (await context.newPage()).goto(`${server.base}/_dashboard`);
    assert.equal(response.status(), 401);
    await context.close();
  });

  test("ShowsTheCountsWithTheTokenAsBasicPassword", async () => {
    const context = await browser.newContext({
      httpCredentials: { username: "admin", password: token } });
    const page = await context.newPage();
    const response = await page.goto(`${server.base}/_dashboard`);
    assert.equal(response.status(), 200);
    await waitForRows(page, 1);
    // The 401 pages of the tests before asked for no /favicon.ico: nothing else counted.
    assert.deepEqual(await renderedRows(page), [["/guarded", 4]]);
    await context.close();
  });
});
