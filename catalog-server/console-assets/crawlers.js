// Crawler and classifier pages: the crawler list, a crawler with its runs, the create/edit
// form in Glue's vocabulary, a run (counts, changes, skipped objects, grouping decisions as a
// tree of the lake) and custom classifiers. Actions the caller's role may not take are shown
// disabled, with the role they need.

import { api, v1, may } from "./api.js";
import { h, grid, facts, count, time, duration, badge, errorBox, show, bytes } from "./dom.js";

/** A button that runs `action`, shows its error next to it and re-renders on success. */
function actionButton(label, action, { allowed = true, needed = "admin", className, confirmText } = {}) {
  const button = h("button", {
    type: "button", class: className, disabled: !allowed,
    title: allowed ? undefined : `Needs the ${needed} role`,
    "aria-disabled": allowed ? undefined : "true",
  }, label);
  button.addEventListener("click", async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      button.after(errorBox(error));
    } finally {
      button.disabled = !allowed;
    }
  });
  return button;
}

const crawlerHref = (name) => `#/crawlers/${encodeURIComponent(name)}`;

/** `#/crawlers`: every crawler with its state, schedule, next fire time and last run. */
export async function crawlersPage() {
  const admin = await may("admin");
  const answer = await api(v1("crawlers"), { query: { max_results: 1000 } });
  show(
    h("h1", {}, "Crawlers"),
    h("div", { class: "toolbar" }, admin
      ? h("a", { class: "button primary", href: "#/crawlers/new", id: "new-crawler" }, "Create crawler")
      : h("span", { class: "muted" }, "Creating, starting and editing crawlers needs the admin role.")),
    grid(["Crawler", "State", "Database", "Schedule", "Next run", "Last run", "Last run took", ""], answer.crawlers.map((c) => [
      h("a", { href: crawlerHref(c.name) }, c.name),
      badge(c.state),
      h("a", { href: `#/databases/${encodeURIComponent(c.database_name)}` }, c.database_name),
      c.schedule ? [h("span", { class: "mono" }, c.schedule), c.schedule_paused ? " (paused)" : ""] : "on demand",
      c.next_scheduled_runs?.length ? time(c.next_scheduled_runs[0]) : "—",
      c.last_crawl ? [badge(c.last_crawl.state), " ", h("a", { href: `${crawlerHref(c.name)}/runs/${c.last_crawl.id}` }, time(c.last_crawl.start_time))] : "never",
      c.last_crawl ? duration(c.last_crawl.start_time, c.last_crawl.end_time) : "—",
      startStop(c, admin),
    ]), { caption: "Crawlers", empty: "No crawlers yet." }),
  );
}

function startStop(crawler, admin) {
  if (crawler.state === "READY") {
    return actionButton("Start", async () => {
      const run = await api(`${v1("crawlers", crawler.name)}:start`, { method: "POST" });
      location.hash = `${crawlerHref(crawler.name)}/runs/${run.id}`;
    }, { allowed: admin, className: "start" });
  }
  return actionButton("Stop", async () => {
    await api(`${v1("crawlers", crawler.name)}:stop`, { method: "POST" });
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  }, { allowed: admin, className: "stop" });
}

