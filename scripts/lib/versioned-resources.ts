// The one list of resource types that are versioned by replacement: their replace is a routine new revision.

/**
 * Type → why its replacement loses nothing. Only a `replace` of these is routine; deleting one, and replacing
 * anything else, stays destructive and needs --allow-destroy.
 */
export const VERSIONED_BY_REPLACEMENT: ReadonlyMap<string, string> = new Map([
  [
    'aws_ecs_task_definition',
    'task definitions are immutable: each deploy registers a new revision, and with skip_destroy the previous revisions stay ACTIVE for rollback',
  ],
]);

/** True when replacing a resource of this type registers a new revision instead of destroying something. */
export function isVersionedByReplacement(type: string): boolean {
  return VERSIONED_BY_REPLACEMENT.has(type);
}
