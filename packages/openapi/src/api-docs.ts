import { Inject, Injectable, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { buildOpenApiDocument, type OpenApiOptions } from './openapi-document.js';
import { docsPage, type DocsAsset, type DocsAssetName, loadDocsAssets } from './docs-page.js';
import { describeController } from './route-metadata.js';

/** Injection token of the OpenApiModule's options. */
export const OPENAPI_OPTIONS = Symbol('OPENAPI_OPTIONS');

/**
 * Everything the docs routes serve, built once at boot from the controllers Nest has
 * registered: requests only send bytes already in memory. A route the builder cannot
 * describe truthfully fails the boot (see buildOpenApiDocument).
 */
@Injectable()
export class ApiDocs implements OnApplicationBootstrap {
  readonly assets: Record<DocsAssetName, DocsAsset> = loadDocsAssets();
  readonly page: string;
  private json: string | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(OPENAPI_OPTIONS) private readonly options: OpenApiOptions,
  ) {
    this.page = docsPage(options.info.title);
  }

  onApplicationBootstrap(): void {
    const controllers = this.discovery.getControllers().map((wrapper) => wrapper.metatype as Type);
    this.json = JSON.stringify(buildOpenApiDocument(controllers.flatMap(describeController), this.options));
  }

  /** The document as JSON text. */
  get document(): string {
    if (this.json === undefined) throw new Error('the API document is built when the application bootstraps');
    return this.json;
  }
}
