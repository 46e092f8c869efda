// Catalog pages: databases, a database's tables, a table (columns, storage, partitions,
// versions) and table search. Each page is a function of its route that fetches from the
// REST API and renders.

import { api, v1 } from "./api.js";
import { h, grid, facts, count, time, errorBox, show, bytes } from "./dom.js";
import { parseType, shortType, diffColumns } from "./schema.js";

const PARTITION_PAGE = 100;

/** `#/databases`: every database, a page of 100 at a time. */
export async function databasesPage() {
  const list = h("div", {}, h("p", { class: "spinner" }, "Loading…"));
  show(h("h1", {}, "Databases"), list);
  await pagedList(list, (token) => api(v1("databases"), { query: { page_token: token } }), (answer) => ({
    items: answer.databases,
    render: (databases) => grid(["Database", "Description", "Location", "Created"], databases.map((db) => [
      h("a", { href: `#/databases/${encodeURIComponent(db.name)}` }, db.name),
      db.description ?? "",
      h("span", { class: "mono" }, db.location_uri ?? ""),
      time(db.create_time),
    ]), { caption: "Databases", empty: "No databases yet: crawl a lake (lakecat crawl PATH) or create a crawler." }),
  }));
}

/** Renders pages of a listing into `container`, with a button for the next page. */
async function pagedList(container, fetchPage, shape) {
  let token;
  const more = h("button", { type: "button" }, "Load more");
  const body = h("div", {});
  container.replaceChildren(body);
  const load = async () => {
    more.disabled = true;
    try {
      const answer = await fetchPage(token);
      const { items, render } = shape(answer);
      body.append(render(items));
      token = answer.next_page_token;
      if (token) container.append(more); else more.remove();
    } catch (error) {
      container.append(errorBox(error));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", load);
  await load();
}

/** The table format a table is stored in, from its type and parameters. */
export function tableFormat(table) {
  const p = table.parameters ?? {};
  const kind = (p.table_type ?? "").toLowerCase();
  if (kind === "iceberg") return "Iceberg";
  if (kind === "delta" || p["spark.sql.sources.provider"] === "delta" || p.classification === "delta") return "Delta Lake";
  if (kind === "hudi" || p.classification === "hudi") return "Hudi";
  return "Hive";
}

function crawlerLink(table) {
  const crawler = table.parameters?.UPDATED_BY_CRAWLER;
  return crawler ? h("a", { href: `#/crawlers/${encodeURIComponent(crawler)}` }, crawler) : "—";
}

/**
 * The crawler and run that last created or changed a table, linked (`last_crawl`, which
 * GET table answers); the crawler its parameters name when no run record is kept.
 */
function lastCrawl(table) {
  const crawl = table.last_crawl;
  if (!crawl) return crawlerLink(table);
  const crawler = `#/crawlers/${encodeURIComponent(crawl.crawler_name)}`;
  return h("span", { id: "last-crawl" },
    h("a", { href: crawler }, crawl.crawler_name), ", run ",
    h("a", { href: `${crawler}/runs/${encodeURIComponent(crawl.run_id)}`, class: "mono", "data-run": crawl.run_id }, crawl.run_id.slice(0, 8)),
    " (", time(crawl.time), ")");
}

function tableRow(table, { withDatabase = false } = {}) {
  const p = table.parameters ?? {};
  const href = `#/databases/${encodeURIComponent(table.database_name)}/tables/${encodeURIComponent(table.name)}`;
  return [
    withDatabase ? h("a", { href: `#/databases/${encodeURIComponent(table.database_name)}` }, table.database_name) : null,
    h("a", { href }, table.name),
    p.classification ?? "—",
    h("span", { class: "mono" }, table.storage_descriptor?.location ?? ""),
    table.partition_keys.map((k) => k.name).join(", ") || "—",
    { value: count(p.recordCount), class: "num" },
    { value: count(p.objectCount), class: "num" },
    crawlerLink(table),
    time(table.update_time),
  ].filter((cell) => cell !== null);
}

const TABLE_HEADERS = ["Table", "Classification", "Location", "Partition keys", ["Records", "num"], ["Objects", "num"], "Last crawled by", "Last update"];

/** `#/databases/{db}`: the database's tables. */
export async function tablesPage(database) {
  const list = h("div", {}, h("p", { class: "spinner" }, "Loading…"));
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/databases" }, "Databases"), " / "),
    h("h1", {}, database),
    list,
  );
  await pagedList(list, (token) => api(v1("databases", database, "tables"), { query: { page_token: token } }), (answer) => ({
    items: answer.tables,
    render: (tables) => grid(TABLE_HEADERS, tables.map((t) => tableRow(t)), { caption: `Tables of ${database}`, empty: "No tables in this database." }),
  }));
}

/** `#/search?text=...`: tables whose name, description, columns or parameters hold the text. */
export async function searchPage(text) {
  const list = h("div", {}, h("p", { class: "spinner" }, "Searching…"));
  show(h("h1", {}, `Tables matching “${text}”`), list);
  await pagedList(list, (token) => api("/v1/search/tables", { query: { text, page_token: token, max_results: 100 } }), (answer) => ({
    items: answer.tables,
    render: (tables) => grid(["Database", ...TABLE_HEADERS], tables.map((t) => tableRow(t, { withDatabase: true })), { caption: "Search results", empty: "No table on this page matches." }),
  }));
}

const TABS = [["columns", "Columns"], ["storage", "Storage"], ["partitions", "Partitions"], ["versions", "Versions"]];

/** `#/databases/{db}/tables/{table}[/{tab}]`: a table. */
export async function tablePage(database, name, tab = "columns", query = new URLSearchParams()) {
  const table = await api(v1("databases", database, "tables", name));
  const p = table.parameters ?? {};
  const base = `#/databases/${encodeURIComponent(database)}/tables/${encodeURIComponent(name)}`;
  const panel = h("section", { id: "tab-panel", role: "tabpanel", "aria-labelledby": `tab-${tab}` });
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/databases" }, "Databases"), " / ",
      h("a", { href: `#/databases/${encodeURIComponent(database)}` }, database), " / "),
    h("h1", {}, name),
    table.description ? h("p", {}, table.description) : null,
    h("div", { class: "cards" },
      card("Format", tableFormat(table)),
      card("Classification", p.classification ?? "—"),
      card("Records", count(p.recordCount)),
      card("Objects", count(p.objectCount)),
      card("Size", p.sizeKey ? bytes(p.sizeKey) : "—"),
      card("Version", table.version_id),
    ),
    facts([
      ["Location", h("span", { class: "mono" }, table.storage_descriptor?.location ?? "")],
      ["Partition keys", table.partition_keys.map((k) => `${k.name} ${k.type ?? ""}`).join(", ") || "none"],
      ["Last crawled by", lastCrawl(table)],
      ["Created", time(table.create_time)],
      ["Last update", time(table.update_time)],
      ["Deprecated", p.DEPRECATED_BY_CRAWLER ? `by crawler (${p.DEPRECATED_BY_CRAWLER})` : ""],
    ]),
    h("nav", { role: "tablist", "aria-label": "Table sections" }, TABS.map(([id, label]) =>
      h("a", { role: "tab", id: `tab-${id}`, href: `${base}/${id}`, "aria-selected": String(id === tab), "aria-controls": "tab-panel" }, label))),
    panel,
  );
  if (tab === "storage") panel.append(storageSection(table));
  else if (tab === "partitions") await partitionsSection(panel, table, base, query);
  else if (tab === "versions") await versionsSection(panel, table, base, query);
  else panel.append(columnsSection(table));
}

