// The supervisors' dashboard (#/dashboard?from=D&to=D): period cards, headline coverage and talk time,
// the daily trend as a uPlot chart and as a table, per-operator, per-room and hour × weekday tables (each
// with its CSV), and the live board, polled every 5 s. Operators get their own figures (the API filters).
// Everything from the API is set as text.
import { api, ApiError } from '../api.js';
import { el, clear, append } from '../dom.js';
import { t, tr, onLanguageChange } from '../i18n.js';
import { clock, coverage, errorKey, errorArgs, when } from '../format.js';

// Keep in step with uplot.version in the parent pom.
const UPLOT = 'webjars/uplot/1.6.30/dist/';
const LIVE_EVERY_MS = 5000;
const PERIODS = ['today', 'yesterday', 'week', 'month', 'range'];

const change = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' });
const count = new Intl.NumberFormat(undefined);

let livePoll = null;
let redraw = null;
onLanguageChange(() => { if (redraw) redraw(); });

function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!document.querySelector('link[data-uplot]')) {
    document.head.append(el('link', { rel: 'stylesheet', href: `${UPLOT}uPlot.min.css`, 'data-uplot': '' }));
  }
  return new Promise((resolve, reject) => {
    const s = el('script', { src: `${UPLOT}uPlot.iife.min.js` });
    s.addEventListener('load', () => resolve(window.uPlot));
    s.addEventListener('error', () => reject(new ApiError(0, 'chart')));
    document.head.append(s);
  });
}

function csvHref(table, range) {
  const q = new URLSearchParams(range);
  return `api/v1/analytics/${table}.csv?${q}`;
}

/** A panel with a heading, its CSV link and a body that is filled later. */
function panel(id, titleKey, range, csvTable) {
  const body = el('div', { class: 'panel-body', id: `${id}-body` });
  const csv = el('a', { class: 'csv-link', id: `${id}-csv`, href: csvHref(csvTable, range), download: '', i18n: 'dash.csv' });
  const head = el('div', { class: 'panel-head' }, el('h2', { id: `${id}-title`, i18n: titleKey }), csv);
  return {
    node: el('section', { class: 'panel dash-panel', id, 'aria-labelledby': `${id}-title` }, head, body),
    body,
    // the CSV for the range the server settled on (the default is the last 30 days)
    settle(r) { csv.href = csvHref(csvTable, r); },
  };
}

/** A scrollable table (keyboard reachable) with translated headers and text-only cells. */
function table(id, captionKey, headKeys, rows) {
  const tbl = el('table', { class: 'figures', id: `${id}-table` },
    el('caption', { class: 'visually-hidden', i18n: captionKey }),
    el('thead', {}, el('tr', {}, headKeys.map((k, i) => el('th', { scope: 'col', class: i ? 'num' : null, i18n: k })))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c, i) => (i === 0
      ? el('th', { scope: 'row' }, c)
      : el('td', { class: 'num' }, c)))))));
  return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': `${id}-title` }, tbl);
}

function share(v) {
  return coverage(v);
}

function changeText(v) {
  return v == null ? t('common.none') : change.format(v);
}

function dayText(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(y, m - 1, d));
}

function periodCard(row) {
  const dir = row.change_sessions == null ? 'flat' : row.change_sessions > 0 ? 'up' : row.change_sessions < 0 ? 'down' : 'flat';
  return el('li', { class: 'period', dataset: { period: row.period } },
    el('h3', { class: 'period-name', i18n: `period.${row.period}` }),
    el('p', { class: 'period-dates', text: row.from === row.to ? dayText(row.from) : `${dayText(row.from)} – ${dayText(row.to)}` }),
    el('p', { class: 'period-sessions' },
      el('span', { class: 'period-value', text: count.format(row.sessions) }), ' ',
      el('span', { i18n: 'dash.sessions' })),
    el('p', { class: `period-change change-${dir}` },
      el('span', { class: 'change-value', text: changeText(row.change_sessions) }), ' ',
      el('span', { i18n: 'dash.vsPrevious', i18nArgs: { count: row.previous_sessions } })),
    el('dl', { class: 'facts' },
      el('dt', { i18n: 'dash.talk' }), el('dd', { class: 'period-talk', text: clock(row.talk_ms) }),
      el('dt', { i18n: 'dash.coverage' }), el('dd', { class: 'period-coverage', text: coverage(row.coverage) })));
}

