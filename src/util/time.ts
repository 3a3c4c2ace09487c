/** Milliseconds in a UTC day: runs are grouped by UTC day (day effects, bad days, the daily tables). */
export const DAY_MS = 86_400_000;
