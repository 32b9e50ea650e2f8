import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** Where the docs are served: the page, its document, its assets. */
export const DOCS_PATH = '/docs';
export const DOCUMENT_PATH = `${DOCS_PATH}/openapi.json`;

/**
 * The docs page's own Content-Security-Policy: everything from this origin, nothing from
 * anywhere else (the page must work offline and must not tell a third party who reads the
 * docs). Inline styles only: Swagger UI sets element styles from script; no inline script.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Starts Swagger UI on the served document. `validatorUrl: null`: by default Swagger UI
 * sends the document to validator.swagger.io for a badge; the docs must not leave the host.
 * A file of its own (not inline) so the CSP needs no 'unsafe-inline' for scripts.
 */
const STARTER = `window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(DOCUMENT_PATH)},
    dom_id: '#docs',
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    deepLinking: true,
    displayOperationId: true,
  });
});
`;

/** The files the page loads, by the name in `/docs/assets/<name>`; the param is validated against this list. */
export const DocsAssetName = z.enum(['swagger-ui.css', 'swagger-ui-bundle.js', 'docs.js'], { error: 'no such docs asset' });
export type DocsAssetName = z.output<typeof DocsAssetName>;

export interface DocsAsset {
  contentType: string;
  body: Buffer;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The HTML of the docs page: Swagger UI from this server's own assets, no external link. */
export function docsPage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${DOCS_PATH}/assets/swagger-ui.css">
</head>
<body>
<noscript>This page needs JavaScript. The API document itself is at <a href="${DOCUMENT_PATH}">${DOCUMENT_PATH}</a>.</noscript>
<div id="docs"></div>
<script src="${DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/assets/docs.js"></script>
</body>
</html>
`;
}

/**
 * Reads Swagger UI's standalone bundle from node_modules (swagger-ui-dist) once: about 2 MB
 * kept in memory, served without touching the disk again. Its source map comment is cut so
 * a browser's devtools do not ask for a file that is not served.
 */
export function loadDocsAssets(): Record<DocsAssetName, DocsAsset> {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const read = (file: string) => readFileSync(join(dist, file), 'utf8').replace(/\n\/[/*]# sourceMappingURL=\S+(\s*\*\/)?\s*$/, '\n');
  return {
    'swagger-ui.css': { contentType: 'text/css; charset=utf-8', body: Buffer.from(read('swagger-ui.css')) },
    'swagger-ui-bundle.js': { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(read('swagger-ui-bundle.js')) },
    'docs.js': { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(STARTER) },
  };
}
