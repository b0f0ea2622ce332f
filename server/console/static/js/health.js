// Server health: /metrics (Prometheus text) read every few seconds while the page is open — KV
// blocks used and free, requests running and waiting, and throughput as the generated-tokens
// counter's increase over the polling interval; plus the jobs by kind and status.

import { request } from "./api.js";
import { lineChart } from "./charts.js";
import { $, clear, fillTable, fmt, h, poller } from "./dom.js";

const INTERVAL_MS = 2000;
const WINDOW = 150; // points kept on the charts (5 minutes at 2 s)
let stopPolling = () => {};
let charts = null;
const history = { t: [], throughput: [], running: [], waiting: [] };
let previous = null; // {t, generated} of the last sample

/** Prometheus text format -> [{name, labels, value}] (comments and blank lines skipped). */
export function parseMetrics(text) {
  const samples = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const raw of text.split("\n")) {
    if (!raw || raw.startsWith("#")) continue;
    const m = line.exec(raw);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[2] || "").matchAll(label)) labels[k] = v.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

function pick(samples, name, labels = {}) {
  const hit = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit ? hit.value : null;
}

export function init() {
  $("#hl-interval").textContent = String(INTERVAL_MS / 1000);
}

export function show() {
  stopPolling();
  previous = null; // throughput is measured between this visit's samples only
  if (!charts) {
    charts = {
      throughput: lineChart($("#hl-throughput"), { series: [{ label: "tokens/s" }], xLabel: "time", time: true, height: 200 }),
      queue: lineChart($("#hl-queue"), { series: [{ label: "running" }, { label: "waiting", color: "#d9480f" }], xLabel: "time", time: true, height: 200 }),
    };
  }
  stopPolling = poller(sample, INTERVAL_MS);
}

export function hide() {
  stopPolling();
}

async function sample() {
  const [text, health] = await Promise.all([
    (await request("metrics")).text(),
    request("health").then((r) => r.json()).catch(() => ({})), // details need the admin key, as /metrics does
  ]);
  const samples = parseMetrics(text);
  const now = Date.now() / 1000;
  const generated = pick(samples, "hanlin_engine_generated_tokens_total") ?? pick(samples, "hanlin_engine_generated_tokens");
  const running = pick(samples, "hanlin_requests_running"), waiting = pick(samples, "hanlin_requests_waiting");
  let throughput = null;
  if (previous && generated !== null && now > previous.t) throughput = Math.max(0, (generated - previous.generated) / (now - previous.t));
  previous = { t: now, generated };
  if (throughput !== null) {
    history.t.push(now); history.throughput.push(throughput); history.running.push(running); history.waiting.push(waiting);
    for (const series of Object.values(history)) if (series.length > WINDOW) series.shift();
    charts.throughput.set(history.t, [history.throughput]);
    charts.queue.set(history.t, [history.running, history.waiting]);
  }
  cards(samples, health, { running, waiting, throughput });
  jobs(samples);
}

function cards(samples, health, { running, waiting, throughput }) {
  const used = pick(samples, "hanlin_kv_blocks", { state: "used" }), free = pick(samples, "hanlin_kv_blocks", { state: "free" });
  const capacity = (used ?? 0) + (free ?? 0);
  const share = capacity ? used / capacity : 0;
  const card = (id, value, label, extra) => h("div", { class: "card", id }, h("div", { class: "value" }, value), h("div", { class: "label" }, label), extra);
  const hitRate = pick(samples, "hanlin_prefix_cache_hit_rate");
  clear($("#hl-cards"),
    card("hl-model", h("span", { class: "small" }, health.model || "—"), "model"),
    card("hl-kv", `${(100 * share).toFixed(1)}%`, `KV blocks used: ${fmt(used)} of ${fmt(capacity)} (${fmt(free)} free)`,
      h("div", { class: "meter", role: "meter", "aria-label": "KV cache used", "aria-valuemin": 0, "aria-valuemax": capacity, "aria-valuenow": used ?? 0 },
        h("div", { style: `width:${(100 * share).toFixed(1)}%` }))),
    card("hl-running", fmt(running), "requests running"),
    card("hl-waiting", fmt(waiting), "requests waiting"),
    card("hl-throughput-now", throughput === null ? "…" : throughput.toFixed(1), "generated tokens/s"),
    card("hl-hit-rate", hitRate === null ? "—" : `${(100 * hitRate).toFixed(1)}%`, "prefix-cache hit rate"),
    card("hl-preemptions", fmt(pick(samples, "hanlin_engine_preemptions_total") ?? pick(samples, "hanlin_engine_preemptions")), "preemptions"));
}

function jobs(samples) {
  const rows = samples.filter((s) => s.name === "hanlin_jobs" && s.value > 0);
  fillTable($("#hl-jobs"), rows, (s) => h("tr", {}, h("td", {}, s.labels.kind), h("td", {}, s.labels.status), h("td", { class: "num" }, fmt(s.value))), "No job.");
}
