// S3-compatible object storage behind the Storage interface. What makes it as safe as local disk:
// - a PUT makes an object visible whole or not at all; objects above `multipartThresholdBytes` go up in
//   parts and appear only when the upload completes (an aborted upload leaves nothing visible);
// - `createExclusive` is a conditional PUT (`If-None-Match: *`): of two writers creating the same
//   timeline file, exactly one succeeds and the other gets ALREADY_EXISTS (412 Precondition Failed);
// - transient failures (5xx, throttling, timeouts, cut connections) are retried by the SDK's standard
//   retry strategy: exponential backoff with full jitter, `maxAttempts` attempts in all.
// A retried conditional PUT whose first attempt did land answers 412 for our own object. Each create
// carries a random token in its user metadata, and only an object with our token counts as ours: two
// writers often create files with equal bytes (empty requested files), so bytes cannot tell them apart.
// Credentials come from the caller (connector config) or the SDK's default chain (AWS_* variables);
// they are never logged.

import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { ConnectError } from '../../../runtime/spi';
import type { FileInfo, FileSink, Storage } from './storage';

/** User metadata key (x-amz-meta-…) holding the token of the create that made a timeline file. */
const CREATE_TOKEN = 'tributary-create';

export interface S3Location {
  bucket: string;
  /** Key prefix of the table, without leading or trailing '/' ('' = bucket root). */
  prefix: string;
}

/** `s3://bucket/prefix` (also `s3a://`); refuses anything else with the value named. */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3a?:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri.trim());
  if (!m) throw new ConnectError('CONFIG_INVALID', `${JSON.stringify(uri)} is not an S3 location; write s3://<bucket>/<prefix> (bucket: 3–63 lower-case letters, digits, . and -)`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((seg) => seg === '.' || seg === '..')) throw new ConnectError('CONFIG_INVALID', `${JSON.stringify(uri)}: . and .. are not allowed in an S3 prefix`);
  return { bucket: m[1]!, prefix };
}

export function isS3Uri(value: string): boolean {
  return /^s3a?:\/\//i.test(value.trim());
}

export interface S3ConnectionSettings {
  /** e.g. http://127.0.0.1:9000; unset = AWS. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (bucket in the path), as most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Attempts per request including the first (SDK standard retry: exponential backoff, full jitter). */
  maxAttempts?: number;
  /** Per-request timeout in ms. */
  requestTimeoutMs?: number;
}

export function createS3Client(s: S3ConnectionSettings): S3Client {
  // The standard variables name an S3-compatible server too; such servers want path-style addressing.
  const endpoint = s.endpoint || process.env['AWS_ENDPOINT_URL_S3'] || process.env['AWS_ENDPOINT_URL'] || undefined;
  const config: S3ClientConfig = {
    region: s.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    forcePathStyle: s.forcePathStyle ?? endpoint !== undefined,
    maxAttempts: s.maxAttempts ?? 8,
    retryMode: 'standard',
    requestHandler: { requestTimeout: s.requestTimeoutMs ?? 30_000, connectionTimeout: 5_000 } as never,
  };
  if (endpoint) config.endpoint = endpoint;
  if (s.accessKeyId && s.secretAccessKey) config.credentials = { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey };
  return new S3Client(config);
}

export interface S3StorageOptions {
  client: S3Client;
  location: S3Location;
  /** Objects larger than this are uploaded in parts. Default 16 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (S3's minimum is 5 MiB except for the last part). Default 8 MiB. */
  partSizeBytes?: number;
}

const MIB = 1024 * 1024;

