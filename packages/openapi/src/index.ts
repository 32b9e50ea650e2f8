export { DOCS_PATH, DOCUMENT_PATH } from './docs-page.js';
export { buildOpenApiDocument, type DocumentedHeader, type DocumentedMount, type OpenApiDocument, type OpenApiOptions, type SecurityScheme } from './openapi-document.js';
export { OpenApiModule } from './openapi.module.js';
export { describeController, type RouteDescription, type ValidatedInput } from './route-metadata.js';
