// The supervisor's review queue: sessions flagged "needs review", oldest first, with "mark reviewed".
import { api } from '../api.js';
import { el, clear, announce } from '../dom.js';
import { t, tr } from '../i18n.js';
import { errorKey, errorArgs } from '../format.js';
import { pagedList } from './sessions.js';
import { seesEverything } from '../user.js';
import { renderMessage } from './message.js';

export async function markReviewed(sessionId) {
  await api(`sessions/${sessionId}/reviewed`, { method: 'POST', body: {} });
}

export function renderReview(main, { focus }) {
  if (!seesEverything()) {
    renderMessage(main, { titleKey: 'review.title', textKey: 'review.forbidden', focus });
    return;
  }
  const h1 = el('h1', { i18n: 'review.title', tabindex: '-1' });
  const actions = (card) => {
    const error = el('span', { class: 'form-error', role: 'alert' });
    const button = el('button', { type: 'button', class: 'primary mark-reviewed', i18n: 'review.mark' });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await markReviewed(card.id);
        const li = button.closest('li.card');
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        announce(t('review.done', { room: card.room_name }));
        (next ? next.querySelector('a') : h1).focus();
      } catch (err) {
        tr(error, errorKey(err), errorArgs(err));
        button.disabled = false;
      }
    });
    return [button, error];
  };
  clear(main).append(el('section', { class: 'review' }, h1, el('p', { class: 'lead', i18n: 'review.lead' }),
    pagedList({ path: 'review-queue', query: {}, emptyKey: 'review.empty', actions })));
  if (focus) h1.focus();
}
