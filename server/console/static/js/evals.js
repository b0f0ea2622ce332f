// Evals: the evals and their runs with pass rates and error bars (binomial standard error from
// result_counts), one run's items with their raw outputs and grader verdicts, two runs side by
// side item by item, and benchmark runs (their own stderr when they report one).

import { api, listAll } from "./api.js";
import { binomialStderr, errorBarChart } from "./charts.js";
import { $, clear, fillTable, fmt, h, statusBadge, when } from "./dom.js";

const ACTIVE = ["queued", "in_progress"];
let stopPolling = () => {};
const enc = encodeURIComponent;

export function init() {}

export async function show(args) {
  stopPolling();
  await Promise.all([listEvals(), listBenchmarks()]);
  const [evalId, second, a, b] = args;
  if (!evalId) return;
  let stopped = false;
  stopPolling = () => { stopped = true; };
  // While a run is queued or in progress, its counts (and the items shown) are read again.
  const refresh = async () => {
    if (stopped) return;
    const active = await openEval(evalId);
    if (second === "compare" && a && b) await compare(evalId, a, b);
    else if (second) await items(evalId, second);
    if (active && !stopped) setTimeout(() => refresh().catch(console.warn), 3000);
  };
  await refresh();
}

export function hide() {
  stopPolling();
}

async function listEvals() {
  const evals = await listAll("v1/evals?order=desc", { max: 500 });
  fillTable($("#ev-table"), evals, (e) => h("tr", {},
    h("td", {}, h("a", { href: `#evals/${e.id}` }, e.name), h("div", { class: "muted small id" }, e.id)),
    h("td", { class: "num" }, e.testing_criteria.length)), "No eval yet: create one with the Evals API.");
}

/** {value, stderr} of a run: its pass rate over the items graded so far. */
function score(run) {
  const c = run.result_counts;
  return { value: c.total ? c.passed / c.total : 0, stderr: binomialStderr(c.passed, c.total), total: c.total };
}

function scoreText({ value, stderr, total }) {
  if (!total) return "—";
  return `${(100 * value).toFixed(1)}% ± ${(196 * stderr).toFixed(1)}`;
}

