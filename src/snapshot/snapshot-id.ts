/**
 * Snapshot ids are derived from the as-of instant, to the minute, in UTC: "2026-11-28T0600Z".
 * They sort chronologically as strings and are safe as URL and path segments.
 */
const ID_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})Z$/;

export function snapshotIdFor(asOf: Date): string {
  if (Number.isNaN(asOf.getTime())) throw new RangeError('snapshotIdFor: the as-of time is not a valid date');
  const iso = asOf.toISOString(); // 2026-11-28T06:00:00.000Z
  return `${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

export function isSnapshotId(id: string): boolean {
  return ID_PATTERN.test(id);
}
