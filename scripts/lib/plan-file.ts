// The saved plan's sha256 sidecar (`<plan>.sha256`, sha256sum format): proof that the plan applied is the plan reviewed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

export type ChecksumCheck =
  | { readonly kind: 'ok'; readonly sha256: string }
  | { readonly kind: 'missing-plan' }
  | { readonly kind: 'missing-checksum'; readonly checksumFile: string }
  | { readonly kind: 'malformed-checksum'; readonly checksumFile: string }
  | { readonly kind: 'mismatch'; readonly expected: string; readonly actual: string };

export function checksumFileFor(planFile: string): string {
  return `${planFile}.sha256`;
}

export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Writes "<hex>  <name>\n", so `sha256sum -c tfplan.sha256` works too. Returns the hex digest. */
export function writePlanChecksum(planFile: string): string {
  const sha256 = sha256OfFile(planFile);
  writeFileSync(checksumFileFor(planFile), `${sha256}  ${basename(planFile)}\n`);
  return sha256;
}

export function verifyPlanChecksum(planFile: string): ChecksumCheck {
  if (!existsSync(planFile)) return { kind: 'missing-plan' };
  const checksumFile = checksumFileFor(planFile);
  if (!existsSync(checksumFile)) return { kind: 'missing-checksum', checksumFile };
  const expected = /^([0-9a-f]{64})\b/.exec(readFileSync(checksumFile, 'utf8').trim())?.[1];
  if (expected === undefined) return { kind: 'malformed-checksum', checksumFile };
  const actual = sha256OfFile(planFile);
  return actual === expected ? { kind: 'ok', sha256: actual } : { kind: 'mismatch', expected, actual };
}