/** `#/crawlers/{name}`: a crawler's definition, actions and runs. */
export async function crawlerPage(name) {
  const admin = await may("admin");
  const crawler = await api(v1("crawlers", name));
  const runs = await api(v1("crawlers", name, "runs"), { query: { max_results: 50 } });
  const refresh = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  const targets = crawler.targets.s3_targets.map((t) => [h("span", { class: "mono" }, t.path),
    t.exclusions.length ? h("span", { class: "muted" }, ` excluding ${t.exclusions.join(", ")}`) : null]);
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/crawlers" }, "Crawlers"), " / "),
    h("h1", {}, crawler.name, " ", badge(crawler.state)),
    crawler.description ? h("p", {}, crawler.description) : null,
    h("div", { class: "toolbar" },
      startStop(crawler, admin),
      admin ? h("a", { class: "button", href: `${crawlerHref(name)}/edit` }, "Edit") : null,
      admin
        ? h("a", { class: "button", href: `${crawlerHref(name)}/dry-run`, id: "dry-run" }, "Dry run")
        : h("button", { type: "button", disabled: true, title: "Needs the admin role", "aria-disabled": "true" }, "Dry run"),
      crawler.schedule ? actionButton(crawler.schedule_paused ? "Resume schedule" : "Pause schedule", async () => {
        await api(`${v1("crawlers", name)}:${crawler.schedule_paused ? "startSchedule" : "stopSchedule"}`, { method: "POST" });
        refresh();
      }, { allowed: admin }) : null,
      actionButton("Delete", async () => {
        await api(v1("crawlers", name), { method: "DELETE" });
        location.hash = "#/crawlers";
      }, { allowed: admin, className: "danger", confirmText: `Delete crawler ${name} and its run records? Its tables stay.` }),
    ),
    facts([
      ["Database", h("a", { href: `#/databases/${encodeURIComponent(crawler.database_name)}` }, crawler.database_name)],
      ["Targets", targets.length ? h("ul", {}, targets.map((t) => h("li", {}, t))) : "—"],
      ...OPEN_TABLE_TARGETS.map(([kind, label, pathsMember]) => {
        const paths = (crawler.targets[kind] ?? []).flatMap((t) => t[pathsMember].map((path) => [h("span", { class: "mono" }, path),
          t.exclusions?.length ? h("span", { class: "muted" }, ` excluding ${t.exclusions.join(", ")}`) : null]));
        return paths.length ? [`${label} targets`, h("ul", { id: `${kind}-shown` }, paths.map((p) => h("li", {}, p)))] : null;
      }).filter(Boolean),
      ["Classifiers", crawler.classifiers.join(", ") || "built-in only"],
      ["Table prefix", crawler.table_prefix ?? ""],
      ["Schema change policy", `update: ${crawler.schema_change_policy.update_behavior}, delete: ${crawler.schema_change_policy.delete_behavior}`],
      ["Recrawl policy", crawler.recrawl_policy.recrawl_behavior],
      ["Grouping", crawler.configuration.table_grouping_policy ?? "by folder"],
      ["Schedule", crawler.schedule ? `${crawler.schedule}${crawler.schedule_paused ? " (paused)" : ""}` : "on demand"],
      ["Next runs", crawler.next_scheduled_runs?.length ? h("ul", {}, crawler.next_scheduled_runs.map((t) => h("li", {}, time(t)))) : ""],
      ["Version", crawler.version],
    ]),
    h("h2", {}, "Runs"),
    grid(["Run", "State", "Started", "Took", ["Tables created", "num"], ["updated", "num"], ["Partitions added", "num"], ["Objects read", "num"], ["skipped", "num"]], runs.runs.map((r) => [
      h("a", { href: `${crawlerHref(name)}/runs/${r.id}` }, r.id.slice(0, 8)),
      badge(r.state), time(r.start_time), duration(r.start_time, r.end_time),
      { value: count(r.counts?.tables_created), class: "num" },
      { value: count(r.counts?.tables_updated), class: "num" },
      { value: count(r.counts?.partitions_added), class: "num" },
      { value: count(r.counts?.objects_read), class: "num" },
      { value: count(r.counts?.objects_skipped), class: "num" },
    ]), { caption: "Runs", empty: "This crawler has not run yet." }),
  );
}

/** `#/crawlers/{name}/runs/{id}`: what a run did and why; refreshed while it runs. */
export async function runPage(name, id, isCurrent) {
  const [run, crawler] = await Promise.all([api(v1("crawlers", name, "runs", id)), api(v1("crawlers", name))]);
  const running = run.state === "RUNNING" || run.state === "STOPPING";
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/crawlers" }, "Crawlers"), " / ", h("a", { href: crawlerHref(name) }, name), " / "),
    h("h1", {}, "Run ", h("span", { class: "mono" }, id.slice(0, 8)), " ", h("span", { id: "run-state" }, badge(run.state))),
    ...runDetails(run, crawler, { running }),
  );
  if (running) {
    setTimeout(() => { if (isCurrent()) runPage(name, id, isCurrent).catch(() => {}); }, 1000);
  }
}

