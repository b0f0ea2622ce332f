// Fine-tunes: create a job from a training file (a dataset's cleaned file) with the main
// hyperparameters; follow a job's events, its loss and learning-rate curves (the step metrics of
// its `metrics` events) and checkpoints; open the fine-tuned model in the playground.

import { api, listAll } from "./api.js";
import { lineChart } from "./charts.js";
import { $, clear, fillTable, fmt, h, numberOrUndefined, poller, statusBadge, when } from "./dom.js";

const ACTIVE = ["validating_files", "queued", "running"];
let stopPolling = () => {};
let charts = [];

export function init() {
  $("#ft-form").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
}

export async function show([jobId], params) {
  stopPolling();
  await Promise.all([loadForm(params.get("file")), refreshList()]);
  if (jobId) openJob(jobId);
}

export function hide() {
  stopPolling();
}

async function loadForm(wantedFile) {
  const [files, models] = await Promise.all([listAll("v1/files?purpose=fine-tune", { max: 500 }), api("v1/models")]);
  const fileSelect = $("#ft-file"), modelSelect = $("#ft-model");
  const keepFile = wantedFile || fileSelect.value, keepModel = modelSelect.value;
  clear(fileSelect, files.map((f) => h("option", { value: f.id }, `${f.filename} (${f.id})`)));
  clear(modelSelect, models.data.filter((m) => !m.parent).map((m) => h("option", { value: m.id }, m.id)));
  if (keepFile) fileSelect.value = keepFile;
  if (keepModel) modelSelect.value = keepModel;
}

async function refreshList() {
  const jobs = await listAll("v1/fine_tuning/jobs", { max: 200 });
  fillTable($("#ft-table"), jobs, (j) => h("tr", {},
    h("td", {}, h("a", { href: `#finetunes/${j.id}`, class: "id" }, j.id),
      h("div", { class: "muted small" }, j.user_provided_suffix || j.model, " · ", when(j.created_at))),
    h("td", {}, statusBadge(j.status))), "No job yet.");
}

function request() {
  const hyper = {
    n_epochs: numberOrUndefined($("#ft-epochs")),
    batch_size: numberOrUndefined($("#ft-batch")),
    learning_rate_multiplier: numberOrUndefined($("#ft-lr")),
  };
  const hanlin = {
    lora_rank: numberOrUndefined($("#ft-rank")),
    max_steps: numberOrUndefined($("#ft-max-steps")),
    seq_len: numberOrUndefined($("#ft-seq-len")),
  };
  const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const body = {
    model: $("#ft-model").value,
    training_file: $("#ft-file").value,
    method: { type: "supervised", supervised: { hyperparameters: defined(hyper) } },
    hanlin: defined(hanlin),
  };
  const suffix = $("#ft-suffix").value.trim();
  if (suffix) body.suffix = suffix;
  return body;
}

async function submit() {
  const status = $("#ft-status"), button = $("#ft-submit");
  button.disabled = true;
  status.classList.remove("error-text");
  try {
    const job = await api("v1/fine_tuning/jobs", { method: "POST", body: request() });
    status.textContent = `Created ${job.id}.`;
    location.hash = `#finetunes/${job.id}`;
  } catch (err) {
    status.textContent = `Refused: ${err.message}`;
    status.classList.add("error-text");
  } finally {
    button.disabled = false;
  }
}

