/** Window lengths in config: "7d", "48h", "90m", or a number of days. */
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

export function parseWindow(value: string | number): number {
  if (typeof value === 'number') {
    if (!(value > 0)) throw new RangeError(`window ${value}: must be a positive number of days`);
    return value * UNIT_MS.d!;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$/.exec(value);
  if (!m) throw new RangeError(`window "${value}": expected a length like "7d", "48h" or "2w"`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!(ms > 0)) throw new RangeError(`window "${value}": must be longer than zero`);
  return ms;
}
