// Fixture files with `-- name` section lines (ubpf's .data style): name → body up to the next section.
export function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^-- (\S+)\s*$/.exec(line);
    if (m) {
      if (name !== undefined) {
        out.set(name, body.join("\n"));
      }
      name = m[1]!;
      body = [];
    } else if (name !== undefined) {
      body.push(line);
    }
  }
  if (name !== undefined) {
    out.set(name, body.join("\n"));
  }
  return out;
}
