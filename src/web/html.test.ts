import assert from 'node:assert/strict';
import { test } from 'node:test';
import { html, raw } from './html.ts';

test('interpolated names are escaped, so a hostile display name cannot inject markup', () => {
  const name = '<img src=x onerror=alert(1)> & "quotes"';
  assert.equal(
    html`<li>${name}</li>`.value,
    '<li>&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</li>',
  );
});

test('nested templates and raw() are kept as markup; lists are joined; empty values vanish', () => {
  const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
  assert.equal(
    html`<ul>${items}${raw('<hr>')}${null}${undefined}${false}</ul>`.value,
    '<ul><li>a&lt;b</li><li>c</li><hr></ul>',
  );
});