function headline(range) {
  const fig = (cls, key, value) => el('div', { class: `headline ${cls}` },
    el('p', { class: 'headline-value', text: value }), el('p', { class: 'headline-label', i18n: key }));
  return el('div', { class: 'headlines', id: 'headlines' },
    fig('headline-coverage', 'dash.headline.coverage', coverage(range.coverage)),
    fig('headline-talk', 'dash.headline.talk', clock(range.talk_ms)),
    fig('headline-average', 'dash.headline.average', clock(range.average_ms)),
    fig('headline-errors', 'dash.headline.errors', share(range.error_share)));
}

function chart(uPlot, host, rows) {
  const xs = rows.map((r) => {
    const [y, m, d] = r.day.split('-').map(Number);
    return new Date(y, m - 1, d).getTime() / 1000;
  });
  // The second line is the technical-error rate (% of finished recordings), on its own axis: a rising
  // rate is recording trouble, whatever the day's volume.
  const rate = (r) => (r.error_share == null ? null : Math.round(r.error_share * 1000) / 10);
  const data = [xs, rows.map((r) => r.sessions), rows.map(rate)];
  let plot = null;
  function draw() {
    if (plot) plot.destroy();
    clear(host);
    const width = Math.max(240, host.clientWidth || 320);
    plot = new uPlot({
      width,
      height: 220,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] }, pct: { range: [0, 100] } },
      series: [
        { label: t('dash.day') },
        { label: t('dash.sessions'), stroke: '#0b5cad', width: 2, points: { show: true, size: 6 } },
        { label: t('dash.errorRate'), scale: 'pct', stroke: '#b3261e', width: 2, dash: [6, 4], points: { show: true, size: 5 },
          value: (u, v) => (v == null ? '—' : `${v} %`) },
      ],
      axes: [{}, { values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? String(v) : '')) },
        { scale: 'pct', side: 1, grid: { show: false }, values: (u, ticks) => ticks.map((v) => `${v} %`) }],
    }, data, host);
    window.zvChart = plot;
  }
  draw();
  const ro = new ResizeObserver(() => {
    if (!host.isConnected) { ro.disconnect(); return; }
    if (plot && Math.abs(plot.width - host.clientWidth) > 8) plot.setSize({ width: Math.max(240, host.clientWidth), height: 220 });
  });
  ro.observe(host);
  return draw;
}

function dailyPanel(p, data, uPlot) {
  const rows = data.rows;
  const host = el('div', { class: 'chart', id: 'daily-chart', role: 'img', i18nAttr: 'aria-label:dash.chart.label' });
  clear(p.body).append(host, table('daily', 'dash.daily', ['dash.day', 'dash.sessions', 'dash.talk', 'dash.average', 'dash.errors',
    'dash.errorShare', 'dash.coverage'], rows.map((r) => [
    el('time', { datetime: r.day, text: dayText(r.day) }), count.format(r.sessions), clock(r.talk_ms), clock(r.average_ms),
    count.format(r.technical_errors), share(r.error_share), coverage(r.coverage)])));
  if (uPlot) redraw = chart(uPlot, host, rows);
  else tr(host, 'dash.chart.failed');
}

function figuresRow(name, r) {
  return [name, count.format(r.sessions), clock(r.talk_ms), clock(r.average_ms), share(r.error_share), coverage(r.coverage)];
}

const FIGURE_HEAD = ['dash.sessions', 'dash.talk', 'dash.average', 'dash.errorShare', 'dash.coverage'];

function listPanel(p, id, nameKey, emptyKey, rows, nameOf) {
  if (!rows.length) clear(p.body).append(el('p', { class: 'muted', i18n: emptyKey }));
  else clear(p.body).append(table(id, `dash.${id === 'operators' ? 'byOperator' : 'byRoom'}`, [nameKey, ...FIGURE_HEAD],
    rows.map((r) => figuresRow(nameOf(r), r))));
}

