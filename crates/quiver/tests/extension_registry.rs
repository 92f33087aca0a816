//! Readers check extension fields against the registry of their options: two
//! registries with different definitions of one name give different results, and the
//! process-wide registry is left alone.

use std::sync::Arc;

use quiver::ipc::{FileReader, FileWriter, IpcError, IpcReadOptions};
use quiver::{
    Array, Buffer, DataType, ExtensionRegistry, ExtensionType, Field, RecordBatch, Schema,
    extension_type,
};

const NAME: &str = "example.temperature";

/// A definition of `example.temperature` over one storage type.
#[derive(Debug)]
struct Temperature(DataType);

impl ExtensionType for Temperature {
    fn name(&self) -> &str {
        NAME
    }
    fn validate(&self, storage: &DataType, _metadata: &str) -> Result<(), String> {
        if *storage == self.0 {
            Ok(())
        } else {
            Err(format!("storage must be {}, not {storage}", self.0))
        }
    }
}

fn file() -> Buffer {
    let field = Field::new("t", DataType::Int32, true).with_extension(NAME, "");
    let schema = Arc::new(Schema::new(vec![field]));
    let batch =
        RecordBatch::try_new(Arc::clone(&schema), vec![Array::from(vec![20i32, 21])]).unwrap();
    let mut w = FileWriter::try_new(Vec::new(), &schema).unwrap();
    w.write_batch(&batch).unwrap();
    Buffer::from_vec(w.close().unwrap())
}

fn read(registry: Option<Arc<ExtensionRegistry>>) -> Result<usize, IpcError> {
    let mut options = IpcReadOptions::default();
    if let Some(r) = registry {
        options = options.with_extension_registry(r);
    }
    let table = FileReader::try_new_with_options(file(), options)?.read_all()?;
    Ok(table.num_rows())
}

#[test]
fn each_reader_uses_the_registry_of_its_options() {
    let integers = Arc::new(ExtensionRegistry::new());
    integers.register(Arc::new(Temperature(DataType::Int32)));
    let floats = Arc::new(ExtensionRegistry::new());
    floats.register(Arc::new(Temperature(DataType::Float64)));

    assert_eq!(read(Some(Arc::clone(&integers))).unwrap(), 2);
    match read(Some(Arc::clone(&floats))) {
        // The location is the footer's offset, which depends on the encoding.
        Err(IpcError::MalformedMetadata { problem, .. }) => assert_eq!(
            problem,
            "field \"t\": extension example.temperature: storage must be double, not int32"
        ),
        other => panic!("expected the registry to refuse the field, got {other:?}"),
    }

    // The process-wide registry knows neither definition, so it reads the storage type.
    assert!(extension_type(NAME).is_none());
    assert_eq!(read(None).unwrap(), 2);

    // A clone is independent of the registry it was copied from.
    let copy = (*floats).clone();
    assert!(copy.unregister(NAME));
    assert!(floats.get(NAME).is_some());
    assert_eq!(read(Some(Arc::new(copy))).unwrap(), 2);
}
