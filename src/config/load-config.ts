/** Finds, reads and validates the config; every failure names the file and the field. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { configSchema, type RatchetConfig } from './config-schema.ts';
import { UsageError } from '../util/errors.ts';

const CONFIG_FILE_NAMES = ['ratchet.config.json', 'ratchet.config.ts', 'ratchet.config.mjs'];

export interface LoadedConfig {
  config: RatchetConfig;
  /** The file it came from, or null for defaults. */
  file: string | null;
  /** Relative paths in the config are resolved against this directory. */
  baseDir: string;
}

export async function loadConfig(explicitPath: string | undefined, cwd: string = process.cwd()): Promise<LoadedConfig> {
  let file: string | null = null;
  if (explicitPath) {
    file = path.resolve(cwd, explicitPath);
    if (!existsSync(file)) throw new UsageError(`config file ${file} does not exist: check the --config path`);
  } else {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(cwd, name);
      if (existsSync(candidate)) {
        file = candidate;
        break;
      }
    }
  }
  if (!file) return { config: configSchema.parse({}), file: null, baseDir: cwd };
  const raw = await readConfigFile(file);
  return { config: validateConfig(raw, file), file, baseDir: path.dirname(file) };
}

async function readConfigFile(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    const text = await readFile(file, 'utf8');
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new UsageError(`config ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (file.endsWith('.ts') || file.endsWith('.mjs') || file.endsWith('.js')) {
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      if (mod.default === undefined) throw new Error('it has no default export: write `export default defineConfig({...})`');
      return mod.default;
    } catch (error) {
      throw new UsageError(`config ${file} could not be loaded: ${(error as Error).message}`);
    }
  }
  throw new UsageError(`config ${file}: unknown file type (use .json or .ts)`);
}

function validateConfig(raw: unknown, file: string): RatchetConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    return `  - ${where}: ${issue.message}`;
  });
  throw new UsageError(`config ${file} is invalid:\n${lines.join('\n')}`);
}
