// @switchyard/expr — the expression language of shared/EXPR.md.
export {};
