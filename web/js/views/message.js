// A page with a heading and one sentence: not found, server unreachable.
import { el, clear } from '../dom.js';

export function renderMessage(main, { titleKey, textKey, focus }) {
  const h1 = el('h1', { i18n: titleKey, tabindex: '-1' });
  clear(main).append(h1, el('p', { i18n: textKey }), el('p', {}, el('a', { href: '#/', i18n: 'nav.backToSessions' })));
  if (focus) h1.focus();
}
