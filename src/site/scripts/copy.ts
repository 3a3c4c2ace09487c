/**
 * "Copy for bug" buttons: copy the Markdown next to them to the clipboard. When the clipboard is not
 * available (no permission, plain HTTP), open the text box, select its text and say how to copy it.
 */
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
      await navigator.clipboard.writeText(text.value);
      if (status) status.textContent = 'Copied: paste it into the bug.';
    } catch {
      if (details) details.open = true;
      text.focus();
      text.select();
      if (status) status.textContent = 'Could not copy automatically: the text is selected, press Ctrl+C (⌘C on a Mac).';
    }
  });
}
