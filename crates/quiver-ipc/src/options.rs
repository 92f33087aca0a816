//! Options for reading and writing.

use std::sync::Arc;

use quiver_array::{DataType, ExtensionRegistry, Field, Schema, SchemaRef, ValidationLevel};
use quiver_buffer::MemoryPoolRef;

use crate::compression::CompressionCodec;
use crate::error::IpcError;

/// The metadata version written into messages. Readers accept V4 and V5. A future
/// format version would be a new variant, so matches need a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum MetadataVersion {
    /// Arrow 0.8 – 0.17 (unions carry a validity buffer).
    V4,
    /// Arrow 1.0 and later (the default).
    V5,
}

/// The byte order of the body buffers, as a schema declares it (Arrow's `Endianness`).
///
/// ```
/// use quiver_ipc::Endianness;
/// let expected = if cfg!(target_endian = "big") { Endianness::Big } else { Endianness::Little };
/// assert_eq!(Endianness::native(), expected);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endianness {
    /// Least significant byte first (what writers on x86-64 and ARM produce).
    Little,
    /// Most significant byte first.
    Big,
}

impl Endianness {
    /// The byte order of this machine, which writers declare.
    pub fn native() -> Self {
        if cfg!(target_endian = "big") {
            Endianness::Big
        } else {
            Endianness::Little
        }
    }
}

/// Options for [`StreamWriter`](crate::StreamWriter) and [`FileWriter`](crate::FileWriter),
/// set with `with_*` calls like [`IpcReadOptions`] and read back with getters.
///
/// ```
/// use quiver_ipc::{CompressionCodec, IpcWriteOptions, MetadataVersion};
/// let opts = IpcWriteOptions::default()
///     .with_compression(CompressionCodec::Zstd, Some(3))
///     .with_alignment(64)
///     .with_emit_dictionary_deltas(true);
/// assert_eq!(opts.compression(), Some(CompressionCodec::Zstd));
/// assert_eq!(opts.alignment(), 64);
/// assert_eq!(opts.metadata_version(), MetadataVersion::V5);
/// assert!(opts.validate().is_ok());
/// assert_eq!(
///     IpcWriteOptions::default().with_alignment(16).validate().unwrap_err().to_string(),
///     "alignment must be 8 or 64, not 16"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpcWriteOptions {
    alignment: usize,
    metadata_version: MetadataVersion,
    compression: Option<CompressionCodec>,
    compression_level: Option<i32>,
    emit_dictionary_deltas: bool,
    memory_pool: MemoryPoolRef,
    use_threads: bool,
}

impl Default for IpcWriteOptions {
    fn default() -> Self {
        Self {
            alignment: 8,
            metadata_version: MetadataVersion::V5,
            compression: None,
            compression_level: None,
            emit_dictionary_deltas: false,
            memory_pool: MemoryPoolRef::default(),
            use_threads: true,
        }
    }
}

impl IpcWriteOptions {
    /// Alignment of message bodies and of every buffer inside them: 8 (the default, as
    /// Arrow C++ and pyarrow write) or 64. Writers refuse other values (see
    /// [`validate`](IpcWriteOptions::validate)).
    pub fn with_alignment(mut self, alignment: usize) -> Self {
        self.alignment = alignment;
        self
    }

    /// Metadata version to write (default V5).
    pub fn with_metadata_version(mut self, version: MetadataVersion) -> Self {
        self.metadata_version = version;
        self
    }

    /// Compress every body buffer with `codec` (`None`, the default, compresses
    /// nothing) at `level` (ZSTD only, 3 when `None`; LZ4 ignores it). Buffers that do
    /// not shrink are stored raw, as the format allows.
    pub fn with_compression(
        mut self,
        codec: impl Into<Option<CompressionCodec>>,
        level: Option<i32>,
    ) -> Self {
        self.compression = codec.into();
        self.compression_level = level;
        self
    }