function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
}

/** Columns with their types as a tree (nested types open with a click or Enter). */
function columnsSection(table) {
  const columns = table.storage_descriptor?.columns ?? [];
  const rows = [...columns.map((c) => ({ ...c, partition: false })), ...table.partition_keys.map((c) => ({ ...c, partition: true }))];
  return h("div", {},
    h("ul", { class: "tree root", "aria-label": "Columns" }, rows.map((column) =>
      typeTreeItem(column.name, parseType(column.type), column.comment, column.partition))),
  );
}

function typeTreeItem(name, node, comment, partition) {
  const label = [h("strong", { class: "mono" }, name), " ", h("span", { class: "type" }, shortType(node)),
    partition ? [" ", h("span", { class: "badge" }, "partition key")] : null,
    comment ? [" ", h("span", { class: "muted" }, `— ${comment}`)] : null];
  if (node.children.length === 0) return h("li", { "data-column": name }, label);
  return h("li", { "data-column": name },
    h("details", { open: true }, h("summary", {}, label),
      h("ul", { class: "tree" }, node.children.map((child) => typeTreeItem(child.name, child, undefined, false)))));
}

function parameterGrid(parameters, caption) {
  const entries = Object.entries(parameters ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return grid(["Key", "Value"], entries.map(([k, v]) => [h("span", { class: "mono" }, k), h("span", { class: "mono" }, v)]), { caption, empty: "None." });
}

function storageSection(table) {
  const sd = table.storage_descriptor ?? {};
  const serde = sd.serde_info ?? {};
  return h("div", {},
    facts([
      ["Table type", table.table_type ?? "—"],
      ["Location", h("span", { class: "mono" }, sd.location ?? "")],
      ["Input format", h("span", { class: "mono" }, sd.input_format ?? "—")],
      ["Output format", h("span", { class: "mono" }, sd.output_format ?? "—")],
      ["SerDe", h("span", { class: "mono" }, serde.serialization_library ?? "—")],
      ["Compressed", sd.compressed ? "yes" : "no"],
      ["Buckets", sd.number_of_buckets > 0 ? `${sd.number_of_buckets} on ${sd.bucket_columns.join(", ")}` : "none"],
    ]),
    h("h2", {}, "SerDe parameters"), parameterGrid(serde.parameters, "SerDe parameters"),
    h("h2", {}, "Table parameters"), parameterGrid(table.parameters, "Table parameters"),
  );
}

/** Partitions, 100 a page, filtered by a GetPartitions expression that the server parses. */
async function partitionsSection(panel, table, base, query) {
  const expression = query.get("filter") ?? "";
  const input = h("input", { id: "partition-filter", name: "filter", class: "mono grow", value: expression, placeholder: "year = '2024' AND month IN ('06', '07')", "aria-describedby": "filter-hint" });
  const form = h("form", { class: "toolbar", role: "search", "aria-label": "Filter partitions" },
    h("label", { for: "partition-filter" }, "Filter"), input,
    h("button", { type: "submit", class: "primary" }, "Apply"),
    expression ? h("a", { class: "button", href: `${base}/partitions` }, "Clear") : null);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    location.hash = `${base}/partitions${value ? `?filter=${encodeURIComponent(value)}` : ""}`;
  });
  const hint = h("p", { id: "filter-hint", class: "hint" }, "The grammar of Glue's GetPartitions: = <> < > <= >=, AND, OR, NOT, IN, BETWEEN, LIKE, IS [NOT] NULL; values compared by the key's type.");
  const results = h("div", { id: "partition-results" });
  panel.append(form, hint, results);
  if (table.partition_keys.length === 0) {
    results.append(h("p", { class: "muted" }, "This table has no partition keys."));
    return;
  }
  const tokens = [undefined];
  let index = 0;
  const load = async () => {
    results.replaceChildren(h("p", { class: "spinner" }, "Loading…"));
    try {
      const answer = await api(v1("databases", table.database_name, "tables", table.name, "partitions"), {
        query: { expression, max_results: PARTITION_PAGE, page_token: tokens[index], exclude_column_schema: "true" },
      });
      tokens[index + 1] = answer.next_page_token;
      const previous = h("button", { type: "button", disabled: index === 0 }, "Previous page");
      const next = h("button", { type: "button", disabled: !answer.next_page_token }, "Next page");
      previous.addEventListener("click", () => { index -= 1; load(); });
      next.addEventListener("click", () => { index += 1; load(); });
      const first = index * PARTITION_PAGE + 1;
      results.replaceChildren(
        h("p", { class: "muted", id: "partition-count" }, answer.partitions.length
          ? `Partitions ${first}–${first + answer.partitions.length - 1}${answer.next_page_token ? " (more follow)" : ""}`
          : "No partition matches."),
        grid([...table.partition_keys.map((k) => k.name), "Location", "Created"], answer.partitions.map((partition) => [
          ...partition.values.map((value) => h("span", { class: "mono" }, value)),
          h("span", { class: "mono" }, partition.storage_descriptor?.location ?? ""),
          time(partition.creation_time),
        ]), { caption: "Partitions", empty: "" }),
        h("div", { class: "toolbar" }, previous, next),
      );
    } catch (error) {
      results.replaceChildren(errorBox(error, { expression }));
    }
  };
  await load();
}

