import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-shared/api';

/**
 * The application menu. The profile and export commands reach the renderer as 'app.menu'
 * events: the renderer holds the scenario being edited and the last result, so it decides what
 * New, Open, Save, Save as and Export mean.
 */
export function applicationMenuTemplate(options: {
  platform: NodeJS.Platform;
  developerTools: boolean;
  onCommand: (command: MenuCommand) => void;
}): MenuItemConstructorOptions[] {
  const template: MenuItemConstructorOptions[] = [];
  const item = (label: string, accelerator: string, command: MenuCommand): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => options.onCommand(command),
  });
  if (options.platform === 'darwin') template.push({ role: 'appMenu' });
  template.push(
    {
      label: 'File',
      submenu: [
        item('New profile', 'CmdOrCtrl+N', 'profile.new'),
        item('Open…', 'CmdOrCtrl+O', 'profile.open'),
        item('Save', 'CmdOrCtrl+S', 'profile.save'),
        item('Save as…', 'Shift+CmdOrCtrl+S', 'profile.saveAs'),
        { type: 'separator' },
        item('Export result…', 'CmdOrCtrl+E', 'result.export'),
        item('Export report…', 'Shift+CmdOrCtrl+E', 'report.export'),
        { type: 'separator' },
        options.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(options.developerTools ? [{ role: 'toggleDevTools' } as const, { type: 'separator' } as const] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  );
  return template;
}
