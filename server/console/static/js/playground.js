// Playground: chat with any served model (the base and every `ft:` one). Streams the answer over
// SSE with TTFT and tokens/s, Stop aborts the request (the server then aborts the generation),
// JSON-schema mode sends `response_format`, Export shows the same request as curl and Python.

import { api, request, url } from "./api.js";
import { $, clear, fmt, h, numberOrUndefined } from "./dom.js";
import { curlCode, pythonCode } from "./export.js";
import { readEvents } from "./sse.js";

const conversation = []; // {role, content} turns sent with the next request
let controller = null; // the AbortController of the stream in flight
let wantedModel = null; // "open in playground" asked for this model

const el = (id) => $(`#pg-${id}`);

export function init() {
  el("form").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  el("input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); el("form").requestSubmit(); }
  });
  el("stop").addEventListener("click", stop);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && controller) stop(); });
  el("clear").addEventListener("click", () => { conversation.length = 0; clear(el("log")); clear(el("stats")); refreshExport(); });
  el("json-mode").addEventListener("change", () => { el("schema-box").hidden = !el("json-mode").checked; refreshExport(); });
  el("export").addEventListener("click", () => {
    const open = el("export-panel").hidden;
    el("export-panel").hidden = !open;
    el("export").setAttribute("aria-expanded", String(open));
    refreshExport();
  });
  $("#pg-settings").addEventListener("input", refreshExport);
  $("#pg-settings").addEventListener("submit", (e) => e.preventDefault());
  el("input").addEventListener("input", refreshExport);
}

export async function show(_args, params) {
  if (params.get("model")) wantedModel = params.get("model");
  await loadModels();
}

export function hide() {}

async function loadModels() {
  const select = el("model");
  const current = wantedModel || select.value;
  const models = (await api("v1/models")).data;
  const base = models.filter((m) => !m.parent), tuned = models.filter((m) => m.parent);
  const option = (m) => h("option", { value: m.id }, m.id);
  clear(select,
    h("optgroup", { label: "Base" }, base.map(option)),
    tuned.length ? h("optgroup", { label: "Fine-tuned" }, tuned.map(option)) : null);
  if (current && !models.some((m) => m.id === current)) select.append(h("option", { value: current }, current));
  if (current) select.value = current;
  wantedModel = null;
  refreshExport();
}

/** The request body for the conversation so far, plus `pending` (the unsent message). */
function body(pending) {
  const messages = [];
  const system = el("system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  messages.push(...conversation);
  if (pending) messages.push({ role: "user", content: pending });
  const out = {
    model: el("model").value,
    messages,
    temperature: numberOrUndefined(el("temperature")),
    top_p: numberOrUndefined(el("top-p")),
    max_tokens: numberOrUndefined(el("max-tokens")),
    seed: numberOrUndefined(el("seed")),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (el("json-mode").checked) {
    out.response_format = { type: "json_schema", json_schema: { name: "answer", schema: JSON.parse(el("schema").value), strict: true } };
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function refreshExport() {
  if (el("export-panel").hidden) return;
  const base = url("v1").replace(/\/$/, "");
  try {
    const b = body(el("input").value.trim());
    el("curl").textContent = curlCode(base, b);
    el("python").textContent = pythonCode(base, b);
  } catch (err) {
    el("curl").textContent = el("python").textContent = `The JSON schema does not parse: ${err.message}`;
  }
}

function bubble(role, text = "") {
  const content = h("div", { class: "content" }, text);
  const note = h("div", { class: "note" });
  const li = h("li", { class: `msg msg-${role}` }, h("div", { class: "role" }, role), content, note);
  el("log").append(li);
  li.scrollIntoView({ block: "end" });
  return { li, content, note };
}

function setBusy(busy) {
  el("send").disabled = busy;
  el("stop").disabled = !busy;
  el("log").setAttribute("aria-busy", String(busy));
  el("form").dataset.state = busy ? "streaming" : "ready";
}

async function send() {
  const text = el("input").value.trim();
  if (!text || controller) return;
  let payload;
  try { payload = body(text); } catch (err) {
    el("stats").textContent = `The JSON schema does not parse: ${err.message}`;
    return;
  }
  conversation.push({ role: "user", content: text });
  bubble("user", text);
  el("input").value = "";
  const answer = bubble("assistant");
  controller = new AbortController();
  setBusy(true);
  el("stats").textContent = "Waiting for the first token…";
  const t0 = performance.now();
  let tFirst = null, chunks = 0, usage = null;
  try {
    const response = await request("v1/chat/completions", { method: "POST", body: payload, signal: controller.signal });
    for await (const frame of readEvents(response)) {
      if (frame.data === "[DONE]") break;
      const chunk = JSON.parse(frame.data);
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.usage) usage = chunk.usage;
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && delta.content) {
        if (tFirst === null) tFirst = performance.now();
        chunks += 1;
        answer.content.textContent += delta.content;
        answer.li.scrollIntoView({ block: "end" });
        stats(t0, tFirst, chunks, false);
      }
      const finish = chunk.choices && chunk.choices[0] && chunk.choices[0].finish_reason;
      if (finish) answer.note.textContent = finish === "stop" ? "" : `finish_reason: ${finish}`;
    }
    stats(t0, tFirst, usage ? usage.completion_tokens : chunks, true);
  } catch (err) {
    if (err.name === "AbortError") {
      answer.note.textContent = "Stopped.";
      stats(t0, tFirst, chunks, false, "stopped");
    } else {
      answer.note.textContent = `Error: ${err.message}`;
      answer.note.classList.add("error-text");
      el("stats").textContent = "";
      if (!answer.content.textContent) { conversation.pop(); el("input").value = text; } // unsent
    }
  } finally {
    const said = answer.content.textContent;
    if (said) conversation.push({ role: "assistant", content: said });
    controller = null;
    setBusy(false);
    refreshExport();
    el("input").focus();
  }
}

/** TTFT, and decode speed: tokens after the first over the time since the first. */
function stats(t0, tFirst, tokens, final, note = "") {
  const now = performance.now();
  const parts = [];
  if (tFirst !== null) parts.push(`TTFT ${fmt((tFirst - t0) / 1000, 3)} s`);
  parts.push(`${final ? "" : "≈"}${tokens} tokens`);
  if (tFirst !== null && tokens > 1 && now > tFirst) parts.push(`${((tokens - 1) / ((now - tFirst) / 1000)).toFixed(1)} tokens/s`);
  if (note) parts.push(note);
  el("stats").textContent = parts.join(" · ");
  el("stats").dataset.ttft = tFirst === null ? "" : String((tFirst - t0) / 1000);
}

function stop() {
  if (controller) controller.abort();
}
