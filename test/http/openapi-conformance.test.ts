import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import fc from 'fast-check';
import { brokenValueOf, dereference, valueOf, type Schema } from './openapi-arbitraries.js';
import { NOT_ROUTED_YET } from './openapi-pending.js';
import { startTestServer, type Reply, type StoreKind, type TestServer } from './http-harness.js';

/*
 * The server conforms to its own OpenAPI document, schemathesis-style: requests generated from the
 * document (valid and broken bodies, path and query parameters, with and without credentials)
 * against a live server on a real store. Every answer must be a documented status with a
 * documented media type and a body valid against its schema, never a 5xx; a request the document
 * says is invalid must get a 4xx; and a method the document does not list gets 405 with `Allow`.
 */

const USER = { username: 'admin', password: 'secret' };
const AUTH = { Authorization: `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}` };
const SEED = Number(process.env.JOBCLOCK_FUZZ_SEED ?? 20301);

interface Parameter { readonly name: string; readonly in: string; readonly required?: boolean; readonly schema: Schema }
interface MediaType { readonly schema?: Schema; readonly examples?: Record<string, { value: unknown }> }
interface Operation {
  readonly operationId: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Record<string, MediaType> };
  readonly responses: Record<string, { readonly content?: Record<string, MediaType> }>;
  readonly security?: readonly Record<string, unknown>[];
}
interface Document { readonly paths: Record<string, Record<string, Operation>> }

interface GeneratedRequest {
  readonly path: string;
  readonly query: string;
  readonly body: { readonly value: unknown } | undefined;
  readonly authenticated: boolean;
  /** Why the document says this request is invalid; null when it is valid. */
  readonly invalid: string | null;
}

const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
const validators = new Map<Schema, ReturnType<typeof ajv.compile>>();
function accepts(schema: Schema, value: unknown): boolean {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate(value);
}

/** A query or path value as the document's parameter schema reads it (numbers from their text). */
function parameterAccepts(schema: Schema, text: string): boolean {
  if (schema.type === 'integer' || schema.type === 'number') return text.trim() !== '' && accepts(schema, Number(text));
  return accepts(schema, text);
}

