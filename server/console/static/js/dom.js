// Small DOM helpers shared by the pages: build elements, fill tables, format numbers and times.
// Text always goes in as text (never innerHTML): the API's strings are data, not markup.

/** h("td", {class: "num"}, "3") -> <td class="num">3</td>; children may be strings or nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function clear(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
  return el;
}

/** Replace a table's body with one row per item, made by `row(item)` (a <tr>). */
export function fillTable(table, items, row, empty = "Nothing yet.") {
  const body = table.tBodies[0];
  const columns = table.tHead ? table.tHead.rows[0].cells.length : 1;
  if (!items.length) {
    clear(body, h("tr", {}, h("td", { colspan: columns, class: "muted" }, empty)));
    return;
  }
  clear(body, items.map(row));
}

export function statusBadge(status) {
  return h("span", { class: `status status-${status}` }, status);
}

export function when(seconds) {
  if (!seconds) return "";
  return new Date(seconds * 1000).toLocaleString();
}

export function fmt(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (Number.isInteger(value)) return value.toLocaleString();
  return Number(value).toPrecision(digits);
}

/** "" -> undefined, else the number (for optional numeric fields). */
export function numberOrUndefined(input) {
  const text = input.value.trim();
  return text === "" ? undefined : Number(text);
}

/** Show an error in the page's banner (a 401 has its own: the key prompt). */
export function showError(err) {
  if (err.status === 401) return;
  const banner = document.querySelector("#error-banner");
  banner.textContent = err.message;
  banner.hidden = false;
}

/** Repeat `fn` every `ms` until stopped; a run never overlaps the previous one. A refusal
    (4xx: no such object, no key) stops it; a failed connection is tried again. */
export function poller(fn, ms) {
  let timer = null, stopped = false;
  const tick = async () => {
    try { await fn(); } catch (err) {
      if (err.status >= 400 && err.status < 500) { stopped = true; showError(err); }
      else console.warn(err);
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}
