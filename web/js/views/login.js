// The login form: username, password, and which account it is (ours or the Jitsi server's).
import { api } from '../api.js';
import { el, blank, clear } from '../dom.js';
import { tr } from '../i18n.js';
import { errorKey, errorArgs } from '../format.js';

export function renderLogin(main, { reasonKey, onLogin }) {
  const error = el('p', { id: 'login-error', class: 'form-error', role: 'alert' });
  const notice = reasonKey ? el('p', { class: 'notice', i18n: reasonKey }) : null;
  const username = el('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false' });
  const password = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password',
    required: true });
  const method = (value, key, checked) => el('label', { class: 'choice' },
    el('input', { type: 'radio', name: 'method', value, checked, id: `login-method-${value}` }),
    el('span', { i18n: key }));
  const submit = el('button', { type: 'submit', id: 'login-submit', class: 'primary', i18n: 'login.submit' });
  const form = el('form', { id: 'login-form', class: 'login-form', novalidate: true },
    el('div', { class: 'field' }, el('label', { for: 'login-username', i18n: 'login.username' }), username),
    el('div', { class: 'field' }, el('label', { for: 'login-password', i18n: 'login.password' }), password),
    el('fieldset', { class: 'choices' }, el('legend', { i18n: 'login.method' }),
      method('local', 'login.method.local', true), method('jitsi', 'login.method.jitsi', false)),
    error,
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    blank(error);
    if (!username.value.trim() || !password.value) {
      tr(error, 'login.missing');
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const me = await api('auth/login', {
        method: 'POST', login: true,
        body: { username: username.value.trim(), password: password.value, method: form.elements.method.value },
      });
      onLogin(me);
    } catch (err) {
      tr(error, errorKey(err), errorArgs(err));
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  clear(main).append(el('section', { class: 'login' },
    el('h1', { i18n: 'login.title', tabindex: '-1' }), el('p', { class: 'lead', i18n: 'login.lead' }), notice, form));
}