    /// When a dictionary grows by appending values, send only the new values as a delta
    /// dictionary batch instead of replacing it (default false; pyarrow's
    /// `emit_dictionary_deltas`).
    pub fn with_emit_dictionary_deltas(mut self, yes: bool) -> Self {
        self.emit_dictionary_deltas = yes;
        self
    }

    /// The pool the writer allocates from (its compression output and the buffers it
    /// re-encodes, such as re-based offsets of sliced arrays); the default pool unless
    /// set. Pass a [`ProxyMemoryPool`](quiver_buffer::ProxyMemoryPool) to count what one
    /// request's writing allocates. Options compare pools by identity.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use quiver_buffer::{MemoryPoolRef, ProxyMemoryPool};
    /// use quiver_ipc::IpcWriteOptions;
    /// let pool = Arc::new(ProxyMemoryPool::new(MemoryPoolRef::default()));
    /// let opts = IpcWriteOptions::default().with_memory_pool(Arc::clone(&pool));
    /// assert_eq!(opts.memory_pool(), &MemoryPoolRef::from(pool));
    /// assert_ne!(opts, IpcWriteOptions::default());
    /// ```
    pub fn with_memory_pool(mut self, pool: impl Into<MemoryPoolRef>) -> Self {
        self.memory_pool = pool.into();
        self
    }

    /// The pool the writer allocates from.
    pub fn memory_pool(&self) -> &MemoryPoolRef {
        &self.memory_pool
    }

    /// Whether the buffers of a message may be compressed on several threads (default
    /// true, as pyarrow's `use_threads`). The bytes written are the same either way:
    /// each buffer is compressed on its own and they are put back in order. Messages
    /// with less than 256 KiB of buffers are always compressed on the calling thread;
    /// larger ones are spread over up to 8 threads, as many as
    /// [`std::thread::available_parallelism`] reports, started for the message and
    /// finished with it.
    ///
    /// ```
    /// use quiver_ipc::{CompressionCodec, IpcWriteOptions};
    /// let opts = IpcWriteOptions::default().with_compression(CompressionCodec::Zstd, Some(1));
    /// assert!(opts.use_threads());
    /// assert!(!opts.with_use_threads(false).use_threads());
    /// ```
    pub fn with_use_threads(mut self, yes: bool) -> Self {
        self.use_threads = yes;
        self
    }

    /// Whether buffers may be compressed on several threads.
    pub fn use_threads(&self) -> bool {
        self.use_threads
    }

    /// The alignment of bodies and buffers.
    pub fn alignment(&self) -> usize {
        self.alignment
    }

    /// The metadata version written.
    pub fn metadata_version(&self) -> MetadataVersion {
        self.metadata_version
    }

    /// The body compression codec, if any.
    pub fn compression(&self) -> Option<CompressionCodec> {
        self.compression
    }

    /// The compression level asked for, if any.
    pub fn compression_level(&self) -> Option<i32> {
        self.compression_level
    }

    /// Whether dictionary deltas are sent.
    pub fn emit_dictionary_deltas(&self) -> bool {
        self.emit_dictionary_deltas
    }

    /// Checks the options as writers do when they are created: the alignment must be 8
    /// or 64.
    pub fn validate(&self) -> Result<(), IpcError> {
        if self.alignment != 8 && self.alignment != 64 {
            return Err(IpcError::Usage(format!(
                "alignment must be 8 or 64, not {}",
                self.alignment
            )));
        }
        Ok(())
    }
}

/// Options for [`StreamReader`](crate::StreamReader) and [`FileReader`](crate::FileReader).
///
/// ```
/// use quiver_ipc::IpcReadOptions;
/// let opts = IpcReadOptions::default().with_require_zero_copy(true).with_projection(vec![0, 2]);
/// assert_eq!(opts.max_message_size(), 1 << 32);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpcReadOptions {
    validation: ValidationLevel,
    value_range_checks: bool,
    require_zero_copy: bool,
    max_message_size: usize,
    projection: Option<Projection>,
    require_end_of_stream: bool,
    memory_pool: MemoryPoolRef,
    extension_registry: RegistryChoice,
    use_threads: bool,
}

