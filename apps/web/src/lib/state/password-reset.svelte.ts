// The "forgot your password?" page's state: ask for a link by email, or, with
// the emailed link's token, choose a new password. Like an invitation, the
// token lives in the URL's fragment and is only ever sent in a JSON body.
import { ApiFailure, endpoints, messageOf } from "$lib/api";
import { PASSWORD_LENGTH, tokenFromHash } from "$lib/state/invite.svelte";
import { session } from "$lib/state/session.svelte";

/**
 * What the page shows: the form asking for a link, the answer to it, the
 * form choosing a new password, the password changed, or a link that no
 * longer works (with the form asking for a new one).
 */
export type ResetPhase = "ask" | "asked" | "choose" | "changed" | "unusable";

/** What the page says once a link was asked for, whether or not the email has an account. */
export const ASKED =
  "If an account exists for that email, we sent a link to choose a new password. It works for one hour.";

export class PasswordReset {
  phase = $state<ResetPhase>("ask");
  email = $state("");
  password = $state("");
  repeat = $state("");
  /** What the server said about the chosen password, if it refused it (until it is edited). */
  refused = $state("");
  error = $state("");
  busy = $state(false);

  /** The chosen password's problem, checked as the person types. */
  readonly problem: string = $derived.by(() => {
    if (this.password.length > 0 && this.password.length < PASSWORD_LENGTH.min) {
      return `Use at least ${PASSWORD_LENGTH.min} characters.`;
    }
    if (this.password.length > PASSWORD_LENGTH.max) {
      return `Use at most ${PASSWORD_LENGTH.max} characters.`;
    }
    if (this.repeat.length > 0 && this.repeat !== this.password) {
      return "The two passwords are not the same.";
    }
    return "";
  });

  private token = "";

  /**
   * Reads a link's fragment: with a token, the page asks for a new password.
   * True when it found one, so the page can take it out of the address bar.
   */
  open(hash: string): boolean {
    const token = tokenFromHash(hash);
    if (!token) return false;
    this.token = token;
    this.password = "";
    this.repeat = "";
    this.refused = "";
    this.error = "";
    this.phase = "choose";
    return true;
  }

  /** Emails a link; the answer is the same whether or not the email has an account. */
  async ask(): Promise<void> {
    const email = this.email.trim();
    if (!email) return;
    this.error = "";
    this.busy = true;
    try {
      await endpoints.requestPasswordReset(email);
      this.phase = "asked";
    } catch (err) {
      this.error =
        err instanceof ApiFailure && err.status === 400
          ? "Type the email you sign in with, like name@example.com."
          : messageOf(err);
    } finally {
      this.busy = false;
    }
  }

  /** Back to the form asking for a link (from its answer: to send another). */
  askAgain(): void {
    this.error = "";
    this.phase = "ask";
  }

  /** Sets the new password with the link's token. */
  async choose(): Promise<void> {
    this.refused = "";
    this.error = "";
    if (this.problem || !this.password || this.repeat !== this.password) return;
    this.busy = true;
    try {
      await endpoints.confirmPasswordReset(this.token, this.password);
      this.token = "";
      this.password = "";
      this.repeat = "";
      this.phase = "changed";
      // Every session of that person ended, this browser's too if it was
      // theirs: forget it, so signing in starts afresh.
      if (session.signedIn) await session.refresh().catch(() => undefined);
    } catch (err) {
      this.explain(err);
    } finally {
      this.busy = false;
    }
  }

  private explain(err: unknown): void {
    if (!(err instanceof ApiFailure)) {
      this.error = messageOf(err);
      return;
    }
    const detail = (path: string) => err.details?.find((d) => d.path === path);
    // Unknown, used or expired; a token of the wrong shape is a link cut short.
    if (err.status === 404 || (err.status === 400 && detail("token"))) {
      this.token = "";
      this.phase = "unusable";
      return;
    }
    const password = detail("password");
    if (err.status === 400 && password) {
      this.refused = password.message;
      return;
    }
    this.error = messageOf(err);
  }
}