/**
 * `#/crawlers/{name}/dry-run`: what a crawl would do now (the server reads the targets and
 * plans, writing and recording nothing), shown as a run is.
 */
export async function dryRunPage(name) {
  const crawler = await api(v1("crawlers", name));
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/crawlers" }, "Crawlers"), " / ", h("a", { href: crawlerHref(name) }, name), " / "),
    h("h1", {}, "Dry run of ", name),
    h("p", { class: "muted", id: "dry-run-state" }, "Reading the targets and planning…"),
  );
  const run = await api(`${v1("crawlers", name)}:dryRun`, { method: "POST" });
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/crawlers" }, "Crawlers"), " / ", h("a", { href: crawlerHref(name) }, name), " / "),
    h("h1", {}, "Dry run of ", name, " ", h("span", { id: "run-state" }, badge(run.state))),
    h("p", { class: "hint", id: "dry-run-state" }, "Nothing was written: the changes below are what a crawl would make now."),
    ...runDetails(run, crawler, { planned: true }),
  );
}

/** A run's facts, counts, table changes, grouping decisions, skipped objects and issues. */
function runDetails(run, crawler, { running = false, planned = false } = {}) {
  const c = run.counts ?? {};
  const report = run.report ?? {};
  return [
    facts([
      ["Started", time(run.start_time)],
      ["Ended", running ? "still running…" : time(run.end_time)],
      ["Took", duration(run.start_time, run.end_time)],
      ["Error", run.error_message ?? ""],
    ]),
    h("div", { class: "cards", id: "run-counts" },
      [["Objects listed", c.objects_listed], ["Objects read", c.objects_read], ["Objects skipped", c.objects_skipped],
        ["Bytes read", c.bytes_read === undefined ? undefined : bytes(c.bytes_read)],
        ["Tables created", c.tables_created], ["Tables updated", c.tables_updated], ["Tables deprecated", c.tables_deprecated], ["Tables deleted", c.tables_deleted],
        ["Partitions added", c.partitions_added], ["Partitions updated", c.partitions_updated], ["Partitions deleted", c.partitions_deleted]]
        .map(([label, value]) => h("div", { class: "card" }, h("div", { class: "value" }, typeof value === "string" ? value : count(value)), h("div", { class: "label" }, label)))),
    h("h2", {}, planned ? "Table changes a crawl would make" : "Table changes"),
    grid(["Table", "Change", ["+ partitions", "num"], ["~ partitions", "num"], ["− partitions", "num"], "Applied"], (report.changes ?? []).map((change) => ({
      cells: [
        h("a", { href: `#/databases/${encodeURIComponent(crawler.database_name)}/tables/${encodeURIComponent(change.table)}`, "data-table": change.table }, change.table),
        change.kind,
        { value: count(change.partitions_added), class: "num" },
        { value: count(change.partitions_updated), class: "num" },
        { value: count(change.partitions_deleted), class: "num" },
        planned ? "planned (dry run)" : change.applied ? "yes" : "no (logged only)",
      ],
    })), { caption: "Table changes", empty: running ? "Not yet known." : "No table changed." }),
    h("h2", {}, "How the lake was grouped into tables"),
    decisionTree(report.decisions ?? []),
    h("h2", {}, "Skipped objects"),
    grid(["Object", "Why"], (report.skipped_examples ?? []).map((s) => [h("span", { class: "mono" }, s.path), s.reason]), { caption: "Skipped objects", empty: "None." }),
    h("h2", {}, "Object issues"),
    grid(["Object", "Severity", "Issue"], (report.issues ?? []).map((i) => [h("span", { class: "mono" }, i.path), i.severity, i.message]), { caption: "Object issues", empty: "None." }),
    report.issues_dropped ? h("p", { class: "hint" }, `${report.issues_dropped} more issues were not kept.`) : null,
  ];
}

/**
 * The grouping decisions as a tree of the lake: each decision's folder under the nearest
 * folder above it that has one, its outcome and the reason ("because ...").
 */
