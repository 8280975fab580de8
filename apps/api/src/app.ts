import type { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { authenticate } from "./auth/authenticate.ts";
import { createDb } from "./db/client.ts";
import { ApiError, ErrorCode } from "./errors.ts";
import { type AppEnv, createRouter } from "./http.ts";
import { limitBody, parseJsonBody } from "./middleware/body.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { bulkRetryRoutes } from "./routes/bulk-retry.ts";
import { catalogRoutes } from "./routes/catalog.ts";
import { connectionRoutes } from "./routes/connections.ts";
import { renderDocs } from "./routes/docs.ts";
import { eventTypesRoutes } from "./routes/event-types.ts";
import { eventRoutes } from "./routes/events.ts";
import { failureGroupRoutes } from "./routes/failure-groups.ts";
import { healthRoutes } from "./routes/health.ts";
import { hookRoutes } from "./routes/hooks.ts";
import { invitationRoutes } from "./routes/invitations.ts";
import { memberRoutes } from "./routes/members.ts";
import { notificationsRoutes } from "./routes/notifications.ts";
import { outboxRoutes } from "./routes/outbox.ts";
import { passkeyRoutes } from "./routes/passkeys.ts";
import { passwordResetRoutes } from "./routes/password-reset.ts";
import { platformRoutes } from "./routes/platform.ts";
import { recordHistoryRoutes } from "./routes/record-history.ts";
import { recordsRoutes } from "./routes/records.ts";
import { runHistoryRoutes } from "./routes/run-history.ts";
import { runItemRoutes } from "./routes/run-items.ts";
import { runRoutes } from "./routes/runs.ts";
import { secretRoutes } from "./routes/secrets.ts";
import { settingsRoutes } from "./routes/settings.ts";
import { ssoRoutes } from "./routes/sso.ts";
import { ssoSignInRoutes } from "./routes/sso-signin.ts";
import { tasksRoutes } from "./routes/tasks.ts";
import { templateRoutes } from "./routes/templates.ts";
import { tenantRoutes } from "./routes/tenants.ts";
import { twoFactorRoutes } from "./routes/two-factor.ts";
import { waitRoutes } from "./routes/waits.ts";
import { webhookSourceRoutes } from "./routes/webhook-sources.ts";
import { workflowBacktestRoutes } from "./routes/workflow-backtest.ts";
import { workflowInteractionRoutes } from "./routes/workflow-interactions.ts";
import { workflowMetricsRoutes } from "./routes/workflow-metrics.ts";
import { workflowRunRoutes } from "./routes/workflow-runs.ts";
import { workflowSettingsRoutes } from "./routes/workflow-settings.ts";
import { workflowTransferRoutes } from "./routes/workflow-transfer.ts";
import { workflowRoutes } from "./routes/workflows.ts";

const STATUS_CODES: Record<number, string> = {
  400: ErrorCode.badRequest,
  401: ErrorCode.unauthorized,
  403: ErrorCode.forbidden,
  404: ErrorCode.notFound,
  405: ErrorCode.methodNotAllowed,
  409: ErrorCode.conflict,
  413: ErrorCode.payloadTooLarge,
  415: ErrorCode.unsupportedMediaType,
  422: ErrorCode.invalidDefinition,
  429: ErrorCode.rateLimited,
  503: ErrorCode.misconfigured,
};

/** Builds the Worker's HTTP app: middleware, every route, OpenAPI, errors. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = createRouter();

  app.use("*", requestId({ headerName: "x-request-id" }));
  app.use("*", async (c, next) => {
    c.set("db", createDb(c.env.DB));
    await next();
  });
  app.use("/v1/*", limitBody, parseJsonBody, authenticate);
  app.use("/hooks/*", limitBody);

  for (const routes of [
    healthRoutes,
    tenantRoutes,
    authRoutes,
    twoFactorRoutes,
    passkeyRoutes,
    passwordResetRoutes,
    memberRoutes,
    invitationRoutes,
    apiKeyRoutes,
    // Before workflowRoutes: `/v1/workflows/export` is not a workflow's id.
    workflowTransferRoutes,
    workflowRoutes,
    workflowSettingsRoutes,
    auditRoutes,
    platformRoutes,
    workflowRunRoutes,
    workflowBacktestRoutes,
    workflowInteractionRoutes,
    workflowMetricsRoutes,
    webhookSourceRoutes,
    templateRoutes,
    connectionRoutes,
    secretRoutes,
    hookRoutes,
    approvalRoutes,
    eventRoutes,
    bulkRetryRoutes,
    failureGroupRoutes,
    runRoutes,
    waitRoutes,
    runHistoryRoutes,
    runItemRoutes,
    recordsRoutes,
    recordHistoryRoutes,
    tasksRoutes,
    notificationsRoutes,
    outboxRoutes,
    eventTypesRoutes,
    catalogRoutes,
    settingsRoutes,
    ssoRoutes,
    ssoSignInRoutes,
  ]) {
    app.route("/", routes);
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key (sy_…) from POST /v1/api-keys",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "platformToken", {
    type: "http",
    scheme: "bearer",
    description: "The platform token (SWITCHYARD_PLATFORM_TOKEN)",
  });
  const info = {
    title: "Switchyard API",
    version: "1.0.0",
    description:
      "Workflow automation for operations teams. Integrators use API keys; the builder uses a session cookie plus the x-csrf-token header.",
  };
  const document = () =>
    app.getOpenAPI31Document({ openapi: "3.1.0", info, security: [{ apiKey: [] }] });
  app.get("/v1/openapi.json", (c) => c.json(document()));
  app.get("/docs", (c) => {
    c.header(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    );
    return c.html(renderDocs(document() as unknown as Parameters<typeof renderDocs>[0]));
  });

  // Unknown paths answer 404 in the error shape; a known path with another
  // method answers 405 with Allow.
  const patterns = () =>
    app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => ({
        method: r.method,
        re: new RegExp(
          `^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")}$`,
        ),
      }));
  app.notFound((c) => {
    const allowed = [
      ...new Set(
        patterns()
          .filter((p) => p.re.test(c.req.path))
          .map((p) => p.method),
      ),
    ];
    if (allowed.length > 0) {
      c.header("Allow", allowed.join(", "));
      return errorResponse(
        c,
        new ApiError(
          405,
          ErrorCode.methodNotAllowed,
          `${c.req.method} is not allowed here; use ${allowed.join(", ")}`,
        ),
      );
    }
    return errorResponse(
      c,
      new ApiError(404, ErrorCode.notFound, `No route for ${c.req.method} ${c.req.path}`),
    );
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status < 500) {
      const code = STATUS_CODES[err.status] ?? ErrorCode.badRequest;
      return errorResponse(
        c,
        new ApiError(err.status as ApiError["status"], code as ErrorCode, err.message || code),
      );
    }
    console.error(`[${c.var.requestId}] unhandled`, err);
    return c.json(
      {
        error: {
          code: ErrorCode.internal,
          message: "Something went wrong on our side",
          requestId: c.var.requestId,
        },
      },
      500,
    );
  });

  return app;
}

function errorResponse(
  c: Parameters<Parameters<OpenAPIHono<AppEnv>["onError"]>[0]>[1],
  err: ApiError,
): Response {
  for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
  return c.json(
    {
      error: {
        code: err.code,
        message: err.message,
        ...(err.details !== undefined ? { details: err.details } : {}),
        requestId: c.var.requestId,
      },
    },
    err.status as ContentfulStatusCode,
  );
}
