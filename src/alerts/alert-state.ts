/**
 * What alerts were delivered, kept between runs in the output directory (paths.alerts) and written
 * atomically: the GitHub issue of each regression id (so there is only ever one), the hash of the
 * body it was last given (so an unchanged issue is not touched), and the Slack messages waiting to be
 * sent or already sent (so a failed one is retried next run and a sent one never goes again).
 *
 * A state file that cannot be read is set aside (renamed *.unreadable-<time>) and a fresh state
 * used: issues are found again by their marker (github-issues.ts), so none is opened twice.
 */
import { readFile, rename } from 'node:fs/promises';
import { z } from 'zod';
import { writeAtomic } from '../util/write-atomic.ts';

const stateSchema = z.object({
  version: z.literal(1),
  /**
   * The as-of of the newest snapshot alerts were delivered for. A regression first seen after it is new to the
   * owners even when its snapshot calls it open: the run that first saw it may have failed before alerting.
   */
  lastAsOf: z.string().nullable().optional(),
  github: z.record(
    z.string(),
    z.object({
      /** null: to be opened (the last attempt failed or has not been made). */
      issue: z.number().int().nullable(),
      state: z.enum(['open', 'closed']),
      bodyHash: z.string().nullable(),
      title: z.string(),
    }),
  ),
  slack: z.object({
    outbox: z.array(z.object({ key: z.string(), text: z.string(), queuedAt: z.string() })),
    sent: z.record(z.string(), z.string()),
  }),
});

export type AlertState = z.infer<typeof stateSchema>;

const emptyState = (): AlertState => ({ version: 1, github: {}, slack: { outbox: [], sent: {} } });

export async function readAlertState(file: string, warn: (line: string) => void): Promise<AlertState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw error;
  }
  try {
    return stateSchema.parse(JSON.parse(text));
  } catch (error) {
    const aside = `${file}.unreadable-${Date.now()}`;
    await rename(file, aside);
    warn(
      `alerts: ${file} could not be read (${(error as Error).message.split('\n')[0]}); set aside as ${aside}, starting afresh (issues are found again by their marker)`,
    );
    return emptyState();
  }
}

export async function writeAlertState(file: string, state: AlertState): Promise<void> {
  await writeAtomic(file, `${JSON.stringify(state, null, 1)}\n`);
}