export function decisionTree(decisions) {
  if (decisions.length === 0) return h("p", { class: "muted" }, "No decisions recorded.");
  const sorted = [...decisions].sort((a, b) => a.location.localeCompare(b.location));
  const roots = [];
  const stack = [];
  for (const decision of sorted) {
    const node = { decision, children: [] };
    while (stack.length && !decision.location.startsWith(stack[stack.length - 1].decision.location)) stack.pop();
    const parent = stack[stack.length - 1];
    (parent ? parent.children : roots).push(node);
    stack.push(node);
  }
  const render = (node, parentLocation) => {
    const { location, outcome, reason } = node.decision;
    const label = parentLocation ? location.slice(parentLocation.length) : location;
    const body = [h("span", { class: "mono" }, label), ": ", h("span", { class: "outcome" }, outcome),
      h("div", { class: "reason" }, `because ${reason}`)];
    return h("li", { class: "decision", "data-location": location },
      node.children.length
        ? h("details", { open: true }, h("summary", {}, body), h("ul", { class: "tree" }, node.children.map((child) => render(child, location))))
        : body);
  };
  return h("ul", { class: "tree root", id: "decisions", "aria-label": "Grouping decisions" }, roots.map((node) => render(node, "")));
}

const UPDATE_BEHAVIORS = [["UPDATE_IN_DATABASE", "Update the table definition in the Data Catalog"], ["LOG", "Ignore the change and don't update the table (log only)"]];
const DELETE_BEHAVIORS = [["DEPRECATE_IN_DATABASE", "Mark the table as deprecated"], ["DELETE_FROM_DATABASE", "Delete tables and partitions"], ["LOG", "Ignore the change (log only)"]];
const RECRAWL_BEHAVIORS = [["CRAWL_EVERYTHING", "Crawl all folders"], ["CRAWL_NEW_FOLDERS_ONLY", "Crawl new folders only"]];

function field(id, label, control, hint) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);
}

function choice(id, options, selected) {
  return h("select", { id, name: id }, options.map(([value, label]) => h("option", { value, selected: value === selected }, label)));
}

/** Shows the schedule's next fire times (or why the server refuses it) as the user types. */
function previewSchedule(input, preview) {
  let timer;
  let asked = 0;
  const update = async () => {
    const expression = input.value.trim();
    const ask = ++asked;
    if (!expression) {
      preview.replaceChildren(h("span", { class: "muted" }, "On demand only."));
      return;
    }
    try {
      const answer = await api("/v1/schedules:preview", { query: { expression, count: 5 } });
      if (ask !== asked) return;
      preview.replaceChildren(answer.next_runs.length
        ? h("ol", { class: "next-runs" }, answer.next_runs.map((t) => h("li", {}, time(t), h("span", { class: "muted" }, ` (${t.replace(".000", "")})`))))
        : h("span", { class: "muted" }, "This schedule never fires again."));
    } catch (error) {
      if (ask === asked) preview.replaceChildren(h("span", { class: "bad", role: "status" }, error.message));
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 250); });
  update();
}

/**
 * The open table format targets, in Glue's vocabulary: the REST member, the format, the
 * member holding the paths, and how the form labels and explains them.
 */
const OPEN_TABLE_TARGETS = [
  ["delta_targets", "Delta Lake", "delta_tables", "Delta table paths", "One a line: each a folder holding _delta_log/."],
  ["iceberg_targets", "Iceberg", "paths", "Paths", "One a line: prefixes holding Iceberg tables, or folders of them."],
  ["hudi_targets", "Hudi", "paths", "Paths", "One a line: prefixes holding Hudi tables, or folders of them."],
];

/** The form's Delta Lake, Iceberg and Hudi targets, by REST member; those without a path are left out. */
function openTargetsOf(form, drawn) {
  const lines = (set, css) => (set.querySelector(css)?.value ?? "").split("\n").map((line) => line.trim()).filter(Boolean);
  const targets = {};
  for (const [kind, , pathsMember] of OPEN_TABLE_TARGETS) {
    const sets = [...form.querySelectorAll(`fieldset.open-target[data-kind="${kind}"]`)];
    const found = sets.map((set) => {
      const target = { ...drawn.get(set), [pathsMember]: lines(set, ".target-paths") };
      if (kind !== "delta_targets") {
        target.exclusions = lines(set, ".target-exclusions");
        const depth = set.querySelector(".target-depth").value.trim();
        target.maximum_traversal_depth = depth === "" ? undefined : Number(depth);
      }
      return target;
    }).filter((target) => target[pathsMember].length);
    if (found.length) targets[kind] = found;
  }
  return targets;
}

