// @switchyard/engine — the workflow engine core.
export {};
