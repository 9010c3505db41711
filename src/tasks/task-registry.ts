import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { TaskLookupError, ValidationError } from '../errors.js';

/**
 * A task: called as `fn(...args, kwargs)`; may return a value or a promise. `never[]` parameters
 * accept any function whatever its parameter types (`(to: string, n: number) => …` included): a
 * job's JSON args are the task's to declare; calling one goes through {@link invokeTask}.
 *
 * @example
 * const send: TaskFunction = async (to: string, kwargs: { subject: string }) => mail(to, kwargs.subject)
 */
export type TaskFunction = (...args: never[]) => unknown;

/**
 * Calls a task with a job's args and kwargs. The one place the args' types are taken on trust: they
 * are JSON the job was given, and the task declared what it expects.
 *
 * @example
 * await invokeTask(resolved.fn, job.args, job.kwargs)
 */
export function invokeTask(fn: TaskFunction, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>>): unknown {
  return (fn as (...values: unknown[]) => unknown)(...args, kwargs);
}

/**
 * A task resolved from a `"module:function"` reference.
 *
 * @example
 * const { fn, exportName } = registry.resolve('reports:nightly')
 */
export interface ResolvedTask {
  readonly reference: string;
  readonly fn: TaskFunction;
  /** The file the module was loaded from, when it came from one (the worker executor needs it). */
  readonly file: string | null;
  readonly exportName: string;
}

const REFERENCE = /^([A-Za-z_$][\w$.-]*):([A-Za-z_$][\w$]*)$/;

/**
 * The only place a job's `func` is resolved. A reference names a module registered here, by code
 * or from a task file named in config, and one of its functions; nothing else is ever imported.
 *
 * @example
 * registry.register('reports', { nightly: async (kwargs) => … })
 * registry.resolve('reports:nightly').fn
 */
export class TaskRegistry {
  private readonly modules = new Map<string, { fns: Map<string, TaskFunction>; file: string | null }>();
  /** References resolved since the last registration: a burst resolves the same few thousands of times. */
  private readonly resolved = new Map<string, ResolvedTask>();

  /** Registers (or extends) module `moduleName` with the given functions. */
  register(moduleName: string, fns: Readonly<Record<string, TaskFunction>>, file: string | null = null): void {
    if (!/^[A-Za-z_$][\w$.-]*$/.test(moduleName)) {
      throw new ValidationError(`Invalid task module name ${JSON.stringify(moduleName)}`);
    }
    this.resolved.clear();
    const entry = this.modules.get(moduleName) ?? { fns: new Map<string, TaskFunction>(), file };
    for (const [name, fn] of Object.entries(fns)) {
      if (typeof fn === 'function') entry.fns.set(name, fn);
    }
    this.modules.set(moduleName, { fns: entry.fns, file: entry.file ?? file });
  }

  /**
   * Imports a task module file (a path from config, never from a request) and registers its
   * exported functions under the file's name without extension.
   */
  async registerFile(file: string): Promise<string> {
    const absolute = path.resolve(file);
    const moduleName = path.basename(absolute).replace(/\.[^.]*$/, '');
    const exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    const fns: Record<string, TaskFunction> = {};
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === 'function') fns[name] = value as TaskFunction;
    }
    this.register(moduleName, fns, absolute);
    return moduleName;
  }

  /** The task a reference names; {@link TaskLookupError} when it names none. */
  resolve(reference: unknown): ResolvedTask {
    if (typeof reference !== 'string') {
      throw new ValidationError(`func must be a string "module:function", got ${describeType(reference)}`);
    }
    const known = this.resolved.get(reference);
    if (known) return known;
    const match = REFERENCE.exec(reference);
    if (!match) throw new TaskLookupError(reference, 'expected the form "module:function"');
    const [, moduleName, exportName] = match as unknown as [string, string, string];
    const entry = this.modules.get(moduleName);
    if (!entry) throw new TaskLookupError(reference, `no task module "${moduleName}" is registered`);
    const fn = entry.fns.get(exportName);
    if (!fn) throw new TaskLookupError(reference, `module "${moduleName}" has no task "${exportName}"`);
    const task = { reference, fn, file: entry.file, exportName };
    this.resolved.set(reference, task);
    return task;
  }

  /** Every registered reference, sorted. */
  references(): string[] {
    const refs: string[] = [];
    for (const [moduleName, entry] of this.modules) for (const name of entry.fns.keys()) refs.push(`${moduleName}:${name}`);
    return refs.sort();
  }
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
