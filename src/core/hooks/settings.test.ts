import { describe, expect, it } from 'vitest';
import { OrchError } from '../errors.ts';
import {
  HOOK_EVENTS,
  detectIndent,
  hookCommand,
  installHooks,
  isOrchCommand,
  orchHooksIn,
  parseSettings,
  renderSettings,
  uninstallHooks,
  type HookEvent,
  type JsonObject,
} from './settings.ts';

const argv = ['/usr/local/bin/node', '/opt/my tools/orch/bin/orch.js'];
const cmd = (e: HookEvent): string => hookCommand(argv, e);

const userSettings = (): JsonObject => ({
  model: 'sonnet',
  permissions: { allow: ['Bash(npm test)'] },
  hooks: {
    Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: './guard.sh', timeout: 5 }] }],
    Notification: [{ hooks: [{ type: 'command', command: 'say hi' }] }],
  },
});

describe('hookCommand', () => {
  it('quotes paths with spaces and ends with the marker', () => {
    expect(cmd('Stop')).toBe(`/usr/local/bin/node '/opt/my tools/orch/bin/orch.js' hook Stop # orch-hook`);
    expect(isOrchCommand(cmd('Stop'))).toBe(true);
    expect(isOrchCommand('npx orch hook Stop')).toBe(false);
    expect(hookCommand(["/it's/node"], 'Stop')).toContain(`'/it'\\''s/node'`);
  });
});

describe('installHooks', () => {
  it("adds one entry per event and keeps the user's hooks, keys and order", () => {
    const before = userSettings();
    const { settings, changed } = installHooks(before, cmd);
    expect(changed).toBe(true);
    expect(before).toEqual(userSettings()); // input not mutated
    expect(settings.model).toBe('sonnet');
    expect(settings.permissions).toEqual({ allow: ['Bash(npm test)'] });
    const hooks = settings.hooks as Record<string, JsonObject[]>;
    expect(hooks.Stop?.[0]).toEqual({ hooks: [{ type: 'command', command: 'notify-send done' }] });
    expect(hooks.Stop?.[1]).toEqual({ hooks: [{ type: 'command', command: cmd('Stop'), timeout: 10 }] });
    expect(hooks.PreToolUse?.[0]).toEqual({ matcher: 'Bash', hooks: [{ type: 'command', command: './guard.sh', timeout: 5 }] });
    expect(hooks.Notification).toEqual([{ hooks: [{ type: 'command', command: 'say hi' }] }]);
    expect(Object.keys(orchHooksIn(settings)).sort()).toEqual([...HOOK_EVENTS].sort());
    for (const e of HOOK_EVENTS) expect(orchHooksIn(settings)[e]).toEqual([cmd(e)]);
  });

  it('is idempotent: a second install changes nothing, byte for byte', () => {
    const once = installHooks(userSettings(), cmd).settings;
    const twice = installHooks(once, cmd);
    expect(twice.changed).toBe(false);
    expect(renderSettings(twice.settings, 2)).toBe(renderSettings(once, 2));
  });

  it('updates a moved orch in place and drops duplicates, leaving neighbours alone', () => {
    const old = hookCommand(['/old/node', '/old/orch.js'], 'Stop');
    const s: JsonObject = {
      hooks: {
        Stop: [
          { hooks: [{ type: 'command', command: 'before' }, { type: 'command', command: old }, { type: 'command', command: 'after' }] },
          { hooks: [{ type: 'command', command: old }] },
        ],
      },
    };
    const { settings } = installHooks(s, cmd);
    expect((settings.hooks as JsonObject).Stop).toEqual([
      { hooks: [{ type: 'command', command: 'before' }, { type: 'command', command: cmd('Stop'), timeout: 10 }, { type: 'command', command: 'after' }] },
    ]);
  });

  it('creates the hooks key in an empty document', () => {
    const { settings } = installHooks(parseSettings(null, 'x'), cmd);
    expect(Object.keys(settings.hooks as JsonObject)).toEqual([...HOOK_EVENTS]);
  });
});

describe('uninstallHooks', () => {
  it("removes only orch's entries and gives back the user's document", () => {
    const installed = installHooks(userSettings(), cmd).settings;
    const { settings, changed } = uninstallHooks(installed);
    expect(changed).toBe(true);
    expect(settings).toEqual(userSettings());
  });

  it('removes an orch entry that shares a group with a user hook, keeping the user hook', () => {
    const s: JsonObject = { hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command: 'mine' }, { type: 'command', command: cmd('Stop') }] }] } };
    expect(uninstallHooks(s).settings).toEqual({ hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command: 'mine' }] }] } });
  });

  it('drops the hooks key it emptied, and reports no change when nothing is orch', () => {
    const only = installHooks({ theme: 'dark' }, cmd).settings;
    expect(uninstallHooks(only).settings).toEqual({ theme: 'dark' });
    const user = userSettings();
    const res = uninstallHooks(user);
    expect(res.changed).toBe(false);
    expect(res.settings).toBe(user);
    expect(uninstallHooks({ hooks: {} }).changed).toBe(false);
  });
});

describe('parseSettings', () => {
  it.each([
    ['{ "hooks": ', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    ['"text"', /not a JSON object/],
    ['{"hooks": []}', /"hooks" is not an object/],
    ['{"hooks": {"Stop": {}}}', /"hooks.Stop" is not an array/],
    ['{"hooks": {"Stop": [3]}}', /hooks.Stop\[0\]/],
  ])('refuses %s with a one-line config error', (text, message) => {
    let err: unknown;
    try {
      parseSettings(text, '/r/.claude/settings.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OrchError);
    expect((err as OrchError).exitCode).toBe(2);
    expect((err as OrchError).message).toMatch(message);
    expect((err as OrchError).message).toContain('/r/.claude/settings.json');
    expect((err as OrchError).message).not.toContain('\n');
  });

  it('takes a missing or blank file as empty settings', () => {
    expect(parseSettings(null, 'f')).toEqual({});
    expect(parseSettings(' \n', 'f')).toEqual({});
  });

  it("keeps the file's indentation", () => {
    expect(detectIndent('{\n    "a": 1\n}\n')).toBe(4);
    expect(detectIndent('{\n\t"a": 1\n}\n')).toBe('\t');
    expect(detectIndent('{"a":1}')).toBe(2);
    expect(detectIndent(null)).toBe(2);
  });
});
