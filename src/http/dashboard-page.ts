import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import { RouteNotFoundError } from './http-errors.js';

/*
 * `GET {prefix}/ui`: the dashboard. The page is a shell; its script and style are files built from
 * src/ui/ by scripts/build.mjs (esbuild) into dist/src/ui/, shipped in the package and served from
 * here, so it works offline and its Content-Security-Policy lets it load nothing inline or foreign.
 */

/** The dashboard's files under `{prefix}/ui/assets/`, with their media types. */
const ASSETS = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;

/**
 * The file names under `{prefix}/ui/assets/`.
 *
 * @example
 * DASHBOARD_ASSET_NAMES.includes('app.js') // true
 */
export const DASHBOARD_ASSET_NAMES = Object.keys(ASSETS) as readonly (keyof typeof ASSETS)[];

/** Scripts and styles from files of this origin only; it talks to this origin only; it cannot be framed. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function setSecurityHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
}

/** Answers the page shell; the script reads the API's prefix from `data-api`. */
export function serveDashboardPage(ctx: Context, prefix: string): void {
  setSecurityHeaders(ctx);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  const assets = escapeAttribute(`${prefix}/ui/assets`);
  ctx.body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>jobclock</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets}/app.css">
<script type="module" src="${assets}/app.js"></script>
</head>
<body data-api="${escapeAttribute(prefix)}">
<noscript>The jobclock dashboard needs JavaScript; the REST API is at ${escapeAttribute(prefix || '/')}.</noscript>
</body>
</html>
`;
}

/** Answers one built file of the dashboard; any other name is not found. */
export async function serveDashboardAsset(ctx: Context, name: string): Promise<void> {
  if (!Object.hasOwn(ASSETS, name)) throw new RouteNotFoundError(ctx.method, ctx.path);
  const file = name as keyof typeof ASSETS;
  setSecurityHeaders(ctx);
  ctx.set('Cache-Control', 'no-cache');
  ctx.type = ASSETS[file];
  ctx.body = await builtAsset(file);
}

const cache = new Map<string, Promise<Buffer>>();

function builtAsset(file: string): Promise<Buffer> {
  let content = cache.get(file);
  if (!content) {
    content = readFile(fileURLToPath(new URL(file, assetDirectory())));
    cache.set(file, content);
    content.catch(() => cache.delete(file));
  }
  return content;
}

/**
 * dist/src/ui/ next to the compiled router; from the TypeScript sources (tests, tsx) the working
 * build's dist/src/ui/ (`node scripts/build.mjs` makes it).
 */
function assetDirectory(): URL {
  const compiled = new URL('../ui/', import.meta.url);
  return existsSync(new URL('app.js', compiled)) ? compiled : new URL('../../dist/src/ui/', import.meta.url);
}

function escapeAttribute(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}
