import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Context } from 'koa';
import { RouteNotFoundError } from '../http-errors.js';

/*
 * `GET {prefix}/docs`: Swagger UI rendering the OpenAPI document, entirely from this server — the
 * page, its script and style (from the swagger-ui-dist package) and the document itself — so it
 * works offline, and the Content-Security-Policy lets the browser load nothing from elsewhere.
 */

/** The page's assets by file name: what swagger-ui-dist ships, plus the script that starts it. */
const ASSETS = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'start-docs.js': 'text/javascript; charset=utf-8',
} as const;

/**
 * The file names under `{prefix}/docs/assets/`.
 *
 * @example
 * DOCS_ASSET_NAMES.includes('swagger-ui.css') // true
 */
export const DOCS_ASSET_NAMES = Object.keys(ASSETS) as readonly (keyof typeof ASSETS)[];

const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:";

/** Starts Swagger UI on the document the page names (no inline script: the policy forbids it). */
const START_SCRIPT = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout'
  });
});
`;

/** Answers the page: every URL in it is a path on this server, under `prefix`. */
export function serveDocsPage(ctx: Context, prefix: string): void {
  const assets = `${prefix}/docs/assets`;
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>jobclock REST API</title>
<link rel="stylesheet" href="${escapeAttribute(`${assets}/swagger-ui.css`)}">
</head>
<body>
<div id="swagger-ui" data-spec-url="${escapeAttribute(`${prefix}/openapi.json`)}"></div>
<script src="${escapeAttribute(`${assets}/swagger-ui-bundle.js`)}"></script>
<script src="${escapeAttribute(`${assets}/start-docs.js`)}"></script>
</body>
</html>
`;
}

/** Answers one asset of the page; any other name is not found. */
export async function serveDocsAsset(ctx: Context, name: string): Promise<void> {
  if (!Object.hasOwn(ASSETS, name)) throw new RouteNotFoundError(ctx.method, ctx.path);
  const file = name as keyof typeof ASSETS;
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.type = ASSETS[file];
  ctx.body = file === 'start-docs.js' ? START_SCRIPT : await packagedAsset(file);
}

const cache = new Map<string, Promise<Buffer>>();

/** A file of swagger-ui-dist, read once. */
function packagedAsset(file: string): Promise<Buffer> {
  let content = cache.get(file);
  if (!content) {
    const dir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    content = readFile(path.join(dir, file));
    cache.set(file, content);
    content.catch(() => cache.delete(file));
  }
  return content;
}

function escapeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}