/** Versions, newest first, and a side-by-side diff of two of them (`?from=..&to=..`). */
async function versionsSection(panel, table, base, query) {
  const answer = await api(v1("databases", table.database_name, "tables", table.name, "versions"), { query: { max_results: 100 } });
  const versions = answer.table_versions;
  const ids = versions.map((v) => v.version_id);
  const to = ids.includes(query.get("to")) ? query.get("to") : ids[0];
  const from = ids.includes(query.get("from")) ? query.get("from") : (ids[1] ?? ids[0]);
  const select = (id, label, selected) => [
    h("label", { for: id }, label),
    h("select", { id, name: id }, versions.map((v) =>
      h("option", { value: v.version_id, selected: v.version_id === selected }, `version ${v.version_id} — ${new Date(v.table.update_time).toLocaleString()}`))),
  ];
  const form = h("form", { class: "toolbar", "aria-label": "Compare versions" },
    select("version-from", "Compare", from), select("version-to", "with", to),
    h("button", { type: "submit", class: "primary" }, "Compare"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = form.querySelector("#version-from").value;
    const t = form.querySelector("#version-to").value;
    location.hash = `${base}/versions?from=${encodeURIComponent(f)}&to=${encodeURIComponent(t)}`;
  });
  panel.append(
    grid(["Version", "Updated", "Columns", "Last crawled by"], versions.map((v) => [
      v.version_id, time(v.table.update_time), count(v.table.storage_descriptor?.columns?.length ?? 0), crawlerLink(v.table),
    ]), { caption: "Versions" }),
    answer.next_page_token ? h("p", { class: "hint" }, "Showing the newest 100 versions.") : "",
    h("h2", {}, "Schema diff"),
    form,
  );
  const left = versions.find((v) => v.version_id === from)?.table;
  const right = versions.find((v) => v.version_id === to)?.table;
  if (!left || !right) return;
  panel.append(schemaDiff(left, right, from, to));
}

