import { defineConfig } from './src/config/config.js';
import { defaultConfig } from './src/config/default-config.js';

/**
 * jobclock's configuration: the store, defaults, API and server settings. `npm start` and
 * `npm run migrate` read it (no knexfile needed); every field can be overridden from the
 * environment, see src/config/config.ts and the README. It starts from jobclock's defaults
 * (src/config/default-config.ts, which `jobclock serve` uses too); change a field here, as in
 * `defineConfig({ ...defaultConfig, timezone: 'Europe/Paris' })`.
 */
export default defineConfig({ ...defaultConfig });
