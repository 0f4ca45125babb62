/** Every property at every depth of a JSON Schema, with its JSON pointer. */
export function properties(schema: Record<string, unknown>, at = ''): Array<[string, Record<string, unknown>]> {
  const out: Array<[string, Record<string, unknown>]> = [];
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, prop] of Object.entries(props)) {
    out.push([`${at}/${name}`, prop]);
    out.push(...properties(prop, `${at}/${name}`));
    if (prop.items && typeof prop.items === 'object')
      out.push(...properties(prop.items as Record<string, unknown>, `${at}/${name}[]`));
  }
  return out;
}

/** Pointers of the schema itself ('') and of every property that lacks a title or a description. */
export function undescribed(schema: Record<string, unknown>): string[] {
  const described = (s: Record<string, unknown>): boolean =>
    typeof s.title === 'string' && s.title !== '' && typeof s.description === 'string' && s.description !== '';
  return [['', schema] as [string, Record<string, unknown>], ...properties(schema)]
    .filter(([, s]) => !described(s))
    .map(([pointer]) => pointer || '(root)');
}