async function openEval(evalId) {
  const [ev, runs] = await Promise.all([api(`v1/evals/${enc(evalId)}`), listAll(`v1/evals/${enc(evalId)}/runs`, { max: 500 })]);
  let view = $("#ev-summary");
  if (!view || view.dataset.eval !== evalId) {
    clear($("#ev-view"),
      h("div", { id: "ev-summary", dataset: { eval: evalId } }),
      h("div", { id: "ev-detail" }));
    view = $("#ev-summary");
  }
  const checked = new Set([...view.querySelectorAll("input.compare:checked")].map((c) => c.value));
  clear(view,
    h("h2", {}, ev.name),
    h("p", { class: "small muted" }, ev.id, " · graders: ", ev.testing_criteria.map((c) => `${c.name} (${c.type})`).join(", ")),
    h("div", { class: "table-wrap" }, h("table", { id: "ev-runs" },
      h("thead", {}, h("tr", {}, ["Compare", "Run", "Model", "Status", "Passed", "Pass rate (95%)"].map((t, i) => h("th", { class: i > 3 ? "num" : null }, t)))),
      h("tbody", {}, runs.length ? runs.map((r) => h("tr", {},
        h("td", {}, h("input", { type: "checkbox", class: "compare", id: `cmp-${r.id}`, value: r.id, checked: checked.has(r.id) }),
          h("label", { for: `cmp-${r.id}`, class: "sr-only" }, `Compare ${r.name}`)),
        h("td", {}, h("a", { href: `#evals/${ev.id}/${r.id}` }, r.name), h("div", { class: "muted small id" }, r.id)),
        h("td", { class: "small" }, r.model || "given samples"),
        h("td", {}, statusBadge(r.status)),
        h("td", { class: "num" }, `${r.result_counts.passed} / ${r.result_counts.total}`),
        h("td", { class: "num" }, scoreText(score(r))))) : h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No run yet."))))),
    h("div", { class: "buttons" }, h("button", { type: "button", id: "ev-compare", onclick: () => {
      const [a, b] = [...view.querySelectorAll("input.compare:checked")].map((c) => c.value);
      if (a && b) location.hash = `#evals/${ev.id}/compare/${a}/${b}`;
    } }, "Compare the two selected runs")),
    h("div", { id: "ev-chart", class: "chart" }));
  const graded = runs.filter((r) => r.result_counts.total);
  if (graded.length) errorBarChart($("#ev-chart"), graded.map((r) => ({ label: r.name, ...score(r) })), { title: `Pass rate of each run of ${ev.name}` });
  return runs.some((r) => ACTIVE.includes(r.status));
}

function outputText(item) {
  const out = item.sample.output.map((m) => m.content).join("\n");
  return item.sample.error ? `${out}\n[error] ${item.sample.error.message}` : out;
}

function verdicts(item) {
  return h("ul", { class: "small" }, item.results.map((r) => h("li", {},
    h("span", { class: `status-${r.passed ? "pass" : "fail"}` }, r.passed ? "pass" : "fail"),
    ` ${r.name}: ${fmt(r.score, 3)}${r.error ? ` (${r.error})` : ""}`)));
}

async function items(evalId, runId) {
  const detail = $("#ev-detail") || $("#ev-view");
  const [run, rows] = await Promise.all([api(`v1/evals/${enc(evalId)}/runs/${enc(runId)}`),
    listAll(`v1/evals/${enc(evalId)}/runs/${enc(runId)}/output_items`, { max: 2000 })]);
  rows.sort((x, y) => x.datasource_item_id - y.datasource_item_id);
  const shown = $("#ev-filter") ? $("#ev-filter").value : "all";
  const filter = h("select", { id: "ev-filter" }, ["all", "pass", "fail", "error"].map((s) => h("option", { value: s }, s)));
  filter.value = shown;
  const table = h("table", { id: "ev-items" },
    h("thead", {}, h("tr", {}, ["#", "Status", "Item", "Raw output", "Graders"].map((t) => h("th", {}, t)))), h("tbody"));
  const fill = () => fillTable(table, rows.filter((r) => filter.value === "all" || r.status === filter.value), (r) => h("tr", {},
    h("td", { class: "num" }, r.datasource_item_id), h("td", {}, statusBadge(r.status)),
    h("td", {}, h("pre", {}, JSON.stringify(r.datasource_item, null, 1))),
    h("td", {}, h("pre", { class: "output" }, outputText(r))), h("td", {}, verdicts(r))), "No item.");
  filter.addEventListener("change", fill);
  clear(detail,
    h("h3", {}, `Run ${run.name} · `, statusBadge(run.status)),
    h("p", { class: "small muted" }, `${run.id} · ${run.model || "given samples"} · ${when(run.created_at)} · ${scoreText(score(run))}`),
    run.error ? h("p", { class: "error-text" }, run.error.message) : null,
    h("label", { for: "ev-filter" }, "Show items"), filter,
    h("div", { class: "table-wrap" }, table));
  fill();
}

async function compare(evalId, a, b) {
  const detail = $("#ev-detail") || $("#ev-view");
  const load = (id) => Promise.all([api(`v1/evals/${enc(evalId)}/runs/${enc(id)}`),
    listAll(`v1/evals/${enc(evalId)}/runs/${enc(id)}/output_items`, { max: 2000 })]);
  const [[runA, itemsA], [runB, itemsB]] = await Promise.all([load(a), load(b)]);
  const byIndex = (list) => new Map(list.map((i) => [i.datasource_item_id, i]));
  const mapA = byIndex(itemsA), mapB = byIndex(itemsB);
  const indices = [...new Set([...mapA.keys(), ...mapB.keys()])].sort((x, y) => x - y);
  const onlyA = indices.filter((i) => mapA.get(i)?.status === "pass" && mapB.get(i)?.status !== "pass").length;
  const onlyB = indices.filter((i) => mapB.get(i)?.status === "pass" && mapA.get(i)?.status !== "pass").length;
  const cell = (item) => item ? [h("td", {}, statusBadge(item.status)), h("td", {}, h("pre", { class: "output" }, outputText(item)))]
    : [h("td", { class: "muted" }, "—"), h("td", {})];
  clear(detail,
    h("h3", {}, `${runA.name} vs ${runB.name}`),
    h("div", { id: "ev-compare-chart", class: "chart" }),
    h("p", {}, `${onlyA} item(s) pass only in ${runA.name}; ${onlyB} only in ${runB.name}.`),
    h("div", { class: "table-wrap" }, h("table", { id: "ev-compare-table" },
      h("thead", {}, h("tr", {}, ["#", "Item", `${runA.name}`, "Output", `${runB.name}`, "Output"].map((t) => h("th", {}, t)))),
      h("tbody", {}, indices.map((i) => {
        const x = mapA.get(i), y = mapB.get(i);
        return h("tr", { class: x?.status !== y?.status ? "differs" : null },
          h("td", { class: "num" }, i), h("td", {}, h("pre", {}, JSON.stringify((x || y).datasource_item, null, 1))), cell(x), cell(y));
      })))));
  errorBarChart($("#ev-compare-chart"), [runA, runB].map((r) => ({ label: r.name, ...score(r) })), { title: "Pass rates side by side" });
}

async function listBenchmarks() {
  const runs = await listAll("v1/benchmarks/runs?order=desc", { max: 200 });
  const headline = (r) => {
    const m = r.metrics && r.metrics[0];
    if (m) return { label: `${r.task} · ${r.model}`, value: m.value, stderr: m.stderr ?? binomialStderr(r.result_counts.passed, r.result_counts.total), total: m.n, metric: m.name };
    return { label: `${r.task} · ${r.model}`, ...score(r), metric: "pass rate" };
  };
  fillTable($("#bm-table"), runs, (r) => {
    const s = headline(r);
    return h("tr", {}, h("td", {}, r.task), h("td", { class: "small" }, r.model), h("td", {}, statusBadge(r.status)),
      h("td", { class: "num" }, s.total ? `${s.metric} ${(100 * s.value).toFixed(1)}%${s.stderr !== null ? ` ± ${(196 * s.stderr).toFixed(1)}` : ""}` : "—"));
  }, "No benchmark run yet.");
  const shown = runs.map(headline).filter((s) => s.total && s.value >= 0 && s.value <= 1);
  if (shown.length) errorBarChart($("#bm-chart"), shown, { title: "Benchmark scores" });
  else clear($("#bm-chart"));
}
