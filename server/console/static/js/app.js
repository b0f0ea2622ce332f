// The console's entry point: the key field, the nav (collapsible on narrow screens), and the
// #fragment router — "#page/arg/arg?key=value" shows one page and hands it the args; each page
// module exports init() (once), show(args, params) and hide().

import { getKey, onAuthNeeded, setKey } from "./api.js";
import { $ } from "./dom.js";
import * as datasets from "./datasets.js";
import * as evals from "./evals.js";
import * as finetunes from "./finetunes.js";
import * as health from "./health.js";
import * as playground from "./playground.js";

const PAGES = { playground, datasets, finetunes, evals, health };
let current = null;

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...args] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name: PAGES[name] ? name : "playground", args, params: new URLSearchParams(query) };
}

async function route() {
  const { name, args, params } = parseHash();
  if (current && current !== name) PAGES[current].hide();
  current = name;
  for (const section of document.querySelectorAll("main > section.page")) section.hidden = section.id !== `page-${name}`;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  $("#nav").classList.remove("open");
  $("#nav-toggle").setAttribute("aria-expanded", "false");
  document.title = `${$(`#page-${name} h1`).textContent} · hanlin`;
  const error = $("#error-banner");
  error.hidden = true;
  try {
    await PAGES[name].show(args, params);
  } catch (err) {
    if (err.status !== 401) {
      error.textContent = `Could not load this page: ${err.message}`;
      error.hidden = false;
    }
  }
  document.body.dataset.page = name; // the page has loaded what it shows first
}

function keyField() {
  const input = $("#api-key"), state = $("#key-state");
  input.value = getKey();
  state.textContent = getKey() ? "saved" : "";
  $("#key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    setKey(input.value.trim());
    state.textContent = input.value.trim() ? "saved" : "cleared";
    input.removeAttribute("aria-invalid");
    $("#auth-banner").hidden = true;
    route(); // reload the page's data with the new key
  });
  onAuthNeeded((message) => {
    const banner = $("#auth-banner");
    banner.hidden = false;
    banner.dataset.message = message;
    input.setAttribute("aria-invalid", "true");
    state.textContent = getKey() ? "rejected" : "";
  });
}

function nav() {
  const toggle = $("#nav-toggle"), menu = $("#nav");
  toggle.addEventListener("click", () => {
    const open = !menu.classList.contains("open");
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });
}

keyField();
nav();
Object.values(PAGES).forEach((page) => page.init());
window.addEventListener("hashchange", route);
route();
