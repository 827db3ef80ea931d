import { describe, expect, it } from 'vitest';
import { checkTemplateData, createRenderer, UnsafeTemplateValue } from '../../../lib/template.ts';
import { renderTemplate } from '../../../provision/templates.ts';
import { render } from '../../../installer/plan/render.ts';

describe('the one template pipeline', () => {
  it('names the first value that would inject a line', () => {
    expect(() =>
      checkTemplateData({ nodes: [{ name: 'a' }, { name: 'b\nring0_addr: 1.2.3.4' }] }, 't'),
    ).toThrow(
      new UnsafeTemplateValue('t.nodes[1].name: contains a line break or control character'),
    );
    expect(() => checkTemplateData({ f: () => 1 }, 't')).toThrow(/t\.f: unsupported value/);
  });

  it('compiles each template once', () => {
    let compiles = 0;
    const r = createRenderer<'x'>(() => {
      compiles++;
      return (d) => JSON.stringify(d);
    });
    expect(r('x', { a: 1 })).toBe('{"a":1}');
    r('x', { a: 2 });
    expect(compiles).toBe(1);
  });

  it('guards corosync.conf (the node side) as it guards the installer files', () => {
    const conf = {
      clusterName: 'lab',
      configVersion: 1,
      tokenMs: 3000,
      keyfile: '/etc/corosync/authkey',
      nodes: [{ nodeid: 1, name: 'n1\n  quorum_votes: 9', address: '10.0.0.1' }],
      twoNode: false,
      logfile: null,
      stateDir: null,
    };
    expect(() => renderTemplate('cluster/corosync.conf.hbs', conf)).toThrow(UnsafeTemplateValue);
    expect(() => render('hostname', { hostname: 'a\nb' })).toThrow(UnsafeTemplateValue);
  });
});
