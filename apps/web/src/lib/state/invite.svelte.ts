// The invitation page's state: read the link's token, ask the API what it
// offers, then join — with a new password, as the person already signed in,
// or after signing in. The token lives in the URL's fragment, so it never
// reaches a server in a request line; it is only ever sent in a JSON body.
import {
  ApiFailure,
  endpoints,
  type InvitationAnswer,
  type InvitationPreview,
  messageOf,
} from "$lib/api";
import { catalog } from "$lib/state/catalog.svelte";
import { session } from "$lib/state/session.svelte";

/** The API's bounds for a new password. */
export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;

/**
 * The token in an invitation link's fragment, or null.
 * @example tokenFromHash("#token=abc") // "abc"
 */
export function tokenFromHash(hash: string): string | null {
  // Not URLSearchParams: it would turn a "+" in the token into a space.
  const match = /(?:^#?|&)token=([^&]*)/.exec(hash);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/**
 * What the page shows: checking the link, a link cut short, one that no
 * longer works, one we could not check, or the invitation itself.
 */
export type InvitePhase = "checking" | "incomplete" | "unusable" | "failed" | "open";

/**
 * Who is looking at an invitation for an existing account: its owner, signed
 * in; nobody signed in; or someone else, signed in.
 */
export type Viewer = "invitee" | "signed-out" | "someone-else";

const same = (a?: string | null, b?: string | null) =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

export class InviteAcceptance {
  phase = $state<InvitePhase>("checking");
  invitation = $state<InvitationPreview | null>(null);
  /** Why checking the link failed (the network, the server): not the link's fault. */
  failure = $state("");

  name = $state("");
  password = $state("");
  repeat = $state("");
  /** A problem with the chosen password, shown beside it. */
  passwordProblem = $state("");
  /** The password of an existing account, to sign in with. */
  signInPassword = $state("");
  /** With two-step sign-in on: the challenge after the password, and the code. */
  challenge = $state<string | null>(null);
  signInCode = $state("");
  error = $state("");
  busy = $state(false);

  readonly viewer: Viewer = $derived.by(() => {
    const email = session.me?.user?.email;
    if (!email) return "signed-out";
    return same(email, this.invitation?.email) ? "invitee" : "someone-else";
  });

  private token = "";

  /** Reads the link's fragment and asks the API what the invitation offers. */
  async open(hash: string): Promise<void> {
    this.error = "";
    this.failure = "";
    const token = tokenFromHash(hash);
    if (!token) {
      this.phase = "incomplete";
      return;
    }
    this.token = token;
    this.phase = "checking";
    try {
      this.invitation = await endpoints.inspectInvitation(token);
      this.phase = "open";
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 404) {
        this.phase = "unusable";
      } else if (err instanceof ApiFailure && err.status === 400) {
        // The API refuses a token of the wrong shape: most likely a link cut short.
        this.phase = "incomplete";
      } else {
        this.failure = messageOf(err);
        this.phase = "failed";
      }
    }
  }

  /** A new account: the person's own password, twice. True once they have joined. */
  async joinWithNewPassword(): Promise<boolean> {
    this.error = "";
    this.passwordProblem = "";
    if (this.password.length < PASSWORD_LENGTH.min) {
      this.passwordProblem = `Choose a password of at least ${PASSWORD_LENGTH.min} characters.`;
      return false;
    }
    if (this.password.length > PASSWORD_LENGTH.max) {
      this.passwordProblem = `Choose a password of at most ${PASSWORD_LENGTH.max} characters.`;
      return false;
    }
    if (this.password !== this.repeat) {
      this.passwordProblem = "The two passwords are not the same. Type the same password twice.";
      return false;
    }
    return this.accept({
      token: this.token,
      password: this.password,
      name: this.name.trim() || undefined,
    });
  }

  /** An existing account whose owner is signed in. */
  async joinSignedIn(): Promise<boolean> {
    this.error = "";
    return this.accept({ token: this.token });
  }

  /** An existing account whose owner is signed out: sign in, then join. */
  async signInAndJoin(): Promise<boolean> {
    this.error = "";
    const email = this.invitation?.email ?? "";
    this.busy = true;
    try {
      if (this.challenge) {
        await session.signInWithCode(this.challenge, this.signInCode);
      } else {
        const asked = await session.signIn(email, this.signInPassword);
        if (asked) {
          // Two-step sign-in is on for that account: the code is asked next.
          this.challenge = asked.twoFactor.challenge;
          this.signInPassword = "";
          return false;
        }
      }
    } catch (err) {
      if (this.challenge) {
        if (err instanceof ApiFailure && err.status === 401) this.challenge = null;
        this.error =
          err instanceof ApiFailure && err.status === 401
            ? "That took too long or had too many wrong codes. Type your password again."
            : err instanceof ApiFailure && err.status === 400
              ? "That code is not right. Type the 6 digits your app shows now, or a recovery code."
              : messageOf(err);
        this.signInCode = "";
        return false;
      }
      this.error =
        err instanceof ApiFailure && err.status === 401
          ? `That is not the password of ${email}. Try again.`
          : messageOf(err);
      return false;
    } finally {
      this.busy = false;
    }
    this.signInPassword = "";
    this.signInCode = "";
    this.challenge = null;
    return this.accept({ token: this.token });
  }

  async signOut(): Promise<void> {
    this.error = "";
    try {
      await session.signOut();
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  private async accept(body: InvitationAnswer): Promise<boolean> {
    this.busy = true;
    try {
      await endpoints.acceptInvitation(body);
      // The server signed the person in (or moved their session to this
      // workspace): read the new session, forget the last workspace's catalogue.
      catalog.reset();
      await session.refresh();
      return true;
    } catch (err) {
      this.explain(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  private explain(err: unknown): void {
    if (!(err instanceof ApiFailure)) {
      this.error = messageOf(err);
      return;
    }
    if (err.status === 404) {
      this.phase = "unusable";
      return;
    }
    const passwordProblem = err.details?.find((d) => d.path === "password");
    if (err.status === 422 && passwordProblem) {
      this.passwordProblem = passwordProblem.message;
      return;
    }
    if (err.status === 401 || err.code === "sign_in_required") {
      this.error = `Sign in as ${this.invitation?.email ?? "the invited person"} to join.`;
      // Whoever we thought was signed in is not: show the sign-in form.
      void session.refresh().catch(() => undefined);
      return;
    }
    this.error = messageOf(err);
  }
}
