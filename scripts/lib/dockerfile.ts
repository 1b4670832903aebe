// Reads a Dockerfile (via dockerfile-ast) into plain stages, and the Node version the image runs from its FROM tag.
import { readFileSync } from 'node:fs';
import { DockerfileParser, From, Healthcheck, JSONInstruction, ModifiableInstruction, PropertyInstruction } from 'dockerfile-ast';
import type { Instruction } from 'dockerfile-ast';

/** One instruction reduced to what the checks need. */
export interface Step {
  readonly keyword: string;
  /** 1-based line of the instruction, for error messages. */
  readonly line: number;
  /** Arguments without flags, as written (quotes kept, shell form split on whitespace). */
  readonly args: readonly string[];
  /** Flags such as `--from=build` or `--interval=15s`, by name. */
  readonly flags: ReadonlyMap<string, string | null>;
  /** Exec-form (JSON array) arguments, or null for shell form or instructions without one. */
  readonly exec: readonly string[] | null;
  /** KEY=value pairs of ENV, ARG and LABEL, with surrounding quotes removed. */
  readonly properties: ReadonlyArray<readonly [string, string | null]>;
}

export interface Stage {
  /** The `AS` name, or null for an unnamed stage. */
  readonly name: string | null;
  readonly index: number;
  /** The image or stage name after FROM, with global ARG defaults substituted. */
  readonly from: string;
  /** The value of FROM --platform, or null when the stage builds for the target platform. */
  readonly platform: string | null;
  /** Every instruction after this FROM, up to the next FROM. */
  readonly steps: readonly Step[];
}

export interface ParsedDockerfile {
  readonly stages: readonly Stage[];
}

function execArgsOf(instruction: Instruction): string[] | null {
  if (instruction instanceof JSONInstruction) {
    if (instruction.getOpeningBracket() === null) return null;
    return instruction.getJSONStrings().map((argument) => argument.getJSONValue());
  }
  if (instruction instanceof Healthcheck) {
    // dockerfile-ast has no JSON view of HEALTHCHECK CMD; the exec form is the JSON array after the subcommand.
    const match = /\bCMD\s+(\[[\s\S]*\])\s*$/.exec(instruction.getRawArgumentsContent() ?? '');
    if (match?.[1] === undefined) return null;
    const parsed: unknown = JSON.parse(match[1]);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : null;
  }
  return null;
}

function toStep(instruction: Instruction): Step {
  const flags = new Map<string, string | null>();
  if (instruction instanceof ModifiableInstruction) {
    for (const flag of instruction.getFlags()) flags.set(flag.getName(), flag.getValue());
  }
  const properties: Array<readonly [string, string | null]> = [];
  if (instruction instanceof PropertyInstruction) {
    for (const property of instruction.getProperties()) properties.push([property.getName(), property.getValue()]);
  }
  return {
    keyword: instruction.getKeyword(),
    line: instruction.getRange().start.line + 1,
    args: instruction.getArguments().map((argument) => argument.getValue()),
    flags,
    exec: execArgsOf(instruction),
    properties,
  };
}

/** Substitutes `$NAME` / `${NAME}` in a FROM line with the global ARG defaults declared before the first FROM. */
function expandGlobalArgs(text: string, globals: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => globals.get(name) ?? whole);
}

export function parseDockerfile(content: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(content);
  const globals = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    for (const property of arg.getProperties()) globals.set(property.getName(), property.getValue() ?? '');
  }
  const stages: Array<Stage & { steps: Step[] }> = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction instanceof From) {
      stages.push({
        name: instruction.getBuildStage(),
        index: stages.length,
        from: expandGlobalArgs(instruction.getImage() ?? '', globals),
        platform: instruction.getPlatformFlag()?.getValue() ?? null,
        steps: [],
      });
      continue;
    }
    const current = stages.at(-1);
    if (current !== undefined) current.steps.push(toStep(instruction));
  }
  return { stages };
}

export function readDockerfile(path: string | URL): ParsedDockerfile {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/** The stage with this name or index (as `COPY --from` and `FROM` refer to stages), or undefined. */
export function findStage(parsed: ParsedDockerfile, reference: string): Stage | undefined {
  for (const stage of parsed.stages) {
    if (stage.name !== null && stage.name.toLowerCase() === reference.toLowerCase()) return stage;
  }
  return /^\d+$/.test(reference) ? parsed.stages[Number(reference)] : undefined;
}

/** The external image a stage is ultimately built on, following `FROM <earlier stage>` references. */
export function baseImageOf(parsed: ParsedDockerfile, stage: Stage): string {
  let current = stage;
  for (let hops = 0; hops <= parsed.stages.length; hops++) {
    const parent = findStage(parsed, current.from);
    if (parent === undefined || parent.index >= current.index) return current.from;
    current = parent;
  }
  throw new Error(`FROM references loop at stage ${stage.name ?? stage.index}`);
}

/** The stage that becomes the image: the last one (what `docker build` without `--target` produces). */
export function runtimeStage(parsed: ParsedDockerfile): Stage {
  const last = parsed.stages.at(-1);
  if (last === undefined) throw new Error('Dockerfile has no FROM instruction');
  return last;
}

/** An exact official Node Alpine tag: node:<major.minor.patch>-alpine<major.minor>, optionally digest-pinned. */
export const EXACT_NODE_ALPINE_IMAGE = /^node:(\d+\.\d+\.\d+)-alpine(\d+\.\d+)(@sha256:[0-9a-f]{64})?$/;

/**
 * The Node version the image runs, from the single base tag every stage is built on: the one place the
 * project's "production Node" is written. Throws if stages disagree or the tag is not exact.
 */
export function nodeVersionOf(parsed: ParsedDockerfile): string {
  const images = new Set(parsed.stages.map((stage) => baseImageOf(parsed, stage)));
  if (images.size !== 1) throw new Error(`Dockerfile stages use different base images: ${[...images].join(', ')}`);
  const [image] = images;
  const version = EXACT_NODE_ALPINE_IMAGE.exec(image ?? '')?.[1];
  if (version === undefined) {
    throw new Error(`Dockerfile base image ${image ?? '(none)'} is not an exact tag like node:26.7.0-alpine3.24`);
  }
  return version;
}
