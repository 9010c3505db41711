import { createRequire } from 'node:module';
import { z } from 'zod';
import { authEnabled, BASIC_CHALLENGE, type AuthOptions } from '../auth.js';
import { ERROR_STATUSES, OPERATIONS, type BodyDoc, type OperationDoc, type ParameterDoc, type SuccessDoc } from './operations.js';
import { errorSchema } from './response-schemas.js';

/*
 * Builds the OpenAPI 3.1 document from OPERATIONS, converting each zod schema with zod's own
 * JSON Schema 2020-12 generator: request bodies as read (`io: 'input'`), answers as written.
 */

/**
 * An OpenAPI 3.1 document, as JSON.
 *
 * @example
 * const doc: OpenApiDocument = openApiDocument({ prefix: '/scheduler' })
 */
export type OpenApiDocument = Readonly<Record<string, unknown>>;

/**
 * What the document depends on: where the router is mounted and whether it asks for credentials.
 *
 * @example
 * openApiDocument({ prefix: '/scheduler', auth: { basic: [{ username: 'admin', password }] } })
 */
export interface OpenApiDocumentOptions {
  /** The router's prefix (`/scheduler`); paths in the document include it. */
  readonly prefix: string;
  /** The router's auth: when on, every operation requires it (health's minimal answer excepted). */
  readonly auth?: AuthOptions;
  /** `info.version`; default the package's. */
  readonly version?: string;
  /** The router's `ui` option: document the dashboard's routes too. */
  readonly ui?: boolean;
}

type JsonSchema = Record<string, unknown>;

const SECURITY_SCHEME = 'jobclockAuth';

/**
 * The OpenAPI 3.1 document of `schedulerRouter`'s endpoints, generated from the schemas that
 * validate the requests (`GET {prefix}/openapi.json` serves it).
 *
 * @example
 * const doc = openApiDocument({ prefix: '/scheduler' })
 * Object.keys(doc.paths as object) // ['/scheduler', '/scheduler/pause', …]
 */
export function openApiDocument(options: OpenApiDocumentOptions): OpenApiDocument {
  const components = new Components();
  const secured = authEnabled(options.auth);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    if (operation.ui === true && options.ui !== true) continue;
    const path = `${options.prefix}${operation.path}` || '/';
    (paths[path] ??= {})[operation.method] = operationObject(operation, components, secured);
  }
  for (const [path, item] of Object.entries(paths)) item.options = optionsObject(path, Object.keys(item), secured);
  return {
    openapi: '3.1.1',
    info: {
      title: 'jobclock REST API',
      version: options.version ?? packageVersion(),
      description: 'Manage a jobclock scheduler and its jobs (Flask-APScheduler\'s REST API, and more). Errors are `{"error_message": "…"}`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'scheduler', description: 'The scheduler itself' },
      { name: 'jobs', description: 'Jobs and their runs' },
      { name: 'preview', description: 'Fire-time preview' },
      { name: 'operator', description: 'Documents, health and events' },
    ],
    paths,
    components: {
      schemas: components.schemas,
      responses: Object.fromEntries(Object.entries(ERROR_STATUSES).map(([status, description]) => [
        errorResponseName(status),
        { description, content: { 'application/json': { schema: components.schema(errorSchema, 'output') } } },
      ])),
      ...(secured && { securitySchemes: { [SECURITY_SCHEME]: securityScheme(options.auth) } }),
    },
    ...(secured && { security: [{ [SECURITY_SCHEME]: [] }] }),
  };
}

function operationObject(operation: OperationDoc, components: Components, secured: boolean): Record<string, unknown> {
  const errors = [...operation.errors, ...(secured && !operation.anonymous ? [401 as const] : [])].sort((a, b) => a - b);
  const responses: Record<string, unknown> = {};
  for (const [status, success] of Object.entries(operation.success)) responses[status] = successResponse(success, components);
  for (const status of errors) responses[String(status)] = { $ref: `#/components/responses/${errorResponseName(String(status))}` };
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [operation.tag],
    ...(operation.parameters && { parameters: operation.parameters.map((p) => parameterObject(p, components)) }),
    ...(operation.body && { requestBody: requestBodyObject(operation.body, components) }),
    responses,
    ...(secured && operation.anonymous && { security: [{}, { [SECURITY_SCHEME]: [] }] }),
  };
}

/**
 * OPTIONS, which the router answers on every path (behind the same auth): 204 with `Allow`, the
 * path's methods. Documented, so a client or a fuzzer sending it finds the answer it gets.
 */
