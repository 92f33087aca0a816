//! Lookups by index and by name on `Schema`, `RecordBatch`, `Table` and the struct
//! view: one convention (a `Result` with a typed error), exact values and messages.

use quiver_array::{Array, ArrayError, DataType, Field, RecordBatch, Schema, Table};

fn schema() -> Schema {
    Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("score", DataType::Float64, true),
    ])
}

fn batch() -> RecordBatch {
    RecordBatch::try_new(
        schema(),
        vec![
            Array::from(vec![1i64, 2]),
            Array::from(vec![Some("ann"), None]),
            Array::from(vec![Some(0.5f64), Some(1.5)]),
        ],
    )
    .unwrap()
}

fn table() -> Table {
    let b = batch();
    Table::from_batches(b.schema().clone(), vec![b.clone(), b.slice(1, 1).unwrap()]).unwrap()
}

fn not_found(name: &str) -> ArrayError {
    ArrayError::FieldNotFound {
        name: name.into(),
        available: vec!["id".into(), "name".into(), "score".into()],
    }
}

fn out_of_bounds(what: &'static str, index: usize) -> ArrayError {
    ArrayError::OutOfBounds {
        what,
        index,
        len: 3,
    }
}

#[test]
fn schema_lookups() {
    let s = schema();
    assert_eq!(s.field(1).unwrap().to_string(), "name: string");
    assert_eq!(s.field(3).unwrap_err(), out_of_bounds("field", 3));
    assert_eq!(
        s.field(3).unwrap_err().to_string(),
        "field 3 is out of bounds for length 3"
    );
    assert_eq!(
        s.field_with_name("score").unwrap().to_string(),
        "score: double"
    );
    assert_eq!(s.index_of("id").unwrap(), 0);
    assert_eq!(s.index_of("score").unwrap(), 2);
    assert_eq!(s.field_with_name("nme").unwrap_err(), not_found("nme"));
    assert_eq!(s.index_of("nme").unwrap_err(), not_found("nme"));
    assert_eq!(
        s.index_of("nme").unwrap_err().to_string(),
        r#"no field named "nme"; the fields are: id, name, score"#
    );
    // Names are matched exactly: no trimming, no case folding.
    assert_eq!(s.index_of("ID").unwrap_err(), not_found("ID"));
    assert_eq!(s.fields().len(), 3);
}

