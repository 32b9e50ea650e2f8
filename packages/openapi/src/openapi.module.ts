import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ApiDocs, OPENAPI_OPTIONS } from './api-docs.js';
import { DocsController } from './docs.controller.js';
import type { OpenApiOptions } from './openapi-document.js';

/**
 * The app's OpenAPI 3.1 document at `GET /docs/openapi.json` and a page to read it at
 * `GET /docs`, both derived from the routes themselves (see describeController): import
 * `OpenApiModule.forRoot(options)` once in the app module.
 */
@Module({})
export class OpenApiModule {
  static forRoot(options: OpenApiOptions): DynamicModule {
    return {
      module: OpenApiModule,
      imports: [DiscoveryModule],
      controllers: [DocsController],
      providers: [ApiDocs, { provide: OPENAPI_OPTIONS, useValue: options }],
    };
  }
}
