import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu. The profile commands (New, Open…, Save, Save as…, Export result…) need
 * an API event to reach the renderer, which the contract does not have yet; until it does, the
 * menu holds only what Electron's roles do by themselves.
 */
export function applicationMenuTemplate(options: { platform: NodeJS.Platform; developerTools: boolean }): MenuItemConstructorOptions[] {
  const template: MenuItemConstructorOptions[] = [];
  if (options.platform === 'darwin') template.push({ role: 'appMenu' });
  template.push(
    { label: 'File', submenu: [options.platform === 'darwin' ? { role: 'close' } : { role: 'quit' }] },
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