function hourPanel(p, rows) {
  const max = Math.max(1, ...rows.map((r) => r.sessions));
  const cell = {};
  rows.forEach((r) => { cell[`${r.weekday}-${r.hour}`] = r.sessions; });
  const days = [1, 2, 3, 4, 5, 6, 7];
  const tbl = el('table', { class: 'figures heat', id: 'hours-table' },
    el('caption', { class: 'visually-hidden', i18n: 'dash.byHour' }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', i18n: 'dash.hour' }),
      days.map((d) => el('th', { scope: 'col', class: 'num', i18n: `weekday.${d}` })))),
    el('tbody', {}, Array.from({ length: 24 }, (_, h) => el('tr', {},
      el('th', { scope: 'row', text: `${String(h).padStart(2, '0')}:00` }),
      days.map((d) => {
        const n = cell[`${d}-${h}`] || 0;
        const td = el('td', { class: n ? 'num' : 'num zero', text: String(n) });
        // heat: a stronger blue for busier hours (the number is always written too)
        if (n) td.style.backgroundColor = `rgba(11, 92, 173, ${(0.12 + 0.75 * (n / max)).toFixed(3)})`;
        if (n / max > 0.55) td.classList.add('hot');
        return td;
      })))));
  clear(p.body).append(el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'hours-title' }, tbl));
}

function rangeForm(range) {
  const form = el('form', { id: 'dash-range', class: 'dash-range' },
    el('div', { class: 'field' }, el('label', { for: 'dash-from', i18n: 'filter.from' }),
      el('input', { id: 'dash-from', name: 'from', type: 'date', value: range.from || '', required: true })),
    el('div', { class: 'field' }, el('label', { for: 'dash-to', i18n: 'filter.to' }),
      el('input', { id: 'dash-to', name: 'to', type: 'date', value: range.to || '', required: true })),
    el('div', { class: 'filter-buttons' }, el('button', { type: 'submit', class: 'primary', id: 'dash-apply', i18n: 'dash.apply' })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ from: form.elements.from.value, to: form.elements.to.value });
    const next = `#/dashboard?${q}`;
    if (location.hash === next) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = next;
  });
  return form;
}

function liveRoom(r) {
  return el('li', { class: `live-room${r.alert ? ' live-alerting' : ''}`, dataset: { room: r.room } },
    el('h3', { class: 'live-name', text: r.room }),
    el('dl', { class: 'facts' },
      el('dt', { i18n: 'live.state' }), el('dd', {}, el('span', { i18n: `live.phase.${r.phase}` })),
      el('dt', { i18n: 'session.operator' }), el('dd', { text: r.operator_name || t('common.none') }),
      el('dt', { i18n: 'live.people' }), el('dd', { i18n: 'live.peopleValue', i18nArgs: { staff: r.staff, clients: r.clients } }),
      el('dt', { i18n: 'live.since' }), el('dd', { text: when(r.since_ms) }),
      el('dt', { i18n: 'session.recording' }),
      el('dd', { class: r.recording ? 'live-rec on' : 'live-rec off', i18n: r.recording ? 'live.recording' : 'live.notRecording' })));
}

function startLive(section) {
  const alerts = section.querySelector('#live-alerts');
  const list = section.querySelector('#live-rooms');
  const status = section.querySelector('#live-status');
  let shown = '';
  async function poll() {
    if (!section.isConnected) { stopLive(); return; }
    try {
      const board = await api('live');
      if (!section.isConnected) return;
      const withAlert = board.rooms.filter((r) => r.alert);
      // the alert region is only rewritten when the alerts change, so a screen reader hears each once
      const key = JSON.stringify(withAlert.map((r) => [r.room, r.session, r.alert.reason]));
      if (key !== shown) {
        shown = key;
        append(clear(alerts), withAlert.map((r) => el('p', { class: 'live-alert' },
          el('strong', { i18n: `live.alert.${r.alert.reason}` }), ' ',
          el('span', { class: 'live-alert-room', text: r.room }), ' · ',
          el('span', { i18n: 'live.alertSince', i18nArgs: { when: when(r.alert.since_ms) } }))));
      }
      append(clear(list), board.rooms.map(liveRoom));
      tr(status, board.rooms.length ? 'live.count' : 'live.empty', { count: board.rooms.length, when: when(board.now_ms) });
    } catch (err) {
      tr(status, errorKey(err), errorArgs(err));
    }
  }
  stopLive();
  poll();
  livePoll = setInterval(poll, LIVE_EVERY_MS);
}

