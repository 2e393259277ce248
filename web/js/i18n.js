// Every UI string lives in i18n/<lang>.json. Elements remember their key (data-i18n, data-i18n-args,
// data-i18n-attr), so switching the language re-translates the page in place, without a reload.
const STORAGE_KEY = 'zv-lang';
export const LANGUAGES = ['uk', 'en'];
const DEFAULT = 'uk';

let current = DEFAULT;
let bundle = {};
const listeners = [];

export function language() {
  return current;
}

export function storedLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch (e) {
    // storage disabled: fall back to the default
  }
  return LANGUAGES.includes(saved) ? saved : DEFAULT;
}

/** Loads a bundle, remembers the choice and re-translates everything on the page. */
export async function useLanguage(lang) {
  const r = await fetch(`i18n/${lang}.json`, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`i18n/${lang}.json: ${r.status}`);
  bundle = await r.json();
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch (e) {
    // not remembered; still switched for this page
  }
  document.documentElement.lang = lang;
  translate(document);
  listeners.forEach((fn) => fn(lang));
}

export function onLanguageChange(fn) {
  listeners.push(fn);
}

/** The text for a key, with {name} placeholders filled from args. A missing key shows itself. */
export function t(key, args) {
  const s = bundle[key];
  if (s == null) return key;
  return args ? s.replace(/\{(\w+)\}/g, (m, name) => (args[name] == null ? m : String(args[name]))) : s;
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(bundle, key);
}

/** Sets an element's text from a key and keeps the key, so a language switch updates it. */
export function tr(el, key, args) {
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  el.textContent = t(key, args);
  return el;
}

/** Translated attributes: spec "placeholder:key;aria-label:key2". */
export function trAttr(el, spec) {
  el.dataset.i18nAttr = spec;
  applyAttrs(el);
  return el;
}

function applyAttrs(el) {
  for (const pair of el.dataset.i18nAttr.split(';')) {
    const [attr, key] = pair.split(':');
    if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
  }
}

export function translate(root) {
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined);
  });
  root.querySelectorAll('[data-i18n-attr]').forEach(applyAttrs);
}
