//! Building a nested record batch row by row with Quiver's builders, then writing it
//! as a zstd-compressed Arrow IPC stream and reading it back.
//!
//! ```text
//! cargo run --example build_arrays
//! ```

use quiver::ipc::{CompressionCodec, IpcWriteOptions, StreamWriter};
use quiver::{
    ArrayBuilder, BufferOutputStream, DataType, Field, ListBuilder, MapBuilder, PrimitiveBuilder,
    StringBuilder, StringDictionaryBuilder, StructBuilder, TimeUnit,
};

/// One order: an id, when it was placed, its customer, its lines and free-form tags.
struct Order {
    id: i64,
    placed_us: i64,
    customer: Option<(&'static str, &'static str)>,
    lines: Vec<(&'static str, i32)>,
    tags: Vec<(&'static str, &'static str)>,
    status: &'static str,
}

fn orders() -> Vec<Order> {
    (0..6)
        .map(|i| Order {
            id: 1000 + i,
            placed_us: 1_700_000_000_000_000 + i * 3_600_000_000,
            customer: (i != 3).then_some((["Ada", "Grace", "Edsger"][i as usize % 3], "NL")),
            lines: (0..i % 3)
                .map(|k| (["apple", "pear"][k as usize % 2], k as i32 + 1))
                .collect(),
            tags: if i % 2 == 0 {
                vec![("gift", "yes")]
            } else {
                vec![]
            },
            status: ["open", "shipped"][i as usize % 2],
        })
        .collect()
}

fn main() -> Result<(), quiver::Error> {
    let mut id = PrimitiveBuilder::<i64>::new(DataType::Int64);
    let mut placed = PrimitiveBuilder::<i64>::try_new(DataType::Timestamp(
        TimeUnit::Microsecond,
        Some("UTC".into()),
    ))?;
    let mut customer = StructBuilder::new(
        vec![
            Field::new("name", DataType::Utf8, false),
            Field::new("country", DataType::Utf8, false),
        ],
        vec![
            Box::new(StringBuilder::new()),
            Box::new(StringBuilder::new()),
        ],
    );
    let mut lines = ListBuilder::new(StructBuilder::from_builders(vec![
        ("sku", Box::new(StringBuilder::new())),
        (
            "qty",
            Box::new(PrimitiveBuilder::<i32>::new(DataType::Int32)),
        ),
    ]));
    let mut tags = MapBuilder::new(StringBuilder::new(), StringBuilder::new());
    let mut status = StringDictionaryBuilder::<i8>::new();

    for order in orders() {
        id.append_value(order.id);
        placed.append_value(order.placed_us);
        match order.customer {
            Some((name, country)) => {
                customer
                    .field_builder::<StringBuilder>(0)
                    .unwrap()
                    .append_value(name);
                customer
                    .field_builder::<StringBuilder>(1)
                    .unwrap()
                    .append_value(country);
                customer.append(true);
            }
            // A null row still needs a (hidden) value in every field.
            None => customer.append_null(),
        }
        for (sku, qty) in order.lines {
            let line = lines.values();
            line.field_builder::<StringBuilder>(0)
                .unwrap()
                .append_value(sku);
            line.field_builder::<PrimitiveBuilder<i32>>(1)
                .unwrap()
                .append_value(qty);
            line.append(true);
        }
        lines.append(true);
        for (k, v) in order.tags {
            tags.keys().append_value(k);
            tags.values().append_value(v);
        }
        tags.append(true)?;
        status.append_value(order.status)?;
    }

    let batch = quiver::record_batch(
        vec![
            id.finish()?,
            placed.finish()?,
            customer.finish()?,
            lines.finish()?,
            tags.finish()?,
            status.finish()?,
        ],
        &["id", "placed", "customer", "lines", "tags", "status"],
    )?;
    println!("{}\n\n{batch}\n", batch.schema());

    let options = IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, Some(9));
    let mut sink = BufferOutputStream::new();
    let mut writer = StreamWriter::try_new_with_options(&mut sink, batch.schema(), options)?;
    writer.write_batch(&batch)?;
    writer.close()?;
    let bytes = sink.getvalue();
    println!("zstd-compressed stream: {} bytes", bytes.len());

    let back = quiver::ipc::open_stream(bytes)?.collect::<Result<Vec<_>, _>>()?;
    assert!(back.len() == 1 && back[0].equals(&batch));
    println!(
        "read back: {} rows, equal to what was written",
        back[0].num_rows()
    );
    Ok(())
}