function optionsObject(path: string, methods: readonly string[], secured: boolean): Record<string, unknown> {
  const allowed = [...methods.map((method) => method.toUpperCase()), ...(methods.includes('get') ? ['HEAD'] : []), 'OPTIONS'];
  return {
    operationId: `options${path.replace(/[^A-Za-z0-9]+/g, '_')}`,
    summary: `The methods ${path} allows: ${allowed.join(', ')}`,
    tags: ['operator'],
    responses: {
      '204': {
        description: 'No body; the `Allow` header lists the methods',
        headers: { Allow: { description: 'The methods this path allows', schema: { type: 'string' } } },
      },
      ...(secured && { '401': { $ref: `#/components/responses/${errorResponseName('401')}` } }),
    },
  };
}

function parameterObject(parameter: ParameterDoc, components: Components): Record<string, unknown> {
  return {
    name: parameter.name,
    in: parameter.in,
    description: parameter.description,
    required: parameter.required ?? false,
    schema: components.schema(parameter.schema, 'input'),
  };
}

function requestBodyObject(body: BodyDoc, components: Components): Record<string, unknown> {
  const variants = Object.entries(body.variants).map(([variant, schema]) => components.named(`${body.name}${variant}`, schema));
  const schema = variants.length === 1 ? variants[0] : {
    [body.exclusive ? 'oneOf' : 'anyOf']: variants,
    ...(body.discriminator && { discriminator: { propertyName: body.discriminator } }),
  };
  const examples = body.examples && Object.fromEntries(Object.entries(body.examples).map(([name, value]) => [name, { value }]));
  return { required: body.required, content: { 'application/json': { schema, ...(examples && { examples }) } } };
}

function successResponse(success: SuccessDoc, components: Components): Record<string, unknown> {
  if ('json' in success) return { description: success.description, content: { 'application/json': { schema: components.schema(success.json, 'output') } } };
  if ('mediaTypes' in success) {
    const schemaOf = (type: string) => (type === 'application/json' ? { type: 'object' } : { type: 'string' });
    return { description: success.description, content: Object.fromEntries(success.mediaTypes.map((type) => [type, { schema: schemaOf(type) }])) };
  }
  return { description: success.description };
}

/** jobclock's own version (the package refers to itself by name). */
function packageVersion(): string {
  const manifest = createRequire(import.meta.url)('jobclock/package.json') as { version: string };
  return manifest.version;
}

function errorResponseName(status: string): string {
  return `Error${status}`;
}

function securityScheme(auth: AuthOptions | undefined): Record<string, unknown> {
  // The scheme the 401's challenge names: Basic for configured users, else the hook's own.
  const challenge = (auth?.basic?.length ?? 0) > 0 ? BASIC_CHALLENGE : (auth?.challenge ?? 'Bearer realm="jobclock"');
  const scheme = (challenge.split(/\s/, 1)[0] ?? 'bearer').toLowerCase();
  return { type: 'http', scheme, description: `The API's credentials (\`WWW-Authenticate: ${challenge}\`)` };
}

/** The document's `components.schemas`, filled as schemas are converted; `$ref`s point into it. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /** `schema` as JSON Schema, its named parts (zod `.meta({ id })`) moved to the components. */
  schema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const { $schema: _dialect, $defs, ...json } = z.toJSONSchema(schema, {
      io,
      unrepresentable: (ctx) => (ctx.zodSchema._zod.def.type === 'undefined' ? { not: {} } : 'any'),
      override: ({ jsonSchema }) => tidy(jsonSchema as JsonSchema),
    }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [name, def] of Object.entries($defs ?? {})) this.schemas[name] = pointIntoComponents(def) as JsonSchema;
    return pointIntoComponents(json) as JsonSchema;
  }

  /** A `$ref` to `schema` stored under `name`. */
  named(name: string, schema: z.ZodType): JsonSchema {
    this.schemas[name] = this.schema(schema, 'input');
    return { $ref: `#/components/schemas/${name}` };
  }
}

/**
 * What a JSON body cannot carry is left out: a `Date` instance (zod's `instanceof`, `{}` by then)
 * in a union, and `undefined` (only "absent" is meant). `readOnly` comes from zod's `.readonly()`,
 * a TypeScript matter: in OpenAPI it would say "never send this".
 */
function tidy(json: JsonSchema): void {
  delete json.readOnly;
  if (!Array.isArray(json.anyOf)) return;
  const members = (json.anyOf as JsonSchema[]).filter((member) => Object.keys(member).length > 0);
  if (members.length === 1 && members[0]) {
    delete json.anyOf;
    Object.assign(json, members[0]);
  } else {
    json.anyOf = members;
  }
}

function pointIntoComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointIntoComponents);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [
    key,
    key === '$ref' && typeof item === 'string' ? item.replace('#/$defs/', '#/components/schemas/') : pointIntoComponents(item),
  ]));
}
