// How large a regex program could be, read from the pattern's text alone, so
// that matches() can refuse a huge pattern before re2js spends time compiling
// it (about 400 ms for a 50 KB alternation; a 4 KB pattern of `.{1000}`
// repeats would compile to hundreds of thousands of instructions).

const HUGE = 1e9;

/**
 * An upper bound of the RE2 program size of `pattern`, from its text alone:
 * every character, class or escape is about one instruction, a group adds
 * two, an operator one, and `{n,m}` copies what it repeats max(n, m) times.
 * `nestedRepeat` says repeats nest past 1,000 copies, which RE2 rejects.
 */
export function estimateProgram(p: string): { size: number; nestedRepeat: boolean } {
  interface Frame {
    total: number;
    last: number;
    lastCopies: number;
    maxCopies: number;
    capture: boolean;
  }
  const fresh = (): Frame => ({ total: 0, last: 0, lastCopies: 1, maxCopies: 1, capture: true });
  const stack: Frame[] = [];
  let cur = fresh();
  let nestedRepeat = false;
  const atom = (size: number, copies = 1): void => {
    cur.total = Math.min(HUGE, cur.total + size);
    cur.last = size;
    cur.lastCopies = copies;
    cur.maxCopies = Math.max(cur.maxCopies, copies);
  };
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === "\\") {
      const n = p[i + 1];
      if (n === "Q") {
        const end = p.indexOf("\\E", i + 2);
        const stop = end < 0 ? p.length : end;
        atom(Math.max(1, stop - (i + 2)));
        i = end < 0 ? p.length : end + 2;
      } else if ((n === "p" || n === "P" || n === "x") && p[i + 2] === "{") {
        const end = p.indexOf("}", i + 3);
        atom(1);
        i = end < 0 ? p.length : end + 1;
      } else {
        atom(1);
        i += n === "p" || n === "P" ? 3 : 2;
      }
    } else if (c === "[") {
      let j = i + 1;
      if (p[j] === "^") j++;
      if (p[j] === "]") j++;
      while (j < p.length && p[j] !== "]") {
        if (p[j] === "\\") j += 2;
        else if (p[j] === "[" && p[j + 1] === ":") {
          const end = p.indexOf(":]", j + 2);
          j = end < 0 ? p.length : end + 2;
        } else j++;
      }
      atom(1);
      i = j + 1;
    } else if (c === "(") {
      // (?flags) sets flags; (?:…) and (?flags:…) do not capture; (?P<name>…) does.
      let capture = true;
      i++;
      if (p[i] === "?") {
        let j = i + 1;
        if (p[j] === "P" || p[j] === "<") {
          const end = p.indexOf(">", j);
          i = end < 0 ? p.length : end + 1;
        } else {
          while (j < p.length && p[j] !== ":" && p[j] !== ")") j++;
          if (p[j] === ")") {
            i = j + 1;
            continue;
          }
          capture = false;
          i = j + 1;
        }
      }
      stack.push(cur);
      cur = fresh();
      cur.capture = capture;
    } else if (c === ")") {
      const inner = cur;
      cur = stack.pop() ?? fresh();
      atom(inner.total + (inner.capture ? 2 : 0), inner.maxCopies);
      i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(p.slice(i, i + 24));
      if (m === null) {
        atom(1);
        i++;
        continue;
      }
      const n = Math.max(Number(m[1]), m[2] ? Number(m[2]) : 0, 1);
      const copies = Math.min(HUGE, cur.lastCopies * n);
      if (copies > 1000) nestedRepeat = true;
      // n copies, and for {n,m} or {n,} a branch instruction per optional copy.
      const branches = m[2] === undefined ? 0 : n + 1;
      cur.total = Math.min(HUGE, cur.total + (cur.last + 1) * n + branches - cur.last);
      cur.last = Math.min(HUGE, (cur.last + 1) * n + branches);
      cur.lastCopies = copies;
      cur.maxCopies = Math.max(cur.maxCopies, copies);
      i += m[0].length;
    } else if (c === "|" || c === "*" || c === "+" || c === "?") {
      cur.total = Math.min(HUGE, cur.total + 1);
      i++;
    } else {
      atom(1);
      i++;
    }
  }
  while (stack.length > 0) {
    const inner = cur;
    cur = stack.pop()!;
    atom(inner.total + 2, inner.maxCopies);
  }
  return { size: cur.total + 2, nestedRepeat };
}
