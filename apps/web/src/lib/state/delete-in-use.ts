// Deleting a secret or a connection that workflows may use (issue 17): the
// question names them first, and the delete is forced only on a yes.
import { ApiFailure } from "$lib/api";
import { inUseQuestion } from "$lib/model/secret-words";

type Users = ReadonlyArray<{ name: string; live: boolean }>;

/**
 * Asks, then deletes. When something started using it since the list was
 * read (the API answers `in_use`), reads who uses it now and asks again,
 * naming them. Answers false when the person said no (nothing deleted).
 * @example await deleteInUse({ what: "secret", name, usedBy, lost: "value", confirm,
 *   remove: (force) => api.deleteSecret(name, force), usersNow: async () => … })
 */
export async function deleteInUse(o: {
  what: "secret" | "connection";
  name: string;
  usedBy: Users;
  /** What cannot be brought back ("value", "credentials"). */
  lost: string;
  confirm: (question: string) => boolean;
  remove: (force: boolean) => Promise<unknown>;
  /** Who uses it now; null when it is gone already. */
  usersNow: () => Promise<Users | null>;
}): Promise<boolean> {
  const first = o.usedBy.length
    ? inUseQuestion(o.what, o.name, o.usedBy)
    : `Delete the ${o.what} ${o.name}? Its ${o.lost} cannot be brought back.`;
  if (!o.confirm(first)) return false;
  try {
    await o.remove(o.usedBy.length > 0);
  } catch (err) {
    if (!(err instanceof ApiFailure && err.code === "in_use")) throw err;
    const now = await o.usersNow();
    if (!now || !o.confirm(inUseQuestion(o.what, o.name, now))) return false;
    await o.remove(true);
  }
  return true;
}
