// Admin-only pages: the audit log (#/admin/audit, with a CSV export of the same filters), the
// retention policy (#/admin/retention), the recorders' status (#/admin/recorders: Jicofo's Jibri
// brewery and the Jibris' own status webhooks), and the legal-hold / delete-recording panel of a session page.
// The server checks the role as well; these views only keep others from seeing buttons that fail.
import { api } from '../api.js';
import { el, blank, clear, announce } from '../dom.js';
import { t, tr } from '../i18n.js';
import { whenExact, isoTime, errorKey, errorArgs } from '../format.js';
import { isAdmin } from '../user.js';
import { renderMessage } from './message.js';

const AUDIT_FILTERS = ['from', 'to', 'user', 'action', 'session'];
const AUDIT_ACTIONS = ['view', 'play', 'download', 'note_add', 'note_edit', 'note_delete', 'reviewed', 'legal_hold_set',
  'legal_hold_released', 'delete_started', 'prewarm_cut', 'retention_policy', 'subject_search', 'subject_export', 'subject_delete',
  'login_failed', 'login_blocked', 'logout'];
const AUDIT_PAGE = 50;

/** The page others get: the same for a typed address as for a stale link. */
function guard(main, focus) {
  if (isAdmin()) return true;
  renderMessage(main, { titleKey: 'admin.forbidden.title', textKey: 'admin.forbidden.text', focus });
  return false;
}

function field(id, labelKey, control, hint) {
  return el('div', { class: 'field' }, el('label', { for: id, i18n: labelKey }), control, hint);
}

/** The error in the user's language, and the server's own explanation (text only) when it gave one. */
function showError(node, err) {
  blank(node).append(el('span', { i18n: errorKey(err), i18nArgs: errorArgs(err) }));
  if (err.message && err.message !== err.code) node.append(' ', el('span', { class: 'error-detail', text: err.message }));
}

function queryOf(query) {
  const q = {};
  for (const k of AUDIT_FILTERS) if ((query.get(k) || '').trim()) q[k] = query.get(k).trim();
  return q;
}

