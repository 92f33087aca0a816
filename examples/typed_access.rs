//! Getting typed values out of nested columns: write an Arrow IPC file in memory with a
//! list, a struct, a map, a dictionary, a union and a run-end encoded column, read it
//! back, and walk every column through its typed view.
//!
//! ```text
//! cargo run --example typed_access
//! ```

use quiver::{Array, BufferOutputStream, UnionMode};

fn columns() -> quiver::Result<Vec<Array>> {
    // list<int64>: [[1, 2], null, [3]]
    let scores = Array::list_from_lengths(Array::from(vec![1i64, 2, 3]), [Some(2), None, Some(1)])?;
    // struct<city: string, zip: int32>
    let address = Array::struct_from(
        vec![
            ("city", Array::from(vec![Some("Oslo"), Some("Lima"), None])),
            ("zip", Array::from(vec![150i32, 15001, 0])),
        ],
        Some(vec![true, true, false]),
    )?;
    // map<string, float64>
    let prices = Array::map_from_lengths(
        Array::from(vec!["tea", "jam", "bun"]),
        Array::from(vec![Some(2.5f64), None, Some(1.25)]),
        [Some(2), Some(0), Some(1)],
        false,
    )?;
    // dictionary<int8, string>
    let colour = Array::dictionary_from(
        Array::from(vec![Some(1i8), Some(0), None]),
        Array::from(vec!["red", "green"]),
        false,
    )?;
    // dense_union<n: int32, s: string>
    let either = Array::union_from(
        vec![
            ("n", Array::from(vec![42i32])),
            ("s", Array::from(vec![Some("hi"), None])),
        ],
        &[1, 0, 1],
        UnionMode::Dense,
    )?;
    // run_end_encoded<int32, string>: "x", "x", "y"
    let runs = Array::run_end_encoded(Array::from(vec![2i32, 3]), Array::from(vec!["x", "y"]))?;
    Ok(vec![scores, address, prices, colour, either, runs])
}

fn main() -> quiver::Result<()> {
    let names = ["scores", "address", "prices", "colour", "either", "runs"];
    let batch = quiver::record_batch(columns()?, &names)?;
    let mut sink = BufferOutputStream::new();
    let mut writer = quiver::ipc::new_file(&mut sink, batch.schema())?;
    writer.write_batch(&batch)?;
    writer.close()?;
    let reader = quiver::ipc::open_file(sink.getvalue())?;
    let batch = reader.get_batch(0)?;
    let column = |name: &str| batch.column_by_name(name).cloned();

    println!("scores (list<int64>):");
    let scores = column("scores")?;
    let lists = scores.as_list::<i32>().ok_or_else(|| missing("list"))?;
    for (row, list) in lists.iter().enumerate() {
        let values = list.map(|l| {
            l.as_primitive::<i64>()
                .map(|v| v.to_vec())
                .unwrap_or_default()
        });
        println!("  {row}: {values:?}");
    }

    println!("address (struct):");
    let address = column("address")?;
    let rows = address.as_struct().ok_or_else(|| missing("struct"))?;
    let cities = rows.column_by_name("city")?.as_string::<i32>();
    let zips = rows.column_by_name("zip")?.as_primitive::<i32>();
    if let (Some(cities), Some(zips)) = (cities, zips) {
        for row in 0..rows.len() {
            match address.is_valid(row) {
                true => println!("  {row}: {} {:?}", zips.value(row), cities.value(row)),
                false => println!("  {row}: null"),
            }
        }
    }

    println!("prices (map<string, double>):");
    let prices = column("prices")?;
    let maps = prices.as_map().ok_or_else(|| missing("map"))?;
    for (row, entry) in maps.iter().enumerate() {
        let (keys, values) = entry.ok_or_else(|| missing("map slot"))?;
        let (k, v) = (keys.as_string::<i32>(), values.as_primitive::<f64>());
        let pairs: Vec<_> = match (k, v) {
            (Some(k), Some(v)) => k.iter().zip(v.iter()).collect(),
            _ => Vec::new(),
        };
        println!("  {row}: {pairs:?}");
    }

    println!("colour (dictionary):");
    let colour = column("colour")?;
    let dict = colour
        .as_dictionary()
        .ok_or_else(|| missing("dictionary"))?;
    let words = dict
        .values()
        .as_string::<i32>()
        .ok_or_else(|| missing("strings"))?;
    let decoded: Vec<_> = dict.iter().map(|k| k.map(|k| words.value(k))).collect();
    println!(
        "  keys {:?} -> {decoded:?}",
        dict.iter().collect::<Vec<_>>()
    );

    println!("either (dense union):");
    let either = column("either")?;
    let union = either.as_union().ok_or_else(|| missing("union"))?;
    for (row, value) in union.iter().enumerate() {
        let shown = value.map_or_else(|| "null".to_string(), |v| v.to_string());
        println!("  {row}: type id {} -> {shown}", union.type_id(row));
    }

    println!("runs (run-end encoded):");
    let runs = column("runs")?;
    let ree = runs
        .as_run_end_encoded()
        .ok_or_else(|| missing("run-end encoded column"))?;
    let values = ree
        .values()
        .as_string::<i32>()
        .ok_or_else(|| missing("strings"))?;
    let logical: Vec<_> = ree.iter().map(|k| k.map(|k| values.value(k))).collect();
    println!("  {logical:?}");
    Ok(())
}

fn missing(what: &str) -> quiver::Error {
    quiver::Error::Io(std::io::Error::other(format!("typed_access: no {what}")))
}
