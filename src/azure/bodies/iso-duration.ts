// Durations as Azure ML's SDK sends them: YAML integers (milliseconds for `*_ms` keys, seconds elsewhere)
// written as ISO-8601 by Python's isodate (`PT0.5S`, `PT1M30S`, `P1DT1H1M1S`). A value of 0 is dropped, as
// the SDK tests it for truthiness.

const MICROS_PER_SECOND = 1_000_000;

/** isodate's duration_isoformat of a timedelta of `micros` microseconds; undefined for 0 (not sent). */
export function isoDurationFromMicros(micros: number): string | undefined {
  if (!Number.isFinite(micros) || micros === 0) return undefined;
  let rest = Math.round(Math.abs(micros));
  const days = Math.floor(rest / (86_400 * MICROS_PER_SECOND));
  rest -= days * 86_400 * MICROS_PER_SECOND;
  const hours = Math.floor(rest / (3_600 * MICROS_PER_SECOND));
  rest -= hours * 3_600 * MICROS_PER_SECOND;
  const minutes = Math.floor(rest / (60 * MICROS_PER_SECOND));
  rest -= minutes * 60 * MICROS_PER_SECOND;
  const seconds = Math.floor(rest / MICROS_PER_SECOND);
  const fraction = rest - seconds * MICROS_PER_SECOND;
  let text = 'P';
  if (days > 0) text += `${days}D`;
  if (hours || minutes || seconds || fraction) {
    text += 'T';
    if (hours) text += `${hours}H`;
    if (minutes) text += `${minutes}M`;
    if (seconds || fraction) {
      text += fraction
        ? `${seconds}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}S`
        : `${seconds}S`;
    }
  }
  return micros < 0 ? `-${text}` : text;
}

export function isoDurationFromMs(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : isoDurationFromMicros(ms * 1000);
}

export function isoDurationFromSeconds(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : isoDurationFromMicros(seconds * MICROS_PER_SECOND);
}

const ISO_DURATION =
  /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/**
 * Milliseconds of an ISO-8601 duration (days as 24 h; years and months approximated), for comparing what
 * Azure returns (`PT90S`) with what was sent (`PT1M30S`). undefined when it is not a duration.
 */
export function parseIsoDurationMs(text: string): number | undefined {
  const m = ISO_DURATION.exec(text.trim());
  if (!m || text.trim() === 'P' || /T$/i.test(text.trim())) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const seconds =
    n(2) * 365 * 86_400 +
    n(3) * 30 * 86_400 +
    n(4) * 7 * 86_400 +
    n(5) * 86_400 +
    n(6) * 3_600 +
    n(7) * 60 +
    n(8);
  return Math.round(seconds * 1000) * (m[1] ? -1 : 1);
}