#[test]
fn record_batch_lookups() {
    let b = batch();
    assert_eq!(b.column(0).unwrap().to_string(), "[1, 2]");
    assert_eq!(b.column(2).unwrap().to_string(), "[0.5, 1.5]");
    assert_eq!(b.column(3).unwrap_err(), out_of_bounds("column", 3));
    assert_eq!(
        b.column(usize::MAX).unwrap_err().to_string(),
        format!("column {} is out of bounds for length 3", usize::MAX)
    );
    assert_eq!(
        b.column_by_name("name").unwrap().to_string(),
        r#"["ann", null]"#
    );
    assert_eq!(b.column_by_name("nope").unwrap_err(), not_found("nope"));
    assert_eq!(
        b.column_by_name("nope").unwrap_err().to_string(),
        r#"no field named "nope"; the fields are: id, name, score"#
    );
    assert_eq!(b.columns()[1].to_string(), r#"["ann", null]"#);
    assert_eq!(
        b.project(&[2, 5]).unwrap_err().to_string(),
        "column 5 is out of bounds for length 3"
    );
}

#[test]
fn table_lookups() {
    let t = table();
    let id = t.column(0).unwrap();
    assert_eq!(id.len(), 3);
    let chunks: Vec<String> = id.chunks().iter().map(ToString::to_string).collect();
    assert_eq!(chunks, vec!["[1, 2]", "[2]"]);
    assert_eq!(t.column(3).unwrap_err(), out_of_bounds("column", 3));
    assert_eq!(
        t.column(3).unwrap_err().to_string(),
        "column 3 is out of bounds for length 3"
    );
    let names = t.column_by_name("name").unwrap();
    assert_eq!(names.data_type(), &DataType::Utf8);
    assert_eq!((names.len(), names.null_count()), (3, 2));
    assert_eq!(t.column_by_name("nope").unwrap_err(), not_found("nope"));
    assert_eq!(
        t.column_by_name("nope").unwrap_err().to_string(),
        r#"no field named "nope"; the fields are: id, name, score"#
    );
    assert!(!t.schema().field_with_name("id").unwrap().is_nullable());
}

#[test]
fn struct_view_lookups() {
    let s = Array::struct_from(
        vec![
            ("a", Array::from(vec![1i32])),
            ("b", Array::from(vec!["x"])),
        ],
        None,
    )
    .unwrap();
    let v = s.as_struct().unwrap();
    assert_eq!(v.column(1).unwrap().to_string(), r#"["x"]"#);
    assert_eq!(v.column_by_name("a").unwrap().to_string(), "[1]");
    assert_eq!(
        v.column(2).unwrap_err(),
        ArrayError::OutOfBounds {
            what: "column",
            index: 2,
            len: 2
        }
    );
    assert_eq!(
        v.column_by_name("c").unwrap_err().to_string(),
        r#"no field named "c"; the fields are: a, b"#
    );
}

#[test]
fn duplicate_names_are_an_error_by_name_and_fine_by_index() {
    let b = RecordBatch::try_from_columns(
        vec![
            Array::from(vec![1i8]),
            Array::from(vec![2i16]),
            Array::from(vec![3i32]),
        ],
        &["x", "y", "x"],
    )
    .unwrap();
    let ambiguous = ArrayError::AmbiguousFieldName {
        name: "x".into(),
        indices: vec![0, 2],
    };
    assert_eq!(b.schema().index_of("x").unwrap_err(), ambiguous);
    assert_eq!(b.schema().field_with_name("x").unwrap_err(), ambiguous);
    assert_eq!(b.column_by_name("x").unwrap_err(), ambiguous);
    assert_eq!(
        b.column_by_name("x").unwrap_err().to_string(),
        r#"2 fields are named "x" (at indices 0, 2); look the field up by index instead"#
    );
    let t = Table::from_batches(b.schema().clone(), vec![b.clone()]).unwrap();
    assert_eq!(t.column_by_name("x").unwrap_err(), ambiguous);
    // The unique name and every index still work.
    assert_eq!(b.column_by_name("y").unwrap().to_string(), "[2]");
    assert_eq!(b.column(2).unwrap().to_string(), "[3]");
    assert_eq!(t.column(0).unwrap().data_type(), &DataType::Int8);

    let s = Array::struct_from(
        vec![
            ("k", Array::from(vec![1i32])),
            ("k", Array::from(vec![2i32])),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        s.as_struct().unwrap().column_by_name("k").unwrap_err(),
        ArrayError::AmbiguousFieldName {
            name: "k".into(),
            indices: vec![0, 1],
        }
    );
}

#[test]
fn long_lists_of_names_are_cut() {
    let fields: Vec<Field> = (0..13)
        .map(|i| Field::new(format!("c{i}"), DataType::Int32, true))
        .collect();
    let s = Schema::new(fields);
    assert_eq!(
        s.index_of("c13").unwrap_err().to_string(),
        r#"no field named "c13"; the fields are: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 3 more"#
    );
    assert_eq!(
        Schema::empty()
            .field_with_name("a")
            .unwrap_err()
            .to_string(),
        r#"no field named "a"; there are no fields"#
    );
    let twelve = Schema::new(vec![Field::new("d", DataType::Null, true); 12]);
    assert_eq!(
        twelve.index_of("d").unwrap_err().to_string(),
        r#"12 fields are named "d" (at indices 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more); look the field up by index instead"#
    );
}

#[test]
fn schema_equals_checks_metadata_at_every_level_only_when_asked() {
    let meta = |v: &str| vec![("k".to_string(), v.to_string())];
    let item = Field::new("item", DataType::Int32, true);
    let make = |item: Field, field_meta: Vec<(String, String)>, schema_meta| {
        Schema::new(vec![
            Field::new(
                "s",
                DataType::Struct(vec![Field::new("l", DataType::List(item.into()), true)]),
                true,
            )
            .with_metadata(field_meta),
        ])
        .with_metadata(schema_meta)
    };
    let base = make(item.clone(), vec![], vec![]);
    let nested = make(item.clone().with_metadata(meta("1")), vec![], vec![]);
    let top = make(item.clone(), meta("1"), vec![]);
    let schema_level = make(item.clone(), vec![], meta("1"));
    for other in [&nested, &top, &schema_level] {
        assert!(base.equals(other, false), "{other}");
        assert!(!base.equals(other, true), "{other}");
    }
    // Metadata compares as a set of pairs, at every level.
    let two = vec![
        ("a".to_string(), "1".to_string()),
        ("b".to_string(), "2".to_string()),
    ];
    let two_reversed: Vec<_> = two.iter().rev().cloned().collect();
    let x = make(
        item.clone().with_metadata(two.clone()),
        two.clone(),
        two.clone(),
    );
    let y = make(
        item.clone().with_metadata(two_reversed.clone()),
        two_reversed.clone(),
        two_reversed,
    );
    assert!(x.equals(&y, true));
    // Shapes still count without metadata: a nested name, type or nullability.
    let renamed = make(item.clone().with_name("element"), vec![], vec![]);
    let retyped = make(Field::new("item", DataType::Int64, true), vec![], vec![]);
    let required = make(Field::new("item", DataType::Int32, false), vec![], vec![]);
    for other in [&renamed, &retyped, &required] {
        assert!(!base.equals(other, false), "{other}");
        assert!(!base.equals(other, true), "{other}");
    }
    // Through dictionaries, unions, maps and run-end encoding too.
    let dict = |value: DataType| {
        Schema::new(vec![Field::new(
            "d",
            DataType::Dictionary {
                index: Box::new(DataType::Int8),
                value: Box::new(value),
                ordered: false,
            },
            true,
        )])
    };
    let list_of = |f: Field| DataType::LargeList(f.into());
    let plain = dict(list_of(item.clone()));
    let tagged = dict(list_of(item.clone().with_metadata(meta("2"))));
    assert!(plain.equals(&tagged, false));
    assert!(!plain.equals(&tagged, true));
    let ree = |values: Field| {
        Schema::new(vec![Field::new(
            "r",
            DataType::RunEndEncoded(
                Field::new("run_ends", DataType::Int32, false).into(),
                values.into(),
            ),
            true,
        )])
    };
    assert!(ree(item.clone()).equals(&ree(item.clone().with_metadata(meta("3"))), false));
    assert!(!ree(item.clone()).equals(&ree(item.clone().with_name("values")), false));
}
