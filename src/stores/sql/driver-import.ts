import { JobclockError } from '../../errors.js';

/**
 * The database drivers jobclock can use. They are optional peer dependencies: an application
 * installs the one its store URL needs, and jobclock loads it only when a store of that kind opens.
 *
 * @example
 * try { await scheduler.start() } catch (e) { if (e instanceof MissingDriverError) console.error(`npm install ${e.packageName}`) }
 */
export type DriverPackage = 'pg' | 'better-sqlite3';

/**
 * Loads a module by specifier; `(specifier) => import(specifier)` unless a test swaps it.
 *
 * @example
 * const importer: ModuleImporter = (specifier) => import(specifier)
 */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/**
 * A store URL needs a driver package the application has not installed.
 *
 * @example
 * try { await scheduler.start() } catch (error) {
 *   if (error instanceof MissingDriverError) console.error(`run: npm install ${error.packageName}`)
 * }
 */
export class MissingDriverError extends JobclockError {
  constructor(
    readonly packageName: DriverPackage,
    readonly storeKind: string,
    cause?: unknown,
  ) {
    super(`A ${storeKind} job store needs the "${packageName}" package, which is not installed: run \`npm install ${packageName}\``);
    this.cause = cause;
  }
}

const nativeImport: ModuleImporter = (specifier) => import(specifier);

/**
 * Imports a driver package, turning "not installed" into a {@link MissingDriverError} that names it.
 * Any other failure (a driver that is there but broken) is passed on as it is.
 *
 * @example
 * const pg = await importDriver<typeof import('pg')>('pg', 'PostgreSQL')
 */
export async function importDriver<T>(packageName: DriverPackage, storeKind: string, importer: ModuleImporter = nativeImport): Promise<T> {
  let loaded: unknown;
  try {
    loaded = await importer(packageName);
  } catch (error) {
    if (isNotInstalled(error, packageName)) throw new MissingDriverError(packageName, storeKind, error);
    throw error;
  }
  // Both drivers are CommonJS: the module's value is the namespace's default export.
  return ((loaded as { default?: T }).default ?? loaded) as T;
}

/** Node's "cannot find package" for this package itself, not for something the package imports. */
function isNotInstalled(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = String((error as { message?: unknown }).message ?? '');
  return message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`);
}
