// An address the builder has no page for is a person's mistyped or old link,
// shown as "Page not found" (routes/+error.svelte), not a fault to log.
import type { HandleClientError } from "@sveltejs/kit";

export const handleError: HandleClientError = ({ error, status, message }) => {
  if (status !== 404) console.error(error);
  return { message };
};
