import { resolve } from 'node:path';
import { expect } from 'chai';
import { ValidationError } from '../../src/errors.js';
import { MemoryJobStore } from '../../src/stores/memory.js';
import { SqlJobStore } from '../../src/stores/sql/sql-job-store.js';
import { createJobStore, sqlTargetOf } from '../../src/stores/store-url.js';

describe('store URLs', function () {
  it('makes a memory store for memory:', function () {
    expect(createJobStore('memory:')).to.be.instanceOf(MemoryJobStore);
  });

  it('reads SQLite paths relative to the working directory, SQLAlchemy spellings too', function () {
    expect(sqlTargetOf('sqlite:./data/jobs.sqlite')).to.deep.equal({ dialect: 'sqlite', filename: resolve('data/jobs.sqlite') });
    expect(sqlTargetOf('sqlite:jobs.sqlite')).to.deep.equal({ dialect: 'sqlite', filename: resolve('jobs.sqlite') });
    expect(sqlTargetOf('sqlite:/tmp/jobs.sqlite')).to.deep.equal({ dialect: 'sqlite', filename: '/tmp/jobs.sqlite' });
    expect(sqlTargetOf('sqlite:///jobs.sqlite')).to.deep.equal({ dialect: 'sqlite', filename: resolve('jobs.sqlite') });
    expect(sqlTargetOf('sqlite:////tmp/jobs.sqlite')).to.deep.equal({ dialect: 'sqlite', filename: '/tmp/jobs.sqlite' });
    expect(sqlTargetOf('sqlite::memory:')).to.deep.equal({ dialect: 'sqlite', filename: ':memory:' });
    expect(createJobStore('sqlite::memory:')).to.be.instanceOf(SqlJobStore);
  });

  it('passes PostgreSQL URLs to pg as they are', function () {
    for (const url of ['postgres://u:p@db:5432/app', 'postgresql://db/app?sslmode=require']) {
      expect(sqlTargetOf(url)).to.deep.equal({ dialect: 'postgres', connectionString: url });
      expect(createJobStore(url)).to.be.instanceOf(SqlJobStore);
    }
  });

  it('takes prepare=true|false out of a PostgreSQL URL (named prepared statements), and refuses another value', function () {
    expect(sqlTargetOf('postgres://db/app?prepare=false')).to.deep.equal({ dialect: 'postgres', connectionString: 'postgres://db/app', prepare: false });
    expect(sqlTargetOf('postgres://db/app?sslmode=require&prepare=TRUE&application_name=x')).to.deep.equal({
      dialect: 'postgres',
      connectionString: 'postgres://db/app?sslmode=require&application_name=x',
      prepare: true,
    });
    expect(() => sqlTargetOf('postgres://db/app?prepare=no')).to.throw(ValidationError, /prepare= .* must be true or false, got "no"/);
  });

  it('refuses anything else with a ValidationError naming the accepted forms', function () {
    for (const url of ['', 'sqlite:', 'mysql://db/app', 'memory', 'jobs.sqlite', 'http://db']) {
      expect(() => createJobStore(url), url).to.throw(ValidationError, /memory:, sqlite:<path>/);
    }
  });

  it('refuses a table prefix or schema that is not a plain identifier', function () {
    for (const tablePrefix of ['', '1abc', 'a-b', 'x; drop table jobs', 'a'.repeat(60)]) {
      expect(() => createJobStore('sqlite::memory:', { tablePrefix }), tablePrefix).to.throw(ValidationError, /table prefix/);
    }
    expect(() => createJobStore('postgres://db/app', { schema: 'bad schema' })).to.throw(ValidationError, /schema/);
    expect(() => createJobStore('postgres://db/app', { tablePrefix: 'App_2_', schema: 'scheduling' })).to.not.throw();
  });

  it('fails to use a store that was never opened', async function () {
    const error = await createJobStore('sqlite::memory:').getJobs().catch((e: unknown) => e);
    expect((error as Error).message).to.match(/not open/);
  });
});
