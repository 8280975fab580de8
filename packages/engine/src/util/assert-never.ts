/**
 * Marks a branch the type checker proves unreachable: every `switch` over a
 * discriminated union ends with it, so a new member is a compile error.
 */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
