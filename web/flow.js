// A small live view of the sessions the sidecar records, over GET api/v1/sessions.
(function () {
  'use strict';
  var T = {
    uk: { intro: 'Сесії, які записує Zentrix Video, найновіші першими. Повний архів з входом і ролями — незабаром.',
          token: 'Токен адміністратора', show: 'Показати', started: 'Початок', room: 'Кімната', operator: 'Оператор',
          client: 'Клієнт', duration: 'Тривалість', status: 'Статус', coverage: 'Покриття', loading: 'Завантаження…',
          none: 'Сесій ще немає.', denied: 'Токен не підходить.', failed: 'Не вдалося завантажити: ',
          ok: 'записано', recording: 'йде запис', starting: 'запуск запису', stopping: 'завершення',
          technical_error: 'технічна помилка', deleted: 'видалено', lang: 'EN' },
    en: { intro: 'Sessions recorded by Zentrix Video, newest first. The full archive with login and roles is coming.',
          token: 'Admin token', show: 'Show', started: 'Started', room: 'Room', operator: 'Operator',
          client: 'Client', duration: 'Duration', status: 'Status', coverage: 'Coverage', loading: 'Loading…',
          none: 'No sessions yet.', denied: 'That token is not accepted.', failed: 'Could not load: ',
          ok: 'recorded', recording: 'recording', starting: 'starting', stopping: 'finishing',
          technical_error: 'technical error', deleted: 'deleted', lang: 'УКР' }
  };
  var lang = localStorage.getItem('zv-lang') || 'uk';
  var last = null;
  function t(k) { return T[lang][k] || k; }
  function render() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.dataset.i18n); });
    document.getElementById('lang').textContent = t('lang');
    if (last) fill(last);
  }
  function dur(ms) {
    if (ms == null) return '—';
    var s = Math.round(ms / 1000), m = Math.floor(s / 60);
    return m + ':' + String(s % 60).padStart(2, '0');
  }
  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text == null ? '—' : text;  // text, never HTML
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function fill(items) {
    var tbody = document.querySelector('#sessions tbody');
    tbody.replaceChildren();
    items.forEach(function (s) {
      var tr = document.createElement('tr');
      cell(tr, new Date(s.started_ms).toLocaleString(lang === 'uk' ? 'uk-UA' : 'en-GB'));
      cell(tr, s.room_name);
      cell(tr, s.operator_name || s.operator_jid);
      cell(tr, s.client_name);
      cell(tr, dur(s.duration_ms));
      cell(tr, t(s.status) + (s.reason ? ' (' + s.reason + ')' : ''), 'status-' + s.status);
      cell(tr, s.coverage == null ? null : Math.round(s.coverage * 100) + '%');
      tbody.appendChild(tr);
    });
    document.getElementById('sessions').hidden = items.length === 0;
    document.getElementById('state').textContent = items.length ? '' : t('none');
  }
  function load() {
    var token = sessionStorage.getItem('zv-token');
    if (!token) return;
    document.getElementById('state').textContent = t('loading');
    fetch('api/v1/sessions?limit=100', { headers: { Authorization: 'Bearer ' + token } })
      .then(function (r) {
        if (r.status === 401) throw new Error(t('denied'));
        if (!r.ok) throw new Error(t('failed') + r.status);
        return r.json();
      })
      .then(function (body) { last = body.items; fill(last); })
      .catch(function (e) { document.getElementById('state').textContent = e.message; });
  }
  document.getElementById('auth').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem('zv-token', document.getElementById('token').value);
    load();
  });
  document.getElementById('lang').addEventListener('click', function () {
    lang = lang === 'uk' ? 'en' : 'uk';
    localStorage.setItem('zv-lang', lang);
    render();
  });
  render();
  load();
  setInterval(load, 5000);
})();
