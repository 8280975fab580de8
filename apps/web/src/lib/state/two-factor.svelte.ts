// "Two-step sign-in" on Your account: turning it on (scan, confirm with a
// code, save the recovery codes), new recovery codes, turning it off.
import { ApiFailure, messageOf } from "$lib/api";
import { type TwoFactorEnrolment, type TwoFactorStatus, twoFactor } from "$lib/api-two-factor";

/** What the panel shows. */
export type TwoFactorStep = "loading" | "off" | "scan" | "codes" | "on";

export class TwoFactorSettings {
  step = $state<TwoFactorStep>("loading");
  status = $state<TwoFactorStatus | null>(null);
  enrolment = $state<TwoFactorEnrolment | null>(null);
  recoveryCodes = $state<string[]>([]);
  busy = $state(false);
  error = $state("");
  notice = $state("");

  async load(): Promise<void> {
    try {
      this.status = await twoFactor.status();
      this.step = this.status.enabled ? "on" : "off";
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  async start(): Promise<void> {
    await this.run(async () => {
      this.enrolment = await twoFactor.enrol();
      this.step = "scan";
    });
  }

  async confirm(code: string): Promise<void> {
    await this.run(async () => {
      this.recoveryCodes = (await twoFactor.confirm(code)).recoveryCodes;
      this.enrolment = null;
      this.step = "codes";
      this.notice =
        "Two-step sign-in is on. Other browsers where you were signed in are signed out.";
    }, "code");
  }

  async renewCodes(code: string): Promise<void> {
    await this.run(async () => {
      this.recoveryCodes = (await twoFactor.newRecoveryCodes(code)).recoveryCodes;
      this.step = "codes";
      this.notice = "Your old recovery codes no longer work. Save these instead.";
    }, "code");
  }

  async turnOff(password: string, code: string): Promise<void> {
    await this.run(async () => {
      await twoFactor.disable(password, code);
      this.notice = "Two-step sign-in is off. Signing in needs only your password now.";
      await this.load();
    }, "code");
  }

  /** The recovery codes are saved: back to the summary. */
  async saved(): Promise<void> {
    this.recoveryCodes = [];
    this.notice = "";
    await this.load();
  }

  cancel(): void {
    this.enrolment = null;
    this.error = "";
    this.step = this.status?.enabled ? "on" : "off";
  }

  private async run(work: () => Promise<void>, field?: string): Promise<void> {
    this.busy = true;
    this.error = "";
    this.notice = "";
    try {
      await work();
    } catch (err) {
      const path = err instanceof ApiFailure ? err.details?.[0]?.path : undefined;
      this.error =
        path === "password"
          ? "Your password is not right."
          : path === field
            ? this.step === "scan"
              ? "That code is not right. Type the 6 digits your app shows for Switchyard now."
              : "That code is not right. Type the 6 digits your app shows now, or one of your recovery codes."
            : messageOf(err);
    } finally {
      this.busy = false;
    }
  }
}