function openJob(jobId) {
  charts.forEach((c) => c.destroy());
  const view = $("#ft-view");
  clear(view,
    h("h2", {}, `Job ${jobId}`),
    h("div", { id: "ft-summary" }),
    h("div", { class: "grid-2" },
      h("div", {}, h("div", { class: "chart-title" }, "Training loss"), h("div", { id: "ft-loss", class: "chart" })),
      h("div", {}, h("div", { class: "chart-title" }, "Learning rate"), h("div", { id: "ft-lr-chart", class: "chart" }))),
    h("h3", {}, "Checkpoints"),
    h("div", { class: "table-wrap" }, h("table", { id: "ft-checkpoints" },
      h("thead", {}, h("tr", {}, h("th", { class: "num" }, "Step"), h("th", { class: "num" }, "Loss"), h("th", {}, "Model"), h("th", {}, ""))),
      h("tbody"))),
    h("h3", {}, "Events"),
    h("ol", { id: "ft-events", class: "events", reversed: true }));
  const loss = lineChart($("#ft-loss", view), { series: [{ label: "train loss" }] });
  const lr = lineChart($("#ft-lr-chart", view), { series: [{ label: "learning rate", color: "#d9480f" }] });
  charts = [loss, lr];
  const events = new Map();
  let loaded = false, done = false;
  stopPolling = poller(async () => {
    if (done) return;
    const base = `v1/fine_tuning/jobs/${encodeURIComponent(jobId)}`;
    const job = await api(base);
    // The whole history once, then the newest page each time: events are listed newest first.
    const fresh = loaded ? (await api(`${base}/events?limit=100`)).data : await listAll(`${base}/events`, { max: 5000 });
    loaded = true;
    fresh.forEach((e) => events.set(e.id, e));
    const checkpoints = (await api(`${base}/checkpoints?limit=100`)).data;
    render(job, [...events.values()], checkpoints, loss, lr);
    if (!ACTIVE.includes(job.status)) {
      done = true;
      stopPolling();
      await refreshList();
    }
  }, 1500);
}

function render(job, events, checkpoints, loss, lr) {
  const step = job.hanlin.step, total = job.hanlin.total_steps;
  const open = (model, text) => h("a", { href: `#playground?model=${encodeURIComponent(model)}` }, text);
  clear($("#ft-summary"),
    h("p", {}, statusBadge(job.status), ` · ${job.model}`, job.fine_tuned_model ? [" → ", h("code", {}, job.fine_tuned_model)] : ""),
    total ? [h("label", { for: "ft-progress" }, `Step ${step || 0} of ${total}`), h("progress", { id: "ft-progress", max: total, value: step || 0 })] : null,
    h("p", { class: "small muted" },
      `created ${when(job.created_at)}`, job.finished_at ? ` · finished ${when(job.finished_at)}` : "",
      ` · trained tokens ${fmt(job.trained_tokens)} · epochs ${job.hyperparameters.n_epochs}, batch ${job.hyperparameters.batch_size}, `,
      `LR multiplier ${job.hyperparameters.learning_rate_multiplier}, LoRA rank ${job.hanlin.options ? job.hanlin.options.lora_rank : "?"}`),
    job.error ? h("p", { class: "error-text" }, `${job.error.code}: ${job.error.message}`) : null,
    h("div", { class: "buttons" },
      job.fine_tuned_model ? h("a", { href: `#playground?model=${encodeURIComponent(job.fine_tuned_model)}`, class: "open-playground" }, "Open in playground") : null,
      ACTIVE.includes(job.status) ? h("button", { type: "button", onclick: () => cancel(job.id) }, "Cancel job") : null));

  const metrics = events.filter((e) => e.type === "metrics" && e.data).map((e) => e.data)
    .sort((a, b) => a.step - b.step);
  const steps = metrics.map((m) => m.step);
  loss.set(steps, [metrics.map((m) => m.train_loss)]);
  lr.set(steps, [metrics.map((m) => m.lr ?? null)]);

  fillTable($("#ft-checkpoints"), checkpoints, (c) => h("tr", {},
    h("td", { class: "num" }, c.step_number), h("td", { class: "num" }, fmt(c.metrics.train_loss, 4)),
    h("td", { class: "small" }, h("code", {}, c.fine_tuned_model_checkpoint)),
    h("td", {}, open(c.fine_tuned_model_checkpoint, "Open in playground"))), "No checkpoint yet.");

  const seq = (e) => Number((e.id.match(/(\d+)$/) || [0, 0])[1]); // event ids end in a sequence
  const sorted = events.sort((a, b) => seq(b) - seq(a));
  clear($("#ft-events"), sorted.map((e) => h("li", { class: `level-${e.level}` },
    h("span", { class: "muted small" }, new Date(e.created_at * 1000).toLocaleTimeString(), " "), e.message)));
}

async function cancel(jobId) {
  try { await api(`v1/fine_tuning/jobs/${encodeURIComponent(jobId)}/cancel`, { method: "POST" }); } catch (err) {
    $("#ft-status").textContent = `Cancel refused: ${err.message}`;
  }
}
