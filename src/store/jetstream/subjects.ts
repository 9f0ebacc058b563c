// Subjects of the readings stream: wx.readings.<partition>.<sensor>, so a partition's owner reads its partition with
// one filter (2.9 allows one filter subject per consumer) and a sensor's readings are one subject.

/**
 * A sensor name as one subject token: every byte outside A-Z a-z 0-9 _ : - becomes %XX (hex of its UTF-8), so `.`
 * (the token separator), `*`, `>` and `%` itself can never change the subject's shape. Reversible.
 *
 * @example
 *   subjectToken('st.1') // 'st%2E1'
 */
export function subjectToken(sensor: string): string {
  if (SAFE.test(sensor)) return sensor;
  let out = '';
  for (const b of Buffer.from(sensor, 'utf8')) {
    const c = String.fromCharCode(b);
    out += SAFE_CHAR.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The sensor name a subject token encodes (subjectToken's inverse). */
export function sensorOfToken(token: string): string {
  return token.includes('%') ? decodeURIComponent(token) : token;
}

const SAFE = /^[A-Za-z0-9_:-]+$/;
const SAFE_CHAR = /^[A-Za-z0-9_:-]$/;

/** The subject of one sensor's readings. */
export const readingSubject = (prefix: string, partition: number, sensor: string): string =>
  `${prefix}.${partition}.${subjectToken(sensor)}`;

/** The filter subject of one partition's readings. */
export const partitionFilter = (prefix: string, partition: number): string => `${prefix}.${partition}.>`;
