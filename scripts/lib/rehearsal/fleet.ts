// The ECS service's part: N replicas in the target group, rolling deploys one replica at a time, and stopping them all.
import { setTimeout as sleep } from 'node:timers/promises';
import { ExitError } from '../errors.ts';
import { describeExit, startReplica, type Replica } from './replica.ts';
import type { Target, TargetGroup } from './target-group.ts';

export interface FleetOptions {
  /** The project root, where dist/server.js is. */
  readonly root: string;
  /** Every replica's environment except PORT (each gets its own free port). */
  readonly env: Readonly<Record<string, string>>;
  readonly targets: TargetGroup;
  /** How long a deregistered replica keeps its in-flight requests before it is sent SIGTERM. */
  readonly deregistrationDelayMs: number;
  /** How long after SIGTERM a replica may take before SIGKILL (the container's stopTimeout). */
  readonly stopTimeoutMs: number;
  /** One timestamped line per step. */
  readonly say: (line: string) => void;
  /** A replica's own output line. */
  readonly replicaLine: (name: string, line: string, stream: 'stdout' | 'stderr') => void;
}

/** A replica in service: its process and its registration. */
interface Member {
  readonly replica: Replica;
  readonly target: Target;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(2))} s`;

export class Fleet {
  readonly #options: FleetOptions;
  /** In service, in start order. */
  readonly #members: Member[] = [];
  /** Every process started and not yet exited, in service or not: what a stop must end. */
  readonly #live = new Set<Replica>();
  /** Replicas sent SIGTERM by the fleet: their exit is expected. */
  readonly #terminating = new Set<Replica>();
  /** Replicas starting up, not yet listening: a stop waits for them. */
  readonly #starting = new Set<Promise<Replica>>();
  readonly #stopSignal = new AbortController();
  #started = 0;
  #rolls = 0;
  #rolling: Promise<void> | undefined;
  #rollRequested = false;

  constructor(options: FleetOptions) {
    this.#options = options;
  }

  /** The pids of every replica process still running. */
  pids(): number[] {
    return [...this.#live].map((replica) => replica.pid);
  }

  /** Names of the replicas in service. */
  members(): string[] {
    return this.#members.map((member) => member.replica.name);
  }

  /** Starts `count` replicas and waits until each is healthy; the first failure is thrown. */
  async start(count: number): Promise<void> {
    const launches: Array<Promise<Member>> = [];
    for (let index = 0; index < count; index++) launches.push(this.#launch(''));
    await Promise.all(launches);
  }

  /**
   * Replaces every replica, one at a time, as ECS does with minimum healthy 100 % and maximum 200 %: start a new one,
   * wait until it is healthy, deregister an old one, wait the deregistration delay, SIGTERM it. A roll asked for
   * while one runs follows it. Resolves when no roll is left to do.
   */
  roll(): Promise<void> {
    if (this.#stopSignal.signal.aborted) return Promise.resolve();
    if (this.#rolling !== undefined) {
      this.#rollRequested = true;
      this.#options.say('a roll is running; another one follows it');
      return this.#rolling;
    }
    this.#rolling = (async () => {
      do {
        this.#rollRequested = false;
        await this.#rollOnce(++this.#rolls);
      } while (this.#rollRequested && !this.#stopSignal.signal.aborted);
    })().finally(() => {
      this.#rolling = undefined;
    });
    return this.#rolling;
  }

  /** SIGTERM to every replica (SIGKILL after the stop timeout); resolves when all have exited. */
  async stop(): Promise<void> {
    this.#stopSignal.abort();
    // Out of the target group first, as ECS deregisters a task before stopping it.
    this.#options.targets.close();
    await Promise.allSettled([...this.#starting]);
    const live = [...this.#live];
    if (live.length > 0) this.#options.say(`stopping ${live.map((replica) => replica.name).join(', ')}`);
    await Promise.all(live.map((replica) => this.#terminate(replica, '')));
  }

  async #launch(step: string): Promise<Member> {
    const { say, targets } = this.#options;
    const name = `replica-${++this.#started}`;
    const starting = startReplica({
      name,
      root: this.#options.root,
      env: { ...this.#options.env, PORT: '0' },
      onLine: (line, stream) => this.#options.replicaLine(name, line, stream),
    });
    this.#starting.add(starting);
    let replica: Replica;
    try {
      replica = await starting;
    } finally {
      this.#starting.delete(starting);
    }
    this.#live.add(replica);
    // A stop that began meanwhile waited for this start and now ends the replica with the others.
    if (this.#stopSignal.signal.aborted) throw new ExitError(1, `stopping: ${name} is not put in service`);
    const target = targets.register({ name, host: '127.0.0.1', port: replica.port });
    const member = { replica, target };
    void replica.exited.then((result) => {
      this.#live.delete(replica);
      targets.remove(target);
      const index = this.#members.indexOf(member);
      if (index === -1 || this.#terminating.has(replica)) return;
      // ECS would start a new task; the rehearsal says so and leaves the count one short.
      this.#members.splice(index, 1);
      say(`${name} exited on its own (${describeExit(result)}); deregistered, not replaced`);
    });
    say(`${step}started ${name} (pid ${replica.pid}, 127.0.0.1:${replica.port}); health checks begin`);
    const startedAt = Date.now();
    const state = await targets.whenSettled(target);
    if (!replica.running()) throw new ExitError(1, `${name} exited before it was healthy (${describeExit(await replica.exited)}); see its log lines above`);
    if (state !== 'healthy') {
      targets.remove(target);
      await this.#terminate(replica, step);
      throw new ExitError(1, `${name} did not pass its health checks (${state}); see its log lines above`);
    }
    say(`${step}${name} is in service after ${seconds(Date.now() - startedAt)}`);
    this.#members.push(member);
    return member;
  }

  async #rollOnce(number: number): Promise<void> {
    const { say, targets, deregistrationDelayMs } = this.#options;
    const step = `roll ${number}: `;
    const startedAt = Date.now();
    const old = [...this.#members];
    say(`${step}replacing ${old.map((member) => member.replica.name).join(', ')} one at a time`);
    for (const member of old) {
      if (this.#stopSignal.signal.aborted) return;
      try {
        await this.#launch(step);
      } catch (error) {
        if (!this.#stopSignal.signal.aborted) say(`${step}stopped: ${(error as Error).message}; ${member.replica.name} stays in service`);
        return;
      }
      if (!this.#members.includes(member)) continue;
      this.#members.splice(this.#members.indexOf(member), 1);
      say(`${step}deregistering ${member.replica.name} (${member.target.inFlight} request(s) in flight); SIGTERM after the ${seconds(deregistrationDelayMs)} deregistration delay`);
      targets.deregister(member.target);
      try {
        await sleep(deregistrationDelayMs, undefined, { signal: this.#stopSignal.signal });
      } catch {
        return;
      }
      targets.remove(member.target);
      await this.#terminate(member.replica, step);
    }
    say(`${step}done in ${seconds(Date.now() - startedAt)}; in service: ${this.members().join(', ')}`);
  }

  /** SIGTERM, then SIGKILL if it outlives the stop timeout; resolves once it has exited. */
  async #terminate(replica: Replica, step: string): Promise<void> {
    const { say, stopTimeoutMs } = this.#options;
    if (!replica.running()) return;
    const startedAt = Date.now();
    this.#terminating.add(replica);
    say(`${step}SIGTERM ${replica.name} (pid ${replica.pid})`);
    replica.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      replica.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      say(`${step}${replica.name} still running after the ${seconds(stopTimeoutMs)} stop timeout: SIGKILL`);
      replica.kill('SIGKILL');
    }
    const result = await replica.exited;
    say(`${step}${replica.name} exited (${describeExit(result)}) after ${seconds(Date.now() - startedAt)}`);
  }
}
