// A session as a card (list and review queue) and the small pieces it is made of.
import { el } from './dom.js';
import { t } from './i18n.js';
import { when, clock, coverage, isoTime } from './format.js';

export const STATUSES = ['starting', 'recording', 'stopping', 'ok', 'technical_error', 'deleted'];

/** The status as colour + words (never colour alone), with a technical error's reason. */
export function statusBadge(status, reason) {
  return el('span', { class: `status status-${status}` },
    el('span', { class: 'status-label', i18n: `status.${status}` }),
    reason && status !== 'ok' ? el('span', { class: 'status-reason', text: reason }) : null);
}

export function flagBadges(card) {
  const flags = [];
  if (card.sensitive) flags.push(el('li', { class: 'flag flag-sensitive', i18n: 'flag.sensitive.short' }));
  if (card.needs_review) flags.push(el('li', { class: 'flag flag-needs_review', i18n: 'flag.needs_review.short' }));
  else if (card.reviewed_ms) flags.push(el('li', { class: 'flag flag-reviewed', i18n: 'flag.reviewed.short' }));
  // A pre-warm recording no client joined: kept, but not a conversation (docs/recording.md).
  if (card.prewarm_ms && !card.client_name && card.ended_ms) {
    flags.push(el('li', { class: 'flag flag-warmup', i18n: 'flag.warmup_only.short' }));
  }
  return flags.length ? el('ul', { class: 'flags', i18nAttr: 'aria-label:session.flags' }, flags) : null;
}

function fact(key, value, cls) {
  return [el('dt', { i18n: key }), el('dd', { class: cls }, value)];
}

export function operatorOf(card) {
  return card.operator_name || card.operator_jid;
}

/** One card; `actions` (optional) are extra buttons for the card's footer. */
export function sessionCard(card, actions) {
  const titleId = `session-${card.id}-title`;
  return el('li', { class: 'card', dataset: { sessionId: card.id } },
    el('article', { 'aria-labelledby': titleId },
      el('h2', { class: 'card-title', id: titleId },
        el('a', { href: `#/sessions/${card.id}`, class: 'card-link' },
          el('time', { datetime: isoTime(card.started_ms), class: 'card-when', text: when(card.started_ms) }),
          el('span', { class: 'card-room', text: card.room_name }))),
      el('dl', { class: 'facts' },
        fact('session.operator', operatorOf(card), 'card-operator'),
        fact('session.client', card.client_name || t('common.none'), 'card-client'),
        fact('session.duration', clock(card.duration_ms), 'card-duration'),
        fact('session.status', statusBadge(card.status, card.reason), 'card-status'),
        fact('session.coverage', coverage(card.coverage), 'card-coverage'),
        fact('session.notes', String(card.note_count ?? 0), 'card-notes')),
      flagBadges(card),
      actions && actions.length ? el('div', { class: 'card-actions' }, actions) : null));
}
