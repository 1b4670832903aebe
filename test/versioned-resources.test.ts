// The routine/destructive split: only a replace of a type versioned by replacement is routine, and the root keeps old revisions.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { readPlan } from '../scripts/lib/plan-reader.ts';
import { headline, renderMarkdown, renderText } from '../scripts/lib/plan-render.ts';
import { VERSIONED_BY_REPLACEMENT } from '../scripts/lib/versioned-resources.ts';
import { REPO_ROOT } from './helpers/scripts.ts';

function change(address: string, actions: string[], reason?: string): Record<string, unknown> {
  const [type = '', name = ''] = address.split('.');
  return { address, type, name, ...(reason === undefined ? {} : { action_reason: reason }), change: { actions, before: {}, after: {} } };
}

test('a replaced task definition is a new revision; its deletion and any other replace stay destructive', () => {
  const summary = readPlan({
    format_version: '1.2',
    resource_changes: [
      change('aws_ecs_task_definition.this', ['delete', 'create'], 'replace_because_cannot_update'),
      change('aws_ecs_task_definition.old', ['delete'], 'delete_because_no_resource_config'),
      change('aws_lb.this', ['create', 'delete'], 'replace_because_cannot_update'),
      change('aws_ecs_service.this', ['update']),
    ],
  });
  assert.deepEqual(summary.newRevisions.map((c) => c.address), ['aws_ecs_task_definition.this']);
  assert.deepEqual(summary.destructive.map((c) => `${c.action} ${c.address}`), ['delete aws_ecs_task_definition.old', 'replace aws_lb.this']);
  assert.equal(headline(summary), 'Plan: 0 to add, 1 to change, 1 to replace, 1 to destroy, 1 new revision(s).');

  const text = renderText(summary, { colour: false });
  assert.match(text, /\nnew revision +aws_ecs_task_definition\.this +replace_because_cannot_update\n/);
  assert.match(text, /\nreplace +aws_lb\.this /);
  assert.match(text, /\n2 destructive change\(s\): aws_ecs_task_definition\.old, aws_lb\.this\n/);
  const markdown = renderMarkdown(summary);
  assert.match(markdown, /\| `-\/\+` new revision \| `aws_ecs_task_definition\.this` \|/);
  assert.match(markdown, /> \[!WARNING\]\n> 2 destructive change\(s\)/);
  assert.match(markdown, /> \[!NOTE\]\n> 1 new revision\(s\), routine \(no `--allow-destroy` needed\):\n> - aws_ecs_task_definition\.this: task definitions are immutable/);
});

test('every versioned-by-replacement resource in terraform/ keeps its earlier revisions (skip_destroy = true)', async () => {
  const dir = join(REPO_ROOT, 'terraform');
  const found: string[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tf'))) {
    const body = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as { resource?: Record<string, Record<string, Array<Record<string, unknown>>>> };
    for (const [type, byName] of Object.entries(body.resource ?? {})) {
      if (!VERSIONED_BY_REPLACEMENT.has(type)) continue;
      for (const [name, [resource]] of Object.entries(byName)) {
        found.push(`${type}.${name}`);
        assert.equal(resource?.skip_destroy, true, `${type}.${name} in ${file}: set skip_destroy = true, or a new revision deregisters the one a rollback needs`);
      }
    }
  }
  assert.deepEqual(found, ['aws_ecs_task_definition.this']);
});
