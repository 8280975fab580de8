// A side-by-side, line-based diff of two definitions (pretty-printed JSON),
// aligned by the longest common subsequence of lines.

export interface DiffRow {
  left: string | null;
  right: string | null;
  change: "same" | "removed" | "added" | "changed";
}

export function diffLines(a: string[], b: string[]): DiffRow[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const rows: DiffRow[] = [];
  let i = 0;
  let j = 0;
  const removed: string[] = [];
  const added: string[] = [];
  const flush = () => {
    const k = Math.max(removed.length, added.length);
    for (let x = 0; x < k; x++) {
      const left = removed[x] ?? null;
      const right = added[x] ?? null;
      rows.push({
        left,
        right,
        change: left !== null && right !== null ? "changed" : left !== null ? "removed" : "added",
      });
    }
    removed.length = 0;
    added.length = 0;
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      rows.push({ left: a[i], right: b[j], change: "same" });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) added.push(b[j++]);
    else removed.push(a[i++]);
  }
  flush();
  return rows;
}

export function diffDefinitions(a: unknown, b: unknown): DiffRow[] {
  return diffLines(JSON.stringify(a, null, 2).split("\n"), JSON.stringify(b, null, 2).split("\n"));
}
