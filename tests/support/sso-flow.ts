// A browser's part in single sign-on, with fetch and cookies kept by hand:
// the Worker's start redirect, the provider's login form, the redirect back.
// Each step is separate so a test can tamper between them.

/** Cookies of one site, as a browser would keep them (name → value). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      // Deleted cookies come back empty or expired.
      if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) {
        this.cookies.delete(name);
      } else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** `GET /v1/auth/sso/start?email=`: where it sends the browser, and the `sy_sso` cookie. */
export async function ssoStart(
  base: string,
  email: string,
): Promise<{ location: URL; ssoCookie: string | undefined }> {
  const res = await fetch(`${base}/v1/auth/sso/start?email=${encodeURIComponent(email)}`, {
    redirect: "manual",
  });
  if (res.status !== 302) throw new Error(`sso start: ${res.status} ${await res.text()}`);
  const jar = new CookieJar();
  jar.take(res);
  return { location: new URL(res.headers.get("location")!, base), ssoCookie: jar.get("sy_sso") };
}

/**
 * Signs in at the provider's development login form as `login` (its
 * accounts take any password) and answers where the provider redirects
 * the browser back to (the client's redirect URI with code and state).
 */
export async function idpLogin(authorizeUrl: URL | string, login: string): Promise<URL> {
  const jar = new CookieJar();
  const go = async (url: URL, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.take(res);
    return res;
  };
  let url = new URL(authorizeUrl);
  const origin = url.origin;
  let res = await go(url);
  for (let hops = 0; hops < 10; hops++) {
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get("location")!, url);
      if (url.origin !== origin) return url;
      res = await go(url);
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action || !html.includes('name="login"')) {
      throw new Error(`the provider answered ${res.status}: ${html.slice(0, 500)}`);
    }
    res = await go(new URL(action.replaceAll("&amp;", "&"), url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ prompt: "login", login, password: "any" }).toString(),
    });
  }
  throw new Error("the provider redirected too often");
}

/** The Worker's callback with the `sy_sso` cookie: where it sends the browser, and the session cookie. */
export async function ssoCallback(
  callbackUrl: URL | string,
  ssoCookie: string | undefined,
): Promise<{
  status: number;
  location: string;
  session: string | undefined;
  setCookies: string[];
}> {
  const res = await fetch(callbackUrl, {
    redirect: "manual",
    headers: ssoCookie ? { cookie: `sy_sso=${ssoCookie}` } : {},
  });
  const jar = new CookieJar();
  jar.take(res);
  return {
    status: res.status,
    location: res.headers.get("location") ?? "",
    session: jar.get("sy_session"),
    setCookies: res.headers.getSetCookie(),
  };
}

/** The whole sign-in: start, the provider's form as `login` (default: the email), back. */
export async function ssoSignIn(base: string, email: string, login = email) {
  const { location, ssoCookie } = await ssoStart(base, email);
  if (location.origin === new URL(base).origin) {
    return { status: 302, location: location.pathname + location.search, session: undefined };
  }
  return ssoCallback(await idpLogin(location, login), ssoCookie);
}
