// A client-only SPA: the Worker serves index.html for every builder path.
export const ssr = false;
export const prerender = false;
