// UTC offsets as people write them ("+08:00", "-05:30"): one parser for the server's stationUtcOffset and the
// replay's calendar-field offsets.

const OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/** "+08:00" -> 480 minutes; throws RangeError for anything else (hours 0..14, minutes 0..59). */
export function parseUtcOffset(offset: string): number {
  const m = OFFSET.exec(offset);
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) throw new RangeError(`utcOffset must look like +08:00 or -05:30; got "${offset}"`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}
