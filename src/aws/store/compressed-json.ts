import { gunzipSync, gzipSync } from 'node:zlib';

/** JSON → gzip → base64: manifests and plans stay well under DynamoDB's 400 KB item limit. */
export function compressJson(value: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(value), 'utf8')).toString('base64');
}

export function decompressJson<T>(text: string): T {
  return JSON.parse(gunzipSync(Buffer.from(text, 'base64')).toString('utf8')) as T;
}
