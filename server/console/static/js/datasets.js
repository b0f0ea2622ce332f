// Datasets: upload a JSONL file with progress (POST /v1/files), clean it (POST /v1/datasets) and
// follow the run; the report is drawn as removals per step and reason, with the examples the
// pipeline kept for each reason and downloads of the cleaned and rejected files.

import { api, download, listAll, upload } from "./api.js";
import { barChart } from "./charts.js";
import { $, clear, fillTable, fmt, h, poller, statusBadge, when } from "./dom.js";

const FINAL = ["succeeded", "failed"];
let stopPolling = () => {};

export function init() {
  $("#ds-form").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
}

export async function show([datasetId]) {
  stopPolling();
  await refreshList();
  if (datasetId) follow(datasetId);
}

export function hide() {
  stopPolling();
}

async function refreshList() {
  const datasets = await listAll("v1/datasets", { max: 200 });
  datasets.sort((a, b) => b.created_at - a.created_at);
  fillTable($("#ds-table"), datasets, (d) => h("tr", {},
    h("td", {}, h("a", { href: `#datasets/${d.id}`, class: "id" }, d.id), h("div", { class: "muted small" }, d.pipeline, " · ", when(d.created_at))),
    h("td", {}, statusBadge(d.status)),
    h("td", { class: "num" }, d.report ? fmt(d.report.kept) : ""),
    h("td", { class: "num" }, d.report ? fmt(d.report.rejected) : "")), "No dataset yet.");
}

async function submit() {
  const file = $("#ds-file").files[0];
  const status = $("#ds-status"), button = $("#ds-submit"), progress = $("#ds-progress");
  if (!file) return;
  button.disabled = true;
  progress.value = 0;
  let events = 0;
  try {
    const form = new FormData();
    form.append("purpose", $("#ds-purpose").value);
    form.append("file", file, file.name);
    status.textContent = `Uploading ${file.name}…`;
    const uploaded = await upload("v1/files", form, (loaded, total) => {
      progress.value = total ? loaded / total : 0;
      progress.dataset.events = String(++events); // how many progress events the upload fired
      status.textContent = `Uploading ${file.name}: ${fmt(loaded)} of ${fmt(total || file.size)} bytes`;
    });
    progress.value = 1;
    status.textContent = `Uploaded ${uploaded.filename} as ${uploaded.id}; cleaning…`;
    const dataset = await api("v1/datasets", { method: "POST", body: { file_id: uploaded.id, pipeline: $("#ds-pipeline").value } });
    status.textContent = `Dataset ${dataset.id} created.`;
    location.hash = `#datasets/${dataset.id}`;
  } catch (err) {
    status.textContent = `Failed: ${err.message}`;
    status.classList.add("error-text");
  } finally {
    button.disabled = false;
  }
}

function follow(datasetId) {
  let finished = false;
  stopPolling = poller(async () => {
    if (finished) return;
    const dataset = await api(`v1/datasets/${encodeURIComponent(datasetId)}`);
    render(dataset);
    if (FINAL.includes(dataset.status)) {
      finished = true;
      stopPolling();
      await refreshList();
    }
  }, 700);
}

function render(d) {
  const view = $("#ds-view");
  const parts = [
    h("h2", {}, `Dataset ${d.id}`),
    h("p", {}, statusBadge(d.status), ` · pipeline ${d.pipeline} · input `, h("code", {}, d.input_file_id), ` · ${when(d.created_at)}`),
  ];
  if (!FINAL.includes(d.status)) {
    parts.push(h("label", { for: "ds-clean-progress" }, "Cleaning progress"),
      h("progress", { id: "ds-clean-progress", max: 1, value: d.progress }));
  }
  if (d.error) parts.push(h("p", { class: "error-text" }, `${d.error.code}: ${d.error.message}`));
  if (d.report) parts.push(...report(d));
  clear(view, parts);
  const rows = removals(d.report);
  if (d.report) {
    const chart = $("#ds-chart", view);
    if (rows.length) barChart(chart, rows, { title: "Documents removed per step and reason" });
    else clear(chart, h("p", { class: "muted" }, "Cleaning removed nothing."));
  }
}

function removals(r) {
  if (!r) return [];
  return r.steps.flatMap((step) => Object.entries(step.reasons || {})
    .map(([reason, info]) => ({ group: step.name, label: `${step.name} › ${reason}`, value: info.count })));
}

function report(d) {
  const r = d.report;
  const card = (value, label) => h("div", { class: "card" }, h("div", { class: "value" }, fmt(value)), h("div", { class: "label" }, label));
  const downloads = h("div", { class: "buttons" },
    d.cleaned_file_id && h("button", { type: "button", onclick: () => download(d.cleaned_file_id, `${d.id}.cleaned.jsonl`) }, `Download cleaned (${r.kept})`),
    d.rejected_file_id && h("button", { type: "button", onclick: () => download(d.rejected_file_id, `${d.id}.rejected.jsonl`) }, `Download rejected (${r.rejected})`),
    d.cleaned_file_id && h("a", { href: `#finetunes?file=${encodeURIComponent(d.cleaned_file_id)}` }, "Fine-tune on the cleaned file"));
  return [
    h("div", { class: "cards" }, card(r.lines, "lines in"), card(r.kept, "kept"), card(r.rejected, "rejected"),
      card(r.blank_lines, "blank lines"), card(Number(r.seconds.toFixed(2)), "seconds")),
    downloads,
    h("h3", {}, "Removed, per step and reason"),
    h("div", { id: "ds-chart", class: "chart" }),
    h("h3", {}, "Steps"),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Step", "Kind", "In", "Kept", "Removed", "Rewritten"].map((t, i) => h("th", { class: i > 1 ? "num" : null }, t)))),
      h("tbody", {}, r.steps.map((s) => h("tr", {},
        h("td", {}, s.name), h("td", {}, s.kind), h("td", { class: "num" }, fmt(s.docs_in)), h("td", { class: "num" }, fmt(s.kept)),
        h("td", { class: "num" }, fmt(s.removed)),
        h("td", { class: "num" }, s.changed ? `${s.changed} (${Object.entries(s.changes).map(([k, v]) => `${k} ${v}`).join(", ")})` : "0")))))),
    h("h3", {}, "Examples per reason"),
    examples(r),
  ];
}

function examples(r) {
  const items = r.steps.flatMap((step) => Object.entries(step.reasons || {}).map(([reason, info]) =>
    h("details", { class: "reason", open: true, dataset: { step: step.name, reason } },
      h("summary", {}, `${step.name} › ${reason} (${info.count})`),
      h("ul", { class: "examples" }, info.examples.map((ex) => h("li", {},
        h("span", { class: "muted" }, `line ${ex.line}: `), h("code", {}, ex.snippet),
        ex.detail ? h("div", { class: "small muted" }, ex.detail) : null))))));
  return items.length ? h("div", {}, items) : h("p", { class: "muted" }, "No example: nothing was removed.");
}