/// The extension registry a reader uses: the process-wide one unless set. Compared by
/// identity.
#[derive(Debug, Clone, Default)]
struct RegistryChoice(Option<Arc<ExtensionRegistry>>);

impl PartialEq for RegistryChoice {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for RegistryChoice {}

/// One selected field: its index among its siblings, and which of its children (for a
/// struct) are selected; `None` selects the whole field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selection {
    pub index: usize,
    pub children: Option<Vec<Selection>>,
}

/// Adds the field path `parts` (names through structs) to a selection list.
fn add_path(
    out: &mut Vec<Selection>,
    fields: &[Field],
    parts: &[&str],
    whole: &str,
) -> Result<(), IpcError> {
    let Some((name, rest)) = parts.split_first() else {
        return Ok(());
    };
    let Some(index) = fields.iter().position(|f| f.name() == *name) else {
        return Err(IpcError::Usage(format!(
            "projection asks for {whole:?}, but there is no field {name:?} (the choices are: {})",
            fields
                .iter()
                .map(|f| format!("{:?}", f.name()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let pos = match out.iter().position(|s| s.index == index) {
        Some(p) => p,
        None => {
            out.push(Selection {
                index,
                children: Some(Vec::new()),
            });
            out.len() - 1
        }
    };
    let sel = &mut out[pos];
    if rest.is_empty() {
        sel.children = None;
        return Ok(());
    }
    let DataType::Struct(children) = fields[index].data_type() else {
        return Err(IpcError::Usage(format!(
            "projection asks for {whole:?}, but {name:?} is a {}, not a struct",
            fields[index].data_type()
        )));
    };
    if let Some(list) = &mut sel.children {
        add_path(list, children, rest, whole)?;
    }
    Ok(())
}

/// Which columns to read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Projection {
    Indices(Vec<usize>),
    Names(Vec<String>),
}

impl Default for IpcReadOptions {
    fn default() -> Self {
        Self {
            validation: ValidationLevel::Full,
            value_range_checks: true,
            require_zero_copy: false,
            max_message_size: 1 << 32,
            projection: None,
            require_end_of_stream: true,
            memory_pool: MemoryPoolRef::default(),
            extension_registry: RegistryChoice::default(),
            use_threads: true,
        }
    }
}

impl IpcReadOptions {
    /// Fail with [`IpcError::CopyRequired`](crate::IpcError::CopyRequired) instead of
    /// copying a buffer (because the source is not in memory, or a buffer is misaligned
    /// or compressed).
    pub fn with_require_zero_copy(mut self, yes: bool) -> Self {
        self.require_zero_copy = yes;
        self
    }

    /// Whether a stream must end with its end-of-stream marker (the default). Every
    /// Arrow writer writes it on close, so a stream without it was cut off or never
    /// finished; readers report that as an error after the last complete batch. Turn
    /// this off to accept such streams silently, as pyarrow does.
    pub fn with_require_end_of_stream(mut self, yes: bool) -> Self {
        self.require_end_of_stream = yes;
        self
    }

    /// The pool every allocation of a reader goes to: bytes read from sources that copy
    /// (an [`OsFile`](quiver_buffer::OsFile), any `std::io` reader), decompressed
    /// buffers, byte-swapped or realigned copies, and the partial messages a
    /// [`StreamDecoder`](crate::StreamDecoder) gathers. The default pool unless set.
    /// Pass a [`ProxyMemoryPool`](quiver_buffer::ProxyMemoryPool) to count (or, with a
    /// limit, cap) what one request holds; zero-copy reads allocate nothing. An
    /// allocation the pool refuses fails the read with
    /// [`IpcError::Memory`](crate::IpcError::Memory). Options compare pools by identity.
    ///
    /// Not yet covered: concatenating a delta dictionary onto its dictionary, the small
    /// fix-ups array validation makes (an offsets buffer for an empty array written
    /// without one), and tensor reads still use the default pool.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use quiver_buffer::{MemoryPoolRef, ProxyMemoryPool};
    /// use quiver_ipc::IpcReadOptions;
    /// let pool = Arc::new(ProxyMemoryPool::new(MemoryPoolRef::default()));
    /// let opts = IpcReadOptions::default().with_memory_pool(Arc::clone(&pool));
    /// assert_eq!(opts.memory_pool(), &MemoryPoolRef::from(pool));
    /// assert_eq!(IpcReadOptions::default().memory_pool(), &MemoryPoolRef::default());
    /// ```
    pub fn with_memory_pool(mut self, pool: impl Into<MemoryPoolRef>) -> Self {
        self.memory_pool = pool.into();
        self
    }

    /// The pool readers allocate from.
    pub fn memory_pool(&self) -> &MemoryPoolRef {
        &self.memory_pool
    }

    /// Whether the buffers of a compressed message may be decompressed on several
    /// threads (default true, as pyarrow's `use_threads`). The batches read, and the
    /// errors reported for bad input, are the same either way. Messages whose buffers
    /// decompress to less than 256 KiB are always done on the calling thread; larger
    /// ones are spread over up to 8 threads, as many as
    /// [`std::thread::available_parallelism`] reports, started for the message and
    /// finished with it. Reads with a projection decompress only the buffers they need,
    /// on the calling thread.
    ///
    /// ```
    /// use quiver_ipc::IpcReadOptions;
    /// assert!(IpcReadOptions::default().use_threads());
    /// assert!(!IpcReadOptions::default().with_use_threads(false).use_threads());
    /// ```
    pub fn with_use_threads(mut self, yes: bool) -> Self {
        self.use_threads = yes;
        self
    }

    /// Whether compressed buffers may be decompressed on several threads.
    pub fn use_threads(&self) -> bool {
        self.use_threads
    }

    /// Check extension fields of the schema against `registry` instead of the
    /// process-wide [`ExtensionRegistry::global`]. Options compare registries by
    /// identity.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use quiver_array::ExtensionRegistry;
    /// use quiver_ipc::IpcReadOptions;
    /// let registry = Arc::new(ExtensionRegistry::new());
    /// let opts = IpcReadOptions::default().with_extension_registry(Arc::clone(&registry));
    /// assert!(std::ptr::eq(opts.extension_registry(), &*registry));
    /// assert!(std::ptr::eq(IpcReadOptions::default().extension_registry(), ExtensionRegistry::global()));
    /// ```
    pub fn with_extension_registry(mut self, registry: Arc<ExtensionRegistry>) -> Self {
        self.extension_registry = RegistryChoice(Some(registry));
        self
    }

    /// The registry extension fields are checked against.
    pub fn extension_registry(&self) -> &ExtensionRegistry {
        match &self.extension_registry.0 {
            Some(r) => r,
            None => ExtensionRegistry::global(),
        }
    }

    /// Whether the end-of-stream marker is required.
    pub fn require_end_of_stream(&self) -> bool {
        self.require_end_of_stream
    }

    /// Largest message (metadata plus body) or decompressed buffer accepted, in bytes.
    pub fn with_max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Read only these top-level columns (by index, in this order).
    pub fn with_projection(mut self, columns: Vec<usize>) -> Self {
        self.projection = Some(Projection::Indices(columns));
        self
    }

    /// Read only the fields at these paths, in this order: a top-level column name, or
    /// a dotted path into structs (`"s.a"` reads column `s` with only its child `a`).
    /// The first field of each name is taken; a path the schema lacks is an error when
    /// the reader opens.
    pub fn with_projection_names<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> Self {
        self.projection = Some(Projection::Names(
            names.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Skips the value checks (offsets, UTF-8, dictionary indices) on decoded arrays,
    /// and takes each field node's declared null count as it is (when it is at most the
    /// length) instead of counting the validity bitmap's bits, as arrow-rs's
    /// `skip_validation` does; the structural checks that keep reads in bounds still run.
    ///
    /// # Safety
    /// The caller vouches that the input was written by a correct Arrow writer (for
    /// example, a file this process wrote itself): the values are valid and the
    /// declared null counts are right. Invalid values or counts then surface later as
    /// wrong results (never as out-of-bounds reads in Quiver's own accessors).
    pub unsafe fn with_unchecked_values(mut self) -> Self {
        self.validation = ValidationLevel::Structural;
        self
    }

    /// Whether full validation also refuses values outside their type's meaning
    /// (the default, as Arrow C++'s `ValidateFull` does): decimals with more digits than
    /// their precision, date64 values that are not whole days, and time32/time64 values
    /// outside one day. These are memory-safe, so turning the check off is safe; do it to
    /// read files from producers that wrote such values (the 0.14.1 and 1.0.0 golden
    /// files of arrow-testing hold random decimals and dates). The values are then
    /// carried over as they are, and [`Array::validate_values`](quiver_array::Array::validate_values)
    /// still finds them.
    ///
    /// ```
    /// use quiver_ipc::IpcReadOptions;
    /// assert!(IpcReadOptions::default().value_range_checks());
    /// assert!(!IpcReadOptions::default().with_value_range_checks(false).value_range_checks());
    /// ```
    pub fn with_value_range_checks(mut self, yes: bool) -> Self {
        self.value_range_checks = yes;
        self
    }

    /// Whether values outside their type's meaning are refused (only at full validation).
    pub fn value_range_checks(&self) -> bool {
        self.value_range_checks && self.validation == ValidationLevel::Full
    }

    /// The validation level decoded arrays get.
    pub fn validation(&self) -> ValidationLevel {
        self.validation
    }

    /// Whether copies are refused.
    pub fn require_zero_copy(&self) -> bool {
        self.require_zero_copy
    }

    /// The message size limit.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// The projection resolved against `schema`, if one is set.
    pub(crate) fn resolve_projection(
        &self,
        schema: &Schema,
    ) -> Result<Option<Vec<Selection>>, IpcError> {
        match &self.projection {
            None => Ok(None),
            Some(Projection::Indices(indices)) => {
                if let Some(&bad) = indices.iter().find(|&&i| i >= schema.len()) {
                    return Err(IpcError::Usage(format!(
                        "projection asks for column {bad} but the schema has {} columns",
                        schema.len()
                    )));
                }
                Ok(Some(
                    indices
                        .iter()
                        .map(|&index| Selection {
                            index,
                            children: None,
                        })
                        .collect(),
                ))
            }
            Some(Projection::Names(paths)) => {
                let mut out: Vec<Selection> = Vec::new();
                for path in paths {
                    let parts: Vec<&str> = path.split('.').collect();
                    add_path(&mut out, schema.fields(), &parts, path)?;
                }
                Ok(Some(out))
            }
        }
    }
}

/// The schema of the columns a projection selects.
pub(crate) fn project_schema(schema: &SchemaRef, projection: Option<&[Selection]>) -> SchemaRef {
    let Some(p) = projection else {
        return Arc::clone(schema);
    };
    let fields = p
        .iter()
        .filter_map(|s| {
            schema
                .fields()
                .get(s.index)
                .map(|f| project_field(f, s.children.as_deref()))
        })
        .collect();
    Arc::new(Schema::new(fields).with_metadata(schema.metadata().clone()))
}

/// A field with only the selected struct children (`None` keeps it whole).
pub(crate) fn project_field(field: &Field, children: Option<&[Selection]>) -> Field {
    match (field.data_type(), children) {
        (DataType::Struct(fs), Some(sel)) => {
            let kept = sel
                .iter()
                .filter_map(|s| {
                    fs.get(s.index)
                        .map(|f| project_field(f, s.children.as_deref()))
                })
                .collect();
            Field::new(field.name(), DataType::Struct(kept), field.is_nullable())
                .with_metadata(field.metadata().clone())
        }
        _ => field.clone(),
    }
}
