// Settings → Members: the workspace's members and roles, the invitations
// nobody has answered yet, and the form that invites someone. Nobody types a
// password for anyone else: the invited person chooses their own.
import {
  ApiFailure,
  endpoints,
  type Invitation,
  type Member,
  messageOf,
  type Role,
} from "$lib/api";
import { days, linkDays, ROLE_WORDS } from "$lib/model/member-words";

/** A line for one part of the page: good news or a problem. */
export interface Note {
  text: string;
  bad: boolean;
}

const good = (text: string): Note => ({ text, bad: false });
const bad = (text: string): Note => ({ text, bad: true });

/** A failed call in words, with the API's field problems when it names any. */
function problemOf(err: unknown): string {
  if (err instanceof ApiFailure && err.details?.length) {
    return err.details.map((d) => d.message).join(" ");
  }
  return messageOf(err);
}

/** The invitation is kept, but its email was refused by the tenant's provider. */
const unsent = (inv: Invitation) =>
  `The invitation for ${inv.email} is saved, but the email did not go out: ${inv.sendError}. Check the Email & SMS settings, then choose “Send again”.`;

export class Members {
  items = $state<Member[]>([]);
  invitations = $state<Invitation[]>([]);
  loading = $state(true);
  /** The clock the "2 hours ago" words are counted from; the page ticks it. */
  now = $state(Date.now());

  /** Said above the members table (loading, role changes, removals). */
  note = $state<Note | null>(null);
  /** Said beside the invitations waiting for an answer. */
  waitingNote = $state<Note | null>(null);
  /** Said under the invite form. */
  inviteNote = $state<Note | null>(null);

  email = $state("");
  name = $state("");
  role = $state<Role>("editor");
  sending = $state(false);
  /** The invitation a "Send again" or "Withdraw" is under way for. */
  busyId = $state<string | null>(null);

  async load(): Promise<void> {
    try {
      const [members, invitations] = await Promise.all([
        endpoints.members(),
        endpoints.invitations(),
      ]);
      this.items = members.items;
      this.invitations = invitations.items;
      this.now = Date.now();
    } catch (err) {
      this.note = bad(messageOf(err));
    } finally {
      this.loading = false;
    }
  }

  async invite(): Promise<void> {
    const email = this.email.trim();
    this.inviteNote = null;
    if (!email) {
      this.inviteNote = bad("Type the email address of the person to invite.");
      return;
    }
    this.sending = true;
    try {
      const inv = await endpoints.addMember({
        email,
        role: this.role,
        name: this.name.trim() || undefined,
      });
      this.inviteNote = inv.sendError
        ? bad(unsent(inv))
        : good(
            `Invitation sent to ${inv.email}. They choose their own password when they accept; the link works for ${days(linkDays(inv))}.`,
          );
      this.email = "";
      this.name = "";
      await this.load();
    } catch (err) {
      this.inviteNote = bad(
        err instanceof ApiFailure && err.status === 409
          ? `${email} is already a member of this workspace.`
          : problemOf(err),
      );
    } finally {
      this.sending = false;
    }
  }

  async resend(inv: Invitation): Promise<void> {
    this.waitingNote = null;
    this.busyId = inv.id;
    try {
      const sent = await endpoints.resendInvitation(inv.id);
      this.waitingNote = sent.sendError
        ? bad(unsent(sent))
        : good(
            `A new link is on its way to ${sent.email}; it works for ${days(linkDays(sent))}. The earlier link no longer works.`,
          );
    } catch (err) {
      this.waitingNote = bad(this.gone(err, inv) ?? messageOf(err));
    } finally {
      this.busyId = null;
    }
    await this.load();
  }

  async withdraw(inv: Invitation): Promise<void> {
    this.waitingNote = null;
    this.busyId = inv.id;
    try {
      await endpoints.revokeInvitation(inv.id);
      this.waitingNote = good(
        `The invitation for ${inv.email} was withdrawn; its link no longer works.`,
      );
    } catch (err) {
      this.waitingNote = bad(this.gone(err, inv) ?? messageOf(err));
    } finally {
      this.busyId = null;
    }
    await this.load();
  }

  async setRole(m: Member, role: Role): Promise<void> {
    this.note = null;
    try {
      await endpoints.updateMember(m.id, { role });
      this.note = good(`${m.email} is now ${ROLE_WORDS[role].one}.`);
    } catch (err) {
      this.note = bad(messageOf(err));
    }
    await this.load();
  }

  async remove(m: Member): Promise<void> {
    this.note = null;
    try {
      await endpoints.removeMember(m.id);
      this.note = good(`${m.email} was removed.`);
      await this.load();
    } catch (err) {
      this.note = bad(messageOf(err));
    }
  }

  /** Someone else answered or withdrew it in the meantime. */
  private gone(err: unknown, inv: Invitation): string | null {
    return err instanceof ApiFailure && err.status === 404
      ? `The invitation for ${inv.email} was already accepted or withdrawn.`
      : null;
  }
}
