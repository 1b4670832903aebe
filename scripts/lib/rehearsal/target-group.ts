// The target group: registered replicas, their health by the group's checks, round robin, a keep-alive pool per target.
import { Agent } from 'node:http';
import type { HealthCheckSettings } from './settings.ts';
import { checkHealth, type CheckResult } from './health-check.ts';

/** The ALB's target states that matter here (unused targets are simply gone). */
export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

export interface TargetAddress {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

export class Target implements TargetAddress {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Keep-alive connections to this target, used only while it is registered. */
  readonly agent: Agent;
  state: TargetState = 'initial';
  inFlight = 0;
  passedInARow = 0;
  failedInARow = 0;
  checker: NodeJS.Timeout | undefined;
  /** Called once when the target leaves the initial state, or is deregistered first. */
  settled: ((state: TargetState) => void) | undefined;

  constructor(address: TargetAddress, idleTimeoutMs: number) {
    this.name = address.name;
    this.host = address.host;
    this.port = address.port;
    // The ALB closes a target connection idle for its idle timeout, which is shorter than the replica's keep-alive
    // timeout: the replica never closes a connection the load balancer might still send a request on.
    this.agent = new Agent({ keepAlive: true, timeout: idleTimeoutMs });
  }
}

export interface TargetGroupOptions {
  readonly healthCheck: HealthCheckSettings;
  readonly idleTimeoutMs: number;
  /** One line per state change, for the operator. */
  readonly note: (line: string) => void;
  /** The health check itself; tests give their own. */
  readonly check?: (target: Target) => Promise<CheckResult>;
}

export class TargetGroup {
  readonly #options: TargetGroupOptions;
  readonly #targets: Target[] = [];
  #next = 0;
  #failingOpen = false;
  #closed = false;

  constructor(options: TargetGroupOptions) {
    this.#options = options;
  }

  /** Registers a target in the initial state; its first health check starts now, then one every interval. */
  register(address: TargetAddress): Target {
    if (this.#closed) throw new Error(`cannot register ${address.name}: the target group is closed`);
    const target = new Target(address, this.#options.idleTimeoutMs);
    this.#targets.push(target);
    const run = (): void => void this.#check(target);
    target.checker = setInterval(run, this.#options.healthCheck.intervalMs);
    run();
    return target;
  }

  /** Resolves with the state a target first settles in: healthy, unhealthy, or draining if deregistered before that. */
  whenSettled(target: Target): Promise<TargetState> {
    if (target.state !== 'initial') return Promise.resolve(target.state);
    return new Promise((resolve) => {
      target.settled = resolve;
    });
  }

  /**
   * Stops sending the target new requests. Its connections stay for the requests in flight and are closed when the
   * last one ends (at once when none is), so nothing is ever sent on a connection the replica may be closing.
   */
  deregister(target: Target): void {
    if (target.state === 'draining') return;
    clearInterval(target.checker);
    this.#setState(target, 'draining');
    if (target.inFlight === 0) target.agent.destroy();
  }

  /**
   * Forgets a target whose deregistration delay is over, or whose replica is gone, and closes what is left of its
   * connections, requests still in flight included: the ALB's deregistration completes at the end of the delay too.
   */
  remove(target: Target): void {
    this.deregister(target);
    target.agent.destroy();
    const index = this.#targets.indexOf(target);
    if (index !== -1) this.#targets.splice(index, 1);
  }

  /**
   * The next target by round robin over the healthy ones. With none healthy but some unhealthy, the group fails open
   * over those, as the ALB does; with neither (nothing registered, or all initial or draining), undefined.
   */
  pick(): Target | undefined {
    const healthy = this.#targets.filter((target) => target.state === 'healthy');
    const candidates = healthy.length > 0 ? healthy : this.#targets.filter((target) => target.state === 'unhealthy');
    const failingOpen = healthy.length === 0 && candidates.length > 0;
    if (failingOpen !== this.#failingOpen) {
      this.#failingOpen = failingOpen;
      this.#options.note(failingOpen ? `no healthy target: failing open over ${candidates.length} unhealthy one(s), as the ALB does` : 'no longer failing open');
    }
    if (candidates.length === 0) return undefined;
    const target = candidates[this.#next % candidates.length];
    this.#next = (this.#next + 1) % Number.MAX_SAFE_INTEGER;
    return target;
  }

  /** A request to `target` starts. */
  begin(target: Target): void {
    target.inFlight += 1;
  }

  /** A request to `target` has ended; a draining target's pool is closed with its last request. */
  end(target: Target): void {
    target.inFlight -= 1;
    if (target.state !== 'draining' || target.inFlight > 0) return;
    target.agent.destroy();
    if (!this.#closed) this.#options.note(`${target.name}: last request in flight done; its connections are closed`);
  }

  /** Stops every health check and closes every pool, without a line per target: the rehearsal is ending. */
  close(): void {
    this.#closed = true;
    for (const target of [...this.#targets]) this.remove(target);
  }

  async #check(target: Target): Promise<void> {
    const { healthCheck } = this.#options;
    const check = this.#options.check ?? ((checked: Target) => checkHealth(checked.host, checked.port, healthCheck.path, healthCheck.matcher, healthCheck.timeoutMs));
    const result = await check(target);
    if (target.state === 'draining' || !this.#targets.includes(target)) return;
    if (result.passed) {
      target.passedInARow += 1;
      target.failedInARow = 0;
      // A newly registered target needs one passing check; an unhealthy one needs healthy_threshold in a row.
      if (target.state === 'initial' || (target.state === 'unhealthy' && target.passedInARow >= healthCheck.healthyThreshold)) {
        this.#setState(target, 'healthy');
      }
      return;
    }
    target.failedInARow += 1;
    target.passedInARow = 0;
    if (target.state !== 'unhealthy' && target.failedInARow >= healthCheck.unhealthyThreshold) {
      this.#setState(target, 'unhealthy', `${target.failedInARow} failed checks in a row, last: ${result.reason}`);
    }
  }

  #setState(target: Target, state: TargetState, reason?: string): void {
    target.state = state;
    if (!this.#closed) this.#options.note(`${target.name} (${target.host}:${target.port}): ${state}${reason === undefined ? '' : ` (${reason})`}`);
    const settled = target.settled;
    target.settled = undefined;
    settled?.(state);
  }
}
