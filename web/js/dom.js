// Building the page from data. Text is only ever set as text (textContent / text nodes): nothing that
// came from the API, or from a person, goes through innerHTML, so a note with <script> stays a note.
import { tr, trAttr } from './i18n.js';

/**
 * el('button', {type: 'button', class: 'x', onclick: fn, i18n: <key>, i18nArgs: {...}}, child, 'text', ...)
 * Attributes: class, text, i18n (+ i18nArgs), i18nAttr ("attr:key;attr2:key2"), dataset, on<event>;
 * false/null values are left out; true sets a bare attribute.
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else if (k === 'i18n') tr(e, v, attrs.i18nArgs);
    else if (k === 'i18nArgs') continue;
    else if (k === 'i18nAttr') trAttr(e, v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v === 'boolean') e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

/** Appends nodes and strings (as text nodes), skipping null/undefined, flattening arrays. */
export function append(parent, children) {
  for (const c of [children].flat(Infinity)) {
    if (c == null || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

/** Empties an element that may have held a translated message (so a language switch leaves it empty). */
export function blank(node) {
  delete node.dataset.i18n;
  delete node.dataset.i18nArgs;
  node.textContent = '';
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** Says something to screen readers (the polite live region in index.html). */
export function announce(text) {
  const a = document.getElementById('announcer');
  a.textContent = '';
  // a fresh text node is announced even when the text repeats
  requestAnimationFrame(() => { a.textContent = text; });
}
