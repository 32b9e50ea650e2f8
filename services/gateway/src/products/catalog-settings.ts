import { defineConfigSection } from '@platform/contracts';
import { z } from 'zod';

/** The `catalog.*` keys of the central live configuration: the product cache's TTL (ProductCache). */
export const CatalogSettings = defineConfigSection('catalog', {
  cacheTtlSeconds: z.number().int().min(1).max(86_400).default(60),
});
