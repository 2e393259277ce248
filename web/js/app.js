// The archive UI: who is logged in, the header, and hash routes (#/, #/sessions/12, #/review, #/dashboard,
// #/admin/…), so it
// works under any base path. Views live in views/; each renders into <main> and returns nothing.
import { api, setCsrf, whenLoggedOut } from './api.js';
import { language, storedLanguage, useLanguage, t } from './i18n.js';
import { $, announce, clear, el } from './dom.js';
import { renderLogin } from './views/login.js';
import { renderSessions } from './views/sessions.js';
import { renderSession } from './views/session.js';
import { renderReview } from './views/review.js';
import { renderMessage } from './views/message.js';
import { renderAudit, renderRetention, renderRecorders } from './views/admin.js';
import { renderDashboard, leaveDashboard } from './views/dashboard.js';
import { setUser, user, seesEverything, isAdmin } from './user.js';

let firstRoute = true;

function loggedIn(me, { fromForm = false } = {}) {
  setUser(me);
  setCsrf(me.csrf);
  $('#nav').hidden = false;
  $('#nav-review').hidden = !seesEverything();
  $('#nav-audit').hidden = !isAdmin();
  $('#nav-retention').hidden = !isAdmin();
  $('#nav-recorders').hidden = !isAdmin();
  $('#logout').hidden = false;
  const who = $('#whoami');
  who.hidden = false;
  clear(who).append(me.display_name || me.username, ' · ', el('span', { i18n: `role.${me.role}` }));
  // after the login form, focus moves to the page's heading (the form and its button are gone)
  if (fromForm) firstRoute = false;
  route();
}

function loggedOut(reasonKey) {
  setUser(null);
  setCsrf(null);
  $('#nav').hidden = true;
  leaveDashboard();
  $('#logout').hidden = true;
  $('#whoami').hidden = true;
  renderLogin($('#main'), { reasonKey, onLogin: (me) => loggedIn(me, { fromForm: true }) });
}

/** Parses "#/sessions/12?x=1" into {path: ['sessions', '12'], query: URLSearchParams}. */
function parseHash() {
  const h = location.hash.startsWith('#/') ? location.hash.slice(2) : '';
  const [p, q] = h.split('?');
  return { path: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q || '') };
}

function route() {
  if (!user()) return;
  const main = $('#main');
  const { path, query } = parseHash();
  const focus = !firstRoute;
  firstRoute = false;
  document.querySelectorAll('#nav a').forEach((a) => a.removeAttribute('aria-current'));
  leaveDashboard();
  if (path.length === 0 || (path.length === 1 && path[0] === 'sessions')) {
    $('#nav-sessions').setAttribute('aria-current', 'page');
    renderSessions(main, { query, focus });
  } else if (path.length === 2 && path[0] === 'sessions' && /^\d+$/.test(path[1])) {
    renderSession(main, { id: Number(path[1]), focus });
  } else if (path.length === 1 && path[0] === 'review') {
    $('#nav-review').setAttribute('aria-current', 'page');
    renderReview(main, { focus });
  } else if (path.length === 1 && path[0] === 'dashboard') {
    $('#nav-dashboard').setAttribute('aria-current', 'page');
    renderDashboard(main, { query, focus });
  } else if (path.length === 2 && path[0] === 'admin' && path[1] === 'audit') {
    $('#nav-audit').setAttribute('aria-current', 'page');
    renderAudit(main, { query, focus });
  } else if (path.length === 2 && path[0] === 'admin' && path[1] === 'retention') {
    $('#nav-retention').setAttribute('aria-current', 'page');
    renderRetention(main, { focus });
  } else if (path.length === 2 && path[0] === 'admin' && path[1] === 'recorders') {
    $('#nav-recorders').setAttribute('aria-current', 'page');
    renderRecorders(main, { focus });
  } else {
    renderMessage(main, { titleKey: 'notfound.title', textKey: 'notfound.text', focus });
  }
}

async function logout() {
  try {
    await api('auth/logout', { method: 'POST', body: {} });
  } catch (e) {
    // the cookie may already be gone; either way we show the login
  }
  announce(t('login.loggedOut'));
  location.hash = '#/';
  loggedOut('login.loggedOut');
}

async function boot() {
  await useLanguage(storedLanguage());
  $('#lang-switch').addEventListener('click', async () => {
    await useLanguage(language() === 'uk' ? 'en' : 'uk');
    announce(t('lang.switched'));
  });
  $('#logout').addEventListener('click', logout);
  // The skip link must not become a hash route.
  $('#skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    $('#main').focus();
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === '' || location.hash.startsWith('#/')) route();
  });
  whenLoggedOut(() => loggedOut('login.expired'));
  try {
    loggedIn(await api('me', { login: true }));
  } catch (e) {
    if (e.status === 401) loggedOut(null);
    else renderMessage($('#main'), { titleKey: 'error.title', textKey: 'error.unreachable', focus: false });
  }
}

boot();