function stopLive() {
  if (livePoll) clearInterval(livePoll);
  livePoll = null;
}

function livePanel() {
  return el('section', { class: 'panel dash-panel live', id: 'live', 'aria-labelledby': 'live-title' },
    el('h2', { id: 'live-title', i18n: 'live.title' }),
    el('div', { id: 'live-alerts', class: 'live-alerts', role: 'alert' }),
    el('p', { id: 'live-status', class: 'muted', i18n: 'list.loading' }),
    el('ul', { id: 'live-rooms', class: 'live-rooms' }));
}

export function renderDashboard(main, { query, focus }) {
  stopLive();
  redraw = null;
  const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');
  const range = {};
  if (isDate(query.get('from'))) range.from = query.get('from');
  if (isDate(query.get('to'))) range.to = query.get('to');
  const h1 = el('h1', { i18n: 'dash.title', tabindex: '-1' });
  const status = el('p', { id: 'dash-status', class: 'list-status', role: 'status', i18n: 'list.loading' });
  const form = el('div', { class: 'filter-box' }, rangeForm(range));
  const periods = el('ul', { class: 'periods', id: 'periods' });
  const heads = el('div', { id: 'headline-box' });
  const daily = panel('daily', 'dash.daily', range, 'daily');
  const ops = panel('operators', 'dash.byOperator', range, 'by-operator');
  const rooms = panel('rooms', 'dash.byRoom', range, 'by-room');
  const hours = panel('hours', 'dash.byHour', range, 'by-hour');
  const summary = panel('summary', 'dash.periods', range, 'summary');
  summary.body.append(heads, periods);
  const live = livePanel();
  const own = el('p', { class: 'notice', id: 'dash-own', i18n: 'dash.ownOnly', hidden: true });
  clear(main).append(el('section', { class: 'dashboard' }, h1, own, form, status, live, summary.node, daily.node,
    el('div', { class: 'dash-grid' }, ops.node, rooms.node), hours.node));
  if (focus) h1.focus();
  startLive(live);

  const get = (name) => api(`analytics/${name}`, { query: range });
  Promise.all([get('summary'), get('daily'), get('by-operator'), get('by-room'), get('by-hour'), loadUplot().catch(() => null)])
    .then(([sum, day, byOp, byRoom, byHour, uPlot]) => {
      if (!h1.isConnected) return;
      const r = { from: day.from, to: day.to };
      form.querySelector('#dash-from').value = r.from;
      form.querySelector('#dash-to').value = r.to;
      [summary, daily, ops, rooms, hours].forEach((p) => p.settle(r));
      own.hidden = !day.own_only;
      const byName = Object.fromEntries(sum.rows.map((row) => [row.period, row]));
      append(clear(periods), PERIODS.filter((p) => byName[p]).map((p) => periodCard(byName[p])));
      clear(heads).append(headline(byName.range));
      dailyPanel(daily, day, uPlot);
      listPanel(ops, 'operators', 'session.operator', 'dash.noData', byOp.rows,
        (o) => o.operator_name || o.operator_jid || o.operator_user_id || t('common.none'));
      listPanel(rooms, 'rooms', 'dash.room', 'dash.noData', byRoom.rows, (o) => o.room);
      hourPanel(hours, byHour.rows);
      tr(status, 'dash.loaded', { from: dayText(r.from), to: dayText(r.to) });
    })
    .catch((err) => {
      if (h1.isConnected) tr(status, errorKey(err), errorArgs(err));
    });
}

export { stopLive as leaveDashboard };
