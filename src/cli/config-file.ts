import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobclockConfig } from '../config/config.js';
import { defaultConfig } from '../config/default-config.js';
import { UsageError } from './cli-errors.js';

/**
 * The base config of `serve` and `migrate`: a module's default export (a JavaScript file written
 * with `defineConfig`, such as the repository's built `knexfile-free-config.js`), or jobclock's
 * defaults when none is given. The environment applies on top of either, as for `npm start`.
 */
export async function loadBaseConfig(file: string | undefined): Promise<JobclockConfig> {
  if (file === undefined) return defaultConfig;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(path.resolve(file)).href)) as { default?: unknown };
  } catch (error) {
    throw new UsageError(`cannot load the config file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof loaded.default !== 'object' || loaded.default === null) {
    throw new UsageError(`the config file ${file} must export a config (export default defineConfig({ … }))`);
  }
  // A file may set only what differs from the defaults.
  return { ...defaultConfig, ...(loaded.default as Partial<JobclockConfig>) };
}