/** `#/crawlers/new` and `#/crawlers/{name}/edit`: the crawler form, in Glue's vocabulary. */
export async function crawlerFormPage(name) {
  const existing = name ? await api(v1("crawlers", name)) : null;
  const classifiers = (await api(v1("classifiers"), { query: { max_results: 1000 } })).classifiers;
  const c = existing ?? {
    name: "", description: "", database_name: "", targets: { s3_targets: [{ path: "", exclusions: [] }] }, classifiers: [],
    schema_change_policy: { update_behavior: "UPDATE_IN_DATABASE", delete_behavior: "DEPRECATE_IN_DATABASE" },
    recrawl_policy: { recrawl_behavior: "CRAWL_EVERYTHING" }, configuration: {}, schedule: "",
  };
  const s3 = c.targets.s3_targets.length ? c.targets.s3_targets : [{ path: "", exclusions: [] }];
  const targetRows = h("div", { id: "targets" });
  const addTarget = (target) => {
    const n = targetRows.children.length;
    targetRows.append(h("fieldset", { class: "target" }, h("legend", {}, `S3 target ${n + 1}`),
      field(`target-path-${n}`, "Include path", h("input", { id: `target-path-${n}`, class: "mono target-path", value: target.path, placeholder: "s3://bucket/prefix/ or file:///data/lake/", size: 60 })),
      field(`target-exclusions-${n}`, "Exclude patterns", h("textarea", { id: `target-exclusions-${n}`, class: "mono target-exclusions", rows: 2 }, target.exclusions.join("\n")), "Glob patterns, one a line: *.tmp, **/_temporary/**"),
      field(`target-sample-${n}`, "Sample size", h("input", { id: `target-sample-${n}`, class: "target-sample", type: "number", min: 1, max: 249, value: target.sample_size ?? "" }), "Files read per leaf folder; all when empty.")));
  };
  s3.forEach(addTarget);
  // Delta Lake, Iceberg and Hudi targets: each fieldset keeps the target it was drawn from,
  // so members the form does not show (Glue's CreateNativeDeltaTable) are saved as they were.
  const openTargets = new Map(OPEN_TABLE_TARGETS.map(([kind]) => [kind, h("div", { id: `${kind}-list` })]));
  const drawn = new WeakMap();
  const addOpenTarget = (kind, target) => {
    const [, label, , pathsLabel, pathsHint] = OPEN_TABLE_TARGETS.find(([k]) => k === kind);
    const list = openTargets.get(kind);
    const prefix = kind.replace("_targets", "");
    const n = list.children.length;
    const paths = target.delta_tables ?? target.paths ?? [];
    const set = h("fieldset", { class: "open-target", "data-kind": kind }, h("legend", {}, `${label} target ${n + 1}`),
      field(`${prefix}-paths-${n}`, pathsLabel, h("textarea", { id: `${prefix}-paths-${n}`, class: "mono target-paths", rows: 2 }, paths.join("\n")), pathsHint),
      kind === "delta_targets" ? null : [
        field(`${prefix}-exclusions-${n}`, "Exclude patterns", h("textarea", { id: `${prefix}-exclusions-${n}`, class: "mono target-exclusions", rows: 2 }, (target.exclusions ?? []).join("\n")), "Glob patterns, one a line, relative to each path."),
        field(`${prefix}-depth-${n}`, "Maximum traversal depth", h("input", { id: `${prefix}-depth-${n}`, class: "target-depth", type: "number", min: 1, max: 20, value: target.maximum_traversal_depth ?? "" }), "Folder levels below each path searched for tables (1 to 20); the crawler's default when empty."),
      ]);
    drawn.set(set, target);
    list.append(set);
  };
  for (const [kind] of OPEN_TABLE_TARGETS) (c.targets[kind] ?? []).forEach((target) => addOpenTarget(kind, target));
  const scheduleInput = h("input", { id: "crawler-schedule", class: "mono", value: c.schedule ?? "", placeholder: "cron(15 12 * * ? *)", "aria-describedby": "schedule-preview" });
  const schedulePreview = h("div", { id: "schedule-preview", "aria-live": "polite" });
  previewSchedule(scheduleInput, schedulePreview);
  const error = h("div", {});
  const form = h("form", { class: "edit", id: "crawler-form", novalidate: false },
    h("fieldset", {}, h("legend", {}, "Crawler properties"),
      field("crawler-name", "Name", h("input", { id: "crawler-name", value: c.name, required: true, readonly: Boolean(existing) })),
      field("crawler-description", "Description", h("input", { id: "crawler-description", value: c.description ?? "", size: 60 }))),
    h("fieldset", {}, h("legend", {}, "Data sources"), targetRows,
      ...OPEN_TABLE_TARGETS.map(([kind]) => openTargets.get(kind)),
      h("div", { class: "toolbar" },
        h("button", { type: "button", id: "add-target", onclick: () => addTarget({ path: "", exclusions: [] }) }, "Add an S3 target"),
        ...OPEN_TABLE_TARGETS.map(([kind, label]) =>
          h("button", { type: "button", id: `add-${kind.replace("_targets", "")}-target`, onclick: () => addOpenTarget(kind, {}) }, `Add ${/^[AEIOU]/.test(label) ? "an" : "a"} ${label} target`)))),
    h("fieldset", {}, h("legend", {}, "Classifiers"),
      field("crawler-classifiers", "Custom classifiers", h("select", { id: "crawler-classifiers", multiple: true, size: Math.min(6, Math.max(2, classifiers.length)) },
        classifiers.map((k) => h("option", { value: k.name, selected: c.classifiers.includes(k.name) }, `${k.name} (${k.definition.kind})`))),
      "Tried in order before the built-in classifiers.")),
    h("fieldset", {}, h("legend", {}, "Output"),
      field("crawler-database", "Target database", h("input", { id: "crawler-database", value: c.database_name, required: true }), "Created when missing."),
      field("crawler-prefix", "Table name prefix", h("input", { id: "crawler-prefix", value: c.table_prefix ?? "" })),
      field("crawler-grouping", "Create a single schema for each S3 path", h("input", { id: "crawler-grouping", type: "checkbox", checked: c.configuration.table_grouping_policy === "CombineCompatibleSchemas" }), "Glue's TableGroupingPolicy CombineCompatibleSchemas."),
      field("crawler-table-level", "Table level", h("input", { id: "crawler-table-level", type: "number", min: 1, value: c.configuration.table_level ?? "" }), "The folder depth of table roots, counted from the bucket; decided by the crawler when empty."),
      field("crawler-update", "When the schema changes", choice("crawler-update", UPDATE_BEHAVIORS, c.schema_change_policy.update_behavior)),
      field("crawler-delete", "When objects are deleted", choice("crawler-delete", DELETE_BEHAVIORS, c.schema_change_policy.delete_behavior)),
      field("crawler-recrawl", "Subsequent crawler runs", choice("crawler-recrawl", RECRAWL_BEHAVIORS, c.recrawl_policy.recrawl_behavior))),
    h("fieldset", {}, h("legend", {}, "Schedule"),
      field("crawler-schedule", "Cron expression", scheduleInput, "Glue's six-field cron in UTC; empty runs on demand."),
      h("div", { class: "field" }, h("span", {}, "Next runs"), schedulePreview)),
    error,
    h("div", { class: "toolbar" }, h("button", { type: "submit", class: "primary", id: "save-crawler" }, existing ? "Save" : "Create crawler"),
      h("a", { class: "button", href: existing ? crawlerHref(name) : "#/crawlers" }, "Cancel")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.replaceChildren();
    const value = (id) => form.querySelector(`#${id}`).value.trim();
    const optionalNumber = (text) => (text === "" ? undefined : Number(text));
    const input = {
      name: value("crawler-name"),
      description: value("crawler-description") || undefined,
      database_name: value("crawler-database"),
      targets: {
        s3_targets: [...form.querySelectorAll("fieldset.target")].map((set) => ({
          path: set.querySelector(".target-path").value.trim(),
          exclusions: set.querySelector(".target-exclusions").value.split("\n").map((line) => line.trim()).filter(Boolean),
          sample_size: optionalNumber(set.querySelector(".target-sample").value.trim()),
        })).filter((target) => target.path),
        ...openTargetsOf(form, drawn),
      },
      classifiers: [...form.querySelector("#crawler-classifiers").selectedOptions].map((o) => o.value),
      table_prefix: value("crawler-prefix") || undefined,
      schema_change_policy: { update_behavior: value("crawler-update"), delete_behavior: value("crawler-delete") },
      recrawl_policy: { recrawl_behavior: value("crawler-recrawl") },
      configuration: {
        ...(existing?.configuration ?? {}),
        table_grouping_policy: form.querySelector("#crawler-grouping").checked ? "CombineCompatibleSchemas" : undefined,
        table_level: optionalNumber(value("crawler-table-level")),
      },
      schedule: value("crawler-schedule") || undefined,
      schedule_paused: existing?.schedule_paused ?? false,
    };
    if (existing?.role) input.role = existing.role;
    try {
      const saved = existing
        ? await api(v1("crawlers", name), { method: "PUT", query: { expected_version: existing.version }, body: input })
        : await api(v1("crawlers"), { method: "POST", body: input });
      location.hash = crawlerHref(saved.name);
    } catch (failure) {
      error.replaceChildren(errorBox(failure));
    }
  });
  show(
    h("div", { class: "crumbs" }, h("a", { href: "#/crawlers" }, "Crawlers"), " / "),
    h("h1", {}, existing ? `Edit ${name}` : "Create crawler"),
    form,
  );
}

