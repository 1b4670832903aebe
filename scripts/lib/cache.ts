// The project's folder in the user's cache ($XDG_CACHE_HOME, else ~/.cache): downloads and generated files outside the checkout.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheHome(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'hello-service');
}