function requestsFor(template: string, operation: Operation, seededIds: readonly string[]): fc.Arbitrary<GeneratedRequest> {
  const parameters = operation.parameters ?? [];
  const pathParameters = parameters.filter((p) => p.in === 'path');
  const queryParameters = parameters.filter((p) => p.in === 'query');
  const text = (schema: Schema) => fc.oneof({ weight: 3, arbitrary: valueOf(schema).map(String) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
  const pathValues = fc.tuple(...pathParameters.map((p) => (p.name === 'id' ? fc.oneof(fc.constantFrom(...seededIds), text(p.schema)) : text(p.schema))));
  const queryValues = fc.tuple(...queryParameters.map((p) => fc.option(text(p.schema), { nil: undefined })));
  const body = operation.requestBody?.content['application/json'];
  const bodies: fc.Arbitrary<{ value: unknown } | undefined> = body?.schema
    ? fc.oneof(
      { weight: 3, arbitrary: valueOf(body.schema).map((value) => ({ value })) },
      { weight: 1, arbitrary: fc.constantFrom(...Object.values(body.examples ?? { none: { value: {} } })) },
      { weight: 2, arbitrary: brokenValueOf(body.schema).map((value) => ({ value })) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    )
    : fc.constant(undefined);
  return fc.record({ path: pathValues, query: queryValues, body: bodies, authenticated: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) })
    .map(({ path, query, body: sent, authenticated }) => {
      const problems: string[] = [];
      let url = template;
      pathParameters.forEach((p, i) => {
        const value = path[i] ?? '';
        if (!parameterAccepts(p.schema, value)) problems.push(`path ${p.name}`);
        url = url.replace(`{${p.name}}`, encodeURIComponent(value));
      });
      const search = new URLSearchParams();
      queryParameters.forEach((p, i) => {
        const value = query[i];
        if (value === undefined) return;
        if (!parameterAccepts(p.schema, value)) problems.push(`query ${p.name}`);
        search.set(p.name, value);
      });
      if (body?.schema) {
        if (sent === undefined ? operation.requestBody?.required === true : !accepts(body.schema, sent.value)) problems.push('body');
      }
      const anonymous = operation.security?.some((requirement) => Object.keys(requirement).length === 0) ?? false;
      if (!authenticated && !anonymous) problems.push('credentials');
      return { path: url, query: search.size > 0 ? `?${search.toString()}` : '', body: sent, authenticated, invalid: problems.length > 0 ? problems.join(', ') : null };
    });
}

function mediaTypeOf(reply: Reply): string {
  const type = reply.headers['content-type'];
  return (typeof type === 'string' ? type : '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The answer conforms to the operation's documented responses. */
function checkReply(operation: Operation, request: GeneratedRequest, reply: Reply): void {
  const what = `${operation.operationId} ${request.path}${request.query} ${JSON.stringify(request.body)} → ${reply.status} ${reply.text.slice(0, 300)}`;
  expect(reply.status, `no 5xx: ${what}`).to.be.below(500);
  const documented = operation.responses[String(reply.status)];
  expect(documented, `documented status: ${what}`).to.not.equal(undefined);
  if (request.invalid !== null) expect(reply.status, `invalid (${request.invalid}) gets a 4xx: ${what}`).to.be.within(400, 499);
  const content = documented?.content;
  if (!content) {
    expect(reply.text, `no body: ${what}`).to.equal('');
    return;
  }
  const media = content[mediaTypeOf(reply)];
  expect(media, `documented media type ${mediaTypeOf(reply)}: ${what}`).to.not.equal(undefined);
  if (mediaTypeOf(reply) === 'application/json' && media?.schema) {
    expect(accepts(media.schema, JSON.parse(reply.text)), `body valid (${ajv.errorsText(validators.get(media.schema)?.errors)}): ${what}`).to.equal(true);
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

for (const [kind, numRuns] of [['sqlite', 40], ['postgres', 12]] as const satisfies readonly (readonly [StoreKind, number])[]) {
  describe(`OpenAPI conformance: the live server against its document (${kind} store)`, function () {
    this.timeout(180_000);
    let t: TestServer;
    let document: Document;
    let seededIds: string[];

    before(async () => {
      t = await startTestServer(kind, { basicAuth: [USER] });
      const served = await t.call('GET', '/openapi.json', undefined, AUTH);
      document = dereference(served.json as Document);
    });

    after(async () => {
      await t.stop();
    });

    /** The add_job examples of the document, stored afresh: ids the generated requests aim at. */
    beforeEach(async () => {
      const examples = document.paths[`${t.config.api.prefix}/jobs`]?.post?.requestBody?.content['application/json']?.examples ?? {};
      seededIds = [];
      for (const { value } of Object.values(examples)) {
        const reply = await t.call('POST', '/jobs', { ...(value as object), replace_existing: true }, AUTH);
        expect(reply.status, reply.text).to.equal(200);
        seededIds.push((reply.json as { id: string }).id);
      }
    });

    it('has request examples that its own schemas accept', () => {
      for (const [path, item] of Object.entries(document.paths)) {
        for (const operation of Object.values(item)) {
          const media = operation.requestBody?.content['application/json'];
          for (const [name, { value }] of Object.entries(media?.examples ?? {})) {
            expect(accepts(media?.schema ?? {}, value), `${path} example ${name}`).to.equal(true);
          }
        }
      }
    });

    it('answers every generated request as documented (health and events: pending their routes)', async () => {
      const prefix = t.config.api.prefix;
      for (const [template, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          if (NOT_ROUTED_YET.has(operation.operationId)) continue;
          await fc.assert(
            fc.asyncProperty(requestsFor(template, operation, seededIds), async (request) => {
              const headers = request.authenticated ? AUTH : {};
              const body = request.body === undefined ? undefined : JSON.stringify(request.body.value);
              const reply = await t.call(method.toUpperCase(), `${request.path.slice(prefix.length)}${request.query}`, body, headers);
              checkReply(operation, request, reply);
            }),
            { numRuns, seed: SEED, endOnFailure: true },
          );
        }
      }
    });

    it('answers 405 with Allow to a method the document does not list for a path', async () => {
      const prefix = t.config.api.prefix;
      for (const [template, item] of Object.entries(document.paths)) {
        if (Object.values(item).every((operation) => NOT_ROUTED_YET.has(operation.operationId))) continue;
        const path = template.slice(prefix.length).replace(/\{id\}/, encodeURIComponent(seededIds[0] ?? 'x')).replace(/\{file\}/, 'swagger-ui.css');
        const listed = Object.keys(item).map((m) => m.toUpperCase());
        for (const method of METHODS.filter((m) => !listed.includes(m))) {
          const reply = await t.call(method, path, undefined, AUTH);
          expect(reply.status, `${method} ${path}`).to.equal(405);
          const allow = String(reply.headers.allow ?? '').split(/,\s*/);
          expect(allow, `${method} ${path}`).to.include.members(listed);
          expect(reply.json, `${method} ${path}`).to.have.property('error_message').that.is.a('string');
        }
      }
    });
  });
}
