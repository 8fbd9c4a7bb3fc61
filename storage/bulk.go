package storage

import (
	"context"

	"parceltrack/shopapp"
	"parceltrack/tracking"
)

// bulkBatch bounds one InsertMany: inserts are not held to the embedded
// server's limit on bulk updates (docs/architecture.md), but a bounded
// request keeps memory flat.
const bulkBatch = 1000

// BulkLoad inserts parcels and schedules as they are, in batches: for
// benchmarks, load tests and test fixtures that need thousands of rows
// fast. The importer's path (Parcels.InsertParcel, Polls.Schedule) also
// lists each parcel on its order; this one does not.
func (d *DB) BulkLoad(ctx context.Context, parcels []shopapp.Parcel, schedules []tracking.Schedule) error {
	docs := make([]any, 0, min(len(parcels), bulkBatch))
	flush := func(col string) error {
		if len(docs) == 0 {
			return nil
		}
		_, err := d.db.Collection(col).InsertMany(ctx, docs)
		docs = docs[:0]
		return mapErr("bulk load "+col, err)
	}
	for _, p := range parcels {
		docs = append(docs, toParcelDoc(p))
		if len(docs) == bulkBatch {
			if err := flush(colParcels); err != nil {
				return err
			}
		}
	}
	if err := flush(colParcels); err != nil {
		return err
	}
	for _, s := range schedules {
		docs = append(docs, toScheduleDoc(s))
		if len(docs) == bulkBatch {
			if err := flush(colPolls); err != nil {
				return err
			}
		}
	}
	return flush(colPolls)
}
