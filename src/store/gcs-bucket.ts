/**
 * A GCS bucket (gs://bucket[/prefix]) as an archive store's bucket (object-store.ts), through @google-cloud/storage.
 * Credentials are Application Default Credentials: in the workflow, Workload Identity Federation
 * (google-github-actions/auth) sets them up; there is never a key. With a custom endpoint (an emulator, the test
 * server) no credentials are sent.
 *
 * "Create unless present" is an upload with ifGenerationMatch=0: GCS refuses it with 412 when the name exists, so
 * an object is never replaced. The client retries an upload that carries a precondition (it is then idempotent),
 * and checks each upload against the crc32c the server answers with.
 */
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { PassThroughClient } from 'google-auth-library';
import { UsageError } from '../util/errors.ts';
import type { ObjectBucket } from './object-store.ts';

function parseStoreUrl(url: string): { bucket: string; prefix: string } {
  const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,221}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!m) throw new UsageError(`archive store "${url}": expected gs://<bucket>[/<prefix>] with a valid bucket name`);
  let prefix = m[2] ?? '';
  if (prefix.split('/').some((s, i, all) => (s === '' && i < all.length - 1) || s === '.' || s === '..'))
    throw new UsageError(`archive store "${url}": the prefix has an empty, '.' or '..' segment`);
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  return { bucket: m[1]!, prefix };
}

export async function openGcsBucket(url: string, settings: { endpoint?: string | undefined; retries?: number | undefined }): Promise<ObjectBucket> {
  const { bucket: name, prefix } = parseStoreUrl(url);
  const { endpoint, retries = 5 } = settings;
  // autoRetry false when no retries are wanted: the client puts its default of 3 back for maxRetries: 0.
  const options: StorageOptions = { retryOptions: retries > 0 ? { autoRetry: true, maxRetries: retries } : { autoRetry: false } };
  if (endpoint !== undefined) {
    options.apiEndpoint = endpoint.replace(/\/+$/, '');
    options.authClient = new PassThroughClient();
  }
  const bucket = new Storage(options).bucket(name);
  const code = (error: unknown): number | undefined => (error as { code?: number }).code;
  return {
    description: url,
    encodes: true,
    async list(under) {
      const [files] = await bucket.getFiles({ prefix: prefix + under, autoPaginate: true });
      return files.map((f) => f.name.slice(prefix.length));
    },
    async read(object) {
      try {
        const [bytes] = await bucket.file(prefix + object).download();
        return bytes;
      } catch (error) {
        if (code(error) === 404) return undefined;
        throw error;
      }
    },
    async create(object, bytes, { gzip, contentType }) {
      try {
        await bucket.file(prefix + object).save(Buffer.from(bytes), {
          resumable: false,
          gzip,
          contentType,
          preconditionOpts: { ifGenerationMatch: 0 },
        });
        return 'created';
      } catch (error) {
        if (code(error) === 412) return 'exists';
        throw error;
      }
    },
    async remove(object) {
      try {
        await bucket.file(prefix + object).delete();
      } catch (error) {
        if (code(error) !== 404) throw error;
      }
    },
    async close() {},
  };
}
