export { ApiDocs } from './api-docs.js';
export { DOCS_CSP, DOCS_PATH, DOCUMENT_PATH } from './docs-page.js';
export { toJsonSchema, type JsonSchema } from './json-schema.js';
export {
  buildOpenApiDocument,
  type DocumentedMount,
  MOUNT_EXTENSION,
  type OpenApiDocument,
  type OpenApiOptions,
  type SecurityScheme,
  toOpenApiPath,
} from './openapi-document.js';
export { OpenApiModule } from './openapi.module.js';
export { describeController, type RouteDescription, type ValidatedInput } from './route-metadata.js';
