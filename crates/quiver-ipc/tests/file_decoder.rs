//! [`FileDecoder`] used from outside the crate, as an async or object-store reader would:
//! from a whole file in memory (a memory map), and from the footer's bytes alone, with
//! blocks fetched one at a time. Decoding is zero-copy.

use quiver_array::{Array, DataType, RecordBatch};
use quiver_buffer::{Buffer, memory_map};
use quiver_ipc::{Block, FileDecoder, FileReader, FileWriter, IpcReadOptions};

/// Three batches with a dictionary column whose dictionary grows (so the file holds a
/// dictionary and a delta) and an int64 column.
fn batches() -> Vec<RecordBatch> {
    let batch = |indices: Vec<i8>, values: Vec<&str>, n: Vec<i64>| {
        let dict = Array::dictionary_from(Array::from(indices), Array::from(values), false);
        RecordBatch::try_from_columns(vec![dict.unwrap(), Array::from(n)], &["d", "n"]).unwrap()
    };
    vec![
        batch(vec![0, 1], vec!["a", "b"], vec![1, 2]),
        batch(vec![1, 0, 1], vec!["a", "b"], vec![3, 4, 5]),
        batch(vec![2], vec!["a", "b", "c"], vec![6]),
    ]
}

fn file_bytes() -> Vec<u8> {
    let batches = batches();
    let mut w = FileWriter::try_new(Vec::new(), batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.close().unwrap()
}

/// The batches as text (a file reader applies every delta before any batch, so the
/// dictionaries differ from the written ones, but the values do not).
fn rows(batch: &RecordBatch) -> Vec<String> {
    batch.columns().iter().map(|c| c.to_string()).collect()
}

/// The blocks the footer of `file_bytes()` lists: dictionary, batch, batch, delta, batch.
const BATCH_BLOCKS: [Block; 3] = [
    Block {
        offset: 424,
        metadata_length: 192,
        body_length: 24,
    },
    Block {
        offset: 640,
        metadata_length: 192,
        body_length: 32,
    },
    Block {
        offset: 1064,
        metadata_length: 192,
        body_length: 16,
    },
];
const DICTIONARY_BLOCKS: [Block; 2] = [
    Block {
        offset: 224,
        metadata_length: 176,
        body_length: 24,
    },
    Block {
        offset: 864,
        metadata_length: 184,
        body_length: 16,
    },
];

#[test]
fn decodes_a_memory_mapped_file_zero_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.arrow");
    std::fs::write(&path, file_bytes()).unwrap();
    let map = memory_map(&path).unwrap();
    let file = map.buffer().clone();

    let decoder = FileDecoder::from_file(&file, IpcReadOptions::default()).unwrap();
    assert_eq!(
        decoder.schema().to_string(),
        "d: dictionary<values=string, indices=int8, ordered=0>\nn: int64"
    );
    assert_eq!(decoder.record_batches(), &BATCH_BLOCKS[..]);
    assert_eq!(decoder.dictionaries(), &DICTIONARY_BLOCKS[..]);
    let expected = [
        ["[\"a\", \"b\"]", "[1, 2]"],
        ["[\"b\", \"a\", \"b\"]", "[3, 4, 5]"],
        ["[\"c\"]", "[6]"],
    ];
    for (block, want) in decoder.record_batches().iter().zip(expected) {
        let bytes = block.slice_of(&file).unwrap();
        let batch = decoder.read_record_batch(block, &bytes).unwrap();
        assert_eq!(rows(&batch), want);
        // The values are the mapped file's bytes, not a copy.
        assert!(file.contains_ptr(batch.columns()[1].buffers()[0].as_ptr()));
        assert!(file.contains_ptr(batch.columns()[0].buffers()[0].as_ptr()));
    }
}

#[test]
fn decodes_from_the_footer_and_one_block_at_a_time() {
    let file = Buffer::from_vec(file_bytes());
    let size = file.len() as u64;
    let (head, tail) = (file.slice(0, 6), file.slice(file.len() - 10, 10));
    let (at, len) = FileDecoder::footer_location(size, &head, &tail).unwrap();
    assert_eq!((at, len), (1280, 344));
    assert_eq!(size, 1280 + 344 + 10);
    let footer = file.slice(at as usize, len);
    let mut decoder = FileDecoder::try_new(&footer, at, IpcReadOptions::default()).unwrap();
    assert_eq!(decoder.record_batches(), &BATCH_BLOCKS[..]);
    assert_eq!(decoder.dictionaries(), &DICTIONARY_BLOCKS[..]);

    // A batch needs its dictionary first.
    let last = BATCH_BLOCKS[2];
    let bytes = last.slice_of(&file).unwrap();
    assert_eq!(
        decoder
            .read_record_batch(&last, &bytes)
            .unwrap_err()
            .to_string(),
        "invalid Arrow IPC data at field \"d\", byte 1064: record batch uses dictionary id 0 \
         before any dictionary batch defined it"
    );
    for block in DICTIONARY_BLOCKS {
        // Each block is fetched on its own, as a reader over a remote store would.
        let fetched = Buffer::from_vec(block.slice_of(&file).unwrap().to_vec());
        decoder.read_dictionary(&block, &fetched).unwrap();
    }
    let batch = decoder.read_record_batch(&last, &bytes).unwrap();
    assert_eq!(rows(&batch), ["[\"c\"]", "[6]"]);
    assert!(batch.equals(&batches()[2]));
}

