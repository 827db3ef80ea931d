// The web bundle's names in contracts/manager/views.ts are the one definition in storage.ts and
// metrics.ts (two copies of the same answers drifted apart once: the web accepted what the server
// never sends, e.g. a fractional size).
import { describe, expect, it } from 'vitest';
import * as metrics from '../../../contracts/manager/metrics.ts';
import * as storage from '../../../contracts/manager/storage.ts';
import * as views from '../../../contracts/manager/views.ts';

describe('contracts/manager/views.ts', () => {
  it('re-exports the storage and metrics schemas instead of defining them again', () => {
    expect(views.StorageStatusSchema).toBe(storage.StorageStatusSchema);
    expect(views.StorageListSchema).toBe(storage.StorageListSchema);
    expect(views.StorageContent).toBe(storage.StorageContentKind);
    expect(views.ContentItemSchema).toBe(storage.StorageVolumeSchema);
    expect(views.ContentListSchema).toBe(storage.StorageContentListSchema);
    expect(views.UploadAnswerSchema).toBe(storage.UploadResultSchema);
    expect(views.NodeMetricsSchema).toBe(metrics.NodeMetricsSchema);
    expect(views.GuestMetricsSchema).toBe(metrics.GuestMetricsSchema);
    expect(views.Timeframe).toBe(metrics.Timeframe);
  });

  it('an upload answer with a malformed checksum is refused where the web parses it', () => {
    const ok = { volid: 'local:iso/a.iso', name: 'a.iso', size: 1, sha256: 'a'.repeat(64) };
    expect(views.UploadAnswerSchema.parse(ok)).toEqual(ok);
    expect(() => views.UploadAnswerSchema.parse({ ...ok, sha256: 'nope' })).toThrow();
  });
});
