// What the load balancer sees of the service: the health-check path, and whether the service is draining.

/** The ALB and container health check; the HTTPS and rate-limit stages leave it alone. */
export const HEALTH_PATH = '/health';

/** Whether the service is draining for shutdown; read on every request and response. */
export interface ServiceState {
  draining: boolean;
}
