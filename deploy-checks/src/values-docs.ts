import { isMap, isPair, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml';

function isDoc(comment: string | null | undefined): boolean {
  return /^\s*--/m.test(comment ?? '');
}

// The parser attaches the comment above a map's first key to the map itself.
function documented(pair: Pair, map: YAMLMap, index: number): boolean {
  return isDoc((pair.key as { commentBefore?: string | null } | null)?.commentBefore) || (index === 0 && isDoc(map.commentBefore));
}

/**
 * The keys of a values.yaml that carry no `# --` doc comment, themselves or through an
 * ancestor (a documented map documents everything under it). Paths are dotted.
 */
export function undocumentedValues(text: string): string[] {
  const document = parseDocument(text);
  const missing: string[] = [];
  const walk = (map: YAMLMap, path: string) => {
    for (const [index, pair] of map.items.entries()) {
      if (!isPair(pair)) continue;
      const name = isScalar(pair.key) ? String(pair.key.value) : '?';
      const here = path ? `${path}.${name}` : name;
      if (documented(pair, map, index)) continue;
      if (isMap(pair.value) && pair.value.items.length > 0) walk(pair.value, here);
      else missing.push(here);
    }
  };
  if (isMap(document.contents)) walk(document.contents, '');
  return missing;
}
