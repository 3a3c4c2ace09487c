/**
 * Job names, build ids and object names come from the bucket and are untrusted. Nothing derived from
 * them may escape the cache or output directory, so every path segment built from them passes here.
 */
import path from 'node:path';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+@=-]{0,254}$/;

/** A single path segment (job name, build id) safe to use as a file or directory name. */
export function isSafeSegment(value: string): boolean {
  return SEGMENT.test(value) && value !== '.' && value !== '..' && !value.includes('..');
}

export function assertSafeSegment(value: string, what: string): string {
  if (!isSafeSegment(value)) {
    throw new Error(`unsafe ${what} ${JSON.stringify(value.slice(0, 200))}: only letters, digits and . _ + @ = - are allowed, and no ".."`);
  }
  return value;
}

/** A bucket-relative object name: no absolute paths, no '..' or '.' segments, no backslashes or control characters. */
export function isSafeObjectName(name: string): boolean {
  if (name.length === 0 || name.length > 1024) return false;
  if (name.startsWith('/') || name.includes('\\') || /[\u0000-\u001f\u007f]/.test(name)) return false;
  return name.split('/').every((segment, i, all) => segment !== '..' && segment !== '.' && (segment !== '' || i === all.length - 1));
}

/** Join under a root and prove the result stays inside it. */
export function resolveInside(root: string, ...segments: string[]): string {
  const base = path.resolve(root);
  const target = path.resolve(base, ...segments);
  if (target !== base && !target.startsWith(base + path.sep)) {
    throw new Error(`path ${JSON.stringify(segments.join('/'))} would escape ${base}`);
  }
  return target;
}

/** Build ids are decimal numbers. */
export function isBuildId(value: string): boolean {
  return /^\d{1,30}$/.test(value);
}
