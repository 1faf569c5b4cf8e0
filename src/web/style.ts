/**
 * The one stylesheet of the account server's pages: member pages, sign-up, e-mail change and
 * the console; the member pages get it as a file (signup/assets.ts), the e-mail change page
 * inline. System fonts and colours that keep WCAG AA contrast in light and dark mode.
 */
export const PAGE_STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5;
  --fg: #1b1f24; --muted: #4a5360; --bg: #ffffff; --panel: #f4f6f8; --line: #cfd6de;
  --accent: #0b5cad; --bad: #a4281b; --good: #1d6b3a; --warn: #8a5300; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8ecf0; --muted: #b4bdc8; --bg: #14181d; --panel: #1e242b; --line: #3a444f;
    --accent: #7db8f5; --bad: #ff8f80; --good: #7fd69b; --warn: #f2c46b; }
}
body { max-width: 32rem; margin: 0 auto; padding: 0 1rem 3rem; color: var(--fg); background: var(--bg); }
body.wide { max-width: 64rem; }
main { margin-top: 2rem; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input, select { display: block; width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; margin-top: 0.25rem;
  color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; }
input[type=checkbox], input.inline { display: inline-block; width: auto; margin: 0 0.4rem 0 0; vertical-align: middle; }
label:has(> input[type=checkbox]) { font-weight: 400; }
button, .button { display: inline-block; margin-top: 1.25rem; padding: 0.5rem 1.25rem; font: inherit; cursor: pointer;
  color: #ffffff; background: #0b5cad; border: 1px solid #0b5cad; border-radius: 4px; text-decoration: none; }
button.secondary { color: var(--fg); background: var(--panel); border-color: var(--line); }
button.danger { background: #a4281b; border-color: #a4281b; }
.hint { font-size: 0.9em; color: var(--muted); margin: 0.25rem 0 0; }
.problem { border-left: 4px solid var(--bad); padding: 0.5rem 0.75rem; background: var(--panel); }
.done { border-left: 4px solid var(--good); padding: 0.5rem 0.75rem; background: var(--panel); }
.field-error { color: var(--bad); font-weight: 600; margin: 0.25rem 0 0; }
time { white-space: nowrap; }
code { overflow-wrap: anywhere; }
[hidden] { display: none !important; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 0.5rem; background: var(--bg); padding: 0.25rem 0.5rem; }
header.console { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem; padding: 0.75rem 0;
  border-bottom: 1px solid var(--line); }
header.console .account { font-weight: 700; }
header.console nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; margin: 0; padding: 0; }
header.console nav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
header.console form { margin-left: auto; display: flex; align-items: center; gap: 0.75rem; }
header.console form button { margin: 0; padding: 0.25rem 0.75rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.75rem; padding: 0; list-style: none; }
.cards li { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; }
.cards a[aria-current="page"] { font-weight: 700; text-decoration: none; }
form.filters + * { margin-top: 1rem; }
.cards .count { display: block; font-size: 1.6rem; font-weight: 700; }
.attention { list-style: none; padding: 0; }
.attention li { border-left: 4px solid var(--warn); background: var(--panel); padding: 0.5rem 0.75rem; margin-bottom: 0.5rem; }
.all-clear { border-left: 4px solid var(--good); background: var(--panel); padding: 0.5rem 0.75rem; }
.table-wrap { overflow-x: auto; }
.skip-text { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.inline-form { display: inline; }
.inline-form button, td form button { margin: 0 0 0 0.5rem; padding: 0.1rem 0.6rem; }
.row-form { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.row-form select { width: auto; margin: 0; }
.row-form button { margin: 0; }
.row-form .field-error { flex-basis: 100%; margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0 0.75rem; align-items: end; }
form.filters button { margin-top: 1rem; }
.state-failed { color: var(--bad); font-weight: 600; }
pre.body { background: var(--panel); border: 1px solid var(--line); border-radius: 4px; padding: 0.75rem;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 32rem; overflow: auto; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 40rem) {
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: 0.5rem; }
  header.console form { margin-left: 0; }
}
`;