/** The ETag S3 gives an object completed from these parts: md5 of the parts' binary md5s, then -<count>. */
export function multipartEtag(partEtags: string[]): string {
  const digests = Buffer.concat(partEtags.map((e) => Buffer.from(e.replace(/"/g, ''), 'hex')));
  return `"${createHash('md5').update(digests).digest('hex')}-${partEtags.length}"`;
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

export class S3Storage implements Storage {
  readonly location: string;
  readonly uri: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly threshold: number;
  private readonly partSize: number;

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.location.bucket;
    this.prefix = options.location.prefix;
    this.location = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    this.uri = this.location;
    this.threshold = options.multipartThresholdBytes ?? 16 * MIB;
    this.partSize = Math.max(5 * MIB, options.partSizeBytes ?? 8 * MIB);
  }

  /** The object key of a table-relative path; refuses paths that would leave the table. */
  private key(p: string): string {
    const parts = p.split('/').filter((s) => s.length > 0);
    if (parts.some((s) => s === '.' || s === '..')) throw new ConnectError('BAD_REQUEST', `path ${JSON.stringify(p)} leaves the table base path ${this.location}`);
    return [this.prefix, ...parts].filter((s) => s.length > 0).join('/');
  }

  private dirPrefix(dir: string): string {
    const k = this.key(dir);
    return k === '' ? '' : `${k}/`;
  }

  private relative(key: string): string {
    return this.prefix === '' ? key : key.slice(this.prefix.length + 1);
  }

  private fail(what: string, p: string, err: unknown): never {
    const status = statusOf(err);
    const retriable = status === undefined || status >= 500 || status === 429 || status === 408 || nameOf(err) === 'SlowDown';
    throw new ConnectError(retriable ? 'RETRIABLE' : 'INTERNAL', `${what} ${p} in ${this.location} failed${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`, { retriable, cause: err });
  }

  async readFile(p: string): Promise<Buffer> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(p) }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (err) {
      if (statusOf(err) === 404 || nameOf(err) === 'NoSuchKey') throw new ConnectError('NOT_FOUND', `file ${p} does not exist in ${this.location}`, { cause: err });
      this.fail('reading', p, err);
    }
  }

  async writeFile(p: string, data: Buffer | string): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      if (body.length > this.threshold) await this.multipart(this.key(p), body);
      else await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(p), Body: body }));
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      this.fail('writing', p, err);
    }
  }

  async createExclusive(p: string, data: Buffer | string): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const token = randomUUID();
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(p), Body: body, IfNoneMatch: '*', Metadata: { [CREATE_TOKEN]: token } }));
    } catch (err) {
      if (statusOf(err) === 412 || nameOf(err) === 'PreconditionFailed') {
        // Ours, if an earlier attempt of this very request landed before its answer was lost (a first
        // attempt that got 412 cannot have been preceded by one of ours).
        const retried = ((err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 2) > 1;
        if (retried && (await this.createToken(p)) === token) return;
        throw new ConnectError('ALREADY_EXISTS', `${p} already exists in ${this.location}; another writer created it first`, { cause: err });
      }
      this.fail('creating', p, err);
    }
  }

  /** The token of the create that made `p` (undefined: gone, or not made by createExclusive). */
  private async createToken(p: string): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(p) }));
      return head.Metadata?.[CREATE_TOKEN];
    } catch (err) {
      if (statusOf(err) === 404 || nameOf(err) === 'NotFound' || nameOf(err) === 'NoSuchKey') return undefined;
      this.fail('looking up', p, err);
    }
  }

  async exists(p: string): Promise<boolean> {
    return (await this.stat(p)) !== undefined;
  }

  async stat(p: string): Promise<FileInfo | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(p) }));
      return { path: p, size: res.ContentLength ?? 0, modifiedAt: res.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (statusOf(err) === 404 || nameOf(err) === 'NotFound' || nameOf(err) === 'NoSuchKey') return undefined;
      this.fail('looking up', p, err);
    }
  }

  async list(dir: string): Promise<FileInfo[]> {
    return (await this.listing(dir, true)).files;
  }

  async listDirs(dir: string): Promise<string[]> {
    return (await this.listing(dir, true)).dirs;
  }

  async listTree(dir: string): Promise<FileInfo[]> {
    return (await this.listing(dir, false)).files;
  }

  async delete(p: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(p) }));
    } catch (err) {
      if (statusOf(err) === 404) return;
      this.fail('deleting', p, err);
    }
  }

  async deleteTree(dir: string): Promise<void> {
    const files = await this.listTree(dir);
    for (let i = 0; i < files.length; i += 1000) {
      const batch = files.slice(i, i + 1000);
      try {
        const res = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((f) => ({ Key: this.key(f.path) })), Quiet: true } }));
        const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) throw new ConnectError('RETRIABLE', `deleting ${failed.length} objects under ${dir} in ${this.location} failed (first: ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message ?? ''})`, { retriable: true });
      } catch (err) {
        if (err instanceof ConnectError) throw err;
        this.fail('deleting the tree', dir, err);
      }
    }
  }

  /** Files (and, with a delimiter, subdirectories) under `dir`, following continuation tokens. */
  private async listing(dir: string, oneLevel: boolean): Promise<{ files: FileInfo[]; dirs: string[] }> {
    const prefix = this.dirPrefix(dir);
    const files: FileInfo[] = [];
    const dirs: string[] = [];
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, ...(oneLevel ? { Delimiter: '/' } : {}) }));
      } catch (err) {
        if (nameOf(err) === 'NoSuchBucket') throw new ConnectError('CONFIG_INVALID', `bucket ${this.bucket} does not exist (${this.location}); create it first`, { cause: err });
        this.fail('listing', dir || '/', err);
      }
      for (const o of res.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue;
        files.push({ path: this.relative(o.Key), size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() ?? 0 });
      }
      for (const cp of res.CommonPrefixes ?? []) if (cp.Prefix) dirs.push(cp.Prefix.slice(prefix.length).replace(/\/$/, ''));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return { files, dirs };
  }

  /** Uploads in parts; the object appears only on completion, and a failed upload is aborted. */
  private async multipart(key: string, body: Buffer): Promise<void> {
    const upload = await MultipartUpload.start(this.client, this.bucket, key);
    try {
      for (let offset = 0; offset < body.length; offset += this.partSize) await upload.part(body.subarray(offset, Math.min(body.length, offset + this.partSize)));
      await upload.complete();
    } catch (err) {
      await upload.abort();
      throw err;
    }
  }

  async readRange(p: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(p), Range: `bytes=${start}-${end - 1}` }));
      const out = Buffer.from(await res.Body!.transformToByteArray());
      if (out.length !== end - start) throw new ConnectError('INTERNAL', `ranged read of ${p} in ${this.location} returned ${out.length} bytes for [${start}, ${end})`);
      return out;
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      if (statusOf(err) === 404 || nameOf(err) === 'NoSuchKey') throw new ConnectError('NOT_FOUND', `file ${p} does not exist in ${this.location}`, { cause: err });
      this.fail('reading', p, err);
    }
  }

  async discardPartial(p: string): Promise<void> {
    const key = this.key(p);
    try {
      let marker: { KeyMarker?: string; UploadIdMarker?: string } = {};
      for (;;) {
        const res = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: key, ...marker }));
        for (const u of res.Uploads ?? []) {
          if (u.Key === key && u.UploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: u.UploadId }));
        }
        if (!res.IsTruncated) return;
        marker = { KeyMarker: res.NextKeyMarker, UploadIdMarker: res.NextUploadIdMarker };
      }
    } catch (err) {
      this.fail('discarding the unfinished uploads of', p, err);
    }
  }

  /** Pieces gather into parts of s3.multipart.part.size.bytes; a file that stays below the multipart
   *  threshold goes up in one PUT at close, a larger one as a multipart upload completed at close. */
  async openWrite(p: string): Promise<FileSink> {
    const key = this.key(p);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let size = 0;
    let upload: MultipartUpload | undefined;
    const flushPart = async (): Promise<void> => {
      const body = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      upload ??= await MultipartUpload.start(this.client, this.bucket, key);
      await upload.part(body);
    };
    const guard = async <T>(what: () => Promise<T>): Promise<T> => {
      try {
        return await what();
      } catch (err) {
        if (err instanceof ConnectError) throw err;
        this.fail('writing', p, err);
      }
    };
    return {
      write: (data) =>
        guard(async () => {
          pending.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
          pendingBytes += data.byteLength;
          size += data.byteLength;
          // A part is sent once the threshold is passed, so small files never start an upload.
          if (pendingBytes >= this.partSize && size > this.threshold) await flushPart();
        }),
      close: () =>
        guard(async () => {
          if (upload === undefined && size <= this.threshold) {
            await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.concat(pending, pendingBytes) }));
          } else {
            if (pendingBytes > 0 || upload === undefined) await flushPart();
            await upload!.complete();
          }
          pending = [];
          return size;
        }),
      abort: async () => {
        pending = [];
        await upload?.abort();
      },
    };
  }
}

/** One multipart upload: parts in order, completion that survives a lost answer, abort on failure. */
class MultipartUpload {
  private readonly parts: { ETag: string; PartNumber: number }[] = [];

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly uploadId: string,
  ) {}

  static async start(client: S3Client, bucket: string, key: string): Promise<MultipartUpload> {
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    return new MultipartUpload(client, bucket, key, created.UploadId!);
  }

  async part(body: Buffer): Promise<void> {
    const PartNumber = this.parts.length + 1;
    const res = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body }));
    this.parts.push({ ETag: res.ETag!, PartNumber });
  }

  async complete(): Promise<void> {
    try {
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
    } catch (err) {
      // A completion whose answer was lost is retried by the SDK and then finds no upload (404 NoSuchUpload):
      // the object is there if its ETag is the one these parts make (md5 of the part md5s, "-<count>").
      if (nameOf(err) === 'NoSuchUpload' || statusOf(err) === 404) {
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key })).catch(() => undefined);
        if (head?.ETag === multipartEtag(this.parts.map((p) => p.ETag))) return;
      }
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
  }
}
