const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

/** Shown once to a new AWS buyer: where to sign in, and the one-time password. */
export const welcomePage = (input: {
  name: string
  loginUrl: string
  userName: string
  password?: string
}) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your Atrium workbench is ready</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.6 system-ui,sans-serif;max-width:560px;margin:48px auto;padding:0 16px;color:#1d2330}
code{background:#f0f2f5;padding:2px 6px;border-radius:4px}a.button{display:inline-block;background:#1565c0;color:#fff;padding:8px 16px;border-radius:6px;text-decoration:none}</style>
</head><body><h1>${escapeHtml(input.name)} is ready</h1>
<p>Sign in as <code>${escapeHtml(input.userName)}</code>${
  input.password
    ? ` with the one-time password <code>${escapeHtml(input.password)}</code>. It is shown only here; you choose your own at the first sign-in.`
    : ' with your existing password.'
}</p>
<p><a class="button" href="${escapeHtml(input.loginUrl)}">Continue to sign in</a></p>
</body></html>`
