// The session list: filters (kept in the URL: #/?room=…&status=…), sorting, and "load more" pages.
import { api } from '../api.js';
import { el, clear } from '../dom.js';
import { tr } from '../i18n.js';
import { errorKey, errorArgs } from '../format.js';
import { sessionCard, STATUSES } from '../cards.js';
import { seesEverything } from '../user.js';

const FILTERS = ['from', 'to', 'operator', 'room', 'status', 'flag', 'q', 'sort', 'order'];
const PAGE = 25;

/** The list's address with its filters, for the session page's way back. */
export let listHash = '#/';

function field(id, labelKey, control) {
  return el('div', { class: 'field' }, el('label', { for: id, i18n: labelKey }), control);
}

function select(id, name, options, value) {
  return el('select', { id, name },
    options.map(([v, key]) => el('option', { value: v, selected: v === value, i18n: key })));
}

function filterForm(query) {
  const v = (k) => query.get(k) || '';
  const input = (name, type, extra = {}) => el('input', { id: `filter-${name}`, name, type, value: v(name), ...extra });
  const form = el('form', { id: 'filters', class: 'filters', role: 'search' },
    field('filter-q', 'filter.q', input('q', 'search', { maxlength: 200 })),
    field('filter-from', 'filter.from', input('from', 'date')),
    field('filter-to', 'filter.to', input('to', 'date')),
    seesEverything() ? field('filter-operator', 'filter.operator', input('operator', 'text', { autocomplete: 'off' })) : null,
    field('filter-room', 'filter.room', input('room', 'text', { autocomplete: 'off' })),
    field('filter-status', 'filter.status', select('filter-status', 'status',
      [['', 'filter.any'], ...STATUSES.map((s) => [s, `status.${s}`])], v('status'))),
    field('filter-flag', 'filter.flag', select('filter-flag', 'flag',
      [['', 'filter.any'], ['sensitive', 'flag.sensitive.short'], ['needs_review', 'flag.needs_review.short']], v('flag'))),
    field('filter-sort', 'filter.sort', select('filter-sort', 'sort',
      [['started', 'sort.started'], ['duration', 'sort.duration'], ['room', 'sort.room']], v('sort') || 'started')),
    field('filter-order', 'filter.order', select('filter-order', 'order',
      [['desc', 'order.desc'], ['asc', 'order.asc']], v('order') || 'desc')),
    el('div', { class: 'filter-buttons' },
      el('button', { type: 'submit', class: 'primary', id: 'filter-apply', i18n: 'filter.apply' }),
      el('button', { type: 'button', id: 'filter-clear', i18n: 'filter.clear', onclick: () => { location.hash = '#/'; } })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const name of FILTERS) {
      const c = form.elements[name];
      if (c && c.value.trim() && !(name === 'sort' && c.value === 'started') && !(name === 'order' && c.value === 'desc')) {
        q.set(name, c.value.trim());
      }
    }
    const next = `#/${q.toString() ? `?${q}` : ''}`;
    if (location.hash === next) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = next;
  });
  const active = FILTERS.some((k) => query.get(k));
  return el('details', { class: 'filter-box', open: active || window.matchMedia('(min-width: 48rem)').matches },
    el('summary', { i18n: 'filter.title' }), form);
}

/**
 * A list that loads page after page (keyset cursor `next`) from `path` with the given query;
 * `actions(card)` may return buttons for each card. Returns the element holding it.
 */
export function pagedList({ path, query, emptyKey, actions }) {
  const list = el('ul', { class: 'cards', id: 'session-list' });
  const status = el('p', { class: 'list-status', id: 'list-status', role: 'status' });
  const more = el('button', { type: 'button', id: 'load-more', class: 'load-more', i18n: 'list.more', hidden: true });
  let next = null;
  let count = 0;
  async function load() {
    more.disabled = true;
    tr(status, 'list.loading');
    try {
      const page = await api(path, { query: { limit: PAGE, ...query, after: next } });
      const firstNew = page.items.length ? page.items[0].id : null;
      page.items.forEach((card) => list.append(sessionCard(card, actions ? actions(card) : null)));
      count += page.items.length;
      next = page.next;
      more.hidden = next == null;
      if (count === 0) tr(status, emptyKey);
      else tr(status, 'list.count', { count });
      // after "load more", keyboard users continue at the first new card
      if (firstNew != null && count > page.items.length) {
        const link = list.querySelector(`[data-session-id="${firstNew}"] a`);
        if (link) link.focus();
      }
    } catch (err) {
      tr(status, errorKey(err), errorArgs(err));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);
  load();
  return el('div', { class: 'paged' }, status, list, more);
}

export function renderSessions(main, { query, focus }) {
  listHash = location.hash || '#/';
  const q = {};
  for (const k of FILTERS) if (query.get(k)) q[k] = query.get(k);
  const emptyKey = Object.keys(q).length ? 'list.noMatch' : 'list.empty';
  // a page size in the address (#/?limit=10) is passed on, so a link can ask for short pages
  if (/^\d+$/.test(query.get('limit') || '')) q.limit = query.get('limit');
  const h1 = el('h1', { i18n: 'sessions.title', tabindex: '-1' });
  const list = pagedList({ path: 'sessions', query: q, emptyKey });
  clear(main).append(el('section', { class: 'sessions' }, h1, filterForm(query), list));
  if (focus) h1.focus();
}
