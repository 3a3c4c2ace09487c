/**
 * The search page's behaviour: loads pagefind's own module from the site (never from another origin)
 * and lists results as text. Result titles and details are data, so they are set with textContent.
 */
interface PagefindResultData {
  url: string;
  meta: Record<string, string | undefined>;
}
interface PagefindModule {
  options(options: { baseUrl?: string }): Promise<void>;
  init(): Promise<void>;
  search(query: string, options?: { filters?: Record<string, string> }): Promise<{ results: { data(): Promise<PagefindResultData> }[] }>;
}

const MAX_RESULTS = 50;

const form = document.querySelector<HTMLFormElement>('[data-search-form]');
const status = document.querySelector<HTMLElement>('[data-search-status]');
const list = document.querySelector<HTMLOListElement>('[data-search-results]');
document.querySelector<HTMLElement>('[data-search-nojs]')?.setAttribute('hidden', '');

let engine: Promise<PagefindModule> | undefined;
function loadEngine(url: string): Promise<PagefindModule> {
  // The index is written after the Astro build, so the bundler must not try to resolve it.
  engine ??= (import(/* @vite-ignore */ url) as Promise<PagefindModule>).then(async (m) => {
    // Records carry full site paths built like links.ts builds them (base included); pagefind would
    // otherwise prefix its own guess of the base a second time.
    await m.options({ baseUrl: '/' });
    await m.init();
    return m;
  });
  return engine;
}

function say(text: string): void {
  if (status) status.textContent = text;
}

async function run(query: string, kind: string): Promise<void> {
  if (!form || !list) return;
  list.replaceChildren();
  if (query.trim() === '') {
    say('Type part of a job or test name.');
    return;
  }
  say('Searching…');
  let pagefind: PagefindModule;
  try {
    pagefind = await loadEngine(form.dataset.pagefind ?? '');
  } catch {
    say('The search index could not be loaded. The jobs and tests pages list everything.');
    return;
  }
  const found = await pagefind.search(query, kind ? { filters: { kind } } : {});
  const shown = await Promise.all(found.results.slice(0, MAX_RESULTS).map((r) => r.data()));
  for (const result of shown) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    // Our own index holds only site-relative URLs; anything else is not shown as a link.
    if (result.url.startsWith('/')) link.href = result.url;
    link.textContent = result.meta.title ?? result.url;
    const kindLabel = document.createElement('span');
    kindLabel.className = 'result-kind';
    kindLabel.textContent = result.meta.kind === 'job' ? 'Job' : 'Test';
    item.append(kindLabel, ' ', link);
    if (result.meta.detail) {
      const detail = document.createElement('p');
      detail.className = 'result-detail';
      detail.textContent = result.meta.detail;
      item.append(detail);
    }
    list.append(item);
  }
  const total = found.results.length;
  say(total === 0 ? `Nothing matches “${query}”.` : `${total} result${total === 1 ? '' : 's'}${total > MAX_RESULTS ? `, first ${MAX_RESULTS} shown` : ''}.`);
}

if (form) {
  const input = form.querySelector<HTMLInputElement>('input[name="q"]');
  const select = form.querySelector<HTMLSelectElement>('select[name="kind"]');
  const params = new URLSearchParams(location.search);
  if (input) input.value = params.get('q') ?? '';
  if (select) select.value = params.get('kind') ?? '';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input?.value ?? '';
    const kind = select?.value ?? '';
    const next = new URLSearchParams();
    if (q) next.set('q', q);
    if (kind) next.set('kind', kind);
    history.replaceState(null, '', `${location.pathname}${next.size ? `?${next.toString()}` : ''}`);
    void run(q, kind);
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  input?.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(input.value, select?.value ?? ''), 250);
  });
  if (input?.value) void run(input.value, select?.value ?? '');
}
