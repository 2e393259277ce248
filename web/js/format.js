// Dates and times in the browser's own locale and time zone; lengths as clock readings.
import { t, has } from './i18n.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });

export function when(ms) {
  return ms == null ? t('common.none') : dateTime.format(new Date(ms));
}

export function whenExact(ms) {
  return ms == null ? t('common.none') : dateTimeSeconds.format(new Date(ms));
}

export function isoTime(ms) {
  return ms == null ? null : new Date(ms).toISOString();
}

/** 75000 -> "1:15", 3725000 -> "1:02:05". */
export function clock(ms) {
  if (ms == null) return t('common.none');
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export function coverage(fraction) {
  return fraction == null ? t('common.none') : percent.format(fraction);
}

/** The key for an API error code, falling back to a generic message with the HTTP status. */
export function errorKey(err) {
  const key = `error.${err.code}`;
  return has(key) ? key : 'error.generic';
}

export function errorArgs(err) {
  return { status: err.status || '' };
}
