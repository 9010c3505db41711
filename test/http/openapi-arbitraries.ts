import fc from 'fast-check';

/*
 * Values for the conformance run, drawn from the OpenAPI document itself: an arbitrary for the
 * JSON Schema subset the document uses (types, enum/const, ranges, lengths, objects with required
 * and additionalProperties, anyOf/oneOf, `not: {}` for "absent"), and mutations that break a value.
 * Whether a value is valid is not trusted to these: the test asks ajv against the document.
 */

export type Schema = Record<string, unknown>;

/** The document with every local `$ref` replaced by what it points at (it has no cycles). */
export function dereference<T>(document: T): T {
  const root = document as unknown;
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== 'object' || value === null) return value;
    const ref = (value as Schema).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) {
      const target = ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Schema)[key], root);
      return resolve(target);
    }
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item)]));
  };
  return resolve(root) as T;
}

const anyJson = fc.jsonValue({ maxDepth: 2 });

/** Values the schema accepts (mostly: pattern and format are left to ajv's verdict). */
export function valueOf(schema: Schema): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (union) return fc.oneof(...union.map(valueOf));
  if (Array.isArray(schema.type)) return fc.oneof(...(schema.type as string[]).map((type) => valueOf({ ...schema, type })));
  switch (schema.type) {
    case 'string':
      return fc.string({ minLength: (schema.minLength as number | undefined) ?? 0, maxLength: Math.min((schema.maxLength as number | undefined) ?? 12, 12) });
    case 'integer':
      return fc.integer({ min: Math.max((schema.minimum as number | undefined) ?? -1000, -1e6), max: Math.min((schema.maximum as number | undefined) ?? 1000, 1e6) });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: (schema.minimum as number | undefined) ?? -1e6, max: (schema.maximum as number | undefined) ?? 1e6 })
        .filter((n) => typeof schema.exclusiveMinimum !== 'number' || n > schema.exclusiveMinimum);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? valueOf(schema.items as Schema) : anyJson, { maxLength: 3 });
    case 'object':
      return objectOf(schema);
    default:
      return anyJson;
  }
}

function objectOf(schema: Schema): fc.Arbitrary<unknown> {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, Schema>).filter(([, property]) => !isNever(property));
  const required = new Set((schema.required ?? []) as string[]);
  const record = fc.record(Object.fromEntries(properties.map(([key, property]) => [key, valueOf(property)])), {
    requiredKeys: properties.map(([key]) => key).filter((key) => required.has(key)),
  });
  if (properties.length === 0 && schema.additionalProperties !== false) return fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 3 });
  return record;
}

function isNever(schema: Schema): boolean {
  const not = schema.not as Schema | undefined;
  return not !== undefined && Object.keys(not).length === 0;
}

/** A value changed so that it likely breaks the schema: a wrong type, an unknown key, a required key dropped. */
export function brokenValueOf(schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof(
    anyJson,
    valueOf(schema).chain((value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return anyJson;
      const keys = Object.keys(value);
      return fc.oneof(
        fc.constant({ ...value, zz_unknown_key: 1 }),
        keys.length === 0 ? anyJson : fc.constantFrom(...keys).chain((key) => fc.oneof(
          fc.constant(Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))),
          anyJson.map((wrong) => ({ ...value, [key]: wrong })),
        )),
      );
    }),
  );
}
