/**
 * Sorting and filtering for `table[data-sortable]` and its `[data-filter-for]` controls. Bundled as a
 * file (the CSP allows no inline script); without it the table is complete, in its server order.
 *
 * Sort keys: a cell's data-value when present (rates, deltas, status rank), else its text. Header
 * cells say how to compare with data-sort="text" or "number"; sorting is announced through aria-sort
 * on the header, and the button inside it is what keyboard users press.
 */

type Kind = 'text' | 'number';

function cellKey(cell: Element | undefined, kind: Kind): string | number {
  if (!cell) return kind === 'number' ? Number.NEGATIVE_INFINITY : '';
  const raw = cell instanceof HTMLElement && cell.dataset.value !== undefined ? cell.dataset.value : (cell.textContent ?? '');
  if (kind === 'text') return raw.trim().toLowerCase();
  if (raw.trim() === '') return Number.NEGATIVE_INFINITY; // unknown rates sort last when descending
  const n = Number(raw.replace(/[,%\s]/g, '').replace('\u2212', '-'));
  return Number.isFinite(n) ? n : Number.NEGATIVE_INFINITY;
}

function enhanceSort(table: HTMLTableElement): void {
  const head = table.tHead?.rows[0];
  const body = table.tBodies[0];
  if (!head || !body) return;
  const original = [...body.rows];
  const headers = [...head.cells];
  headers.forEach((th, column) => {
    const kind = th.dataset.sort as Kind | undefined;
    if (kind !== 'text' && kind !== 'number') return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort-button';
    // Move the header's content into the button so its accessible name stays the column name.
    while (th.firstChild) button.append(th.firstChild);
    const arrow = document.createElement('span');
    arrow.className = 'sort-arrow';
    arrow.setAttribute('aria-hidden', 'true');
    button.append(arrow);
    th.append(button);
    button.addEventListener('click', () => {
      // Numbers start high to low (worst rates last is rarely wanted first), names A to Z.
      const current = th.getAttribute('aria-sort');
      const ascending = current ? current !== 'ascending' : kind === 'text';
      for (const other of headers) {
        other.removeAttribute('aria-sort');
        const a = other.querySelector('.sort-arrow');
        if (a) a.textContent = '';
      }
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      arrow.textContent = ascending ? ' ▲' : ' ▼';
      const keyed = original.map((row, index) => ({ row, index, key: cellKey(row.cells[column], kind) }));
      keyed.sort((x, y) => {
        const order = x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
        return (ascending ? order : -order) || x.index - y.index;
      });
      body.append(...keyed.map((k) => k.row));
    });
  });
}

function enhanceFilter(box: HTMLElement): void {
  const table = document.getElementById(box.dataset.filterFor ?? '');
  const body = table instanceof HTMLTableElement ? table.tBodies[0] : undefined;
  if (!body) return;
  const text = box.querySelector<HTMLInputElement>('[data-filter-text]');
  const status = box.querySelector<HTMLSelectElement>('[data-filter-status]');
  const counter = box.querySelector<HTMLElement>('[data-filter-count]');
  const rows = [...body.rows];
  // Row text once: name, variant and the rest of the visible cells.
  const haystack = new Map(rows.map((r) => [r, (r.textContent ?? '').toLowerCase()]));
  const apply = (): void => {
    const terms = (text?.value ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const wanted = status?.value ?? '';
    let shown = 0;
    for (const row of rows) {
      const hay = haystack.get(row) ?? '';
      const visible = terms.every((t) => hay.includes(t)) && (!wanted || row.dataset.status === wanted);
      row.hidden = !visible;
      if (visible) shown++;
    }
    if (counter) counter.textContent = `Showing ${shown} of ${rows.length}`;
  };
  text?.addEventListener('input', apply);
  status?.addEventListener('change', apply);
  box.hidden = false;
  apply();
}

for (const table of document.querySelectorAll<HTMLTableElement>('table[data-sortable]')) enhanceSort(table);
for (const box of document.querySelectorAll<HTMLElement>('[data-filter-for]')) enhanceFilter(box);
