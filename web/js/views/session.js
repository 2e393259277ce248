// One session: the player (fed by the authorised media URL, seekable through HTTP Range), its facts,
// coverage and gaps, flags with who and when, notes that seek the player, and the status history.
import { api, giveAccessReason, mediaUrl } from '../api.js';
import { el, blank, clear, announce } from '../dom.js';
import { t, tr } from '../i18n.js';
import { when, whenExact, isoTime, clock, coverage, errorKey, errorArgs } from '../format.js';
import { statusBadge, operatorOf } from '../cards.js';
import { user, seesEverything, isAdmin } from '../user.js';
import { markReviewed } from './review.js';
import { renderMessage } from './message.js';
import { listHash } from './sessions.js';
import { sessionAdminPanel } from './admin.js';

function section(id, titleKey, ...children) {
  return el('section', { id, class: 'panel', 'aria-labelledby': `${id}-title` },
    el('h2', { id: `${id}-title`, i18n: titleKey }), children);
}

function facts(d) {
  const row = (key, value, cls) => [el('dt', { i18n: key }), el('dd', { class: cls }, value)];
  return el('dl', { class: 'facts facts-wide' },
    row('session.operator', operatorOf(d), 'fact-operator'),
    row('session.client', d.client_name || t('common.none'), 'fact-client'),
    row('session.started', el('time', { datetime: isoTime(d.started_ms), text: whenExact(d.started_ms) })),
    row('session.ended', el('time', { datetime: isoTime(d.ended_ms), text: whenExact(d.ended_ms) })),
    row('session.duration', clock(d.duration_ms)),
    row('session.status', statusBadge(d.status, d.reason), 'fact-status'),
    row('session.coverage', coverage(d.coverage), 'fact-coverage'),
    d.prewarm_ms ? row('session.prewarm', d.prewarm_note || t('session.prewarm.pending'), 'fact-prewarm') : null);
}

/** The conversation as a bar, the unrecorded stretches marked on it, and the same as text. */
function coveragePanel(d) {
  const start = d.started_ms;
  const end = d.ended_ms || Math.max(start + 1, ...d.gaps.map((g) => g.to_ms));
  const span = Math.max(1, end - start);
  const pct = (ms) => `${Math.min(100, Math.max(0, ((ms - start) / span) * 100))}%`;
  const bar = el('div', { class: 'timeline', 'aria-hidden': 'true' },
    d.gaps.map((g) => {
      const seg = el('span', { class: 'timeline-gap' });
      seg.style.left = pct(g.from_ms);
      seg.style.width = `calc(${pct(g.to_ms)} - ${pct(g.from_ms)})`;
      return seg;
    }));
  const list = d.gaps.length
    ? el('ul', { class: 'gaps', id: 'gap-list' }, d.gaps.map((g) => el('li', {
      i18n: 'session.gap',
      i18nArgs: { from: clock(g.from_ms - start), to: clock(g.to_ms - start), length: clock(g.to_ms - g.from_ms) },
    })))
    : el('p', { id: 'gap-list', i18n: d.status === 'ok' ? 'session.noGaps' : 'session.gapsUnknown' });
  return section('coverage', 'session.coverageTitle',
    el('p', { class: 'coverage-value', i18n: 'session.coverageValue', i18nArgs: { value: coverage(d.coverage) } }), bar, list);
}

function byWhom(key, who, ms) {
  return who ? el('p', { class: 'flag-meta', i18n: key, i18nArgs: { who, when: when(ms) } }) : null;
}

function historyPanel(d) {
  return section('history', 'session.history',
    el('ol', { class: 'history' }, d.history.map((h) => el('li', {},
      el('time', { datetime: isoTime(h.at_ms), text: whenExact(h.at_ms) }), ' ', statusBadge(h.status, h.reason)))));
}

