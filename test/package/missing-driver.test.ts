import { expect } from 'chai';
import { MissingDriverError } from '../../src/stores/sql/driver-import.js';
import { createKysely } from '../../src/stores/sql/sql-connection.js';
import type { SqlTarget } from '../../src/stores/sql/sql-target.js';
import type { ModuleImporter } from '../../src/stores/sql/driver-import.js';

/** An importer for an application that has not installed the driver: Node's own "cannot find package" error. */
const notInstalled: ModuleImporter = async (specifier) => {
  throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/node_modules/jobclock/dist/src/stores/sql/driver-import.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
};

async function firstQueryError(target: SqlTarget, importer: ModuleImporter): Promise<unknown> {
  const db = createKysely(target, {}, importer);
  try {
    await db.selectFrom('jobs').selectAll().execute();
    return null;
  } catch (error) {
    return error;
  } finally {
    await db.destroy().catch(() => undefined);
  }
}

describe('a store URL whose driver is not installed', () => {
  it('fails a PostgreSQL store with MissingDriverError naming pg', async () => {
    const error = await firstQueryError({ dialect: 'postgres', connectionString: 'postgres://127.0.0.1/test' }, notInstalled);
    expect(error).to.be.instanceOf(MissingDriverError);
    expect((error as MissingDriverError).packageName).to.equal('pg');
    expect((error as Error).message).to.contain('npm install pg');
  });

  it('fails a SQLite store with MissingDriverError naming better-sqlite3', async () => {
    const error = await firstQueryError({ dialect: 'sqlite', filename: ':memory:' }, notInstalled);
    expect(error).to.be.instanceOf(MissingDriverError);
    expect((error as Error).message).to.contain('npm install better-sqlite3');
  });

  it('passes on a driver that is installed but broken, unchanged', async () => {
    const broken = new Error('Could not locate the bindings file');
    const error = await firstQueryError({ dialect: 'sqlite', filename: ':memory:' }, async () => {
      throw broken;
    });
    expect(error).to.equal(broken);
  });
});
