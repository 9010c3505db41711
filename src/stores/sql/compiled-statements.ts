import type { CompiledQuery, Compilable, Kysely, QueryResult } from 'kysely';
import type { JobclockDatabase } from './schema.js';

/** A placeholder's value while a statement is built: no value a caller passes can equal it. */
const slotValue = (index: number) => `\u0000jobclock-slot-${index}\u0000`;

interface CompiledStatement {
  readonly query: CompiledQuery;
  /** For each parameter of `query`: the slot whose value it takes, or -1 for a constant of the statement. */
  readonly slots: readonly number[];
}

/**
 * The store's hot statements, built and compiled by Kysely once and then run with each call's
 * values. Building and compiling a query (operation nodes, the table-names plugin, the compiler)
 * cost more than running it on SQLite; the SQL text and the parameters sent are exactly those the
 * query builds each time, only the values differ. A statement is built with a `slot(i)` for each
 * value the caller passes at run time; its other parameters stay as they were built.
 *
 * One instance per store: the compiled text holds the store's table names and schema.
 *
 * @example
 * const statements = new CompiledStatements()
 * const { rows } = await statements.run(db, 'job by id', (slot) => db.selectFrom('jobs').select(JOB_COLUMNS).where('id', '=', slot(0)), [id])
 */
export class CompiledStatements {
  private readonly compiled = new Map<string, CompiledStatement>();

  /**
   * Runs the statement named `key` with `values` in its slots, on `executor` (the store's Kysely
   * instance or a transaction of it). `build` is called once, with the instance first given.
   */
  run<R>(
    executor: Kysely<JobclockDatabase>,
    key: string,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a slot stands for a value of the type its place takes
    build: (slot: <T>(index: number) => T) => Compilable<R>,
    values: readonly unknown[],
  ): Promise<QueryResult<R>> {
    let statement = this.compiled.get(key);
    if (!statement) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as above
      const query = build(<T,>(index: number) => slotValue(index) as T).compile();
      const slots = query.parameters.map((parameter) => values.findIndex((_, index) => parameter === slotValue(index)));
      const unfilled = values.findIndex((_, index) => !slots.includes(index));
      if (unfilled >= 0) throw new Error(`Statement "${key}" has no parameter for slot ${unfilled}`);
      statement = { query, slots };
      this.compiled.set(key, statement);
    }
    const { query, slots } = statement;
    const parameters = slots.map((slot, index) => (slot >= 0 ? values[slot] : query.parameters[index]));
    return executor.executeQuery<R>({ ...query, parameters });
  }
}
