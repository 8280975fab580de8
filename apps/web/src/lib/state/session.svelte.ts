// Who is signed in, in which tenant, with which role. One instance for the app.
import { ApiFailure, endpoints, type Me, messageOf, setCsrfToken } from "$lib/api";
import { asksForCode, type TwoFactorAsked, twoFactor } from "$lib/api-two-factor";

const EDIT_ROLES = new Set(["owner", "admin", "editor"]);

export class Session {
  me = $state<Me | null>(null);
  /** True until the first GET /v1/auth/me has answered. */
  loading = $state(true);
  error = $state("");
  /** True from the moment someone asks to sign out: pages stop reading in the background. */
  leaving = $state(false);

  readonly canEdit = $derived(this.me?.role != null && EDIT_ROLES.has(this.me.role));
  readonly isAdmin = $derived(this.me?.role === "owner" || this.me?.role === "admin");
  readonly signedIn = $derived(this.me?.user != null);

  async load(): Promise<void> {
    this.loading = true;
    this.error = "";
    try {
      this.accept(await endpoints.me());
    } catch (err) {
      this.accept(null);
      if (!(err instanceof ApiFailure && err.status === 401)) this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  /**
   * Signs in with a password. With two-step sign-in on, nobody is signed in
   * yet: the answer is the challenge to send with the code (`signInWithCode`).
   */
  async signIn(email: string, password: string): Promise<TwoFactorAsked | null> {
    const answer = await twoFactor.login(email, password);
    if (asksForCode(answer)) return answer;
    this.accept(answer);
    return null;
  }

  /** The second step: the code from the app, or a recovery code. */
  async signInWithCode(challenge: string, code: string): Promise<void> {
    this.accept(await twoFactor.secondStep(challenge, code));
  }

  /**
   * Reads who is signed in again, without the loading screen: for when the
   * server changed the session (accepting an invitation signs in or moves it).
   * Signed out answers null rather than failing.
   */
  async refresh(): Promise<void> {
    try {
      this.accept(await endpoints.me());
    } catch (err) {
      if (!(err instanceof ApiFailure && err.status === 401)) throw err;
      this.accept(null);
    }
  }

  async signOut(): Promise<void> {
    this.leaving = true;
    try {
      await endpoints.logout();
    } finally {
      this.accept(null);
    }
  }

  async switchTenant(tenantId: string): Promise<void> {
    await endpoints.switchTenant(tenantId);
    // The answer may or may not carry the CSRF token; /me always does.
    this.accept(await endpoints.me());
  }

  /** Takes a sign-in's answer (`Me`) as the session: used by sign-ins made elsewhere (a passkey). */
  accept(me: Me | null): void {
    this.me = me;
    if (me?.user) this.leaving = false;
    setCsrfToken(me?.csrfToken);
  }
}

export const session = new Session();
