/**
 * Text from the data is shown as text, and some characters cannot be: C0 control characters are
 * not allowed in HTML or XML 1.0 (NUL, the ESC of terminal colours, a bell), and bidirectional
 * overrides reorder what a reader sees ("gnp.exe" shown as "exe.png"). Each becomes a visible
 * stand-in instead: the Unicode Control Pictures (␀ ␛ ␇), or ⟨U+202E⟩ for a bidi control.
 * Tab, line feed and carriage return stay.
 */

const UNSHOWABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069\ufffe\uffff]/g;

function standIn(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

export function showable(text: string): string {
  return text.replace(UNSHOWABLE, standIn);
}

/** Every string in a JSON-like value made showable, in place; returns the value. */
export function showableDeep<T>(value: T): T {
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return showable(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = visit(v[i]);
      return v;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = visit(o[k]);
      return o;
    }
    return v;
  };
  return visit(value) as T;
}