export function renderAudit(main, { query, focus }) {
  if (!guard(main, focus)) return;
  const q = queryOf(query);
  const input = (name, type, extra = {}) => el('input', { id: `audit-${name}`, name, type, value: q[name] || '', ...extra });
  const form = el('form', { id: 'audit-filters', class: 'filters', role: 'search' },
    field('audit-from', 'filter.from', input('from', 'date')),
    field('audit-to', 'filter.to', input('to', 'date')),
    field('audit-user', 'audit.user', input('user', 'text', { autocomplete: 'off', maxlength: 200 })),
    field('audit-action', 'audit.action', input('action', 'text', { autocomplete: 'off', list: 'audit-actions', maxlength: 100 })),
    el('datalist', { id: 'audit-actions' }, AUDIT_ACTIONS.map((a) => el('option', { value: a }))),
    field('audit-session', 'audit.session', input('session', 'text', { inputmode: 'numeric', pattern: '[0-9]*', autocomplete: 'off' })),
    el('div', { class: 'filter-buttons' },
      el('button', { type: 'submit', class: 'primary', id: 'audit-apply', i18n: 'filter.apply' }),
      el('button', { type: 'button', id: 'audit-clear', i18n: 'filter.clear', onclick: () => { location.hash = '#/admin/audit'; } })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const k of AUDIT_FILTERS) if (form.elements[k].value.trim()) p.set(k, form.elements[k].value.trim());
    const next = `#/admin/audit${p.toString() ? `?${p}` : ''}`;
    if (location.hash === next) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = next;
  });

  const csv = new URLSearchParams(q).toString();
  const csvLink = el('a', { id: 'audit-csv', href: `api/v1/audit.csv${csv ? `?${csv}` : ''}`, download: 'audit.csv', i18n: 'audit.csv' });
  const body = el('tbody', { id: 'audit-rows' });
  const table = el('table', { class: 'audit-table', id: 'audit-table' },
    el('caption', { class: 'visually-hidden', i18n: 'audit.title' }),
    el('thead', {}, el('tr', {}, ['time', 'user', 'action', 'session', 'detail', 'ip', 'hash']
      .map((c) => el('th', { scope: 'col', i18n: `audit.col.${c}` })))),
    body);
  const status = el('p', { class: 'list-status', id: 'audit-status', role: 'status' });
  const more = el('button', { type: 'button', id: 'audit-more', class: 'load-more', i18n: 'list.more', hidden: true });
  let next = null;
  let count = 0;

  const row = (r) => el('tr', { dataset: { auditId: r.id } },
    el('td', {}, el('time', { datetime: isoTime(r.at_ms), text: whenExact(r.at_ms) })),
    el('td', { class: 'audit-user', text: r.username || t('common.none') }),
    el('td', { class: 'audit-action', text: r.action }),
    el('td', {}, r.session_id != null ? el('a', { href: `#/sessions/${r.session_id}`, text: `#${r.session_id}` }) : t('common.none')),
    el('td', { class: 'audit-detail', text: r.detail || '' }),
    el('td', { class: 'audit-ip', text: r.ip || '' }),
    el('td', { class: 'audit-hash' }, r.hash ? el('code', { title: r.hash, text: `${r.hash.slice(0, 12)}…` }) : ''));

  async function load() {
    more.disabled = true;
    tr(status, 'list.loading');
    try {
      const page = await api('audit', { query: { ...q, limit: AUDIT_PAGE, after: next } });
      page.items.forEach((r) => body.append(row(r)));
      count += page.items.length;
      next = page.next;
      more.hidden = next == null;
      table.hidden = count === 0;
      if (count === 0) tr(status, Object.keys(q).length ? 'audit.noMatch' : 'audit.empty');
      else tr(status, 'audit.count', { count });
    } catch (err) {
      showError(status, err);
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', load);

  const h1 = el('h1', { i18n: 'audit.title', tabindex: '-1' });
  clear(main).append(el('section', { class: 'admin-audit' }, h1, el('p', { class: 'lead', i18n: 'audit.lead' }),
    el('details', { class: 'filter-box', open: true }, el('summary', { i18n: 'filter.title' }), form),
    el('p', {}, csvLink), status, el('div', { class: 'table-scroll' }, table), more));
  load();
  if (focus) h1.focus();
}

const RECORDERS_REFRESH_MS = 5000;

/** How many Jibris can take the next call, refreshed while the page is open. */
export function renderRecorders(main, { focus }) {
  if (!guard(main, focus)) return;
  const h1 = el('h1', { i18n: 'recorders.title', tabindex: '-1' });
  const box = el('div', { id: 'recorders-body', 'aria-live': 'polite' }, el('p', { class: 'list-status', i18n: 'list.loading' }));
  clear(main).append(el('section', { class: 'admin-recorders' }, h1, el('p', { class: 'lead', i18n: 'recorders.lead' }), box));
  if (focus) h1.focus();
  const load = async () => {
    if (!box.isConnected) return;
    try {
      const view = await api('jibris');
      if (!box.isConnected) return;
      clear(box).append(breweryPanel(view.brewery), webhookPanel(view.webhooks || {}));
    } catch (err) {
      if (box.isConnected && err.status !== 401) showError(clear(box).appendChild(el('p', { class: 'form-error', role: 'alert' })), err);
    }
    if (box.isConnected) setTimeout(load, RECORDERS_REFRESH_MS);
  };
  load();
}

function breweryPanel(b) {
  const section = el('section', { id: 'brewery', class: 'panel' }, el('h2', { i18n: 'recorders.brewery' }));
  if (!b) {
    section.append(el('p', { id: 'brewery-off', i18n: 'recorders.breweryOff' }));
    return section;
  }
  section.append(el('p', { id: 'brewery-state', i18n: b.connected ? 'recorders.connected' : 'recorders.disconnected', i18nArgs: { muc: b.muc } }));
  const counts = el('dl', { class: 'counts', id: 'brewery-counts' });
  for (const k of ['idle', 'busy', 'unhealthy']) {
    counts.append(el('dt', { i18n: `recorders.${k}` }), el('dd', { id: `brewery-${k}`, text: String(b[k]) }));
  }
  section.append(counts);
  if (b.connected && b.idle === 0) section.append(el('p', { id: 'brewery-warning', class: 'form-error', role: 'alert', i18n: 'recorders.noneIdle' }));
  const rows = el('tbody', {}, (b.jibris || []).map((j) => el('tr', {},
    el('td', { text: j.nick }), el('td', { i18n: `recorders.${j.state.toLowerCase()}` }),
    el('td', {}, el('time', { datetime: isoTime(j.sinceMs), text: whenExact(j.sinceMs) })))));
  section.append(el('table', { id: 'brewery-jibris' },
    el('thead', {}, el('tr', {}, ['name', 'state', 'since'].map((c) => el('th', { scope: 'col', i18n: `recorders.col.${c}` })))), rows));
  return section;
}

function webhookPanel(statuses) {
  const names = Object.keys(statuses).sort();
  const section = el('section', { id: 'jibri-webhooks', class: 'panel' }, el('h2', { i18n: 'recorders.webhooks' }));
  if (names.length === 0) {
    section.append(el('p', { i18n: 'recorders.noWebhooks' }));
    return section;
  }
  section.append(el('table', {}, el('thead', {}, el('tr', {}, ['name', 'state'].map((c) => el('th', { scope: 'col', i18n: `recorders.col.${c}` })))),
    el('tbody', {}, names.map((n) => el('tr', {}, el('td', { text: n }), el('td', { text: statuses[n] }))))));
  return section;
}

export async function renderRetention(main, { focus }) {
  if (!guard(main, focus)) return;
  const h1 = el('h1', { i18n: 'retention.title', tabindex: '-1' });
  const box = el('div', { id: 'retention-body' }, el('p', { class: 'list-status', i18n: 'list.loading' }));
  clear(main).append(el('section', { class: 'admin-retention' }, h1, el('p', { class: 'lead', i18n: 'retention.lead' }), box));
  if (focus) h1.focus();
  try {
    const policy = await api('retention');
    if (box.isConnected) clear(box).append(retentionForm(policy));
  } catch (err) {
    if (box.isConnected && err.status !== 401) showError(clear(box).appendChild(el('p', { class: 'form-error', role: 'alert' })), err);
  }
}

function retentionForm(policy) {
  const status = el('p', { id: 'retention-status', role: 'status' });
  const error = el('p', { id: 'retention-error', class: 'form-error', role: 'alert' });
  const source = el('p', { id: 'retention-source', class: 'notice', i18n: `retention.source.${policy.source}` });
  const days = (name, key) => {
    const id = `retention-${name.replace(/_days$/, '').replace(/_/g, '-')}`;
    const input = el('input', { id, name, type: 'number', min: 0, step: 1, required: true, value: policy[name] });
    const hint = el('span', { class: 'muted', i18n: 'retention.configured', i18nArgs: { days: policy.config[name] } });
    return field(id, key, input, hint);
  };
  const rooms = el('ul', { id: 'retention-rooms', class: 'room-rules' });
  let n = 0;
  const roomRow = (name, value) => {
    n += 1;
    const li = el('li', { class: 'room-rule' },
      field(`room-name-${n}`, 'retention.roomName', el('input', { id: `room-name-${n}`, class: 'room-name', type: 'text', value: name, maxlength: 200 })),
      field(`room-days-${n}`, 'retention.roomDays', el('input', { id: `room-days-${n}`, class: 'room-days', type: 'number', min: 0, step: 1, value })));
    li.append(el('button', { type: 'button', class: 'room-remove', i18n: 'retention.roomRemove', onclick: () => li.remove() }));
    return li;
  };
  Object.entries(policy.rooms || {}).forEach(([k, v]) => rooms.append(roomRow(k, v)));
  const addRoom = el('button', { type: 'button', id: 'retention-add-room', i18n: 'retention.roomAdd' });
  addRoom.addEventListener('click', () => {
    const li = roomRow('', '');
    rooms.append(li);
    li.querySelector('input').focus();
  });

  const form = el('form', { id: 'retention-form', class: 'panel retention-form', novalidate: true },
    days('default_days', 'retention.default'), days('sensitive_days', 'retention.sensitive'),
    days('needs_review_days', 'retention.needsReview'),
    el('p', { class: 'muted', i18n: 'retention.forever' }),
    el('h2', { i18n: 'retention.rooms' }), el('p', { class: 'muted', i18n: 'retention.roomsHint' }), rooms, addRoom,
    error, status,
    el('div', { class: 'filter-buttons' },
      el('button', { type: 'submit', class: 'primary', id: 'retention-save', i18n: 'retention.save' }),
      el('button', { type: 'button', id: 'retention-reset', i18n: 'retention.reset', onclick: () => send('DELETE') })));

  const whole = (v) => (/^\d+$/.test(String(v).trim()) ? Number(v) : NaN);
  async function send(method) {
    blank(error);
    blank(status);
    let body;
    if (method === 'PUT') {
      body = { rooms: {} };
      for (const name of ['default_days', 'sensitive_days', 'needs_review_days']) {
        const v = whole(form.elements[name].value);
        if (Number.isNaN(v)) {
          tr(error, 'retention.badDays');
          form.elements[name].focus();
          return;
        }
        body[name] = v;
      }
      for (const li of rooms.querySelectorAll('li')) {
        const room = li.querySelector('.room-name').value.trim();
        const v = whole(li.querySelector('.room-days').value);
        if (!room && li.querySelector('.room-days').value.trim() === '') continue;
        if (!room || Number.isNaN(v)) {
          tr(error, 'retention.badRoom');
          li.querySelector(room ? '.room-days' : '.room-name').focus();
          return;
        }
        body.rooms[room] = v;
      }
    }
    try {
      const next = await api('retention', { method, body });
      const fresh = retentionForm(next);
      form.closest('#retention-body').replaceChildren(fresh);
      const done = method === 'PUT' ? 'retention.saved' : 'retention.resetDone';
      tr(fresh.querySelector('#retention-status'), done);
      announce(t(done));
    } catch (err) {
      if (err.status !== 401) showError(error, err);
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send('PUT');
  });
  return el('div', {}, source, form);
}

/**
 * The admin's panel on a session page: legal hold (set / release, with a reason) and deletion of the
 * recording (reason, then a confirmation). `refresh` reloads the card; `reopen` re-renders the page.
 */
export function sessionAdminPanel(d, { refresh, reopen }) {
  const id = d.id;
  const status = el('p', { id: 'admin-status', role: 'status' });
  const error = el('p', { id: 'admin-error', class: 'form-error', role: 'alert' });
  const deleted = d.status === 'deleted';
  const hold = d.legal_hold
    ? el('p', { id: 'legal-hold-state', class: 'notice' }, el('strong', { i18n: 'hold.on' }),
      d.legal_hold_reason ? [' ', el('span', { class: 'hold-reason', text: d.legal_hold_reason })] : null)
    : el('p', { id: 'legal-hold-state', class: 'muted', i18n: 'hold.off' });
  const actions = el('div', { class: 'card-actions', id: 'admin-buttons' });
  const formBox = el('div', { id: 'admin-form' });

  /** An inline form asking why; `confirmKey` adds a second, explicit "yes" step. */
  function ask({ labelKey, submitKey, confirmKey, danger, run }) {
    blank(error);
    const area = el('textarea', { id: 'admin-reason', rows: 2, maxlength: 1000, required: true });
    const cancel = () => { clear(formBox); actions.hidden = false; };
    const form = el('form', { class: 'note-form', id: 'admin-reason-form' },
      el('label', { for: 'admin-reason', i18n: labelKey }), area,
      el('div', { class: 'row' },
        el('button', { type: 'submit', id: 'admin-reason-submit', class: danger ? 'danger' : 'primary', i18n: submitKey }),
        el('button', { type: 'button', i18n: 'note.cancel', onclick: cancel })));
    const go = async (reason) => {
      try {
        await run(reason);
      } catch (err) {
        if (err.status !== 401) showError(error, err);
      }
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const reason = area.value.trim();
      if (!reason) {
        tr(error, 'hold.reasonRequired');
        area.focus();
        return;
      }
      if (!confirmKey) {
        go(reason);
        return;
      }
      const yes = el('button', { type: 'button', id: 'admin-confirm', class: 'danger', i18n: 'delete.confirm', onclick: () => go(reason) });
      clear(formBox).append(el('p', { class: 'notice' }, el('span', { i18n: confirmKey })),
        el('div', { class: 'row' }, yes, el('button', { type: 'button', i18n: 'note.cancel', onclick: cancel })));
      yes.focus();
    });
    actions.hidden = true;
    clear(formBox).append(form);
    area.focus();
  }

  if (!deleted) {
    actions.append(el('button', {
      type: 'button', id: 'legal-hold-toggle', i18n: d.legal_hold ? 'hold.release' : 'hold.set',
      onclick: () => ask({
        labelKey: d.legal_hold ? 'hold.releaseReason' : 'hold.setReason',
        submitKey: d.legal_hold ? 'hold.release' : 'hold.set',
        run: async (reason) => {
          await api(`sessions/${id}/legal-hold`, d.legal_hold
            ? { method: 'DELETE', query: { reason } } : { method: 'POST', body: { reason } });
          announce(t(d.legal_hold ? 'hold.released' : 'hold.placed'));
          await refresh();
          document.getElementById('legal-hold-toggle')?.focus();
        },
      }),
    }));
    actions.append(el('button', {
      type: 'button', id: 'delete-recording', class: 'danger', i18n: 'delete.button', disabled: d.legal_hold,
      onclick: () => ask({
        labelKey: 'delete.reason', submitKey: 'delete.button', confirmKey: 'delete.question', danger: true,
        run: async (reason) => {
          await api(`sessions/${id}/recording`, { method: 'DELETE', body: { reason } });
          announce(t('delete.done'));
          await reopen();
        },
      }),
    }));
    if (d.legal_hold) actions.append(el('span', { class: 'muted', i18n: 'delete.held' }));
  } else {
    actions.append(el('p', { id: 'deleted-state', class: 'muted', i18n: 'delete.deletedBy',
      i18nArgs: { who: d.deleted_by || t('common.none'), why: d.deleted_why || t('common.none') } }));
  }
  return el('section', { id: 'admin-actions', class: 'panel', 'aria-labelledby': 'admin-actions-title' },
    el('h2', { id: 'admin-actions-title', i18n: 'admin.session.title' }), hold, actions, formBox, error, status);
}