#[test]
fn a_projection_from_the_options_applies() {
    let file = Buffer::from_vec(file_bytes());
    let options = IpcReadOptions::default().with_projection(vec![1]);
    let decoder = FileDecoder::from_file(&file, options).unwrap();
    assert_eq!(decoder.schema().to_string(), "n: int64");
    let block = decoder.record_batches()[1];
    let batch = decoder
        .read_record_batch(&block, &block.slice_of(&file).unwrap())
        .unwrap();
    assert_eq!(rows(&batch), ["[3, 4, 5]"]);
    assert_eq!(batch.columns()[0].data_type(), &DataType::Int64);
}

#[test]
fn the_file_reader_is_a_driver_on_the_same_decoder() {
    let file = Buffer::from_vec(file_bytes());
    let reader = FileReader::try_new(file.clone()).unwrap();
    assert_eq!(reader.decoder().record_batches(), &BATCH_BLOCKS[..]);
    assert_eq!(reader.decoder().dictionaries(), &DICTIONARY_BLOCKS[..]);
    for (i, want) in batches().iter().enumerate() {
        assert!(reader.get_batch(i).unwrap().equals(want));
    }
}

#[test]
fn blocks_are_built_and_sliced_with_checks() {
    let block = Block::new(16, 8, 40);
    assert_eq!(
        (block.offset, block.metadata_length, block.body_length),
        (16, 8, 40)
    );
    assert_eq!(block.total_length(), Some(48));
    assert_eq!(Block::new(0, usize::MAX, 1).total_length(), None);

    let file = Buffer::from_vec((0..64u8).collect::<Vec<_>>());
    assert_eq!(block.slice_of(&file).unwrap().as_slice(), &file[16..64]);
    assert_eq!(
        Block::new(17, 8, 40)
            .slice_of(&file)
            .unwrap_err()
            .to_string(),
        "invalid Arrow IPC data at byte 17: the block of 8+40 bytes is outside the file of \
         64 bytes"
    );
    assert_eq!(
        Block::new(0, usize::MAX, 1)
            .slice_of(&file)
            .unwrap_err()
            .to_string(),
        format!(
            "invalid Arrow IPC data at byte 0: the block of {}+1 bytes is outside the file \
             of 64 bytes",
            usize::MAX
        )
    );
}

#[test]
fn wrong_blocks_are_refused_with_their_place() {
    let file = Buffer::from_vec(file_bytes());
    let mut decoder = FileDecoder::from_file(&file, IpcReadOptions::default()).unwrap();
    let (dict, batch) = (DICTIONARY_BLOCKS[0], BATCH_BLOCKS[0]);
    let err = |e: quiver_ipc::IpcError| e.to_string();

    assert_eq!(
        err(decoder
            .read_record_batch(&dict, &dict.slice_of(&file).unwrap())
            .unwrap_err()),
        "invalid Arrow IPC data at byte 224: the block holds no record batch"
    );
    assert_eq!(
        err(decoder
            .read_dictionary(&batch, &batch.slice_of(&file).unwrap())
            .unwrap_err()),
        "invalid Arrow IPC data at byte 424: the dictionary block holds no dictionary batch"
    );
    assert_eq!(
        err(decoder
            .read_record_batch(&batch, &file.slice(424, 100))
            .unwrap_err()),
        "invalid Arrow IPC data at byte 424: block bytes do not match the block's size"
    );
    assert_eq!(
        err(decoder
            .read_dictionary(&dict, &dict.slice_of(&file).unwrap())
            .unwrap_err()),
        "invalid Arrow IPC data at byte 224: a dictionary is defined twice; the file format \
         does not allow replacement"
    );
}

#[test]
fn footers_are_located_with_checks() {
    let file = Buffer::from_vec(file_bytes());
    let size = file.len() as u64;
    let (head, tail) = (&file[..6], &file[file.len() - 10..]);
    let located = |size: u64, head: &[u8], tail: &[u8]| {
        FileDecoder::footer_location(size, head, tail)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        located(21, head, tail),
        "invalid Arrow IPC data at input: 21 bytes is too small to be an Arrow file"
    );
    assert_eq!(
        located(size, b"ARROW2", tail),
        "invalid Arrow IPC data at input: not an Arrow file: the ARROW1 magic is missing at \
         the start"
    );
    let mut long = tail.to_vec();
    long[..4].copy_from_slice(&2000i32.to_le_bytes());
    assert_eq!(
        located(size, head, &long),
        format!(
            "invalid Arrow IPC data at input: footer length 2000 does not fit a file of {size} bytes"
        )
    );
    assert_eq!(
        FileDecoder::try_new(&file[..100], 1280, IpcReadOptions::default())
            .unwrap_err()
            .to_string()
            .split(':')
            .next(),
        Some("malformed footer metadata at byte 1280")
    );
}