const CLASSIFIER_KINDS = [["grok", "Grok"], ["csv", "CSV"], ["json", "JSON"], ["xml", "XML"]];

function classifierSummary(definition) {
  switch (definition.kind) {
    case "grok": return [`classification ${definition.classification}: `, h("span", { class: "mono" }, definition.grok_pattern)];
    case "csv": return `delimiter ${definition.delimiter ?? "sniffed"}, quote ${definition.quote_symbol ?? "sniffed"}, header ${definition.contains_header ?? "UNKNOWN"}`;
    case "json": return ["JSON path ", h("span", { class: "mono" }, definition.json_path)];
    case "xml": return ["row tag ", h("span", { class: "mono" }, `<${definition.row_tag}>`)];
    default: return JSON.stringify(definition);
  }
}

/** `#/classifiers`: custom classifiers, with a form to add one. */
export async function classifiersPage() {
  const admin = await may("admin");
  const answer = await api(v1("classifiers"), { query: { max_results: 1000 } });
  const refresh = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  show(
    h("h1", {}, "Classifiers"),
    h("p", { class: "hint" }, "Custom classifiers are tried, in a crawler's order, before the built-in ones."),
    grid(["Classifier", "Kind", "Definition", "Updated", ""], answer.classifiers.map((k) => [
      h("span", { class: "mono" }, k.name), k.definition.kind, classifierSummary(k.definition), time(k.last_updated),
      actionButton("Delete", async () => { await api(v1("classifiers", k.name), { method: "DELETE" }); refresh(); },
        { allowed: admin, className: "danger", confirmText: `Delete classifier ${k.name}?` }),
    ]), { caption: "Classifiers", empty: "No custom classifiers." }),
    admin ? classifierForm(refresh) : h("p", { class: "muted" }, "Adding classifiers needs the admin role."),
  );
}

