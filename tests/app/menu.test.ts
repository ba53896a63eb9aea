import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { applicationMenuTemplate } from '../../src-main/app/menu.js';
import type { MenuCommand } from '../../src-shared/api.js';

describe('the application menu', () => {
  it('sends the profile commands of the File menu to the renderer, with their shortcuts', () => {
    const sent: MenuCommand[] = [];
    const template = applicationMenuTemplate({ platform: 'linux', developerTools: false, onCommand: (command) => sent.push(command) });
    const file = template.find((entry) => entry.label === 'File');
    const items = (file?.submenu ?? []) as MenuItemConstructorOptions[];
    const commands = items.filter((item) => item.click);
    expect(commands.map((item) => [item.label, item.accelerator])).toEqual([
      ['New profile', 'CmdOrCtrl+N'],
      ['Open…', 'CmdOrCtrl+O'],
      ['Save', 'CmdOrCtrl+S'],
      ['Save as…', 'Shift+CmdOrCtrl+S'],
      ['Export result…', 'CmdOrCtrl+E'],
      ['Export report…', 'Shift+CmdOrCtrl+E'],
    ]);
    for (const item of commands) (item.click as () => void)();
    expect(sent).toEqual(['profile.new', 'profile.open', 'profile.save', 'profile.saveAs', 'result.export', 'report.export']);
    expect(items.at(-1)?.role).toBe('quit');
  });
});
