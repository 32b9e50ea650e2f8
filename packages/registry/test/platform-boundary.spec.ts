import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '@platform/registry';
import { platformBoundaryProblems, scanSource } from './platform-boundary.js';

/** A repository with one registered service, `shop`, and these files. */
function repoWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundary-'));
  const all: Record<string, string> = {
    'services/shop/package.json': JSON.stringify({ name: 'shop', platform: { role: 'rpc', port: 3001, serves: ['rpc'], calls: [], redis: 'read-write' } }),
    'contracts/shop/package.json': JSON.stringify({ name: '@contracts/shop' }),
    'packages/widgets/package.json': '{}',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the platform boundary: no workspace under packages/ depends on a service', () => {
  it('holds in this repository', () => {
    expect(platformBoundaryProblems(repoRoot)).toEqual([]);
  });

  it('reports a dependency on a service or a contract workspace, in package.json or in an import, tests included', () => {
    const root = repoWith({
      'packages/widgets/package.json': JSON.stringify({ dependencies: { '@platform/contracts': '*', '@contracts/shop': '*' }, devDependencies: { shop: '*' } }),
      'packages/widgets/src/ok.ts': "import { defineRpc, type RpcContract } from '@platform/contracts';\n",
      'packages/widgets/src/bad.ts': "import { ShopRpc as Rpc } from '@contracts/shop';\n",
      'packages/widgets/test/bad.spec.ts': "import * as shop from 'shop/dist/app.module.js';\nconst lazy = () => import('../../../contracts/shop/src/index.js');\n",
    });
    expect(platformBoundaryProblems(root)).toEqual([
      "packages/widgets/package.json: depends on @contracts/shop, a service's contract",
      'packages/widgets/package.json: depends on shop, a service',
      "packages/widgets/src/bad.ts: imports @contracts/shop, a service's contract",
      'packages/widgets/test/bad.spec.ts: imports shop/dist/app.module.js, a service',
      'packages/widgets/test/bad.spec.ts: imports ../../../contracts/shop/src/index.js, outside packages/',
    ]);
  });

  it('reports a service named in code, not in comments or as a test\'s sample data', () => {
    const root = repoWith({
      'packages/widgets/src/names.ts': [
        '// the shop service is an example: comments may say so',
        '/* shop */',
        "const pattern = 'shop.buy';",
        'const key = `orders:${id}:shop`;',
        "const fine = 'shopping workshop e-shop';",
        'const ratio = a / b; const re = /["]shop/;',
      ].join('\n'),
      'packages/widgets/src/names.spec.ts': "const sample = 'shop';\n",
      'packages/contracts/src/define.ts': "export const who = 'shop';\n",
      'packages/contracts/package.json': '{}',
    });
    expect(platformBoundaryProblems(root)).toEqual([
      'packages/contracts/src/define.ts: names the service shop in the string "shop"',
      'packages/widgets/src/names.ts: names the service shop in the string "shop.buy"',
      'packages/widgets/src/names.ts: names the service shop in the string ":shop"',
    ]);
  });

  it('tells code from text', () => {
    const { literals, imports } = scanSource(
      "import { a, type B as C } from 'x'; // 'not a string'\nconst t = `one ${f({ k: 'inner' })} two`; const r = x / 2 / y; const s = /'/g;\nexport * from './y.js';",
    );
    // Module specifiers are not text: './y.js' and 'x' are left out.
    expect(literals).toEqual(['one ', 'inner', ' two']);
    expect(imports).toEqual([
      { specifier: 'x', names: ['a', 'B'] },
      { specifier: './y.js', names: '*' },
    ]);
  });
});
