// Hive type strings as trees, and the difference between two versions' columns. Pure
// functions: the browser test checks them table-driven.

/**
 * Parses a Hive type string (`struct<a:int,b:array<map<string,double>>>`) into a tree:
 * `{type: "struct", children: [{name: "a", type: "int", children: []}, ...]}`. Array
 * elements are named `element`, map entries `key` and `value`, union members by their
 * position. Parameterised primitives (`decimal(10,2)`, `varchar(20)`) stay one type. A type
 * that does not parse is returned as one opaque leaf, so a column always shows.
 */
export function parseType(text) {
  try {
    const parser = new TypeParser(String(text ?? ""));
    const node = parser.type();
    parser.skipSpaces();
    if (parser.position !== parser.text.length) throw new Error("trailing text");
    return node;
  } catch {
    return { type: String(text ?? ""), children: [] };
  }
}

class TypeParser {
  constructor(text) {
    this.text = text;
    this.position = 0;
  }

  skipSpaces() {
    while (/\s/.test(this.text[this.position] ?? "")) this.position += 1;
  }

  expect(character) {
    this.skipSpaces();
    if (this.text[this.position] !== character) throw new Error(`expected ${character}`);
    this.position += 1;
  }

  peek() {
    this.skipSpaces();
    return this.text[this.position];
  }

  word() {
    this.skipSpaces();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.position));
    if (!match) throw new Error("expected a name");
    this.position += match[0].length;
    return match[0];
  }

  // A struct field name: anything up to the `:` (names may hold spaces or dots), or quoted.
  fieldName() {
    this.skipSpaces();
    if (this.text[this.position] === "`") {
      const end = this.text.indexOf("`", this.position + 1);
      if (end < 0) throw new Error("unterminated name");
      const name = this.text.slice(this.position + 1, end);
      this.position = end + 1;
      return name;
    }
    const end = this.text.indexOf(":", this.position);
    if (end < 0) throw new Error("expected :");
    const name = this.text.slice(this.position, end).trim();
    this.position = end;
    return name;
  }

  type() {
    const base = this.word().toLowerCase();
    if (base === "struct") {
      this.expect("<");
      const children = [];
      if (this.peek() !== ">") {
        for (;;) {
          const name = this.fieldName();
          this.expect(":");
          children.push({ name, ...this.type() });
          if (this.peek() === ",") { this.position += 1; continue; }
          break;
        }
      }
      this.expect(">");
      return { type: "struct", children };
    }
    if (base === "array") {
      this.expect("<");
      const element = { name: "element", ...this.type() };
      this.expect(">");
      return { type: "array", children: [element] };
    }
    if (base === "map") {
      this.expect("<");
      const key = { name: "key", ...this.type() };
      this.expect(",");
      const value = { name: "value", ...this.type() };
      this.expect(">");
      return { type: "map", children: [key, value] };
    }
    if (base === "uniontype") {
      this.expect("<");
      const children = [];
      for (;;) {
        children.push({ name: String(children.length), ...this.type() });
        if (this.peek() === ",") { this.position += 1; continue; }
        break;
      }
      this.expect(">");
      return { type: "uniontype", children };
    }
    if (this.peek() === "(") {
      const end = this.text.indexOf(")", this.position);
      if (end < 0) throw new Error("expected )");
      const parameters = this.text.slice(this.position, end + 1).replace(/\s+/g, "");
      this.position = end + 1;
      return { type: base + parameters, children: [] };
    }
    return { type: base, children: [] };
  }
}

/** A tree's type written short: `struct<3 fields>`, `array<string>`, `map<string,int>`. */
export function shortType(node) {
  if (node.type === "struct") return `struct (${node.children.length} field${node.children.length === 1 ? "" : "s"})`;
  if (node.type === "array") return `array<${shortType(node.children[0])}>`;
  if (node.type === "map") return `map<${shortType(node.children[0])},${shortType(node.children[1])}>`;
  if (node.type === "uniontype") return `uniontype (${node.children.length})`;
  return node.type;
}

/**
 * The difference between two column lists, by name (case-insensitive), in the newer list's
 * order with removed columns where they were: rows of
 * `{name, change: "added" | "removed" | "retyped" | "same", before, after}` where `before`
 * and `after` are the type strings (absent on the side without the column).
 */
export function diffColumns(before, after) {
  const key = (column) => column.name.toLowerCase();
  const typeOf = (column) => (column.type ?? "").replace(/\s+/g, "").toLowerCase();
  const old = new Map(before.map((column) => [key(column), column]));
  const current = new Map(after.map((column) => [key(column), column]));
  const rows = [];
  const row = (name, change, was, now) => ({ name, change, before: was?.type, after: now?.type });
  let oldIndex = 0;
  const flushRemovedUntil = (limit) => {
    while (oldIndex < limit) {
      const column = before[oldIndex];
      if (!current.has(key(column))) rows.push(row(column.name, "removed", column, undefined));
      oldIndex += 1;
    }
  };
  for (const column of after) {
    const was = old.get(key(column));
    if (!was) {
      rows.push(row(column.name, "added", undefined, column));
      continue;
    }
    flushRemovedUntil(before.indexOf(was));
    rows.push(row(column.name, typeOf(was) === typeOf(column) ? "same" : "retyped", was, column));
  }
  flushRemovedUntil(before.length);
  return rows;
}
