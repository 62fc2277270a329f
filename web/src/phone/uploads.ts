import type { UploaderFileListItem } from 'vant';
import { uploadFile } from '@/api/client';
import { explain } from '@/shared/errors';
import { t } from '@/shared/i18n';

/** A file in a phone form's uploader, with the id the API gave it once stored. */
export type PickedFile = UploaderFileListItem & { uploadId?: string };

/**
 * Vant's after-read hook for evidence and attachments: each picked photo or file is uploaded at once with its
 * progress on the thumbnail; a failure stays on the thumbnail with the reason, so the person can remove it or retry.
 */
export async function uploadPicked(item: UploaderFileListItem | UploaderFileListItem[]) {
  for (const one of Array.isArray(item) ? item : [item]) {
    const entry = one as PickedFile;
    entry.status = 'uploading';
    entry.message = t('task.uploading', { percent: 0 });
    try {
      const stored = await uploadFile(entry.file!, (p) => (entry.message = t('task.uploading', { percent: p })));
      entry.uploadId = stored.id;
      entry.status = 'done';
      entry.message = '';
    } catch (err) {
      entry.status = 'failed';
      entry.message = explain(err).message;
    }
  }
}