function classifierForm(done) {
  const kind = choice("classifier-kind", CLASSIFIER_KINDS, "grok");
  const fields = h("div", {});
  const error = h("div", {});
  const render = () => {
    const k = kind.value;
    const controls = {
      grok: [
        field("classifier-classification", "Classification", h("input", { id: "classifier-classification", required: true, placeholder: "applog" })),
        field("classifier-grok", "Grok pattern", h("input", { id: "classifier-grok", class: "mono", size: 70, required: true, placeholder: "%{TIMESTAMP_ISO8601:time} %{LOGLEVEL:level} %{GREEDYDATA:message}" })),
        field("classifier-custom", "Custom patterns", h("textarea", { id: "classifier-custom", class: "mono", rows: 2 }), "NAME regex, one a line."),
      ],
      csv: [
        field("classifier-delimiter", "Column delimiter", h("input", { id: "classifier-delimiter", maxlength: 1, size: 3 }), "Sniffed when empty."),
        field("classifier-quote", "Quote symbol", h("input", { id: "classifier-quote", maxlength: 1, size: 3 }), "Sniffed when empty."),
        field("classifier-header", "Column headings", choice("classifier-header", [["UNKNOWN", "Detect headings"], ["PRESENT", "Has headings"], ["ABSENT", "No headings"]], "UNKNOWN")),
      ],
      json: [field("classifier-json-path", "JSON path", h("input", { id: "classifier-json-path", class: "mono", required: true, placeholder: "$.records[*]" }))],
      xml: [field("classifier-row-tag", "Row tag", h("input", { id: "classifier-row-tag", required: true, placeholder: "row" }))],
    }[k];
    fields.replaceChildren(...controls);
  };
  kind.addEventListener("change", render);
  render();
  const sample = h("textarea", { id: "classifier-sample", class: "mono", rows: 3, placeholder: "2024-06-01T10:00:00Z ERROR disk full" });
  const verdict = h("div", { id: "classifier-verdict", "aria-live": "polite" });
  const form = h("form", { class: "edit", id: "classifier-form" },
    h("fieldset", {}, h("legend", {}, "Add a classifier"),
      field("classifier-name", "Name", h("input", { id: "classifier-name", required: true })),
      field("classifier-kind", "Kind", kind),
      fields),
    h("fieldset", {}, h("legend", {}, "Test against a sample"),
      field("classifier-sample", "Sample lines", sample, "What a crawl would infer from a file holding these lines; nothing is stored."),
      h("div", { class: "toolbar" }, h("button", { type: "button", id: "test-classifier" }, "Test"), verdict)),
    error,
    h("button", { type: "submit", class: "primary" }, "Create classifier"));
  // The classifier as the form describes it, for creating it and for testing it.
  const input = () => {
    const value = (id) => form.querySelector(`#${id}`)?.value.trim();
    const name = value("classifier-name");
    const definition = { kind: kind.value, name };
    if (kind.value === "grok") Object.assign(definition, { classification: value("classifier-classification"), grok_pattern: value("classifier-grok"), custom_patterns: value("classifier-custom") });
    if (kind.value === "csv") Object.assign(definition, { delimiter: value("classifier-delimiter") || undefined, quote_symbol: value("classifier-quote") || undefined, contains_header: value("classifier-header") });
    if (kind.value === "json") definition.json_path = value("classifier-json-path");
    if (kind.value === "xml") definition.row_tag = value("classifier-row-tag");
    return { name, definition };
  };
  form.querySelector("#test-classifier").addEventListener("click", async () => {
    verdict.replaceChildren(h("span", { class: "spinner" }, "Testing…"));
    try {
      const answer = await api("/v1/classifiers:test", { method: "POST", body: { classifier: input(), sample: sample.value } });
      verdict.replaceChildren(answer.matched
        ? h("span", { class: "ok" }, `Matches: classification ${answer.classification}, columns `,
          answer.columns.map((c, i) => [i ? ", " : "", h("span", { class: "mono" }, `${c.name} ${c.type}`)]))
        : h("span", { class: "bad" }, answer.error ? `Of this format but unreadable: ${answer.error}` : "Does not match: a crawl would try the next classifier."));
    } catch (failure) {
      verdict.replaceChildren(h("span", { class: "bad" }, failure.message));
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(v1("classifiers"), { method: "POST", body: input() });
      done();
    } catch (failure) {
      error.replaceChildren(errorBox(failure));
    }
  });
  return form;
}
