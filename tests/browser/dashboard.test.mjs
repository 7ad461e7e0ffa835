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

// Routes and how often each is hit; "<b>" checks that routes are shown as text, not HTML;
// ties (two 2s, two 1s) check the order of ties; "/my path" a filter with a space.
const kHits = { "/api/users": 5, "/api/orders": 3, "/health-check": 1,
                "/<b>bold</b>": 2, "/café": 1, "/my path": 2 };
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

async function allRoutes(server, headers = {}, sort = "count") {
  const response = await fetch(`${server.base}/_stats?limit=1000&sort=${sort}`, { headers });
  assert.equal(response.status, 200);
  return (await response.json()).routes.map((r) => [r.route, r.count]);
}

const byCountHighestFirst = Object.values(kHits).sort((a, b) => b - a);

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
    assert.deepEqual(rows.map(([, count]) => count), byCountHighestFirst, "by count");
    assert.equal(await page.textContent("#total"), String(kTotal));
    assert.equal(await page.textContent("#routes"), String(Object.keys(kHits).length));
    assert.equal(await page.$$eval("#chart .bar", (bars) => bars.length),
                 Object.keys(kHits).length);
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
    assert.deepEqual((await renderedRows(page)).map(([, count]) => count), byCountHighestFirst);
    await page.click('th[data-sort="count"] button');
    assert.deepEqual((await renderedRows(page)).map(([, count]) => count),
                     byCountHighestFirst.slice().reverse());
    assert.equal(await page.getAttribute('th[data-sort="count"]', "aria-sort"), "ascending");
    await page.click('th[data-sort="count"] button');
  });

  // Regression: the table put tied routes A to Z under a count sorted highest first, where
  // /_stats (and the README) list them Z to A.
  test("ListsTiedRoutesInTheOrderOfStatsAndExactlyReversedWhenAscending", async () => {
    const stats = await allRoutes(server);
    assert.deepEqual(await renderedRows(page), stats);
    assert.deepEqual(stats.filter(([, count]) => count === 1).map(([route]) => route),
                     ["/health-check", "/café"], "ties by route, Z to A");
    await page.click('th[data-sort="count"] button');
    assert.deepEqual(await renderedRows(page), stats.slice().reverse());
    await page.click('th[data-sort="count"] button');
    assert.deepEqual(await renderedRows(page), stats);
  });

  // One vocabulary (issue 18): a route's "count", as in JSON, CSV and the CLI; columns in their
  // order.
  test("NamesItsColumnsAsTheJsonDoesInItsOrder", async () => {
    assert.deepEqual(await page.$$eval("th", (ths) => ths.map((th) => th.textContent.trim())),
                     ["Route", "Count", "First seen", "Last access"]);
  });

  // Issue 18: the JSON has firstSeen; the table shows it ("3 s ago", the exact time on hover)
  // and sorts by it, newest first, ties as every other column breaks them.
  test("ShowsWhenEachRouteWasFirstSeenAndSortsByIt", async () => {
    const response = await fetch(`${server.base}/_stats?limit=1000`);
    const stats = (await response.json()).routes;
    const shown = await page.$$eval("#rows tr", (rows) => rows.map((tr) => {
      const [first, last] = tr.querySelectorAll("td.when");
      return { route: tr.querySelector("td.route").textContent, firstText: first.textContent,
               firstSeen: first.title, lastAccess: last.title };
    }));
    assert.equal(shown.length, stats.length);
    for (const r of stats) {
      const row = shown.find((s) => s.route === r.route);
      assert.ok(row, r.route);
      assert.equal(row.firstSeen, r.firstSeen, r.route);
      assert.equal(row.lastAccess, r.lastAccess, r.route);
      assert.match(row.firstText, /^\d+ s ago$/);
    }
    const bytes = (route) => Buffer.from(route, "utf8");
    const newestFirst = stats.slice().sort((a, b) =>
      (Date.parse(b.firstSeen) - Date.parse(a.firstSeen)) ||
      Buffer.compare(bytes(b.route), bytes(a.route))).map((r) => r.route);
    await page.click('th[data-sort="firstSeen"] button');
    assert.equal(await page.getAttribute('th[data-sort="firstSeen"]', "aria-sort"), "descending");
    assert.deepEqual((await renderedRows(page)).map(([route]) => route), newestFirst);
    await page.click('th[data-sort="firstSeen"] button');
    assert.deepEqual((await renderedRows(page)).map(([route]) => route),
                     newestFirst.slice().reverse());
    await page.click('th[data-sort="count"] button');
    assert.deepEqual((await renderedRows(page)).map(([, count]) => count), byCountHighestFirst);
  });

  test("ShowsTheTotalsTheStoreCounts", async () => {
    const response = await fetch(`${server.base}/_stats?totals=true&limit=1`);
    const { totals } = await response.json();
    assert.equal(await page.textContent("#total"), String(totals.hits));
    assert.equal(await page.textContent("#routes"), String(totals.routes));
  });

  // Regression: the filter "/my path" went out as prefix=%2Fmy+path, which found nothing.
  test("FiltersByAPrefixWithASpace", async () => {
    await page.fill("#filter", "/my path");
    await waitForRows(page, 1);
    assert.deepEqual(await renderedRows(page), [["/my path", 2]]);
    await page.waitForFunction(() => document.getElementById("total").textContent === "2");
    await page.fill("#filter", "");
    await waitForRows(page, Object.keys(kHits).length);
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

  // Regression: at /_dashboard/ the page asked for /_dashboard/_stats, which is 404.
  test("WorksWithATrailingSlash", async () => {
    const slashed = await browser.newPage();
    await slashed.goto(`${server.base}/_dashboard/`);
    await waitForRows(slashed, Object.keys(kHits).length + 1);
    assert.equal(await slashed.$("#status.error"), null, "no error shown");
    await slashed.close();
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
