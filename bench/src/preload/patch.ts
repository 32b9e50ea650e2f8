import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { serviceDist } from '../paths.js';

type Prototype = Record<string, unknown>;

/**
 * Replaces methods of a class exported by a service's build, before the service uses it:
 * the preload imports the same file (same URL, so the same module instance) the service
 * imports later. Fails loudly when the file, the class or a method is not there any more.
 */
export async function patchServiceClass(service: string, file: string, className: string, methods: Record<string, (...args: never[]) => unknown>): Promise<void> {
  const path = serviceDist(service, file);
  if (!existsSync(path)) throw new Error(`bench preload: ${path} does not exist (was ${className} moved?)`);
  const module = (await import(pathToFileURL(path).href)) as Record<string, { prototype: Prototype } | undefined>;
  const target = module[className];
  if (!target) throw new Error(`bench preload: ${path} exports no ${className}`);
  for (const [name, replacement] of Object.entries(methods)) {
    if (typeof target.prototype[name] !== 'function') throw new Error(`bench preload: ${className} has no method ${name}`);
    target.prototype[name] = replacement;
  }
}