function schemaDiff(left, right, from, to) {
  const section = (title, before, after) => {
    const rows = diffColumns(before, after);
    const changed = rows.filter((r) => r.change !== "same");
    const summary = ["added", "removed", "retyped"].map((kind) => `${changed.filter((r) => r.change === kind).length} ${kind}`).join(", ");
    return [
      h("h3", {}, title, " ", h("span", { class: "muted" }, `(${summary})`)),
      h("table", { class: "grid diff", "aria-label": `${title}: version ${from} against version ${to}` },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Column"), h("th", { scope: "col" }, `Version ${from}`), h("th", { scope: "col" }, `Version ${to}`), h("th", { scope: "col" }, "Change"))),
        h("tbody", {}, rows.map((r) => h("tr", { class: r.change === "same" ? "" : r.change, "data-column": r.name, "data-change": r.change },
          h("td", { class: "mono" }, r.name),
          h("td", { class: "mono" }, r.before ?? ""),
          h("td", { class: "mono" }, r.after ?? ""),
          h("td", {}, r.change === "same" ? "" : r.change))))),
    ];
  };
  return h("div", { id: "schema-diff" },
    section("Columns", left.storage_descriptor?.columns ?? [], right.storage_descriptor?.columns ?? []),
    section("Partition keys", left.partition_keys ?? [], right.partition_keys ?? []));
}
