/**
 * A small HTML tokenizer for tests: finds the real tags of a page (not text that merely looks like
 * a tag inside an attribute value or escaped text), so an escaping test can tell `<script>` markup
 * from the harmless characters of an attribute. Enough for the well-formed output Astro writes
 * (every attribute value quoted); not a general parser.
 */
export interface Tag {
  name: string;
  closing: boolean;
  attrs: Map<string, string>;
  /** Offset of '<' in the document. */
  at: number;
}

const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);

export function tags(html: string): Tag[] {
  const out: Tag[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html[lt + 1] === '!' || html[lt + 1] === '?') {
      i = html.indexOf('>', lt) + 1 || html.length;
      continue;
    }
    const closing = html[lt + 1] === '/';
    let j = lt + (closing ? 2 : 1);
    const nameMatch = /^[A-Za-z][A-Za-z0-9-]*/.exec(html.slice(j, j + 64));
    if (!nameMatch) {
      i = lt + 1; // a '<' in text (escaped output never has one, but be lenient)
      continue;
    }
    const name = nameMatch[0].toLowerCase();
    j += nameMatch[0].length;
    const attrs = new Map<string, string>();
    while (j < html.length && html[j] !== '>') {
      if (/[\s/]/.test(html[j]!)) {
        j++;
        continue;
      }
      const attr = /^[^\s=/>]+/.exec(html.slice(j, j + 256));
      if (!attr) throw new Error(`html: cannot read an attribute at ${j}: ${html.slice(j, j + 40)}`);
      j += attr[0].length;
      let value = '';
      if (html[j] === '=') {
        j++;
        const quote = html[j];
        if (quote === '"' || quote === "'") {
          const end = html.indexOf(quote, j + 1);
          if (end < 0) throw new Error(`html: unterminated attribute value at ${j}`);
          value = html.slice(j + 1, end);
          j = end + 1;
        } else {
          const m = /^[^\s>]*/.exec(html.slice(j))!;
          value = m[0];
          j += value.length;
        }
      }
      attrs.set(attr[0].toLowerCase(), value);
    }
    out.push({ name, closing, attrs, at: lt });
    i = j + 1;
    if (!closing && RAW_TEXT.has(name)) {
      const end = html.toLowerCase().indexOf(`</${name}`, i);
      i = end < 0 ? html.length : end;
    }
  }
  return out;
}

/** Decode the few entities Astro writes, for comparing attribute values with data. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    return String.fromCodePoint(k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10));
  });
}
