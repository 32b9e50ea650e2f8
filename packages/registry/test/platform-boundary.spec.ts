import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '@platform/registry';
import { PLATFORM_CONTRACT_MODULES, platformBoundaryProblems, scanSource } from './platform-boundary.js';

/** A repository with one registered service, `shop`, and these files. */
function repoWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundary-'));
  const all: Record<string, string> = {
    'services/shop/package.json': JSON.stringify({ name: 'shop', platform: { role: 'rpc', port: 3001, serves: ['rpc'], calls: [], redis: 'read-write' } }),
    'packages/contracts/package.json': '{}',
    'packages/contracts/src/index.ts': "export { defineRpc, type RpcContract } from './define.js';\nexport { ShopRpc } from './shop.js';\n",
    'packages/contracts/src/define.ts': 'export const defineRpc = 1;\n',
    'packages/contracts/src/shop.ts': "export const ShopRpc = { pattern: 'shop.buy' };\n",
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
  it('holds in this repository (packages/contracts\' example modules excepted, see platform-boundary.ts)', () => {
    expect(PLATFORM_CONTRACT_MODULES).toEqual(['define', 'counter', 'config-section']);
    expect(platformBoundaryProblems(repoRoot)).toEqual([]);
  });

  it('reports an import of an example contract, from code or from a test', () => {
    const root = repoWith({
      'packages/widgets/src/ok.ts': "import { defineRpc, type RpcContract } from '@platform/contracts';\n",
      'packages/widgets/src/bad.ts': "import { defineRpc, ShopRpc as Rpc } from '@platform/contracts';\n",
      'packages/widgets/test/bad.spec.ts': "import * as contracts from '@platform/contracts';\nconst lazy = () => import('@platform/contracts/dist/shop.js');\n",
    });
    expect(platformBoundaryProblems(root)).toEqual([
      'packages/widgets/src/bad.ts: imports ShopRpc from @platform/contracts, an example contract (src/shop.ts)',
      'packages/widgets/test/bad.spec.ts: imports all of @platform/contracts, example contracts included',
      'packages/widgets/test/bad.spec.ts: imports @platform/contracts/dist/shop.js, inside @platform/contracts (only its index is public)',
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
      'packages/contracts/src/define.ts': "import { ShopRpc } from './shop.js';\nexport const who = 'shop';\n",
    });
    expect(platformBoundaryProblems(root)).toEqual([
      'packages/contracts/src/define.ts: a platform module of the contracts imports the example module ./shop.js',
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
