/**
 * "Copy for bug" buttons: copy the Markdown next to them to the clipboard. When the clipboard is not
 * available (no permission, plain HTTP), open the text box, select its text and say how to copy it.
 */
/** How long a clipboard write may take before the text is selected for the reader to copy instead. */
const WRITE_TIMEOUT_MS = 4000;

/** `write`, or a rejection once `ms` have passed without it settling; a late failure of `write` is not reported. */
function settledWithin(write: Promise<void>, ms: number): Promise<void> {
  write.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('clipboard write did not settle')), ms);
  });
  return Promise.race([write, late]).finally(() => clearTimeout(timer));
}

for (const box of document.querySelectorAll<HTMLElement>('[data-copy-bug]')) {
  const button = box.querySelector<HTMLButtonElement>('[data-copy-button]');
  const text = box.querySelector<HTMLTextAreaElement>('textarea');
  const status = box.querySelector<HTMLElement>('[data-copy-status]');
  const details = box.querySelector<HTMLDetailsElement>('details');
  if (!button || !text) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      // A write can wait on the browser without end (seen in headless Chromium in test runs): after a few
      // seconds the reader gets the text selected instead of nothing.
      await settledWithin(navigator.clipboard.writeText(text.value), WRITE_TIMEOUT_MS);
      if (status) status.textContent = 'Copied: paste it into the bug.';
    } catch {
      if (details) details.open = true;
      text.focus();
      text.select();
      if (status) status.textContent = 'Could not copy automatically: the text is selected, press Ctrl+C (⌘C on a Mac).';
    }
  });
}
