// Secrets in the builder's words (issue 17, item 1), checked without a
// browser: the name rule said in words, which placeholders are a secret, the
// lock chip, a run's secret field shown as text and locks, the problems a
// field's secrets have, and the in-use question (the browser test:
// secrets.test.ts).
import { SECRET_NAME_PATTERN } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { pillName } from "../../apps/web/src/lib/model/pills.ts";
import {
  byWords,
  holdsSecret,
  inUseQuestion,
  listWords,
  lockWords,
  outsideSecrets,
  readsSecrets,
  SECRET_NAME,
  secretNameProblem,
  secretParts,
  secretProblems,
  secretRef,
  secretText,
  usedByWords,
} from "../../apps/web/src/lib/model/secret-words.ts";

describe("a secret's name", () => {
  it("accepts the API's names and says in words what is wrong with others", () => {
    // The engine's rule, written out in the builder.
    expect(SECRET_NAME.source).toBe(SECRET_NAME_PATTERN.source);
    for (const ok of ["erp_token", "_x", "A1", "a".repeat(64)])
      expect(secretNameProblem(ok)).toBe("");
    expect(secretNameProblem("")).toBe("Give the secret a name, such as erp_token.");
    expect(secretNameProblem("erp token")).toBe(
      "A name cannot have spaces: use _ instead, as in erp_token.",
    );
    expect(secretNameProblem("1password")).toBe(
      "A name cannot start with a digit: start it with a letter or _.",
    );
    expect(secretNameProblem("erp-token.v2")).toBe(
      "A name has only letters, digits and _ (not - .).",
    );
    expect(secretNameProblem("a".repeat(65))).toBe("That name is 65 characters long; 64 at most.");
    expect(secretNameProblem("erp_token", ["erp_token"])).toBe(
      "There is already a secret called erp_token: use “Replace value” on it instead.",
    );
  });
});

describe("secret placeholders", () => {
  it("knows a secret only when the placeholder is exactly one", () => {
    expect(secretRef("secrets.erp_token")).toBe("erp_token");
    expect(secretRef(' secrets["erp_token"] ')).toBe("erp_token");
    expect(secretRef("secrets['x']")).toBe("x");
    expect(secretRef("secrets.erp_token + 'x'")).toBeNull();
    expect(secretRef("order.secrets")).toBeNull();
    expect(secretRef("secrets")).toBeNull();
    expect(readsSecrets("upper(secrets.a)")).toBe(true);
    expect(readsSecrets("order.secrets")).toBe(false);
    expect(readsSecrets("mysecrets.a")).toBe(false);
    expect(secretText("erp_token")).toBe("{{ secrets.erp_token }}");
  });

  it("names the chip “secret <name>”, whatever the spacing", () => {
    expect(lockWords("erp_token")).toBe("secret erp_token");
    expect(pillName("secrets.erp_token", () => undefined)).toBe("secret erp_token");
    expect(pillName('secrets["erp_token"]', () => undefined)).toBe("secret erp_token");
    expect(pillName("order.id", () => undefined)).toBe("order › id");
  });
});

describe("a run's secret field, as text and locks", () => {
  it("shows each secret as its lock and unescapes the rest", () => {
    expect(secretParts("Bearer {{ secrets.erp_token }}")).toEqual([
      { kind: "text", text: "Bearer " },
      { kind: "secret", name: "erp_token" },
    ]);
    // Data rendered into a secret field keeps its braces escaped: shown as written.
    expect(secretParts("\\{{ order }} for {{secrets.a}}/{{ secrets.b }}")).toEqual([
      { kind: "text", text: "{{ order }} for " },
      { kind: "secret", name: "a" },
      { kind: "text", text: "/" },
      { kind: "secret", name: "b" },
    ]);
    // An escaped placeholder is text, not a secret.
    expect(secretParts("\\{{ secrets.a }}")).toEqual([{ kind: "text", text: "\\{{ secrets.a }}" }]);
    expect(secretParts("plain \\{{ text")).toEqual([{ kind: "text", text: "plain \\{{ text" }]);
    expect(secretParts("")).toEqual([]);
  });

  it("finds a secret anywhere in a step's input", () => {
    expect(holdsSecret({ headers: { Authorization: "Bearer {{ secrets.t }}" } })).toBe(true);
    expect(holdsSecret({ url: "https://x", list: ["{{ secrets.t }}"] })).toBe(true);
    expect(holdsSecret({ url: "https://x", n: 1 })).toBe(false);
  });
});

describe("problems of the secrets a field inserts", () => {
  it("names a secret that does not exist, once the names are known", () => {
    const text = "Bearer {{ secrets.erp_tokn }}";
    expect(secretProblems(text, { allowed: true, known: ["erp_token"] })).toEqual([
      { message: "There is no secret called erp_tokn.", name: "erp_tokn", offset: 7, length: 22 },
    ]);
    expect(secretProblems(text, { allowed: true, known: null })).toEqual([]);
    expect(
      secretProblems("{{ secrets.erp_token }}", { allowed: true, known: ["erp_token"] }),
    ).toEqual([]);
  });

  it("refuses a secret inside a bigger expression, and outside a step's settings", () => {
    const [bigger] = secretProblems("{{ secrets.a + 'x' }}", { allowed: true, known: ["a"] });
    expect(bigger?.message).toMatch(/^A secret goes in on its own, as \{\{ secrets.name \}\}/);
    const [here] = secretProblems("{{ secrets.a }}", { allowed: false, known: ["a"] });
    expect(here?.message).toMatch(/^A secret can only go in a step's settings/);
  });

  it("leaves the data checks' findings inside secret placeholders to these checks", () => {
    const text = "{{ order.idd }} {{ secrets.a }}";
    const found = [{ offset: 3 }, { offset: 19 }];
    expect(outsideSecrets(found, text)).toEqual([{ offset: 3 }]);
  });
});

describe("who uses it, and deleting one in use", () => {
  it("lists workflows in words, drafts marked", () => {
    expect(usedByWords([])).toBe("Not used by any workflow");
    expect(
      usedByWords([
        { name: "Order sync", live: true },
        { name: "Refunds", live: false },
        { name: " ", live: true },
      ]),
    ).toBe("Used by Order sync, Refunds (draft) and an untitled workflow");
    expect(listWords(["a", "b"])).toBe("a and b");
    const members = [
      { id: "usr_1", email: "ada@acme.example", name: "Ada Admin" },
      { id: "usr_2", email: "bo@acme.example", name: null },
    ];
    expect(byWords("key_abc", members)).toBe("an API key");
    expect(byWords("usr_1", members)).toBe("Ada Admin");
    expect(byWords("usr_2", members)).toBe("bo@acme.example");
    expect(byWords("usr_9", members)).toBe("someone no longer in this workspace");
    expect(byWords("usr_1", null)).toBe("");
  });

  it("asks before deleting, naming the workflows", () => {
    expect(inUseQuestion("secret", "erp_token", [{ name: "Order sync", live: true }])).toBe(
      "The secret erp_token is used by “Order sync”. Its steps that use it will fail until you change them or add a secret with this name again. Delete it anyway?",
    );
    expect(
      inUseQuestion("connection", "erp", [
        { name: "A", live: true },
        { name: "B", live: false },
      ]),
    ).toMatch(/^The connection erp is used by “A” and “B”\. Their steps/);
  });
});
