// A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1
// for the single sign-on tests, and a DNS-over-HTTPS test double answering
// Cloudflare's JSON API with the TXT records a test sets. Both are plain
// Node HTTP servers on free ports; the Worker under `wrangler dev` reaches
// them like any IdP or resolver (the tests set SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS).
import { createServer, type Server } from "node:http";
import { Provider } from "oidc-provider";
import { freePort } from "./worker.ts";

export interface OidcClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** Someone the provider's development login form accepts: type the email, any password. */
export interface Person {
  email: string;
  emailVerified: boolean;
  name?: string;
}

type TokenBody = Record<string, unknown>;

export interface OidcHandle {
  /** `http://127.0.0.1:<port>`, also the discovery document's issuer. */
  issuer: string;
  /** Adds or replaces a person (by email). */
  addPerson(person: Person): void;
  /**
   * Rewrites the token endpoint's answers while set (tests of a tampered
   * or misdirected id token); `seen` gets every answer before the rewrite.
   */
  hooks: { tokenResponse?: (body: TokenBody) => TokenBody; seen: TokenBody[] };
  stop(): Promise<void>;
}

/**
 * Starts oidc-provider with `clients` (client_secret_basic, PKCE S256
 * required), email and profile claims in the id token, and consent granted
 * without asking: its login page is the only screen a person sees.
 * @example const idp = await startOidcProvider({ clients: [{ clientId, clientSecret, redirectUri }], people: [] });
 */
export async function startOidcProvider(opts: {
  clients: OidcClient[];
  people: Person[];
}): Promise<OidcHandle> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const people = new Map(opts.people.map((p) => [p.email.toLowerCase(), p]));
  const hooks: OidcHandle["hooks"] = { seen: [] };
  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [c.redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    })),
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name"],
    },
    // Email and name in the id token itself, as most enterprise IdPs do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["oidc-test-cookie-key-0123456789"] },
    // Set, so the provider does not print a notice for each default.
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
    async findAccount(_ctx: unknown, id: string) {
      const person = people.get(id.toLowerCase());
      if (!person) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: person.email,
            email_verified: person.emailVerified,
            name: person.name ?? person.email.split("@")[0],
          };
        },
      };
    },
    // Consent is taken as given, so a test (and the browser) sees one login page.
    async loadExistingGrant(ctx: GrantContext) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope("openid email profile");
      await grant.save();
      return grant;
    },
  });
  provider.use(async (ctx: KoaContext, next: () => Promise<void>) => {
    // Its pages stay on this machine: no web font from the internet, no favicon 404.
    if (ctx.path === "/favicon.ico") {
      ctx.status = 204;
      return;
    }
    await next();
    if (typeof ctx.body === "string") {
      ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);/, "");
    }
    if (ctx.path === "/token" && ctx.body && typeof ctx.body === "object") {
      hooks.seen.push({ ...(ctx.body as TokenBody) });
      if (hooks.tokenResponse) ctx.body = hooks.tokenResponse(ctx.body as TokenBody);
    }
  });
  const server = createServer(provider.callback());
  await listen(server, port);
  return {
    issuer,
    addPerson: (p) => people.set(p.email.toLowerCase(), p),
    hooks,
    stop: () => close(server),
  };
}

interface GrantContext {
  oidc: {
    provider: {
      Grant: new (init: {
        clientId: string;
        accountId: string | undefined;
      }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
    };
    client: { clientId: string };
    session: { accountId: string | undefined };
  };
}

interface KoaContext {
  path: string;
  status: number;
  body: unknown;
}

export interface DohHandle {
  /** The resolver's URL, for SWITCHYARD_DOH_URL. */
  url: string;
  /** Sets (or with no values, removes) the TXT strings of a name. */
  setTxt(name: string, values: string[]): void;
  /** Every query received, as `name type`. */
  queries: string[];
  stop(): Promise<void>;
}

/**
 * A DNS-over-HTTPS resolver speaking Cloudflare's JSON API
 * (`GET ?name=&type=TXT`, `accept: application/dns-json`) from a table the
 * test fills. Unknown names answer NXDOMAIN (Status 3), as a resolver does.
 */
export async function startDohServer(): Promise<DohHandle> {
  const port = await freePort();
  const records = new Map<string, string[]>();
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const name = (url.searchParams.get("name") ?? "").toLowerCase().replace(/\.$/, "");
    const type = url.searchParams.get("type") ?? "A";
    queries.push(`${name} ${type}`);
    if (!req.headers.accept?.includes("application/dns-json") || !name) {
      res.writeHead(400, { "content-type": "text/plain" }).end("bad request");
      return;
    }
    const values = type.toUpperCase() === "TXT" ? records.get(name) : undefined;
    const body = {
      Status: values ? 0 : 3,
      TC: false,
      RD: true,
      RA: true,
      AD: false,
      CD: false,
      Question: [{ name: `${name}.`, type: 16 }],
      ...(values
        ? {
            Answer: values.map((v) => ({
              name: `${name}.`,
              type: 16,
              TTL: 300,
              // As Cloudflare answers: the TXT string in quotes.
              data: `"${v}"`,
            })),
          }
        : {}),
    };
    res.writeHead(200, { "content-type": "application/dns-json" }).end(JSON.stringify(body));
  });
  await listen(server, port);
  return {
    url: `http://127.0.0.1:${port}/dns-query`,
    setTxt(name, values) {
      const key = name.toLowerCase().replace(/\.$/, "");
      if (values.length === 0) records.delete(key);
      else records.set(key, values);
    },
    queries,
    stop: () => close(server),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
