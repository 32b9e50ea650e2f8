import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readRegistry } from '@platform/registry';

/**
 * The dependency rule of the platform: a user deletes the example services (and their
 * contracts under contracts/) and keeps `packages/`, so no workspace under packages/ may
 * depend on a service. Precisely:
 *
 * 1. No workspace under packages/ depends on a service's workspace or on a contract workspace
 *    (`@contracts/<name>`, under contracts/): not in its package.json, not in an import of any
 *    source file (tests included: they would stop compiling).
 * 2. No non-test source file of a workspace under packages/ holds the name of a service of the
 *    registry, as a whole word, in a string or template literal (comments are free to give
 *    examples; a test may use a name as sample data, which deleting the service does not break).
 *    Every registered service counts, the gateway and metrics-exporter too: a platform package
 *    learns which services exist from the registry, it never names one.
 */
const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', '.turbo']);
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

/** Every problem of the rule in the repository at `root`, one sentence each (empty when it holds). */
export function platformBoundaryProblems(root: string): string[] {
  const services = readRegistry(root).map((service) => service.name);
  /** A workspace a platform package must not depend on: a service, or a contract of one. */
  const forbidden = (name: string): string | undefined => {
    if (name.startsWith('@contracts/')) return 'a service\'s contract';
    const bare = name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/');
    return services.includes(bare) ? 'a service' : undefined;
  };
  const problems: string[] = [];
  const packagesDir = join(root, 'packages');
  for (const workspace of readdirSync(packagesDir)) {
    const dir = join(packagesDir, workspace);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of DEPENDENCY_FIELDS) {
      for (const name of Object.keys(manifest[field] ?? {})) {
        const what = forbidden(name);
        if (what) problems.push(`packages/${workspace}/package.json: depends on ${name}, ${what}`);
      }
    }
    for (const file of sourceFiles(dir)) {
      const where = relative(root, file);
      const { literals, imports } = scanSource(readFileSync(file, 'utf8'));
      for (const { specifier } of imports) {
        const what = forbidden(specifier);
        if (what) problems.push(`${where}: imports ${specifier}, ${what}`);
        else if (/(^|\/)(services|contracts)\//.test(specifier) && specifier.startsWith('.')) problems.push(`${where}: imports ${specifier}, outside packages/`);
      }
      if (isTest(file)) continue;
      for (const literal of literals) {
        for (const service of services) {
          if (new RegExp(`(?<![\\w-])${service.replace(/[-]/g, '\\-')}(?![\\w-])`).test(literal)) {
            problems.push(`${where}: names the service ${service} in the string ${JSON.stringify(literal)}`);
          }
        }
      }
    }
  }
  return problems;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* sourceFiles(join(dir, entry.name));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      yield join(dir, entry.name);
    }
  }
}

function isTest(file: string): boolean {
  return /\.(?:e2e-)?spec\.[cm]?[jt]s$/.test(file) || /[/\\]test[/\\]/.test(file);
}

/** An import or re-export: its specifier and the names it takes (`*` for a namespace or `export *`). */
export interface ImportOf {
  specifier: string;
  names: string[] | '*';
}

/**
 * The string literals (template literals' text parts included) and the imports of a
 * JavaScript or TypeScript source, comments left out. A small scanner rather than a parser
 * (TypeScript 7 has no JavaScript API): it knows comments, strings, templates with nested
 * `${}` and regular expression literals, which is all it takes to tell code from text.
 */
export function scanSource(source: string): { literals: string[]; imports: ImportOf[] } {
  const literals: string[] = [];
  let code = '';
  let i = 0;
  /** For each template we are inside a `${}` of: the brace depth that closes it. */
  const templates: number[] = [];
  let depth = 0;

  const readTemplate = (): void => {
    let text = '';
    while (i < source.length) {
      const c = source[i]!;
      if (c === '\\') {
        text += source.slice(i, i + 2);
        i += 2;
      } else if (c === '`') {
        i += 1;
        literals.push(text);
        code += '``';
        return;
      } else if (c === '$' && source[i + 1] === '{') {
        i += 2;
        literals.push(text);
        templates.push(depth);
        depth += 1;
        code += '`${';
        return;
      } else {
        text += c;
        i += 1;
      }
    }
  };

  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      code += ' ';
    } else if (c === "'" || c === '"') {
      let text = '';
      i += 1;
      while (i < source.length && source[i] !== c && source[i] !== '\n') {
        if (source[i] === '\\') {
          text += source[i + 1] ?? '';
          i += 2;
        } else {
          text += source[i];
          i += 1;
        }
      }
      i += 1;
      literals.push(text);
      // Code keeps a placeholder: text in a string never reads as code (an import in a fixture).
      code += `"#${literals.length - 1}"`;
    } else if (c === '`') {
      i += 1;
      readTemplate();
    } else if (c === '}' && templates.length > 0 && depth - 1 === templates[templates.length - 1]) {
      templates.pop();
      depth -= 1;
      i += 1;
      code += '}';
      readTemplate();
    } else if (c === '/' && regexMayStart(code)) {
      let inClass = false;
      i += 1;
      while (i < source.length && (source[i] !== '/' || inClass) && source[i] !== '\n') {
        if (source[i] === '\\') i += 1;
        else if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        i += 1;
      }
      i += 1;
      code += '/regex/';
    } else {
      if (c === '{') depth += 1;
      if (c === '}') depth -= 1;
      code += c;
      i += 1;
    }
  }
  const imports = importsOf(code, literals);
  // A module specifier is not text of the program.
  const specifiers = new Set(imports.map((found) => found.at));
  return { literals: literals.filter((_, at) => !specifiers.has(at)), imports: imports.map(({ specifier, names }) => ({ specifier, names })) };
}

/** Whether a `/` after `code` starts a regular expression literal rather than a division. */
function regexMayStart(code: string): boolean {
  const before = code.trimEnd();
  if (before === '') return true;
  if (/[(,=:[!&|?{};+\-*%<>~^]$/.test(before)) return true;
  return /\b(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(before);
}

/** The imported names of `{ a, type B as C }`'s inside: `a`, `B`. */
function names(list: string): string[] {
  return list
    .split(',')
    .map((part) => part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim())
    .filter(Boolean);
}

/** The imports in `code`, whose strings are placeholders `"#<index in literals>"`. */
function importsOf(code: string, literals: readonly string[]): Array<ImportOf & { at: number }> {
  const found: Array<ImportOf & { at: number }> = [];
  const literal = (placeholder: string) => ({ specifier: literals[Number(placeholder)]!, at: Number(placeholder) });
  for (const match of code.matchAll(/\b(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?\{([^}]*)\}\s*from\s*"#(\d+)"/g)) {
    found.push({ ...literal(match[2]!), names: names(match[1]!) });
  }
  for (const match of code.matchAll(/\b(?:import\s+(?:type\s+)?\*\s+as\s+[\w$]+|export\s+(?:type\s+)?\*(?:\s+as\s+[\w$]+)?)\s+from\s*"#(\d+)"/g)) {
    found.push({ ...literal(match[1]!), names: '*' });
  }
  for (const match of code.matchAll(/\bimport\s+(?:type\s+)?[\w$]+\s+from\s*"#(\d+)"/g)) {
    found.push({ ...literal(match[1]!), names: ['default'] });
  }
  // Side-effect imports, dynamic imports and require: they can take anything.
  for (const match of code.matchAll(/\b(?:import\s*\(\s*|require\s*\(\s*|import\s+)"#(\d+)"/g)) {
    found.push({ ...literal(match[1]!), names: '*' });
  }
  return found;
}
