// The support panel's HTML page: a strict Content-Security-Policy (nothing but the webview's own resources and
// one nonce'd script), the bundled stylesheet and script, and a placeholder the script replaces.

/** `cspSource` and the script/style URIs come from the webview. Pure, for tests. */
export function panelHtml(options: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const cspSource = attr(options.cspSource);
  const nonce = attr(options.nonce);
  const scriptUri = attr(options.scriptUri);
  const styleUri = attr(options.styleUri);
  const csp = [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${styleUri}" nonce="${nonce}">
<title>BANER: Support Set &amp; Adapters</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="muted">Loading…</p></main>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}

