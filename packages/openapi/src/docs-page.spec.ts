import { DOCS_PATH, docsPage, loadDocsAssets } from './docs-page.js';

describe('the docs page', () => {
  it('links only files of this server and escapes the title', () => {
    const html = docsPage('<script>"x"</script>');
    expect(html).not.toContain('<script>"x"</script>');
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const link of links) expect(link).toMatch(new RegExp(`^${DOCS_PATH}/`));
  });

  it('serves Swagger UI from node_modules, without source-map comments, and its starter without the public validator', () => {
    const assets = loadDocsAssets();
    expect(assets['swagger-ui-bundle.js'].body.length).toBeGreaterThan(500_000);
    expect(assets['swagger-ui.css'].body.toString()).not.toContain('sourceMappingURL');
    const starter = assets['docs.js'].body.toString();
    expect(starter).toContain('validatorUrl: null');
    expect(starter).toContain(`"${DOCS_PATH}/openapi.json"`);
  });
});
