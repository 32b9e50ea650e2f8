import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ZodValidationPipe } from '@platform/validation';
import type { FastifyReply } from 'fastify';
import { ApiDocs } from './api-docs.js';
import { DOCS_CSP, DocsAssetName } from './docs-page.js';

/**
 * `GET /docs` (the page), `GET /docs/openapi.json` (the document), `GET /docs/assets/:name`
 * (the page's scripts and styles). Public: the document holds routes and schemas, no config
 * and no secret. Every answer carries the page's CSP so the docs load nothing from outside.
 */
@Controller('docs')
export class DocsController {
  constructor(private readonly docs: ApiDocs) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DOCS_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  page(): string {
    return this.docs.page;
  }

  @Get('openapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @Header('Content-Security-Policy', DOCS_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  document(): string {
    return this.docs.document;
  }

  @Get('assets/:name')
  @Header('Content-Security-Policy', DOCS_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', 'public, max-age=3600')
  asset(@Param('name', new ZodValidationPipe(DocsAssetName)) name: DocsAssetName, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const asset = this.docs.assets[name];
    void reply.header('content-type', asset.contentType);
    return asset.body;
  }
}
