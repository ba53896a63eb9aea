import type { MenuCommand } from '../../../src-shared/api';
import { useProfileStore } from '../stores/useProfileStore';
import { useResultsStore } from '../stores/useResultsStore';
import { useRunStore } from '../stores/useRunStore';
import { downloadResult } from './export-result';

/** The views a menu command may bring forward. */
export type MenuView = 'workbench' | 'reports';

/**
 * Carries out a command of the desktop's File menu on the scenario being edited and the results,
 * as the Workbench and Reports buttons do, and says which view shows its outcome (null: stay).
 */
export function runMenuCommand(command: MenuCommand): MenuView | null {
  if (command === 'result.export') {
    const { result } = useRunStore();
    if (result) downloadResult(result);
    return null;
  }
  if (command === 'report.export') {
    // The HTML page is the report; the Reports view offers the other formats and says where the
    // file went, or why it could not be written.
    void useResultsStore().exportReport('html');
    return 'reports';
  }
  const profileStore = useProfileStore();
  if (command === 'profile.new') profileStore.newProfile();
  else if (command === 'profile.open') void profileStore.open(null);
  else if (command === 'profile.save') void profileStore.save();
  else void profileStore.save(true);
  return 'workbench';
}