/** A sensitive session opens only with a reason, which the server writes to the audit trail. */
function renderReasonForm(main, id, focus) {
  const input = el('textarea', { id: 'access-reason', required: true, rows: 3, maxlength: 500 });
  const form = el('form', { id: 'reason-form', class: 'panel' },
    el('h2', { id: 'reason-title', i18n: 'session.reason.title', tabindex: '-1' }),
    el('p', { i18n: 'session.reason.text' }),
    el('label', { for: 'access-reason', i18n: 'session.reason.label' }), input,
    el('button', { type: 'submit', id: 'reason-submit', class: 'primary', i18n: 'session.reason.submit' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const reason = input.value.trim();
    if (!reason) return;
    try {
      await giveAccessReason(id, reason);
    } catch (err) {
      if (err.status !== 401) announce(t(errorKey(err), errorArgs(err)));
      return;
    }
    renderSession(main, { id, focus });
  });
  clear(main).append(form);
  if (focus) form.querySelector('h2').focus();
}

export async function renderSession(main, { id, focus }) {
  const loading = el('p', { class: 'list-status', role: 'status', i18n: 'list.loading' });
  clear(main).append(loading);
  let d;
  try {
    d = await api(`sessions/${id}`);
    if (!loading.isConnected) return; // another page was opened meanwhile
  } catch (err) {
    if (!loading.isConnected) return;
    if (err.status === 403 && err.code === 'reason_required') {
      renderReasonForm(main, id, focus);
      return;
    }
    if (err.status === 404) renderMessage(main, { titleKey: 'session.notFound.title', textKey: 'session.notFound.text', focus });
    else if (err.status !== 401) renderMessage(main, { titleKey: 'error.title', textKey: errorKey(err), focus });
    return;
  }
  const hasMedia = d.status !== 'deleted' && d.files.some((f) => f.kind === 'media');
  const video = hasMedia
    ? el('video', { id: 'player', controls: true, preload: 'metadata', playsinline: true, src: mediaUrl(id),
      i18nAttr: 'aria-label:session.player' })
    : null;
  const seek = (ms) => {
    if (!video) return;
    video.currentTime = ms / 1000;
    announce(t('note.sought', { time: clock(ms) }));
  };
  const currentMs = () => (video ? Math.round(video.currentTime * 1000) : null);

  const flagsBox = el('div', { id: 'flags-body' });
  const notesBox = el('div', { id: 'notes-body' });
  const factsBox = el('div', { id: 'facts-body' });
  const historyBox = el('div', { id: 'history-body' });
  const coverageBox = el('div', { id: 'coverage-body' });
  const adminBox = el('div', { id: 'admin-body' });

  async function refresh() {
    try {
      d = await api(`sessions/${id}`);
    } catch (err) {
      // Just flagged sensitive: from now on it opens only with a reason.
      if (err.status === 403 && err.code === 'reason_required') renderReasonForm(main, id, true);
      else if (err.status !== 401) announce(t(errorKey(err), errorArgs(err)));
      return;
    }
    fill();
  }

  function fill() {
    clear(factsBox).append(facts(d));
    clear(coverageBox).append(coveragePanel(d));
    clear(historyBox).append(historyPanel(d));
    clear(flagsBox).append(flagsPanel());
    clear(notesBox).append(notesList());
    if (isAdmin()) clear(adminBox).append(sessionAdminPanel(d, { refresh, reopen: () => renderSession(main, { id, focus: false }) }));
  }

  function flagsPanel() {
    const f = d.flags;
    const error = el('p', { class: 'form-error', role: 'alert', id: 'flags-error' });
    const row = (name) => {
      const on = Boolean(f[name]);
      const box = el('input', { type: 'checkbox', id: `flag-${name}`, name, checked: on });
      box.addEventListener('change', async () => {
        box.disabled = true;
        blank(error);
        try {
          await api(`sessions/${id}/flags`, { method: 'PUT', body: { [name]: box.checked } });
          announce(t(box.checked ? 'flag.setDone' : 'flag.clearDone', { flag: t(`flag.${name}`) }));
          await refresh();
          document.getElementById(`flag-${name}`)?.focus();
        } catch (err) {
          box.checked = !box.checked;
          box.disabled = false;
          tr(error, errorKey(err), errorArgs(err));
        }
      });
      return el('div', { class: 'flag-row' },
        el('label', { class: 'choice', for: `flag-${name}` }, box, el('span', { i18n: `flag.${name}` })),
        byWhom(on ? 'flag.setBy' : 'flag.clearedBy', f[`${name}_by`], f[`${name}_ms`]));
    };
    const children = [row('sensitive'), row('needs_review'), byWhom('flag.reviewedBy', f.reviewed_by, f.reviewed_ms)];
    if (seesEverything() && f.needs_review) {
      const button = el('button', { type: 'button', id: 'mark-reviewed', class: 'primary', i18n: 'review.mark' });
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await markReviewed(id);
          announce(t('review.done', { room: d.room_name }));
          await refresh();
          document.getElementById('flag-needs_review')?.focus();
        } catch (err) {
          button.disabled = false;
          tr(error, errorKey(err), errorArgs(err));
        }
      });
      children.push(button);
    }
    children.push(error);
    return section('flags', 'session.flags', children);
  }

  function noteItem(n) {
    const me = user();
    const mine = me && n.author_id === me.id;
    const body = el('span', { class: 'note-body', text: n.body });
    const head = n.at_ms != null
      ? el('button', { type: 'button', class: 'note-seek', dataset: { atMs: n.at_ms }, onclick: () => seek(n.at_ms) },
        el('span', { class: 'visually-hidden', i18n: 'note.seek' }),
        el('span', { class: 'note-time', text: clock(n.at_ms) }), body)
      : el('p', { class: 'note-text' }, body);
    const meta = el('p', { class: 'note-meta' },
      el('span', { class: 'note-author', text: n.author_name || n.author }), ' · ',
      el('time', { datetime: isoTime(n.created_ms), text: when(n.created_ms) }),
      n.updated_ms > n.created_ms ? [' · ', el('span', { i18n: 'note.edited' })] : null);
    const li = el('li', { class: 'note', dataset: { noteId: n.id } }, head, meta);
    const actions = el('div', { class: 'note-actions' });
    if (mine) actions.append(el('button', { type: 'button', class: 'note-edit', i18n: 'note.edit', onclick: () => editNote(li, n) }));
    if (mine || (me && me.role === 'admin')) {
      actions.append(el('button', { type: 'button', class: 'note-delete', i18n: 'note.delete', onclick: () => confirmDelete(li, n) }));
    }
    if (actions.childElementCount) li.append(actions);
    return li;
  }

  function editNote(li, n) {
    const areaId = `note-edit-${n.id}`;
    const area = el('textarea', { id: areaId, rows: 3, maxlength: 4000, required: true });
    area.value = n.body;
    const error = el('p', { class: 'form-error', role: 'alert' });
    const form = el('form', { class: 'note-form' },
      el('label', { for: areaId, i18n: 'note.editLabel' }), area, error,
      el('div', { class: 'row' },
        el('button', { type: 'submit', class: 'primary', i18n: 'note.save' }),
        el('button', { type: 'button', i18n: 'note.cancel', onclick: () => fill() })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!area.value.trim()) {
        tr(error, 'note.empty');
        return;
      }
      try {
        await api(`notes/${n.id}`, { method: 'PUT', body: { body: area.value, at_ms: n.at_ms } });
        announce(t('note.saved'));
        await refresh();
      } catch (err) {
        tr(error, errorKey(err), errorArgs(err));
      }
    });
    clear(li).append(form);
    area.focus();
  }

  function confirmDelete(li, n) {
    const actions = li.querySelector('.note-actions');
    const error = el('span', { class: 'form-error', role: 'alert' });
    const yes = el('button', { type: 'button', class: 'danger note-delete-confirm', i18n: 'note.deleteConfirm' });
    yes.addEventListener('click', async () => {
      try {
        await api(`notes/${n.id}`, { method: 'DELETE' });
        announce(t('note.deleted'));
        await refresh();
        document.getElementById('note-new')?.focus();
      } catch (err) {
        tr(error, errorKey(err), errorArgs(err));
      }
    });
    clear(actions).append(el('span', { i18n: 'note.deleteQuestion' }), ' ', yes,
      el('button', { type: 'button', i18n: 'note.cancel', onclick: () => fill() }), error);
    yes.focus();
  }

  function notesList() {
    if (!d.notes.length) return el('p', { id: 'note-list', class: 'muted', i18n: 'note.none' });
    return el('ol', { id: 'note-list', class: 'notes' }, d.notes.map(noteItem));
  }

  // The add-note form stays put across refreshes, so what is being typed is never lost.
  const noteArea = el('textarea', { id: 'note-new', name: 'body', rows: 3, maxlength: 4000, required: true });
  const atNow = el('input', { type: 'checkbox', id: 'note-at-now', checked: hasMedia, disabled: !hasMedia });
  const atTime = el('span', { id: 'note-at-time', class: 'note-time', text: clock(0) });
  const noteError = el('p', { class: 'form-error', role: 'alert', id: 'note-error' });
  const noteForm = el('form', { id: 'note-form', class: 'note-form' },
    el('label', { for: 'note-new', i18n: 'note.new' }), noteArea,
    el('label', { class: 'choice', for: 'note-at-now' }, atNow, el('span', { i18n: 'note.atCurrent' }), ' ', atTime),
    noteError,
    el('button', { type: 'submit', class: 'primary', id: 'note-add', i18n: 'note.add' }));
  noteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    blank(noteError);
    if (!noteArea.value.trim()) {
      tr(noteError, 'note.empty');
      noteArea.focus();
      return;
    }
    try {
      await api(`sessions/${id}/notes`, {
        method: 'POST', body: { body: noteArea.value, at_ms: atNow.checked ? currentMs() : null },
      });
      noteArea.value = '';
      announce(t('note.added'));
      await refresh();
      noteArea.focus();
    } catch (err) {
      tr(noteError, errorKey(err), errorArgs(err));
    }
  });
  if (video) video.addEventListener('timeupdate', () => { atTime.textContent = clock(currentMs()); });

  const h1 = el('h1', { tabindex: '-1', class: 'session-title' },
    el('span', { class: 'session-room', text: d.room_name }), ' ',
    el('time', { class: 'session-when', datetime: isoTime(d.started_ms), text: when(d.started_ms) }));
  const player = el('section', { id: 'player-panel', class: 'panel player', 'aria-labelledby': 'player-title' },
    el('h2', { id: 'player-title', class: 'visually-hidden', i18n: 'session.recording' }),
    video || el('p', { class: 'muted', i18n: 'session.noRecording' }),
    video ? el('p', {}, el('a', { href: mediaUrl(id, true), download: `session-${id}`, id: 'download', i18n: 'session.download' })) : null);
  const notes = section('notes', 'session.notesTitle', notesBox, noteForm);
  clear(main).append(
    el('p', { class: 'back' }, el('a', { href: listHash, i18n: 'nav.backToSessions' })),
    h1,
    el('div', { class: 'session-grid' },
      el('div', { class: 'col-main' }, player, notes),
      el('div', { class: 'col-side' }, section('facts', 'session.facts', factsBox), flagsBox, adminBox, coverageBox, historyBox)));
  fill();
  if (focus) h1.focus();
}
