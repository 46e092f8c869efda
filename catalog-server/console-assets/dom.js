// Small DOM helpers. Text always goes in as text (never as HTML), so catalog data cannot
// inject markup.

/** An element: `h("a", {href: "#/x", class: "y"}, "text", child, [more])`. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      element.className = value;
    } else if (value === true) {
      element.setAttribute(key, "");
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** A table with a header row and rows of cells (a cell may be a node or `{value, class}`). */
export function grid(headers, rows, { caption, empty = "Nothing here yet." } = {}) {
  const head = h("thead", {}, h("tr", {}, headers.map((header) => {
    const [label, cls] = Array.isArray(header) ? header : [header, undefined];
    return h("th", { scope: "col", class: cls }, label);
  })));
  const body = h("tbody", {}, rows.map((row) => {
    const cells = Array.isArray(row) ? row : row.cells;
    return h("tr", { class: row.class }, cells.map((cell) => {
      if (cell && typeof cell === "object" && !(cell instanceof Node) && !Array.isArray(cell)) {
        return h("td", { class: cell.class, title: cell.title }, cell.value);
      }
      return h("td", {}, cell);
    }));
  }));
  const table = h("table", { class: "grid" }, caption ? h("caption", { class: "visually-hidden" }, caption) : null, head, body);
  if (rows.length === 0) return h("div", {}, table, h("p", { class: "muted" }, empty));
  return table;
}

/** A definition list of `[label, value]` pairs; pairs with no value are left out. */
export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
}

/** A number with thousands separators, or an em dash when absent. */
export function count(value) {
  if (value === undefined || value === null || value === "") return "—";
  const number = Number(value);
  return Number.isFinite(number) ? number.toLocaleString("en-US") : String(value);
}

/** A byte count in KiB/MiB/GiB. */
export function bytes(value) {
  let number = Number(value);
  if (!Number.isFinite(number)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (number >= 1024 && unit < units.length - 1) { number /= 1024; unit += 1; }
  return `${unit ? number.toFixed(1) : number} ${units[unit]}`;
}

/** A timestamp in the user's locale, with the ISO form as its tooltip. */
export function time(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return h("time", { datetime: iso, title: iso }, date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }));
}

/** The seconds between two timestamps, readable. */
export function duration(start, end) {
  if (!start || !end) return "—";
  const seconds = (new Date(end) - new Date(start)) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** A state as a coloured badge. */
export function badge(state) {
  return h("span", { class: `badge ${state ?? ""}` }, state ?? "—");
}

/** An error box; a filter error's position is shown under the expression with a caret. */
export function errorBox(error, { expression } = {}) {
  const message = error?.message ?? String(error);
  const box = h("div", { class: "error", role: "alert" }, message);
  const at = /at position (\d+)/.exec(message);
  if (expression !== undefined && at) {
    const position = Number(at[1]);
    box.append(h("pre", { class: "mono" }, expression, "\n",
      h("span", { class: "caret" }, " ".repeat(Math.max(0, position - 1)) + "^")));
  }
  return box;
}

/** Replaces the page's content and moves focus to it, for keyboard and screen-reader users. */
export function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes.flat(Infinity).filter((node) => node !== null && node !== undefined && node !== false));
  return main;
}
