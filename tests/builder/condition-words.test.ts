// Filters and conditions in plain English, as the canvas cards say them,
// checked without a browser (the browser test: peoples-words.test.ts).
import { describe, expect, it } from "vitest";
import {
  conditionSummary,
  conditionWords,
  readsWords,
} from "../../apps/web/src/lib/model/condition-words.ts";

const en = { locale: "en" };

describe("conditions in plain English", () => {
  it("reads the condition editor's comparisons, joined by and/or", () => {
    expect(conditionWords('order.amount >= 5000 && order.status == "new"', en)).toBe(
      "amount is at least 5,000 and status is new",
    );
    expect(conditionWords("payment.amount < 12.5 || payment.amount > -3", en)).toBe(
      "amount is less than 12.5 or amount is greater than -3",
    );
    expect(conditionWords('order.customer.tier != "gold"', en)).toBe("customer tier is not gold");
    expect(conditionWords("order.totalAmount <= 100", en)).toBe("total amount is at most 100");
    expect(conditionWords('order.note == "rush order"', en)).toBe("note is “rush order”");
    expect(conditionWords("order.paid == true", en)).toBe("paid is yes");
    expect(conditionWords("order.coupon == null", en)).toBe("coupon is empty");
  });

  it("reads text tests, presence and not", () => {
    expect(conditionWords('order.email.endsWith("@acme.example")', en)).toBe(
      "email ends with @acme.example",
    );
    expect(conditionWords('order.sku.startsWith("A-")', en)).toBe("sku starts with A-");
    expect(conditionWords('order.tags.contains("vip")', en)).toBe("tags contains vip");
    expect(conditionWords('!order.tags.contains("vip")', en)).toBe("tags does not contain vip");
    expect(conditionWords("has(order.coupon)", en)).toBe("coupon is present");
    expect(conditionWords("!has(order.coupon)", en)).toBe("coupon is missing");
    expect(conditionWords("!(order.amount > 5 && order.paid)", en)).toBe(
      "not (amount is greater than 5 and paid is yes)",
    );
    expect(conditionWords("!order.paid", en)).toBe("paid is no");
  });

  it("keeps a mixed and/or readable, and says which step an output is from", () => {
    expect(
      conditionWords('order.amount > 10 && (order.status == "new" || order.status == "open")', en),
    ).toBe("amount is greater than 10 and (status is new or status is open)");
    const stepName = (id: string) => (id === "ask" ? "Ask the manager" : undefined);
    expect(conditionWords('steps.ask.output.decision == "approved"', { stepName })).toBe(
      "decision from “Ask the manager” is approved",
    );
    expect(conditionWords('steps.hook.status == "failed"', { stepName })).toBe(
      "status of “hook” is failed",
    );
  });

  it("reads lists: one of, the number of, any or every item", () => {
    expect(conditionWords('order.status in ["new", "open"]', en)).toBe(
      "status is one of new, open",
    );
    expect(conditionWords("size(order.items) > 0", en)).toBe(
      "the number of items is greater than 0",
    );
    expect(conditionWords("order.items.exists(i, i.price >= 1000)", en)).toBe(
      "at least one of items: its price is at least 1,000",
    );
    expect(conditionWords('order.tags.all(t, t != "test")', en)).toBe(
      "every one of tags: it is not test",
    );
    expect(conditionWords("5000 <= order.amount", en)).toBe("amount is at least 5,000");
  });

  it("names the fields a filter read, as the run page says why it said no", () => {
    expect(readsWords('order.amount is 500, order.customer.firstName is "Ada"')).toBe(
      'amount is 500, customer first name is "Ada"',
    );
    expect(readsWords("nothing to name")).toBe("nothing to name");
  });

  it("formats numbers the locale's way", () => {
    expect(conditionWords("order.amount >= 5000.5", { locale: "de" })).toBe(
      "amount is at least 5.000,5",
    );
  });

  it("reads what the condition editor's rows write", () => {
    // As condition.ts's toSource prints three rows joined by "any of".
    const source = 'order.amount >= 5000 || !has(order.coupon) || order.email.endsWith(".org")';
    expect(conditionWords(source, en)).toBe(
      "amount is at least 5,000 or coupon is missing or email ends with .org",
    );
  });

  it("falls back to the expression for anything it cannot say plainly", () => {
    for (const source of [
      "order.amount * 2 > 100",
      "order.items[0].sku == 'A'",
      'order.amount > 5 ? order.paid : order.status == "x"',
      "order.name.matches('^a')",
      "order.amount",
    ]) {
      const words = conditionWords(source, en);
      if (source === "order.amount") expect(words).toBe("amount is yes");
      else expect(words, source).toBeNull();
    }
    expect(conditionSummary("order.amount * 2 > 100")).toBe("order.amount * 2 > 100");
    expect(conditionSummary("  (  unbalanced ")).toBe("(  unbalanced");
    expect(conditionWords("")).toBeNull();
  });
});
