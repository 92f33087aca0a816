//! An in-order read of a file from a source that copies reads adjacent batches together,
//! without changing a batch or an error.

use std::io;
use std::sync::Arc;

use quiver_array::{Array, RecordBatch};
use quiver_buffer::{Buffer, MemoryPool, MemoryPoolRef, OsFile, ProxyMemoryPool, RandomAccessFile};
use quiver_ipc::{FileReader, FileWriter, IpcReadOptions};

/// One int32 column of `n` values (a body of `4 * n` bytes).
fn ints(n: i32, seed: i32) -> RecordBatch {
    let values: Vec<i32> = (0..n).map(|i| i.wrapping_mul(31) ^ seed).collect();
    RecordBatch::try_from_columns(vec![Array::from(values)], &["v"]).unwrap()
}

/// The file of `batches` on disk.
fn file_on_disk(dir: &tempfile::TempDir, batches: &[RecordBatch]) -> std::path::PathBuf {
    let path = dir.path().join("batches.arrow");
    let mut w = FileWriter::try_new(OsFile::create(&path).unwrap(), batches[0].schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    path
}

fn round64(n: usize) -> usize {
    n.div_ceil(64) * 64
}

#[test]
fn an_in_order_read_reads_adjacent_batches_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let batches: Vec<RecordBatch> = (0..5).map(|i| ints(1_000 + i * 10, i)).collect();
    let path = file_on_disk(&dir, &batches);

    let pool = Arc::new(ProxyMemoryPool::new(MemoryPoolRef::default()));
    let options = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
    let reader = FileReader::try_new_with_options(OsFile::open(&path).unwrap(), options).unwrap();
    let totals: Vec<usize> = reader
        .decoder()
        .record_batches()
        .iter()
        .map(|b| b.total_length().unwrap())
        .collect();
    let one_read = round64(totals.iter().sum());
    let one_read_each: usize = totals.iter().map(|&n| round64(n)).sum();
    assert_ne!(one_read, one_read_each, "the sizes must tell the two apart");

    let table = reader.read_all().unwrap();
    assert_eq!(pool.bytes_allocated(), one_read);
    assert_eq!(table.batches().len(), 5);
    for (got, want) in table.batches().iter().zip(&batches) {
        assert!(got.equals(want));
    }
    drop(table);
    assert_eq!(pool.bytes_allocated(), 0);

    // `get_batch` alone still reads its own block.
    let b = reader.get_batch(3).unwrap();
    assert!(b.equals(&batches[3]));
    assert_eq!(pool.bytes_allocated(), round64(totals[3]));
}

/// A copying source over a file in memory that refuses reads longer than `max_read`
/// bytes, and reads overlapping the byte range `bad`.
struct Picky {
    file: Buffer,
    max_read: usize,
    bad: std::ops::Range<u64>,
}

impl RandomAccessFile for Picky {
    fn size(&self) -> io::Result<u64> {
        Ok(self.file.len() as u64)
    }
    fn read_at(&self, offset: u64, len: usize) -> io::Result<Buffer> {
        let end = offset + len as u64;
        if len > self.max_read || (offset < self.bad.end && self.bad.start < end) {
            return Err(io::Error::other(format!("refused {offset}+{len}")));
        }
        let bytes = self.file.slice(offset as usize, len);
        Ok(Buffer::from_vec(bytes.as_slice().to_vec()))
    }
}

#[test]
fn an_in_order_read_gives_the_batches_and_errors_of_get_batch() {
    let batches: Vec<RecordBatch> = (0..6).map(|i| ints(500, i)).collect();
    let mut w = FileWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    let file = Buffer::from_vec(w.close().unwrap());
    let blocks = FileReader::try_new(file.clone())
        .unwrap()
        .decoder()
        .record_batches()
        .to_vec();
    let block_len = blocks[0].total_length().unwrap();
    let block4 = blocks[4].offset..blocks[4].offset + block_len as u64;

    // Reads of one block only; block 4 unreadable; both.
    for (max_read, bad) in [
        (block_len, 0..0),
        (usize::MAX, block4.clone()),
        (block_len, block4.clone()),
    ] {
        let source = Picky {
            file: file.clone(),
            max_read,
            bad: bad.clone(),
        };
        let reader = FileReader::try_new(source).unwrap();
        let in_order: Vec<Result<RecordBatch, String>> = reader
            .batches()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect();
        let one_by_one: Vec<Result<RecordBatch, String>> = (0..6)
            .map(|i| reader.get_batch(i).map_err(|e| e.to_string()))
            .collect();
        assert_eq!(in_order.len(), 6);
        for (i, (a, b)) in in_order.iter().zip(&one_by_one).enumerate() {
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    assert!(a.equals(b) && a.equals(&batches[i]), "{max_read} {i}")
                }
                (Err(a), Err(b)) => assert_eq!(a, b, "{max_read} {i}"),
                _ => panic!("batch {i}: {a:?} against {b:?}"),
            }
        }
        let failed: Vec<usize> = (0..6).filter(|&i| in_order[i].is_err()).collect();
        if bad.is_empty() {
            assert_eq!(failed, Vec::<usize>::new());
        } else {
            assert_eq!(failed, vec![4]);
            assert_eq!(
                in_order[4].as_ref().unwrap_err(),
                &format!(
                    "I/O error while reading the block at byte {}: refused {}+{block_len}",
                    blocks[4].offset, blocks[4].offset
                )
            );
        }
    }
}
