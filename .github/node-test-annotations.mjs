// node:test reporter that turns each failing test into a GitHub Actions `::error` annotation (silent outside Actions).
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Workflow-command escaping, from the Actions toolkit (packages/core/src/command.ts: escapeData/escapeProperty).
function escapeData(text) {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text) {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

function toPath(fileOrUrl) {
  return fileOrUrl.startsWith('file:') ? fileURLToPath(fileOrUrl) : fileOrUrl;
}

// The frame of the test file in the error's stack points at the failing assertion, which beats the test's own line.
function locateInStack(stack, file) {
  if (typeof stack !== 'string') return undefined;
  for (const frame of stack.split('\n')) {
    const match = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (match !== null && toPath(match[1]) === file) {
      return { line: Number(match[2]), column: Number(match[3]) };
    }
  }
  return undefined;
}

function annotation(data) {
  const error = data.details?.error ?? {};
  // A suite fails because a subtest failed; that subtest has its own annotation.
  if (error.failureType === 'subtestsFailed') return undefined;
  const cause = error.cause ?? error;
  const message = typeof cause.message === 'string' && cause.message !== '' ? cause.message : String(cause);
  const properties = [`title=${escapeProperty(`test failed: ${data.name}`)}`];
  if (typeof data.file === 'string') {
    const file = toPath(data.file);
    const where = locateInStack(cause.stack, file) ?? { line: data.line, column: data.column };
    properties.unshift(`file=${escapeProperty(relative(process.cwd(), file))}`);
    if (where.line !== undefined) properties.push(`line=${where.line}`);
    if (where.column !== undefined) properties.push(`col=${where.column}`);
  }
  return `::error ${properties.join(',')}::${escapeData(message)}\n`;
}

export default async function* githubAnnotations(source) {
  const enabled = process.env.GITHUB_ACTIONS === 'true';
  for await (const event of source) {
    if (!enabled || event.type !== 'test:fail') continue;
    const line = annotation(event.data);
    if (line !== undefined) yield line;
  }
}
