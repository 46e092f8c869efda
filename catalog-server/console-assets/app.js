// The console's shell: hash routes to pages, the sign-in dialog, the caller's role in the
// header, the search box (press / to reach it) and the current section in the navigation.

import { onTokenNeeded, forgetToken, currentSession } from "./api.js";
import { h, show, errorBox } from "./dom.js";
import { databasesPage, tablesPage, tablePage, searchPage } from "./catalog.js";
import { crawlersPage, crawlerPage, crawlerFormPage, runPage, dryRunPage, classifiersPage } from "./crawlers.js";

/** Routes: a pattern of path segments (`:name` captures one) and the page it shows. */
const ROUTES = [
  [[], () => databasesPage()],
  [["databases"], () => databasesPage()],
  [["databases", ":db"], ({ db }) => tablesPage(db)],
  [["databases", ":db", "tables", ":table"], ({ db, table }, query) => tablePage(db, table, "columns", query)],
  [["databases", ":db", "tables", ":table", ":tab"], ({ db, table, tab }, query) => tablePage(db, table, tab, query)],
  [["search"], (_, query) => searchPage(query.get("text") ?? "")],
  [["crawlers"], () => crawlersPage()],
  [["crawlers", "new"], () => crawlerFormPage(null)],
  [["crawlers", ":name"], ({ name }) => crawlerPage(name)],
  [["crawlers", ":name", "edit"], ({ name }) => crawlerFormPage(name)],
  [["crawlers", ":name", "dry-run"], ({ name }) => dryRunPage(name)],
  [["crawlers", ":name", "runs", ":id"], ({ name, id }, _, isCurrent) => runPage(name, id, isCurrent)],
  [["classifiers"], () => classifiersPage()],
];

/** The route's page and captures for a location hash such as `#/databases/sales?x=1`. */
export function match(hash) {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const [pattern, page] of ROUTES) {
    if (pattern.length !== segments.length) continue;
    const captures = {};
    const fits = pattern.every((part, i) => {
      if (part.startsWith(":")) { captures[part.slice(1)] = segments[i]; return true; }
      return part === segments[i];
    });
    if (fits) return { page, captures, query: new URLSearchParams(search), section: segments[0] ?? "databases" };
  }
  return null;
}

let generation = 0;

async function render() {
  const current = ++generation;
  const isCurrent = () => current === generation;
  const route = match(location.hash);
  for (const link of document.querySelectorAll("header nav a")) {
    if (route && link.dataset.section === route.section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!route) {
    document.body.dataset.route = location.hash;
    show(h("h1", {}, "Not found"), h("p", {}, "No console page here. ", h("a", { href: "#/" }, "Go to the databases.")));
    return;
  }
  document.body.setAttribute("aria-busy", "true");
  const started = performance.now();
  try {
    await route.page(route.captures, route.query, isCurrent);
    showWho();
  } catch (error) {
    if (isCurrent()) show(h("h1", {}, "Something went wrong"), errorBox(error));
  } finally {
    if (isCurrent()) {
      document.body.removeAttribute("aria-busy");
      // Which route the page shows, for tests and scripts that wait for a page.
      document.body.dataset.route = location.hash;
      document.body.dataset.renderMs = String(Math.round(performance.now() - started));
      document.title = `${document.querySelector("main h1")?.textContent ?? "lakecat"} · lakecat`;
    }
  }
}

async function showWho() {
  const who = document.getElementById("who");
  try {
    const session = await currentSession();
    who.replaceChildren(`role: ${session.role}`, ...(session.access_required
      ? [" ", h("button", { type: "button", id: "sign-out", onclick: () => { forgetToken(); location.reload(); } }, "Sign out")]
      : []));
    document.body.dataset.role = session.role;
  } catch {
    who.replaceChildren();
  }
}

// Asked for by api.js when the server answers 401; one dialog at a time.
let pendingAsk = null;
onTokenNeeded((reason) => {
  if (pendingAsk) return pendingAsk;
  pendingAsk = new Promise((resolve) => {
    const dialog = document.getElementById("login");
    const input = document.getElementById("login-token");
    document.getElementById("login-reason").textContent = reason;
    input.value = "";
    dialog.addEventListener("close", () => {
      pendingAsk = null;
      resolve(dialog.returnValue === "ok" && input.value.trim() ? input.value.trim() : null);
    }, { once: true });
    dialog.showModal();
    input.focus();
  });
  return pendingAsk;
});

document.getElementById("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = document.getElementById("search-text").value.trim();
  location.hash = `#/search?text=${encodeURIComponent(text)}`;
});

document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? "");
  if (event.key === "/" && !typing) {
    event.preventDefault();
    document.getElementById("search-text").focus();
  }
});

window.addEventListener("hashchange", () => {
  render().then(() => document.getElementById("main").focus({ preventScroll: true }));
});
render();
