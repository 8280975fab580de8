import { createRouter } from "../http.ts";

// Filled in by the run-path work (issue 5): see API.md.
export const eventTypesRoutes = createRouter();
